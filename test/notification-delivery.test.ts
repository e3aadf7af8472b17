import { smtpTransport } from '../activities/channels/email';
import { campaignPlanSchema, type CampaignPlan, type CampaignPlanInput } from '../domain/plan';
import { CampaignDriver } from './harness/campaign-driver';
import { startDingTalkRobot, startSmtpInbox, startWeComRobot, type SmtpInbox } from './harness/channel-receivers';
import { timeSkippingPerTest } from './harness/per-test';
import { seasonYear, unionWinterPlan } from './harness/plans';
import { createTestWorker, uniqueId, WEBHOOK_SECRET } from './harness/temporal';

// Who is told how, end to end: a real campaign on a real (time-skipping) Temporal server, its
// people each on the channel they chose, and each channel's receiver on loopback. Plan 5's union
// rosters are due 12月30日 17:00; a unit that sends none forfeits, and its supervisor and the
// coordinator are told (督办) on their own channels, in Chinese, in Beijing time.

const t = timeSkippingPerTest();
const year = seasonYear();
const HOUR = 3_600_000;
const DINGTALK_SECRET = 'SEC0123456789abcdef-union-office';
const SENDER = '縣總工會 <relief@example.org>';

type Robot = Awaited<ReturnType<typeof startWeComRobot>>;
let wecom: Robot;
let dingtalk: Robot;
let inbox: SmtpInbox;
beforeEach(async () => {
  [wecom, dingtalk, inbox] = await Promise.all([startWeComRobot(), startDingTalkRobot(DINGTALK_SECRET), startSmtpInbox()]);
});
afterEach(async () => {
  await Promise.all([wecom?.close(), dingtalk?.close(), inbox?.close()]);
});

/** The union's plan with its people's contacts replaced, a third reviewer, and nothing but the cutoff on the clock. */
function plan(id: string, units: number, contacts: (input: CampaignPlanInput) => void): CampaignPlan {
  const base = unionWinterPlan({ id, webhook: (p) => t.receiver.url(p), year, units });
  const input: CampaignPlanInput = structuredClone({ ...base, phases: base.phases.map((p) => ({ ...p, reminders: [] })) });
  contacts(input);
  return campaignPlanSchema.parse(input);
}

async function worker() {
  return createTestWorker(t.env, undefined, {
    notifier: { signingSecret: WEBHOOK_SECRET, log: () => {}, requestTimeoutMs: 2_000, email: { transport: smtpTransport({ host: '127.0.0.1', port: inbox.port, secure: false }), from: SENDER } },
  });
}

const forfeitures = (robot: Robot) => robot.received.filter((m) => JSON.stringify(m.body).includes('【逾期】'));

test('given a coordinator on DingTalk and reviewers on WeCom, e-mail and a webhook, when three units miss the cutoff, each channel should receive its forfeiture escalation in its format, in Chinese with the Beijing time', async () => {
  const p = plan(uniqueId('channels'), 3, (input) => {
    input.coordinator.notify = { ...input.coordinator.notify, channel: { type: 'dingtalk', url: dingtalk.url, secret: DINGTALK_SECRET } };
    input.reviewers[0]!.notify = { ...input.reviewers[0]!.notify, channel: { type: 'wecom', url: wecom.url } };
    input.reviewers[1]!.notify = { ...input.reviewers[1]!.notify, channel: { type: 'email', to: 'audit-office@union.example.org' } };
    input.reviewers.push({ id: 'finance-dept', name: '財務部', notify: { webhook: t.receiver.url('reviewer/finance-dept') } });
    input.units[2]!.supervisor = 'finance-dept';
    // union-3's clerk reads English.
    input.units[2]!.notify = { ...input.units[2]!.notify, locale: 'en' };
  });
  const [u1, u2, u3] = p.units;
  const { worker: w, taskQueue, store } = await worker();
  await w.runUntil(async () => {
    const c = await CampaignDriver.start(t.env, taskQueue, p, store);
    await c.until(Date.parse(p.phases[0]!.cutoff) + HOUR);
    await t.receiver.waitFor(() => t.receiver.notifications({ kind: 'unit-forfeited' }).length === 4, 60_000);
    const deadline = Date.now() + 60_000;
    while ((forfeitures(dingtalk).length < 3 || forfeitures(wecom).length < 1 || inbox.received.length < 1) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  });

  const text = (unit: string) => `${p.title}：${unit}未在12月30日 17:00截止前提交准备阶段的申报名册，逾期不予接收，视为自动放弃。`;
  // DingTalk: one signed markdown message per unit (the robot keeps only what passed its signature check).
  expect(forfeitures(dingtalk).map((m) => m.body).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual(
    [u1!, u2!, u3!].map((u) => ({ msgtype: 'markdown', markdown: { title: `【逾期】${u.name}准备阶段视为自动放弃`, text: `#### 【逾期】${u.name}准备阶段视为自动放弃\n\n${text(u.name)}` } })).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
  );
  expect(forfeitures(dingtalk)[0]!.query.get('sign')).toEqual(expect.any(String));
  // WeCom: rights-dept supervises union-1 only.
  expect(forfeitures(wecom).map((m) => m.body)).toEqual([{ msgtype: 'markdown', markdown: { content: `**【逾期】${u1!.name}准备阶段视为自动放弃**\n${text(u1!.name)}` } }]);
  // E-mail: audit-office supervises union-2; the structured notification rides beside the text.
  const [mail] = inbox.received;
  expect({ to: mail!.envelopeTo, subject: mail!.subject, text: mail!.text?.trim(), from: mail!.from?.value[0] }).toEqual({ to: ['audit-office@union.example.org'], subject: `【逾期】${u2!.name}准备阶段视为自动放弃`, text: text(u2!.name), from: { name: '縣總工會', address: 'relief@example.org' } });
  const attached = JSON.parse(mail!.attachments[0]!.content.toString('utf8'));
  expect(attached).toMatchObject({ kind: 'unit-forfeited', unitId: u2!.id, recipient: { role: 'reviewer', id: 'audit-office' }, data: { unitName: u2!.name, submission: 'applicant-roster' } });
  expect(Date.parse(attached.data.cutoff)).toBe(Date.parse(p.phases[0]!.cutoff));
  // Webhook: finance-dept supervises union-3; JSON with the data and the Chinese text beside it.
  const [escalation] = t.receiver.notifications({ kind: 'unit-forfeited', to: 'reviewer:finance-dept' });
  expect(escalation).toMatchObject({ unitId: u3!.id, data: { unitName: u3!.name, submission: 'applicant-roster' }, title: `【逾期】${u3!.name}准备阶段视为自动放弃`, text: text(u3!.name), message: text(u3!.name) });
  // The unit that asked for English is told in English; the others in Chinese.
  expect(t.receiver.notifications({ kind: 'unit-forfeited', to: `unit:${u3!.id}` })[0]!.message).toBe(`${p.title}: ${u3!.name} submitted no applicant roster for the preparation phase by the cutoff 30 Dec 17:00 and forfeits (late submissions are not accepted).`);
  expect(t.receiver.notifications({ kind: 'unit-forfeited', to: `unit:${u1!.id}` })[0]!.message).toContain('视为自动放弃');
  // Nobody on a robot or a mailbox got a webhook besides.
  expect(t.receiver.notifications({ to: 'coordinator:union-office' })).toEqual([]);
}, 180_000);

test('given a coordinator who asked for a daily digest, when 200 units miss the cutoff, it should get one message listing all 200, not 200 messages', async () => {
  const units = 200;
  const p = plan(uniqueId('digest'), units, (input) => {
    input.coordinator.notify = { ...input.coordinator.notify, digest: 'P1D' };
    for (const reviewer of input.reviewers) reviewer.notify = { ...reviewer.notify, digest: 'P1D' };
  });
  const { worker: w, taskQueue, store } = await worker();
  await w.runUntil(async () => {
    const c = await CampaignDriver.start(t.env, taskQueue, p, store);
    await c.until(Date.parse(p.phases[0]!.cutoff) + HOUR);
    await t.receiver.waitFor(() => t.receiver.notifications({ kind: 'unit-forfeited' }).length === units, 120_000);
    // Every escalation is in the record before the day ends; the digests go out when it does.
    await c.until(Date.parse(p.phases[0]!.cutoff) + 2 * 24 * HOUR);
    await t.receiver.waitFor(() => t.receiver.notifications({ kind: 'digest' }).length === 3, 60_000);
  });

  const [digest, ...more] = t.receiver.notifications({ kind: 'digest', to: 'coordinator:union-office' });
  expect(more).toEqual([]);
  expect(digest!.items!.map((i) => i.unitId).sort()).toEqual(p.units.map((u) => u.id).sort());
  expect(digest!.items!.every((i) => i.kind === 'unit-forfeited')).toBe(true);
  expect(digest!.message).toContain(`· 准备阶段 逾期视为自动放弃（${units}个单位）：`);
  expect(digest!.message.split('：').at(-1)!.split('、')).toHaveLength(units);
  expect(digest!.data).toMatchObject({ count: units });
  // Each reviewer gets one digest of its own units; the coordinator got no single forfeiture message.
  expect(t.receiver.notifications({ kind: 'digest', to: 'reviewer:rights-dept' })[0]!.items).toHaveLength(units / 2);
  expect(t.receiver.notifications({ kind: 'unit-forfeited', to: 'coordinator:union-office' })).toEqual([]);
  // The record still lists each unit's escalation on its own.
  const { rows } = await store.pool.query("SELECT count(*)::int AS n FROM notifications WHERE recipient = 'coordinator:union-office' AND kind = 'unit-forfeited'");
  expect(rows[0].n).toBe(units);
}, 300_000);
