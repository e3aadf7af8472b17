import { randomUUID } from 'node:crypto';
import type { UpdateDefinition } from '@temporalio/common';
import { subjects } from '../examples/example';
import type { CampaignPlan } from '../domain/plan';
import type { Household } from '../domain/roster';
import { addHousehold, decideObjection, fileObjection, UnitPhaseFailure, type AddHouseholdRequest, type DecideObjectionRequest, type FileObjectionRequest, type UnitRequest } from '../workflows/unit/messages';
import { apiConfig, startApi, type RunningApi } from './harness/api';
import { CampaignDriver, refusal } from './harness/campaign-driver';
import { claimsByUnit, heldBySource } from './harness/ledger';
import { timeSkippingPerTest } from './harness/per-test';
import { household, subDistrictSpringPlan } from './harness/plans';
import { createTestWorker, uniqueId } from './harness/temporal';

// Publicity (公示) under roster rules: the approved roster is published behind a notice link, anyone
// holding the link objects, the unit answers, the coordinator upholds or dismisses; the unit cannot
// be approved while an objection is undecided, and ageing objections are reminded and escalated.
// What the notice, the claims and the budgets hold is read from the record.

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
  const { worker, taskQueue, store } = await createTestWorker(t.env);
  await worker.runUntil(async () => {
    const c = await CampaignDriver.start(t.env, taskQueue, plan, store);
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

/**
 * An Update on community-1's publicity workflow, stamped with the server's time as the API stamps
 * what it receives. Its Update id is always new, so a repeated request id meets the workflow's own
 * dedupe, as it does once the server has forgotten the first Update.
 */
const publicityUpdate = async <Ret, Req extends UnitRequest>(c: CampaignDriver, update: UpdateDefinition<Ret, [Req]>, actor: string, request: Omit<Req, keyof UnitRequest>, requestId: string = randomUUID()) => {
  const receivedAt = new Date(await t.env.currentTimeMs()).toISOString();
  return c.unit('publicity', 'community-1').executeUpdate(update, { updateId: randomUUID(), args: [{ ...request, requestId, actor, receivedAt } as Req] });
};

const file = (c: CampaignDriver, request: Omit<FileObjectionRequest, keyof UnitRequest>) => publicityUpdate(c, fileObjection, 'notice', request);

const decide = (c: CampaignDriver, request: Omit<DecideObjectionRequest, keyof UnitRequest>) => publicityUpdate(c, decideObjection, c.plan.coordinator.id, request);

/** An API on the test server and the campaign's record, with a bearer token for every subject of the plan. */
async function startPublicityApi(c: CampaignDriver, taskQueue: string) {
  const tokens = new Map(subjects(c.plan).map((subject, i) => [subject, `publicity-test-token-${String(i).padStart(4, '0')}`]));
  const config = apiConfig({ address: t.env.address, taskQueue, databaseUrl: c.store.url, apiTokens: [...tokens].map(([s, k]) => `${k}=${s}`).join(',') });
  const api = await startApi(config, t.env.client, c.store.pool);
  return { api, token: (subject: string) => tokens.get(subject)! };
}

/** A day of the visiting phase, as a visit records it. */
const visit = (entry: number, amount: number) => ({ entry, amount, visitedOn: '2027-02-05', recipientSigned: true, handler: '社區民政專幹' });

test('given a published plan 1 roster, when objections are filed through the notice link, answered and decided over HTTP, a forged link should be refused, the upheld entry struck and released, and the unit approvable only once none is open', async () => {
  await toPublicity(async (c, plan, taskQueue) => {
    const { api, token } = await startPublicityApi(c, taskQueue);
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
      // Who filed it is the link ("notice"), never the objector: the audit trail below says so.
      expect(filed).toMatchObject({ status: 201, body: { number: 1, kind: 'ineligible-household', entry: 2 } });
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

      expect(await claimsByUnit(c.store.pool, plan.id)).toEqual({ 'community-1': 3 });
      const upheld = await api.call('POST', `${base}/objections/1/decision`, { token: coordinator, body: { outcome: 'uphold', reason: '車輛登記在戶主名下,不符條件' } });
      expect(upheld).toMatchObject({ status: 201, body: { decision: { outcome: 'uphold', actor: plan.coordinator.id, rosterChange: 'entry-struck' } } });
      // The struck household and its 500 go back to the campaign.
      expect(await claimsByUnit(c.store.pool, plan.id)).toEqual({ 'community-1': 2 });
      expect(await heldBySource(c.store.pool, plan.id)).toEqual({ 'sub-district': 1_400 });

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

      // Visiting pays against the roster as the notice left it: entries 1 and 3, not the struck 2.
      await c.until(Date.parse(c.phase('visiting').opensAt) + HOUR);
      await c.unitState('visiting', 'community-1');
      expect((await c.record('visiting', 'community-1')).rosterSize).toBe(2);
      expect((await refusal(c.visit('community-1', visit(2, 500)))).type).toBe(UnitPhaseFailure.NotOnRoster);
      expect(await c.visits('community-1', [visit(1, 800), visit(3, 600)])).toMatchObject({ recorded: 2, visited: 2, paid: 1_400 });
    } finally {
      await api.close();
    }
  });
});

test('given an objection nobody answers, when time passes, the unit should be reminded at exactly P2D and the coordinator told at P4D, and the phase should stay open past its cutoff until it is decided', async () => {
  await toPublicity(async (c) => {
    const filed = await file(c, { kind: 'missed-household', statement: '東風路9號獨居老人未列入' });
    const filedAt = Date.parse(filed.filedAt);

    const ageing = async () => {
      const record = await c.record('publicity', 'community-1');
      return { reminders: record.reminders.filter((n) => n.kind === 'objection-reminder'), escalations: record.escalations.filter((n) => n.kind === 'objection-escalated') };
    };

    await c.until(filedAt + 2 * DAY - HOUR);
    expect((await ageing()).reminders).toEqual([]);
    await c.until(filedAt + 2 * DAY + HOUR);
    await t.receiver.waitFor(() => t.receiver.notifications({ kind: 'objection-reminder' }).length === 1);
    expect(t.receiver.notifications({ kind: 'objection-reminder' }).map((n) => `${n.recipient.role}:${n.recipient.id}`)).toEqual(['unit:community-1']);
    const [reminder] = (await ageing()).reminders;
    expect(reminder?.to).toBe('unit:community-1');
    expectAt(reminder?.at, filedAt + 2 * DAY);
    await c.until(filedAt + 4 * DAY - HOUR);
    expect((await ageing()).escalations).toEqual([]);

    await c.until(filedAt + 4 * DAY + HOUR);
    await t.receiver.waitFor(() => t.receiver.notifications({ kind: 'objection-escalated' }).length === 1);
    expect(t.receiver.notifications({ kind: 'objection-escalated' }).map((n) => `${n.recipient.role}:${n.recipient.id}`)).toEqual([`coordinator:${c.plan.coordinator.id}`]);
    const { reminders, escalations } = await ageing();
    expect(reminders).toHaveLength(1);
    expect(escalations.map((n) => n.to)).toEqual([`coordinator:${c.plan.coordinator.id}`]);
    expectAt(escalations[0]!.at, filedAt + 4 * DAY);
    // The statement may name a household: it never leaves in a notification.
    expect(JSON.stringify(t.receiver.notifications({ unitId: 'community-1', phase: 'publicity' }))).not.toContain('東風路9號');

    const open = await refusal(c.approve('publicity', 'community-1'));
    expect(open).toMatchObject({ type: UnitPhaseFailure.ObjectionsOpen, message: "unit community-1 cannot be approved while objection 1 awaits the coordinator's decision" });
    await c.until(Date.parse(c.phase('publicity').cutoff) + HOUR);
    expect((await c.record('publicity', 'community-1')).status).toBe('submitted');
    expect((await c.campaignRecord()).phases.find((p) => p.name === 'publicity')!.status).toBe('running');

    const upheld = await decide(c, { objection: 1, outcome: 'uphold', reason: '經核實應列入' });
    expect(upheld).toMatchObject({ decision: 'uphold', rosterChange: 'addition-requested' });
    await t.receiver.waitFor(() => t.receiver.notifications({ kind: 'objection-decided' }).length === 2);
    await c.approve('publicity', 'community-1');
    await c.waitForState((s) => s.currentPhase === 'visiting');
  });
});

/** community-1 adds a household on an objection over HTTP, as the unit's own token does. */
const addition = (api: RunningApi, c: CampaignDriver, tokenOf: string, objection: number, added: Household, key: string = randomUUID()) =>
  api.call('POST', `/campaigns/${c.plan.id}/units/community-1/objections/${objection}/addition`, { token: tokenOf, body: { household: added }, headers: { 'Idempotency-Key': key } });

test('given an upheld missed-household objection, when the unit adds the household over HTTP, it should join the notice masked, the claims and the roster the visiting phase pays against, once per request id, and only once', async () => {
  await toPublicity(async (c, plan, taskQueue) => {
    const { api, token } = await startPublicityApi(c, taskQueue);
    const unitToken = token('unit:community-1');
    const coordinator = token(`coordinator:${plan.coordinator.id}`);
    const base = `/campaigns/${plan.id}/units/community-1`;
    try {
      await file(c, { kind: 'missed-household', statement: '東風路9號獨居老人未列入' });
      await decide(c, { objection: 1, outcome: 'uphold', reason: '經核實應列入' });
      const missed = household(9, { name: '李四光', category: 'special', amount: 700 });

      expect((await addition(api, c, coordinator, 1, missed, 'addition-a')).status).toBe(403);
      const added = await addition(api, c, unitToken, 1, missed, 'addition-a');
      // The answer names the entry, not the household: personal fields stay in the record, sealed.
      expect(added).toMatchObject({ status: 201, body: { number: 1, decision: { rosterChange: 'addition-requested' }, addition: { actor: 'community-1', entry: 4 } } });
      expect(JSON.stringify(added.body)).not.toMatch(new RegExp(`${missed.idNumber}|${missed.name}`));
      expect((await addition(api, c, unitToken, 1, missed, 'addition-a')).body).toEqual(added.body);
      // Another request for the same objection is refused: one objection, one household.
      expect(await addition(api, c, unitToken, 1, missed, 'addition-b')).toMatchObject({ status: 409, body: { error: { code: UnitPhaseFailure.AdditionNotRequested, details: { entry: 4 } } } });

      const notice = await api.call('GET', `/notices/${(await api.call('GET', `${base}/notice-link`, { token: unitToken })).body.noticeToken as string}`);
      expect(notice.body.entries.map((e: { entry: number; maskedName: string; amount: number }) => [e.entry, e.maskedName, e.amount])).toEqual([
        [1, '戶**', 800],
        [2, '戶**', 500],
        [3, '戶**', 600],
        [4, '李**', 700],
      ]);
      expect(JSON.stringify(notice.body)).not.toMatch(new RegExp(`${missed.idNumber}|${missed.address!}|${missed.name}`));

      // The record holds the household (another unit listing it is refused) and its 700.
      expect(await claimsByUnit(c.store.pool, plan.id)).toEqual({ 'community-1': 4 });
      expect(await heldBySource(c.store.pool, plan.id)).toEqual({ 'sub-district': 2_600 });

      const audit = await api.call('GET', `/campaigns/${plan.id}/audit`, { token: coordinator });
      const row = audit.body.rows.find((r: { action: string }) => r.action === 'household-added');
      expect(row).toMatchObject({ phase: 'publicity', unitId: 'community-1', actor: 'community-1', requestId: added.body.addition.requestId, detail: 'objection 1: missed-household: entry 4' });
      expect(JSON.stringify(audit.body)).not.toContain(missed.name);

      await c.approve('publicity', 'community-1');
      await c.until(Date.parse(c.phase('visiting').opensAt) + HOUR);
      await c.unitState('visiting', 'community-1');
      expect((await c.record('visiting', 'community-1')).rosterSize).toBe(4);
      // The added household is paid as approved (700), and not a yuan more.
      expect((await refusal(c.visit('community-1', visit(4, 701)))).type).toBe(UnitPhaseFailure.OverApproved);
      expect(await c.visit('community-1', visit(4, 700))).toMatchObject({ visited: 1, paid: 700 });
      expect(await c.store.views.notice(plan.id, 'community-1')).toEqual([
        ...roster.map((h, i) => ({ entry: i + 1, maskedName: '戶**', category: h.category, amount: h.amount, goods: h.goods, fundingSource: h.fundingSource })),
        { entry: 4, maskedName: '李**', category: 'special', amount: 700, goods: missed.goods, fundingSource: 'sub-district' },
      ]);
    } finally {
      await api.close();
    }
  });
});

test('given upheld, dismissed and undecided objections, when the unit adds households over HTTP, the record should refuse one another unit lists (naming it) or it lists itself, the rules one over quota or outside the standard, and only an upheld missed-household objection should take one', async () => {
  const neighbour = household(11, { amount: 300 });
  await toPublicity(
    async (c, plan, taskQueue) => {
      const { api, token } = await startPublicityApi(c, taskQueue);
      const add = (objection: number, added: Household, key?: string) => addition(api, c, token('unit:community-1'), objection, added, key);
      const refusalOf = async (objection: number, added: Household) => (await add(objection, added)).body.error;
      try {
        for (const kind of ['missed-household', 'missed-household', 'missed-household', 'missed-household'] as const) await file(c, { kind, statement: '漏報' });
        await file(c, { kind: 'ineligible-household', entry: 2, statement: '不符條件' });
        await decide(c, { objection: 1, outcome: 'uphold', reason: '應列入' });
        await decide(c, { objection: 2, outcome: 'dismiss', reason: '不符條件' });
        await decide(c, { objection: 4, outcome: 'uphold', reason: '應列入' });

        expect(await add(2, household(9))).toMatchObject({ status: 409, body: { error: { code: UnitPhaseFailure.AdditionNotRequested, message: 'objection 2 was dismissed: it asks for no household to be added' } } });
        expect(await refusalOf(3, household(9))).toMatchObject({ code: UnitPhaseFailure.AdditionNotRequested, message: "objection 3 awaits the coordinator's decision: it asks for no household to be added" });
        expect(await add(9, household(9))).toMatchObject({ status: 404, body: { error: { code: UnitPhaseFailure.UnknownObjection } } });

        const held = await heldBySource(c.store.pool, plan.id);
        expect(held).toEqual({ 'sub-district': 2_200 });
        expect(await add(1, { ...neighbour, name: '鄰戶' })).toMatchObject({
          status: 409,
          body: { error: { code: UnitPhaseFailure.DuplicateHousehold, message: 'entry 4: this household is already listed by unit community-2 (避免重複慰問)' } },
        });
        expect(await refusalOf(1, household(2))).toMatchObject({ code: UnitPhaseFailure.DuplicateHousehold, message: 'entry 4: this household is already listed by unit community-1 (避免重複慰問)' });
        // A refused addition leaves the unit's amounts as the standing roster held them.
        expect(await heldBySource(c.store.pool, plan.id)).toEqual(held);
        expect(await add(1, household(9, { category: 'key', amount: 1_200 }))).toMatchObject({
          status: 422,
          body: { error: { code: UnitPhaseFailure.AmountOutsideStandard, message: 'entry 4 (key): 1,200 is outside the standard 600–1,000' } },
        });

        const added = await add(1, household(9), 'addition-9');
        expect(added).toMatchObject({ status: 201, body: { addition: { entry: 4 } } });
        // The same request again, even after the API forgot it, is answered by the unit as the first time and adds nothing.
        await c.store.records.stageHouseholds({ campaignId: plan.id, unitId: 'community-1', uploadId: 'upload:retry', actor: 'community-1', households: [household(10)], firstEntry: 5 });
        const retry: Omit<AddHouseholdRequest, keyof UnitRequest> = { objection: 1, uploadId: 'upload:retry' };
        expect(await publicityUpdate(c, addHousehold, 'community-1', retry, added.body.addition.requestId)).toMatchObject({ number: 1, addedEntry: 4 });
        expect(await claimsByUnit(c.store.pool, plan.id)).toEqual({ 'community-1': 4, 'community-2': 1 });
        expect(await refusalOf(4, household(10))).toMatchObject({ code: UnitPhaseFailure.QuotaExceeded, message: "the roster lists 5 households; unit community-1's quota (名額) is 4" });

        // Striking an entry frees a place on the quota.
        await decide(c, { objection: 5, outcome: 'uphold', reason: '不符條件' });
        expect(await refusalOf(5, household(10))).toMatchObject({ code: UnitPhaseFailure.AdditionNotRequested, message: 'objection 5 is about a listed household: it asks for no household to be added' });
        expect((await add(4, household(10))).body.addition).toMatchObject({ entry: 5 });
        expect((await c.record('publicity', 'community-1')).objections.map((o) => o.addition?.entry)).toEqual([4, undefined, undefined, 5, undefined]);
        expect(await heldBySource(c.store.pool, plan.id)).toEqual({ 'sub-district': 2_200 + 400 + 400 - 500 });
      } finally {
        await api.close();
      }
    },
    { others: [[neighbour]], quota: 4 },
  );
});
