import { randomUUID } from 'node:crypto';
import { subjects } from '../examples/example';
import type { CampaignPlan } from '../domain/plan';
import type { Household } from '../domain/roster';
import { budgetLedgerWorkflowId, getBudgetLedger, getHouseholdShard, householdShardWorkflowId } from '../workflows/registry/messages';
import { addHousehold, decideObjection, fileObjection, UnitPhaseFailure, type DecideObjectionRequest, type FileObjectionRequest } from '../workflows/unit/messages';
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

/**
 * Plan 1 with one community (and, given their rosters, more), its roster approved and signed off,
 * an hour into publicity with its report submitted.
 */
async function toPublicity(body: (c: CampaignDriver, plan: CampaignPlan, taskQueue: string) => Promise<void>, { others = [], quota }: { others?: Household[][]; quota?: number } = {}) {
  const plan = subDistrictSpringPlan({ id: uniqueId('notice'), webhook: (p) => t.receiver.url(p), units: 1 + others.length });
  if (quota !== undefined) plan.units[0]!.quota = quota;
  const { worker, taskQueue } = await createTestWorker(t.env);
  await worker.runUntil(async () => {
    const c = await CampaignDriver.start(t.env, taskQueue, plan);
    await c.until(Date.parse(c.phase('preparation').opensAt) + HOUR);
    for (const [unitId, households] of [roster, ...others].map((h, i) => [`community-${i + 1}`, h] as const)) {
      await c.submitContent('preparation', unitId, { report: '慰問對象申報名冊', households });
      await c.approve('preparation', unitId);
    }
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

/** An API on the test server with a bearer token for every subject of the plan. */
async function startPublicityApi(plan: CampaignPlan, taskQueue: string) {
  const tokens = new Map(subjects(plan).map((subject, i) => [subject, `publicity-test-token-${String(i).padStart(4, '0')}`]));
  const api = await startApi(apiConfig({ address: t.env.address, taskQueue, apiTokens: [...tokens].map(([s, k]) => `${k}=${s}`).join(',') }), t.env.client);
  return { api, token: (subject: string) => tokens.get(subject)! };
}

const add = (c: CampaignDriver, objection: number, added: Household, requestId: string = randomUUID()) =>
  c.unit('publicity', 'community-1').executeUpdate(addHousehold, { updateId: requestId, args: [{ requestId, actor: 'community-1', objection, household: added }] });

test('given a published plan 1 roster, when objections are filed through the notice link, answered and decided over HTTP, a forged link should be refused, the upheld entry struck and released, and the unit approvable only once none is open', async () => {
  await toPublicity(async (c, plan, taskQueue) => {
    const { api, token } = await startPublicityApi(plan, taskQueue);
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

test('given an upheld missed-household objection, when the unit adds the household over HTTP, it should join the notice masked, the registry and the roster the visiting phase pays against, once per request id, and only once', async () => {
  await toPublicity(async (c, plan, taskQueue) => {
    const { api, token } = await startPublicityApi(plan, taskQueue);
    const unitToken = token('unit:community-1');
    const coordinator = token(`coordinator:${plan.coordinator.id}`);
    const base = `/campaigns/${plan.id}/units/community-1`;
    try {
      await file(c, { kind: 'missed-household', statement: '東風路9號獨居老人未列入' });
      await decide(c, { objection: 1, outcome: 'uphold', reason: '經核實應列入' });
      const missed = household(9, { name: '李四光', category: 'special', amount: 700 });
      const addition = (tokenOf: string, key = 'addition-a') => api.call('POST', `${base}/objections/1/addition`, { token: tokenOf, body: { household: missed }, headers: { 'Idempotency-Key': key } });

      expect((await addition(coordinator)).status).toBe(403);
      const added = await addition(unitToken);
      expect(added).toMatchObject({ status: 201, body: { number: 1, decision: { rosterChange: 'addition-requested' }, addition: { actor: 'community-1', entry: 4, household: { idNumber: missed.idNumber } } } });
      expect((await addition(unitToken)).body).toEqual(added.body);
      // Another request for the same objection is refused: one objection, one household.
      expect(await addition(unitToken, 'addition-b')).toMatchObject({ status: 409, body: { error: { code: UnitPhaseFailure.AdditionNotRequested, details: { entry: 4 } } } });

      const notice = await api.call('GET', `/notices/${(await api.call('GET', `${base}/notice-link`, { token: unitToken })).body.noticeToken as string}`);
      expect(notice.body.entries.map((e: { entry: number; maskedName: string; amount: number }) => [e.entry, e.maskedName, e.amount])).toEqual([
        [1, '戶**', 800],
        [2, '戶**', 500],
        [3, '戶**', 600],
        [4, '李**', 700],
      ]);
      expect(JSON.stringify(notice.body)).not.toMatch(new RegExp(`${missed.idNumber}|${missed.address!}|${missed.name}`));

      // The registry holds the household (another unit listing it is refused) and its 700.
      expect(await t.env.client.workflow.getHandle(householdShardWorkflowId(plan.id, 0)).query(getHouseholdShard)).toMatchObject({ households: 4 });
      expect((await t.env.client.workflow.getHandle(budgetLedgerWorkflowId(plan.id)).query(getBudgetLedger)).totals).toEqual({ 'sub-district': 2_600 });

      const audit = await api.call('GET', `/campaigns/${plan.id}/audit`, { token: coordinator });
      const row = audit.body.rows.find((r: { action: string }) => r.action === 'household-added');
      expect(row).toMatchObject({ phase: 'publicity', unitId: 'community-1', actor: 'community-1', requestId: added.body.addition.requestId, detail: 'objection 1: missed-household: entry 4' });
      expect(JSON.stringify(audit.body)).not.toContain(missed.name);

      await c.approve('publicity', 'community-1');
      await c.until(Date.parse(c.phase('visiting').opensAt) + HOUR);
      expect((await c.unitState('visiting', 'community-1')).approvedRoster).toEqual([
        ...roster.map((h, i) => ({ entry: i + 1, category: h.category, amount: h.amount, goods: h.goods, fundingSource: h.fundingSource })),
        { entry: 4, category: 'special', amount: 700, goods: missed.goods, fundingSource: 'sub-district' },
      ]);
    } finally {
      await api.close();
    }
  });
});

test('given upheld, dismissed and undecided objections, when the unit adds households, the registry should refuse one another unit lists (naming it) or it lists itself, the rules one over quota or outside the standard, and only an upheld missed-household objection should take one', async () => {
  const neighbour = household(11, { amount: 300 });
  await toPublicity(
    async (c, plan) => {
      for (const kind of ['missed-household', 'missed-household', 'missed-household', 'missed-household'] as const) await file(c, { kind, statement: '漏報' });
      await file(c, { kind: 'ineligible-household', entry: 2, statement: '不符條件' });
      await decide(c, { objection: 1, outcome: 'uphold', reason: '應列入' });
      await decide(c, { objection: 2, outcome: 'dismiss', reason: '不符條件' });
      await decide(c, { objection: 4, outcome: 'uphold', reason: '應列入' });

      expect(await refusal(add(c, 2, household(9)))).toMatchObject({ type: UnitPhaseFailure.AdditionNotRequested, message: 'objection 2 was dismissed: it asks for no household to be added' });
      expect(await refusal(add(c, 3, household(9)))).toMatchObject({ type: UnitPhaseFailure.AdditionNotRequested, message: "objection 3 awaits the coordinator's decision: it asks for no household to be added" });
      expect(await refusal(add(c, 9, household(9)))).toMatchObject({ type: UnitPhaseFailure.UnknownObjection });

      const ledger = t.env.client.workflow.getHandle(budgetLedgerWorkflowId(plan.id));
      const held = (await ledger.query(getBudgetLedger)).totals;
      expect(held).toEqual({ 'sub-district': 2_200 });
      expect(await refusal(add(c, 1, { ...neighbour, name: '鄰戶' }))).toMatchObject({
        type: UnitPhaseFailure.DuplicateHousehold,
        message: 'entry 4: this household is already listed by unit community-2 (避免重複慰問)',
      });
      expect(await refusal(add(c, 1, household(2)))).toMatchObject({ type: UnitPhaseFailure.DuplicateHousehold, message: 'entry 4: this household is already listed by unit community-1 (避免重複慰問)' });
      // A refused addition leaves the unit's amounts as the standing roster held them.
      expect((await ledger.query(getBudgetLedger)).totals).toEqual(held);
      expect(await refusal(add(c, 1, household(9, { category: 'key', amount: 1_200 })))).toMatchObject({
        type: UnitPhaseFailure.AmountOutsideStandard,
        message: 'entry 4 (key): 1,200 is outside the standard 600–1,000',
      });

      const requestId = randomUUID();
      const added = await add(c, 1, household(9), requestId);
      expect(added.addition).toMatchObject({ requestId, entry: 4 });
      expect(await add(c, 1, household(10), requestId)).toEqual(added);
      expect(await refusal(add(c, 4, household(10)))).toMatchObject({ type: UnitPhaseFailure.QuotaExceeded, message: "the roster lists 5 households; unit community-1's quota (名額) is 4" });

      // Striking an entry frees a place on the quota.
      await decide(c, { objection: 5, outcome: 'uphold', reason: '不符條件' });
      expect(await refusal(add(c, 5, household(10)))).toMatchObject({ type: UnitPhaseFailure.AdditionNotRequested, message: 'objection 5 is about a listed household: it asks for no household to be added' });
      expect((await add(c, 4, household(10))).addition).toMatchObject({ entry: 5 });
      expect((await c.unitState('publicity', 'community-1')).objections.map((o) => o.addition?.entry)).toEqual([4, undefined, undefined, 5, undefined]);
      expect((await ledger.query(getBudgetLedger)).totals).toEqual({ 'sub-district': 2_200 + 400 + 400 - 500 });
    },
    { others: [[neighbour]], quota: 4 },
  );
});
