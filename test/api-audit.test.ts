import { subjects } from '../examples/example';
import { apiConfig, eventually, startApi } from './harness/api';
import { CampaignDriver } from './harness/campaign-driver';
import { household, subDistrictSpringPlan } from './harness/plans';
import { timeSkippingPerTest } from './harness/per-test';
import { createTestWorker, uniqueId } from './harness/temporal';

// The audit export (紀檢辦) of a campaign driven through the API on the time-skipping server: every
// kind of state change, by whom, when, under which request id (and for a request, when the API
// received it); written by the same transaction as the change; rosters counted, never listed.

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const t = timeSkippingPerTest();

/** RFC 4180, enough to read back what the API wrote. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  for (let i = 0, quoted = false; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') field += text[++i];
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',' || c === '\r') {
      row.push(field);
      field = '';
      if (c === '\r') {
        rows.push(row);
        row = [];
        i++; // the \n of CRLF
      }
    } else field += c;
  }
  return rows;
}

/** Every kind of row the record writes to the trail (store/records.ts, the campaign workflow, the dispatcher). */
const ACTIONS = [
  'campaign-started', 'phase-started', 'phase-closed', 'submitted', 'approved', 'rejected', 'cutoff-extended', 'entries-struck', 'visit-recorded',
  'objection-filed', 'objection-answered', 'objection-upheld', 'objection-dismissed', 'household-added', 'forfeited', 'unit-phase-cancelled',
  'unit-reinstated', 'phase-signed-off', 'sign-off-reminded', 'campaign-cancelled', 'campaign-closed',
];

test('given a plan 1 campaign with submissions, strikes, a rejection, an extension, forfeitures, reminders, a reinstatement, a sign-off, objections, an added household, visits and a cancellation, when the coordinator exports the audit trail, every change should be a row with time, actor and request id, and no household data', async () => {
  const plan = subDistrictSpringPlan({ id: uniqueId('audit'), webhook: (p) => t.receiver.url(p) });
  // The coordinator is reminded daily while the preparation phase awaits sign-off.
  plan.phases[0]!.signOffReminderEvery = 'P1D';
  const [u1, u2, u3] = plan.units.map((u) => u.id) as [string, string, string];
  const tokens = new Map(subjects(plan).map((subject, i) => [subject, `audit-token-${String(i).padStart(4, '0')}-${subject.replace(/[^a-z0-9-]/gi, '')}`]));
  const token = (subject: string) => tokens.get(subject)!;
  const coordinator = token(`coordinator:${plan.coordinator.id}`);
  const reviewerOf = (unitId: string) => token(`reviewer:${plan.units.find((u) => u.id === unitId)!.supervisor}`);
  const { worker, taskQueue, store } = await createTestWorker(t.env);
  const config = apiConfig({ address: t.env.address, taskQueue, databaseUrl: store.url, timeoutMs: 20_000, apiTokens: [...tokens].map(([subject, value]) => `${value}=${subject}`).join(',') });
  const api = await startApi(config, t.env.client, store.pool);
  const base = `/campaigns/${plan.id}`;
  const unit = (phase: string, id: string) => `${base}/phases/${phase}/units/${id}`;
  const key = (name: string) => ({ 'Idempotency-Key': `${plan.id}-${name}` });
  const households = [household(1, { name: '王小明, "阿明"', reason: '肺癌晚期,\n自付醫療費超五萬' }), household(2), household(3, { amount: 600 })];
  const added = household(9, { name: '李大爺', address: '東風路9號', reason: '獨居老人' });
  const roster = { kind: 'applicant-roster', report: '慰問對象申報名冊,王小明等3戶', households };
  const statements = ['漏報了東風路9號的李大爺', '王小明家有轎車,不符條件'];
  const words = { answer: '經核實,李大爺獨居無收入', uphold: '李大爺符合條件,補錄', dismiss: '經入戶核實,轎車已報廢' };
  const post = async (path: string, bearer: string | undefined, body: unknown, name: string) => {
    const response = await api.call('POST', path, { token: bearer, body, headers: key(name) });
    if (response.status >= 300) throw new Error(`${name}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  };
  try {
    await worker.runUntil(async () => {
      const c = new CampaignDriver(t.env, plan, store);
      await post('/campaigns', coordinator, plan, 'start');
      await c.until(Date.parse(c.phase('preparation').opensAt) + DAY);
      await c.unitState('preparation', u1);
      await post(`${unit('preparation', u1)}/submissions`, token(`unit:${u1}`), roster, 'submit-1');
      await post(`${unit('preparation', u1)}/strikes`, reviewerOf(u1), { entries: [{ entry: 2, reason: '經入戶核實,家有轎車' }] }, 'strike');
      await post(`${unit('preparation', u1)}/reviews`, reviewerOf(u1), { decision: 'reject', reason: '缺少公章,\n請補報 "簽字名冊"' }, 'reject');
      await post(`${unit('preparation', u1)}/submissions`, token(`unit:${u1}`), roster, 'submit-2');
      await post(`${unit('preparation', u1)}/strikes`, reviewerOf(u1), { entries: [{ entry: 2, reason: '經入戶核實,家有轎車' }] }, 'strike-2');
      await post(`${unit('preparation', u1)}/reviews`, reviewerOf(u1), { decision: 'approve' }, 'approve');
      const extendedTo = new Date(Date.parse(c.phase('preparation').cutoff) + DAY).toISOString();
      await post(`${unit('preparation', u2)}/cutoff-extensions`, coordinator, { cutoff: extendedTo, reason: '村委換屆,延後報送' }, 'extend');
      // u2 and u3 never submit: reminded, then forfeited by the clock; the phase then awaits sign-off, and reminds.
      await c.until(Date.parse(extendedTo) + DAY);
      await c.waitForState((s) => s.status === 'awaiting-sign-off');
      await c.until((await t.env.currentTimeMs()) + DAY + HOUR);
      await eventually(async () => expect((await store.views.audit(plan.id)).map((r) => r.action)).toContain('sign-off-reminded'));
      await post(`${base}/units/${u3}/reinstate`, coordinator, { reason: '因病住院,經核實補報' }, 'reinstate');
      await post(`${base}/phases/preparation/sign-off`, coordinator, { note: '名單核實無誤' }, 'sign-off');

      // Publicity: one objection upheld (a missed household, then added), one dismissed.
      await c.until(Date.parse(c.phase('publicity').opensAt) + HOUR);
      await c.unitState('publicity', u1);
      const link = await api.call('GET', `${base}/units/${u1}/notice-link`, { token: token(`unit:${u1}`) });
      const notice = `/notices/${link.body.noticeToken as string}`;
      const objections = `${base}/units/${u1}/objections`;
      await post(`${notice}/objections`, undefined, { kind: 'missed-household', statement: statements[0] }, 'objection-1');
      await post(`${objections}/1/answer`, token(`unit:${u1}`), { answer: words.answer }, 'answer');
      await post(`${objections}/1/decision`, coordinator, { outcome: 'uphold', reason: words.uphold }, 'uphold');
      await post(`${objections}/1/addition`, token(`unit:${u1}`), { household: added }, 'addition');
      await post(`${notice}/objections`, undefined, { kind: 'ineligible-household', entry: 1, statement: statements[1] }, 'objection-2');
      await post(`${objections}/2/decision`, coordinator, { outcome: 'dismiss', reason: words.dismiss }, 'dismiss');
      for (const id of [u1, u3]) {
        await c.unitState('publicity', id);
        await post(`${unit('publicity', id)}/submissions`, token(`unit:${id}`), { kind: 'publicity-report', report: '張榜公示七天' }, `publicity-${id}`);
        await post(`${unit('publicity', id)}/reviews`, reviewerOf(id), { decision: 'approve' }, `publicity-approve-${id}`);
      }

      // Visiting: a batch of payments, then the campaign is cancelled.
      await c.until(Date.parse(c.phase('visiting').opensAt) + HOUR);
      await c.unitState('visiting', u1);
      const visit = (entry: number, amount: number) => ({ entry, amount, visitedOn: '2028-02-09', recipientSigned: true, handler: '民政專幹 王芳' });
      await post(`${unit('visiting', u1)}/visit-batches`, token(`unit:${u1}`), { visits: [visit(1, 400), visit(3, 600), visit(4, 400)] }, 'visits');
      await post(`${base}/cancel`, coordinator, { reason: '=SUM(1,2) 上級通知活動合併' }, 'cancel');
      await c.waitForState((s) => s.status === 'cancelled');

      const audit = await eventually(async () => {
        const response = await api.call('GET', `${base}/audit`, { token: coordinator });
        expect(response.body.rows).toContainEqual(expect.objectContaining({ action: 'campaign-closed' }));
        return response;
      });
      expect(audit.status).toBe(200);
      const { rows } = audit.body as { rows: Record<string, string | null | undefined>[] };
      const actions = new Set(rows.map((r) => r.action));
      expect(ACTIONS.filter((a) => !actions.has(a))).toEqual([]);
      const row = (action: string, unitId: string | null = null) => rows.find((r) => r.action === action && r.unitId === unitId);
      // The API's request id is the operation, the caller and the Idempotency-Key.
      const byRequest = (name: string) => rows.find((r) => r.requestId?.endsWith(`:${plan.id}-${name}`));

      expect(byRequest('start')).toMatchObject({ action: 'campaign-started', actor: plan.coordinator.id, phase: null });
      expect(byRequest('submit-1')).toMatchObject({ action: 'submitted', actor: u1, phase: 'preparation', unitId: u1, detail: 'submission 1: applicant-roster, 3 households' });
      expect(byRequest('strike')).toMatchObject({ action: 'entries-struck', actor: 'civil-affairs-review', detail: 'submission 1: entries 2' });
      expect(byRequest('reject')).toMatchObject({ action: 'rejected', actor: 'civil-affairs-review', detail: 'submission 1: 缺少公章,\n請補報 "簽字名冊"' });
      expect(byRequest('approve')).toMatchObject({ action: 'approved', unitId: u1, detail: 'submission 2' });
      expect(byRequest('extend')).toMatchObject({ action: 'cutoff-extended', actor: plan.coordinator.id, unitId: u2 });
      expect(byRequest('reinstate')).toMatchObject({ action: 'unit-reinstated', unitId: u3, phase: 'preparation' });
      expect(byRequest('sign-off')).toMatchObject({ action: 'phase-signed-off', phase: 'preparation', detail: '名單核實無誤' });
      expect(byRequest('objection-1')).toMatchObject({ action: 'objection-filed', actor: 'notice', phase: 'publicity', unitId: u1, detail: 'objection 1: missed-household' });
      expect(byRequest('answer')).toMatchObject({ action: 'objection-answered', actor: u1, detail: 'objection 1: missed-household' });
      expect(byRequest('uphold')).toMatchObject({ action: 'objection-upheld', actor: plan.coordinator.id, detail: 'objection 1: missed-household (addition-requested)' });
      expect(byRequest('addition')).toMatchObject({ action: 'household-added', actor: u1, detail: 'objection 1: missed-household: entry 4' });
      expect(byRequest('dismiss')).toMatchObject({ action: 'objection-dismissed', detail: 'objection 2: ineligible-household, entry 1' });
      expect(byRequest('visits')).toMatchObject({ action: 'visit-recorded', actor: u1, phase: 'visiting', unitId: u1, detail: '3 visits, 1,400 paid' });
      expect(byRequest('cancel')).toMatchObject({ action: 'campaign-cancelled', actor: plan.coordinator.id });
      // A request's row carries when the API received it; what the clock did carries none.
      for (const name of ['submit-1', 'reject', 'approve', 'visits']) expect(byRequest(name)!.receivedAt).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT/));
      // What the clock did: actor 'system', keyed by what caused it (a notification by its id, which receivers dedupe on).
      const clock = ['phase-started', 'phase-closed', 'sign-off-reminded', 'campaign-closed'].map((action) => row(action));
      for (const unitId of [u2, u3]) clock.push(row('forfeited', unitId));
      clock.push(row('unit-phase-cancelled', u1));
      for (const r of clock) expect(r).toMatchObject({ actor: 'system', requestId: expect.stringContaining(plan.id) });
      for (const r of clock) expect(r!.receivedAt).toBeUndefined();
      expect(row('forfeited', u2)).toMatchObject({ phase: 'preparation' });
      const reminders = rows.filter((r) => r.action === 'notified:submission-reminder');
      expect(reminders.map((r) => r.unitId).sort()).toEqual([u2, u3]);
      for (const r of reminders) expect(r).toMatchObject({ actor: 'system', requestId: expect.stringContaining(plan.id) });
      expect(rows.filter((r) => r.action === 'notified:unit-forfeited')).toHaveLength(4);
      expect(rows.map((r) => Date.parse(r.at!))).toEqual(rows.map((r) => Date.parse(r.at!)).sort((a, b) => a - b));

      const exported = JSON.stringify(audit.body);
      const personal = [...households, added].flatMap((h) => [h.name, h.idNumber, h.address, h.reason]);
      for (const secret of [...personal, roster.report, '家有轎車', ...statements, ...Object.values(words)]) expect(exported).not.toContain(secret);

      // The CSV holds the same rows, quoted where needed, Chinese as UTF-8, formulas defused.
      // Raw bytes: fetch's text() would drop the byte-order mark.
      const csv = await fetch(`${api.url}${base}/audit.csv`, { headers: { authorization: `Bearer ${coordinator}` } });
      expect(csv.status).toBe(200);
      expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(csv.headers.get('content-disposition')).toBe(`attachment; filename="${plan.id}-audit.csv"`);
      const bytes = Buffer.from(await csv.arrayBuffer());
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const text = bytes.subarray(3).toString('utf8');
      expect(text.startsWith('at,receivedAt,actor,requestId,action,phase,unitId,detail\r\n')).toBe(true);
      const [header, ...lines] = parseCsv(text);
      const expected = rows.map((r) => header!.map((c) => (c === 'detail' && r.action === 'campaign-cancelled' ? `'${r.detail}` : (r[c] ?? ''))));
      expect(lines).toEqual(expected);
      expect(text).toContain('"submission 1: 缺少公章,\n請補報 ""簽字名冊"""');
    });
  } finally {
    await api.close();
    await store.pool.end();
  }
});
