import { apiConfig, eventually, startApi, TOKENS } from './harness/api';
import { CampaignDriver } from './harness/campaign-driver';
import { household, unionWinterPlan } from './harness/plans';
import { timeSkippingPerTest } from './harness/per-test';
import { createTestWorker, uniqueId } from './harness/temporal';

// The audit export (紀檢辦) of a campaign driven through the API on the time-skipping server: every
// kind of state change, by whom, when, under which request id; rosters counted, never listed.

const DAY = 86_400_000;

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

test('given a campaign with submissions, strikes, a rejection, an extension, forfeitures, reminders, a sign-off, a reinstatement and a cancellation, when the coordinator exports the audit trail, every change should be a row with time, actor and request id, and no household data', async () => {
  const plan = unionWinterPlan({ id: uniqueId('audit'), webhook: (p) => t.receiver.url(p) });
  const { worker, taskQueue } = await createTestWorker(t.env);
  const api = await startApi(apiConfig({ address: t.env.address, taskQueue }), t.env.client);
  const base = `/campaigns/${plan.id}`;
  const unit = (id: string) => `${base}/phases/preparation/units/${id}`;
  const key = (name: string) => ({ 'Idempotency-Key': `${plan.id}-${name}` });
  const households = [household(1, { name: '王小明, "阿明"', reason: '肺癌晚期,\n自付醫療費超五萬' }), household(2)];
  const roster = { kind: 'applicant-roster', report: '困難職工花名冊,張三等2戶', households };
  const post = async (path: string, token: string, body: unknown, name: string) => {
    const response = await api.call('POST', path, { token, body, headers: key(name) });
    expect(response.status).toBeLessThan(300);
  };
  try {
    await worker.runUntil(async () => {
      const c = new CampaignDriver(t.env, plan);
      await post('/campaigns', TOKENS.coordinator, plan, 'start');
      await c.until(Date.parse(c.phase('preparation').opensAt) + DAY);
      await c.unitState('preparation', 'union-1');
      await post(`${unit('union-1')}/submissions`, TOKENS.union1, roster, 'submit-1');
      await post(`${unit('union-1')}/strikes`, TOKENS.rightsDept, { entries: [{ entry: 2, reason: '經入戶核實,家有轎車' }] }, 'strike');
      await post(`${unit('union-1')}/reviews`, TOKENS.rightsDept, { decision: 'reject', reason: '缺少公章,\n請補報 "簽字名冊"' }, 'reject');
      await post(`${unit('union-1')}/submissions`, TOKENS.union1, roster, 'submit-2');
      await post(`${unit('union-1')}/reviews`, TOKENS.rightsDept, { decision: 'approve' }, 'approve');
      const extendedTo = new Date(Date.parse(c.phase('preparation').cutoff) + DAY).toISOString();
      await post(`${unit('union-2')}/cutoff-extensions`, TOKENS.coordinator, { cutoff: extendedTo, reason: '廠區停電,延後報送' }, 'extend');
      // union-2 and union-3 never submit: reminded, then forfeited by the clock.
      await c.until(Date.parse(extendedTo) + DAY);
      await c.waitForState((s) => s.status === 'awaiting-sign-off');
      await post(`${base}/phases/preparation/sign-off`, TOKENS.coordinator, { note: '名單核實無誤' }, 'sign-off');
      await post(`${base}/units/union-3/reinstate`, TOKENS.coordinator, { reason: '因病住院,經核實補報' }, 'reinstate');
      await post(`${base}/cancel`, TOKENS.coordinator, { reason: '=SUM(1,2) 上級通知活動合併' }, 'cancel');
      await c.waitForState((s) => s.status === 'cancelled');

      const audit = await eventually(async () => {
        const response = await api.call('GET', `${base}/audit`, { token: TOKENS.coordinator });
        expect(response.body.rows).toContainEqual(expect.objectContaining({ action: 'unit-phase-cancelled' }));
        return response;
      });
      expect(audit.status).toBe(200);
      const { rows } = audit.body as { rows: Record<string, string | null>[] };
      const row = (action: string, unitId: string | null = null) => rows.find((r) => r.action === action && r.unitId === unitId);
      // The API's request id is the operation, the caller and the Idempotency-Key.
      const byRequest = (name: string) => rows.find((r) => r.requestId?.endsWith(`:${plan.id}-${name}`));

      expect(byRequest('start')).toMatchObject({ action: 'campaign-started', actor: 'union-office', phase: null });
      expect(byRequest('submit-1')).toMatchObject({ action: 'submitted', actor: 'union-1', phase: 'preparation', unitId: 'union-1', detail: 'submission 1: applicant-roster, 2 households' });
      expect(byRequest('strike')).toMatchObject({ action: 'entries-struck', actor: 'rights-dept', detail: 'submission 1: entries 2' });
      expect(byRequest('reject')).toMatchObject({ action: 'rejected', actor: 'rights-dept', detail: 'submission 1: 缺少公章,\n請補報 "簽字名冊"' });
      expect(byRequest('approve')).toMatchObject({ action: 'approved', unitId: 'union-1', detail: 'submission 2' });
      expect(byRequest('extend')).toMatchObject({ action: 'cutoff-extended', actor: 'union-office', unitId: 'union-2' });
      expect(byRequest('sign-off')).toMatchObject({ action: 'phase-signed-off', phase: 'preparation', detail: '名單核實無誤' });
      expect(byRequest('reinstate')).toMatchObject({ action: 'unit-reinstated', unitId: 'union-3', phase: 'preparation' });
      expect(byRequest('cancel')).toMatchObject({ action: 'campaign-cancelled', actor: 'union-office' });
      // What the clock did: actor 'system', no request, except notifications (their id is what receivers dedupe on).
      for (const action of ['phase-started', 'phase-closed', 'campaign-closed']) expect(row(action)).toMatchObject({ actor: 'system', requestId: null });
      for (const unitId of ['union-2', 'union-3']) expect(row('forfeited', unitId)).toMatchObject({ actor: 'system', requestId: null, phase: 'preparation' });
      const reminders = rows.filter((r) => r.action === 'notified:submission-reminder');
      expect(reminders.map((r) => r.unitId).sort()).toEqual(['union-2', 'union-2', 'union-3', 'union-3']);
      for (const r of reminders) expect(r).toMatchObject({ actor: 'system', requestId: expect.stringContaining(plan.id) });
      expect(rows.filter((r) => r.action === 'notified:unit-forfeited')).toHaveLength(4);
      expect(rows.map((r) => Date.parse(r.at!))).toEqual(rows.map((r) => Date.parse(r.at!)).sort((a, b) => a - b));

      const exported = JSON.stringify(audit.body);
      for (const secret of [...households.flatMap((h) => [h.name, h.idNumber, h.address, h.reason]), roster.report, '家有轎車']) expect(exported).not.toContain(secret);

      // The CSV holds the same rows, quoted where needed, Chinese as UTF-8, formulas defused.
      // Raw bytes: fetch's text() would drop the byte-order mark.
      const csv = await fetch(`${api.url}${base}/audit.csv`, { headers: { authorization: `Bearer ${TOKENS.coordinator}` } });
      expect(csv.status).toBe(200);
      expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(csv.headers.get('content-disposition')).toBe(`attachment; filename="${plan.id}-audit.csv"`);
      const bytes = Buffer.from(await csv.arrayBuffer());
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const text = bytes.subarray(3).toString('utf8');
      expect(text.startsWith('at,actor,requestId,action,phase,unitId,detail\r\n')).toBe(true);
      const [header, ...lines] = parseCsv(text);
      const expected = rows.map((r) => header!.map((c) => (c === 'detail' && r.action === 'campaign-cancelled' ? `'${r.detail}` : (r[c] ?? ''))));
      expect(lines).toEqual(expected);
      expect(text).toContain('"submission 1: 缺少公章,\n請補報 ""簽字名冊"""');
    });
  } finally {
    await api.close();
  }
});
