import { randomUUID } from 'node:crypto';
import { subjects } from '../examples/example';
import type { CampaignPlan } from '../domain/plan';
import { budgetLedgerWorkflowId, getBudgetLedger, getHouseholdShard, householdShardWorkflowId } from '../workflows/registry/messages';
import { decideObjection, fileObjection, UnitPhaseFailure, type DecideObjectionRequest, type FileObjectionRequest } from '../workflows/unit/messages';
import { apiConfig, startApi } from './harness/api';
import { CampaignDriver, refusal } from './harness/campaign-driver';
import { timeSkippingPerTest } from './harness/per-test';
import { household, subDistrictSpringPlan } from './harness/plans';
import { createTestWorker, uniqueId } from './harness/temporal';

// Publicity (公示) under roster rules: the approved roster is published behind a notice link, anyone
// holding the link objects, the unit answers, the coordinator upholds or dismisses; the unit cannot
// be approved while an objection is undecided, and ageing objections are reminded and escalated.

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const t = timeSkippingPerTest();

const roster = [household(1, { category: 'key', amount: 800 }), household(2, { amount: 500 }), household(3, { amount: 600 })];

/** Plan 1 with one community, its roster approved and signed off, an hour into publicity with its report submitted. */
async function toPublicity(body: (c: CampaignDriver, plan: CampaignPlan, taskQueue: string) => Promise<void>) {
  const plan = subDistrictSpringPlan({ id: uniqueId('notice'), webhook: (p) => t.receiver.url(p), units: 1 });
  const { worker, taskQueue } = await createTestWorker(t.env);
  await worker.runUntil(async () => {
    const c = await CampaignDriver.start(t.env, taskQueue, plan);
    await c.until(Date.parse(c.phase('preparation').opensAt) + HOUR);
    await c.submitContent('preparation', 'community-1', { report: '慰問對象申報名冊', households: roster });
    await c.approve('preparation', 'community-1');
    await c.waitForState((s) => s.status === 'awaiting-sign-off');
    await c.signOff('preparation');
    await c.until(Date.parse(c.phase('publicity').opensAt) + HOUR);
    await c.submit('publicity', 'community-1');
    await body(c, plan, taskQueue);
  });
}

/** At the instant, give or take the timer's few milliseconds (never before it). */
const expectAt = (instant: string | undefined, due: number) => {
  expect(Date.parse(instant!) - due).toBeGreaterThanOrEqual(0);
  expect(Date.parse(instant!) - due).toBeLessThan(1_000);
};

const file = (c: CampaignDriver, request: Omit<FileObjectionRequest, 'requestId' | 'actor'>) => {
  const requestId = randomUUID();
  return c.unit('publicity', 'community-1').executeUpdate(fileObjection, { updateId: requestId, args: [{ requestId, actor: 'notice', ...request }] });
};

const decide = (c: CampaignDriver, request: Omit<DecideObjectionRequest, 'requestId' | 'actor'>) => {
  const requestId = randomUUID();
  return c.unit('publicity', 'community-1').executeUpdate(decideObjection, { updateId: requestId, args: [{ requestId, actor: c.plan.coordinator.id, ...request }] });
};

test('given a published plan 1 roster, when objections are filed through the notice link, answered and decided over HTTP, a forged link should be refused, the upheld entry struck and released, and the unit approvable only once none is open', async () => {
  await toPublicity(async (c, plan, taskQueue) => {
    const tokens = new Map(subjects(plan).map((subject, i) => [subject, `publicity-test-token-${String(i).padStart(4, '0')}`]));
    const token = (subject: string) => tokens.get(subject)!;
    const api = await startApi(apiConfig({ address: t.env.address, taskQueue, apiTokens: [...tokens].map(([s, k]) => `${k}=${s}`).join(',') }), t.env.client);
    const unitToken = token('unit:community-1');
    const coordinator = token(`coordinator:${plan.coordinator.id}`);
    const reviewer = token(`reviewer:${plan.units[0]!.supervisor}`);
    const base = `/campaigns/${plan.id}/units/community-1`;
    try {
      const link = await api.call('GET', `${base}/notice-link`, { token: unitToken });
      expect(link.status).toBe(200);
      const notice = `/notices/${link.body.noticeToken as string}`;
      expect(link.body.path).toBe(notice);

      // The notice needs no bearer token and shows what a notice board does: masked names, no ID numbers or addresses.
      const published = await api.call('GET', notice);
      expect(published).toMatchObject({ status: 200, body: { unitId: 'community-1', objections: [] } });
      expect(published.body.entries.map((e: { entry: number; maskedName: string; amount: number }) => [e.entry, e.maskedName, e.amount])).toEqual([
        [1, '戶**', 800],
        [2, '戶**', 500],
        [3, '戶**', 600],
      ]);
      for (const h of roster) expect(JSON.stringify(published.body)).not.toMatch(new RegExp(`${h.idNumber}|${h.address!}|${h.name}`));

      // A forged or altered link is a 404, as if there were no such notice; nothing is filed.
      const forged = `/notices/${plan.id}~community-1~${Buffer.alloc(16).toString('base64url')}/objections`;
      const objection = { kind: 'ineligible-household', entry: 2, statement: '第2戶家中有經營性車輛,不符條件' };
      expect(await api.call('POST', forged, { body: objection })).toMatchObject({ status: 404, body: { error: { code: 'not-found' } } });
      expect(await api.call('POST', `${notice.replace('community-1', 'community-2')}/objections`, { body: objection })).toMatchObject({ status: 404 });

      const filed = await api.call('POST', `${notice}/objections`, { body: objection, headers: { 'Idempotency-Key': 'objection-a' } });
      expect(filed).toMatchObject({ status: 201, body: { number: 1, kind: 'ineligible-household', entry: 2, actor: 'notice' } });
      expect((await api.call('POST', `${notice}/objections`, { body: objection, headers: { 'Idempotency-Key': 'objection-a' } })).body).toEqual(filed.body);
      const missed = await api.call('POST', `${notice}/objections`, { body: { kind: 'missed-household', statement: '東風路9號獨居老人未列入' } });
      expect(missed).toMatchObject({ status: 201, body: { number: 2, kind: 'missed-household' } });
      expect(await api.call('POST', `${notice}/objections`, { body: { kind: 'ineligible-household', entry: 9, statement: '第9戶' } })).toMatchObject({
        status: 422,
        body: { error: { code: UnitPhaseFailure.InvalidObjection } },
      });

      const approve = () => api.call('POST', `/campaigns/${plan.id}/phases/publicity/units/community-1/reviews`, { token: reviewer, body: { decision: 'approve' } });
      expect(await approve()).toMatchObject({ status: 409, body: { error: { code: UnitPhaseFailure.ObjectionsOpen, details: { objections: [1, 2] } } } });

      // Only the unit answers, only the coordinator decides.
      const answer = { answer: '經入戶核實,該車輛為他人所有' };
      expect((await api.call('POST', `${base}/objections/1/answer`, { token: coordinator, body: answer })).status).toBe(403);
      expect(await api.call('POST', `${base}/objections/1/answer`, { token: unitToken, body: answer })).toMatchObject({ status: 201, body: { answer: { actor: 'community-1', answer: answer.answer } } });
      expect((await api.call('POST', `${base}/objections/1/decision`, { token: unitToken, body: { outcome: 'uphold', reason: '經核實' } })).status).toBe(403);

      const shard = t.env.client.workflow.getHandle(householdShardWorkflowId(plan.id, 0));
      const ledger = t.env.client.workflow.getHandle(budgetLedgerWorkflowId(plan.id));
      expect(await shard.query(getHouseholdShard)).toMatchObject({ households: 3 });
      const upheld = await api.call('POST', `${base}/objections/1/decision`, { token: coordinator, body: { outcome: 'uphold', reason: '車輛登記在戶主名下,不符條件' } });
      expect(upheld).toMatchObject({ status: 201, body: { decision: { outcome: 'uphold', actor: plan.coordinator.id, rosterChange: 'entry-struck' } } });
      // The struck household and its 500 go back to the campaign.
      expect(await shard.query(getHouseholdShard)).toMatchObject({ households: 2 });
      expect((await ledger.query(getBudgetLedger)).totals).toEqual({ 'sub-district': 1_400 });

      const dismissed = await api.call('POST', `${base}/objections/2/decision`, { token: coordinator, body: { outcome: 'dismiss', reason: '該戶已由社區另行救助' } });
      expect(dismissed).toMatchObject({ status: 201, body: { decision: { outcome: 'dismiss' } } });
      expect(dismissed.body.decision.rosterChange).toBeUndefined();
      expect(await api.call('POST', `${base}/objections/2/decision`, { token: coordinator, body: { outcome: 'uphold', reason: '改判' } })).toMatchObject({
        status: 409,
        body: { error: { code: UnitPhaseFailure.ObjectionDecided } },
      });

      const after = await api.call('GET', notice);
      expect(after.body.entries.map((e: { entry: number }) => e.entry)).toEqual([1, 3]);
      expect(after.body.objections.map((o: { outcome?: string }) => o.outcome)).toEqual(['uphold', 'dismiss']);
      expect(await approve()).toMatchObject({ status: 201, body: { status: 'approved' } });
      const audit = await api.call('GET', `/campaigns/${plan.id}/audit`, { token: coordinator });
      expect(audit.body.rows.filter((r: { action: string }) => r.action.startsWith('objection-')).map((r: { action: string; actor: string; detail: string }) => [r.action, r.actor, r.detail])).toEqual([
        ['objection-filed', 'notice', 'objection 1: ineligible-household, entry 2'],
        ['objection-filed', 'notice', 'objection 2: missed-household'],
        ['objection-answered', 'community-1', 'objection 1: ineligible-household, entry 2'],
        ['objection-upheld', plan.coordinator.id, 'objection 1: ineligible-household, entry 2 (entry-struck)'],
        ['objection-dismissed', plan.coordinator.id, 'objection 2: missed-household'],
      ]);

      // Visiting pays against the roster as the notice left it.
      await c.until(Date.parse(c.phase('visiting').opensAt) + HOUR);
      expect((await c.unitState('visiting', 'community-1')).approvedRoster?.map((e) => e.entry)).toEqual([1, 3]);
    } finally {
      await api.close();
    }
  });
});

test('given an objection nobody answers, when time passes, the unit should be reminded at exactly P2D and the coordinator told at P4D, and the phase should stay open past its cutoff until it is decided', async () => {
  await toPublicity(async (c) => {
    const filed = await file(c, { kind: 'missed-household', statement: '東風路9號獨居老人未列入' });
    const filedAt = Date.parse(filed.filedAt);

    await c.until(filedAt + 2 * DAY - HOUR);
    expect((await c.unitState('publicity', 'community-1')).objections[0]!.remindedAt).toBeUndefined();
    await c.until(filedAt + 2 * DAY + HOUR);
    await t.receiver.waitFor(() => t.receiver.notifications({ kind: 'objection-reminder' }).length === 1);
    expect(t.receiver.notifications({ kind: 'objection-reminder' }).map((n) => `${n.recipient.role}:${n.recipient.id}`)).toEqual(['unit:community-1']);
    let state = await c.unitState('publicity', 'community-1');
    expectAt(state.objections[0]!.remindedAt, filedAt + 2 * DAY);
    await c.until(filedAt + 4 * DAY - HOUR);
    expect((await c.unitState('publicity', 'community-1')).objections[0]!.escalatedAt).toBeUndefined();

    await c.until(filedAt + 4 * DAY + HOUR);
    await t.receiver.waitFor(() => t.receiver.notifications({ kind: 'objection-escalated' }).length === 1);
    expect(t.receiver.notifications({ kind: 'objection-escalated' }).map((n) => `${n.recipient.role}:${n.recipient.id}`)).toEqual([`coordinator:${c.plan.coordinator.id}`]);
    state = await c.unitState('publicity', 'community-1');
    expectAt(state.objections[0]!.escalatedAt, filedAt + 4 * DAY);
    // The statement may name a household: it never leaves in a notification.
    expect(JSON.stringify(t.receiver.notifications({ unitId: 'community-1', phase: 'publicity' }))).not.toContain('東風路9號');

    const open = await refusal(c.approve('publicity', 'community-1'));
    expect(open).toMatchObject({ type: UnitPhaseFailure.ObjectionsOpen, message: "unit community-1 cannot be approved while objection 1 awaits the coordinator's decision" });
    await c.until(Date.parse(c.phase('publicity').cutoff) + HOUR);
    expect((await c.unitState('publicity', 'community-1')).status).toBe('submitted');
    expect((await c.state()).phases.find((p) => p.name === 'publicity')!.status).toBe('running');

    const upheld = await decide(c, { objection: 1, outcome: 'uphold', reason: '經核實應列入' });
    expect(upheld.decision).toMatchObject({ outcome: 'uphold', rosterChange: 'addition-requested' });
    await t.receiver.waitFor(() => t.receiver.notifications({ kind: 'objection-decided' }).length === 2);
    await c.approve('publicity', 'community-1');
    await c.waitForState((s) => s.currentPhase === 'visiting');
  });
});
