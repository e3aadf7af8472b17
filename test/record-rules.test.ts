import { randomUUID } from 'node:crypto';
import type { CampaignPlan } from '../domain/plan';
import { RosterFailure, type Household } from '../domain/roster';
import type { SubmissionOutcome } from '../store/records';
import { claimsByUnit, heldBySource } from './harness/ledger';
import { household, subDistrictSpringPlan } from './harness/plans';
import { testStore } from './harness/postgres';
import { uniqueId } from './harness/temporal';

// The campaign-wide rules the database keeps, against the record directly (no Temporal): budgets
// under concurrent submissions, one household once per campaign, what a rejection, a strike and a
// forfeiture release, and one write per request id.

const s = testStore('each');
const AT = '2026-12-02T01:00:00.000Z';

/** Plan 1 recorded, its preparation started: every unit has its unit-phase row, as the phase workflow makes them. */
async function preparation(units: number, configure: (plan: CampaignPlan) => void = () => {}): Promise<CampaignPlan> {
  const plan = subDistrictSpringPlan({ id: uniqueId('record'), webhook: (p) => `http://127.0.0.1:9/${p}`, units });
  configure(plan);
  await s.records.startCampaign(plan, { requestId: `start:${plan.id}`, actor: plan.coordinator.id });
  await s.records.loadParticipants({ campaignId: plan.id, phase: 'preparation', offset: 0, limit: units });
  return plan;
}

/** Stages a unit's households as the API does (under an upload id made from the request id). */
const stage = (campaignId: string, unitId: string, households: Household[], requestId: string) =>
  s.records.stageHouseholds({ campaignId, unitId, uploadId: `upload:${requestId}`, actor: unitId, households });

const recordRoster = (campaignId: string, unitId: string, requestId: string): Promise<SubmissionOutcome> =>
  s.records.recordSubmission({ campaignId, phase: 'preparation', unitId, requestId, actor: unitId, receivedAt: AT, at: AT, kind: 'applicant-roster', report: '慰問對象申報名冊', uploadId: `upload:${requestId}` });

async function submitRoster(campaignId: string, unitId: string, households: Household[], requestId: string = randomUUID()): Promise<SubmissionOutcome> {
  await stage(campaignId, unitId, households, requestId);
  return recordRoster(campaignId, unitId, requestId);
}

const review = (campaignId: string, unitId: string, decision: 'approve' | 'reject', submissionNumber: number, requestId: string = randomUUID()) =>
  s.records.recordReview({ campaignId, phase: 'preparation', unitId, requestId, actor: 'civil-affairs-review', receivedAt: AT, at: AT, decision, reason: decision === 'reject' ? '名冊缺少經辦人簽字' : undefined, submissionNumber });

const held = (campaignId: string) => heldBySource(s.pool, campaignId);
const claims = (campaignId: string) => claimsByUnit(s.pool, campaignId);

const count = async (sql: string, params: unknown[]) => (await s.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params)).rows[0]!.n;

const refusalOf = (outcome: SubmissionOutcome) => {
  if (outcome.ok) throw new Error(`expected a refusal, got submission ${outcome.number}`);
  return outcome.refusal;
};

test('given 200 units racing for one source whose budget fits exactly 126 rosters, when they all submit at once, held should never pass the budget and every answer should be true', async () => {
  const plan = await preparation(200);
  const budget = plan.rules!.fundingSources.find((f) => f.id === 'sub-district')!.budget;
  // Two households of 400 from 街道慰問金 (100,800) on each roster: exactly 126 rosters fit.
  const rosterAmount = 800;
  const fits = budget / rosterAmount;
  expect(fits).toBe(126);
  const rosterOf = (i: number) => [household(2 * i + 1), household(2 * i + 2)];
  const units = plan.units.map((u) => u.id);
  const requestIds = units.map(() => randomUUID());
  await Promise.all(units.map((unitId, i) => stage(plan.id, unitId, rosterOf(i), requestIds[i]!)));

  const outcomes = await Promise.all(units.map((unitId, i) => recordRoster(plan.id, unitId, requestIds[i]!)));

  const accepted = units.filter((_, i) => outcomes[i]!.ok);
  const refused = outcomes.filter((o) => !o.ok).map(refusalOf);
  expect(accepted).toHaveLength(fits);
  expect(refused.map((r) => r.type)).toEqual(Array(200 - fits).fill(RosterFailure.BudgetExceeded));
  const { rows } = await s.pool.query<{ held: number; budget: number }>('SELECT held, budget FROM funding_sources WHERE campaign_id = $1 AND source = $2', [plan.id, 'sub-district']);
  expect(rows[0]!.held).toBeLessThanOrEqual(rows[0]!.budget);
  expect(rows[0]!.held).toBe(accepted.length * rosterAmount);
  // Every answer is true: an accepted unit holds its two households and its submission, a refused one nothing.
  expect(await claims(plan.id)).toEqual(Object.fromEntries(accepted.sort().map((u) => [u, 2])));
  expect(await count('submissions WHERE campaign_id = $1', [plan.id])).toBe(fits);
  expect(await count('(SELECT DISTINCT household_key FROM household_claims WHERE campaign_id = $1) k', [plan.id])).toBe(2 * fits);
});

test('given a rejected roster, when the review is recorded, its households and its amounts should both go back to the campaign (issue #11), so another unit may list them within the budget', async () => {
  const plan = await preparation(2);
  const [u1, u2] = plan.units.map((u) => u.id) as [string, string];
  const first = await submitRoster(plan.id, u1, [household(1, { fundingSource: 'disabled-federation', amount: 600 }), household(2)]);
  expect(first.ok).toBe(true);
  expect(await held(plan.id)).toEqual({ 'disabled-federation': 600, 'sub-district': 400 });

  await review(plan.id, u1, 'reject', 1);
  expect(await held(plan.id)).toEqual({});
  expect(await claims(plan.id)).toEqual({});

  // 區殘聯's 10,000: household 1 again and 16 × 560 make 9,560, which fits only if u1's 600 was released.
  const federation = [household(1, { fundingSource: 'disabled-federation', amount: 600 }), ...Array.from({ length: 16 }, (_, i) => household(100 + i, { fundingSource: 'disabled-federation', amount: 560 }))];
  expect(await submitRoster(plan.id, u2, federation)).toMatchObject({ ok: true, number: 1, entries: 17 });
  expect(await held(plan.id)).toEqual({ 'disabled-federation': 9_560 });
  expect(await claims(plan.id)).toEqual({ [u2]: 17 });
});

test('given a unit holding a roster in preparation, when it forfeits, its households and amounts should be released', async () => {
  const plan = await preparation(2);
  const [u1, u2] = plan.units.map((u) => u.id) as [string, string];
  await submitRoster(plan.id, u1, [household(1, { category: 'key', amount: 1_000 }), household(2)]);
  expect(await held(plan.id)).toEqual({ 'sub-district': 1_400 });

  await s.records.recordUnitStatus({ campaignId: plan.id, phase: 'preparation', unitId: u1, status: 'forfeited', at: AT, requestId: `forfeit:${u1}`, detail: '逾期未報送' });
  expect(await held(plan.id)).toEqual({});
  expect(await claims(plan.id)).toEqual({});
  expect(await submitRoster(plan.id, u2, [household(2)])).toMatchObject({ ok: true });
  expect(await claims(plan.id)).toEqual({ [u2]: 1 });
});

test('given a household one unit lists, when another unit of the campaign lists it, it should be refused naming the first unit and nothing of the second kept; in another campaign it should be accepted', async () => {
  const plan = await preparation(2);
  const [u1, u2] = plan.units.map((u) => u.id) as [string, string];
  await submitRoster(plan.id, u1, [household(1), household(2, { amount: 500 })]);

  const duplicate = refusalOf(await submitRoster(plan.id, u2, [household(3), household(2, { amount: 300 })]));
  expect(duplicate).toEqual({
    type: RosterFailure.DuplicateHousehold,
    message: `entry 2: this household is already listed by unit ${u1} (避免重複慰問)`,
    details: { duplicates: [{ entry: 2, listedBy: u1 }] },
  });
  expect(await claims(plan.id)).toEqual({ [u1]: 2 });
  expect(await held(plan.id)).toEqual({ 'sub-district': 900 });
  expect((await s.views.unitPhase(plan.id, 'preparation', u2))!.submissions).toEqual([]);

  const other = await preparation(1);
  expect(await submitRoster(other.id, other.units[0]!.id, [household(2, { amount: 300 })])).toMatchObject({ ok: true, number: 1 });
  expect(await held(other.id)).toEqual({ 'sub-district': 300 });
});

test('given 40 batches of visits for one unit recorded at once, when they have all been answered, the unit should count every household visited and every yuan paid', async () => {
  const plan = await preparation(1);
  const unitId = plan.units[0]!.id;
  const entries = Array.from({ length: 40 }, (_, i) => i + 1);
  await submitRoster(plan.id, unitId, entries.map((entry) => household(entry, { amount: 100 })));
  await review(plan.id, unitId, 'approve', 1);
  await s.records.loadParticipants({ campaignId: plan.id, phase: 'visiting', offset: 0, limit: 1 });

  const answers = await Promise.all(
    entries.map((entry) => s.records.recordVisits({ campaignId: plan.id, unitId, requestId: randomUUID(), actor: unitId, receivedAt: AT, at: AT, visits: [{ entry, amount: 100, visitedOn: '2027-02-09', recipientSigned: true, handler: '王經手' }] })),
  );

  expect(answers.filter((a) => !a.ok)).toEqual([]);
  const { rows } = await s.pool.query<{ visited: number; paid: string }>("SELECT visited, paid::text FROM unit_phases WHERE campaign_id = $1 AND phase = 'visiting' AND unit_id = $2", [plan.id, unitId]);
  expect(rows[0]).toEqual({ visited: 40, paid: '4000' });
  // The last answer knows them all, as the workflow's milestone count does.
  expect(Math.max(...answers.map((a) => (a.ok ? a.visited : 0)))).toBe(40);
});

describe('one write per request id', () => {
  test('given a submission recorded, when the same request id comes again, it should be answered as the first and hold nothing more', async () => {
    const plan = await preparation(1);
    const unitId = plan.units[0]!.id;
    const first = await submitRoster(plan.id, unitId, [household(1), household(2)], 'submit-a');
    const again = await submitRoster(plan.id, unitId, [household(3)], 'submit-a');
    expect(first).toMatchObject({ ok: true, number: 1, entries: 2, duplicate: false });
    expect(again).toEqual({ ...first, duplicate: true });
    expect(await count('submissions WHERE campaign_id = $1', [plan.id])).toBe(1);
    expect(await count("audit WHERE campaign_id = $1 AND action = 'submitted'", [plan.id])).toBe(1);
    expect(await held(plan.id)).toEqual({ 'sub-district': 800 });
  });

  test('given a rejection and a resubmission, when the rejection is retried, it should not reject the new roster nor release its households', async () => {
    const plan = await preparation(1);
    const unitId = plan.units[0]!.id;
    await submitRoster(plan.id, unitId, [household(1)]);
    expect(await review(plan.id, unitId, 'reject', 1, 'review-a')).toEqual({ duplicate: false });
    await submitRoster(plan.id, unitId, [household(1), household(2)]);

    expect(await review(plan.id, unitId, 'reject', 1, 'review-a')).toEqual({ duplicate: true });
    const record = (await s.views.unitPhase(plan.id, 'preparation', unitId))!;
    expect(record.status).toBe('submitted');
    expect(record.reviews.map((r) => r.requestId)).toEqual(['review-a']);
    expect(await claims(plan.id)).toEqual({ [unitId]: 2 });
    expect(await held(plan.id)).toEqual({ 'sub-district': 800 });
  });

  test('given entries struck, when the same strike comes again, it should be answered as the first and release them once', async () => {
    const plan = await preparation(1);
    const unitId = plan.units[0]!.id;
    await submitRoster(plan.id, unitId, [household(1), household(2, { amount: 500 }), household(3, { amount: 600 })]);
    const strike = () => s.records.recordStrikes({ campaignId: plan.id, phase: 'preparation', unitId, requestId: 'strike-a', actor: 'civil-affairs-review', at: AT, submissionNumber: 1, entries: [{ entry: 2, reason: '經入戶核實不符條件' }] });

    expect(await strike()).toEqual({ ok: true, remaining: 2 });
    expect(await strike()).toEqual({ ok: true, remaining: 2 });
    expect(await held(plan.id)).toEqual({ 'sub-district': 1_000 });
    expect(await count('strikes WHERE campaign_id = $1', [plan.id])).toBe(1);
    expect(await count("audit WHERE campaign_id = $1 AND action = 'entries-struck'", [plan.id])).toBe(1);
  });

  test('given a batch of visits recorded, when the same request id comes again, it should pay once', async () => {
    const plan = await preparation(1);
    const unitId = plan.units[0]!.id;
    await submitRoster(plan.id, unitId, [household(1), household(2, { amount: 500 })]);
    await review(plan.id, unitId, 'approve', 1);
    await s.records.loadParticipants({ campaignId: plan.id, phase: 'visiting', offset: 0, limit: 1 });
    const visits = (requestId: string) =>
      s.records.recordVisits({ campaignId: plan.id, unitId, requestId, actor: unitId, receivedAt: AT, at: AT, visits: [{ entry: 2, amount: 500, visitedOn: '2027-02-09', recipientSigned: true, handler: '王經手' }] });

    expect(await visits('visit-a')).toEqual({ ok: true, visited: 1, paid: 500, duplicate: false });
    expect(await visits('visit-a')).toEqual({ ok: true, visited: 1, paid: 500, duplicate: true });
    expect(await count('visits WHERE campaign_id = $1', [plan.id])).toBe(1);
    expect(await count("audit WHERE campaign_id = $1 AND action = 'visit-recorded'", [plan.id])).toBe(1);
    // A new request for the same household is a second payment, refused.
    expect(await visits('visit-b')).toMatchObject({ ok: false, refusal: { type: 'AlreadyPaid' } });
  });
});

test('given interleaved groups, a group should load the units at its offset and every stride-th position after it, and open them in one write', async () => {
  const plan = subDistrictSpringPlan({ id: uniqueId('record'), webhook: (p) => `http://127.0.0.1:9/${p}`, units: 5 });
  await s.records.startCampaign(plan, { requestId: `start:${plan.id}`, actor: plan.coordinator.id });
  const loaded = await s.records.loadParticipants({ campaignId: plan.id, phase: 'preparation', offset: 1, limit: 2, stride: 2 });
  expect(loaded.map((u) => u.id)).toEqual([plan.units[1]!.id, plan.units[3]!.id]);
  await s.records.openUnitPhases({ campaignId: plan.id, phase: 'preparation', unitIds: loaded.map((u) => u.id), at: AT });
  const { rows } = await s.pool.query<{ unit_id: string; status: string }>("SELECT unit_id, status FROM unit_phases WHERE campaign_id = $1 AND phase = 'preparation' ORDER BY unit_id", [plan.id]);
  expect(rows).toEqual(loaded.map((u) => ({ unit_id: u.id, status: 'open' })).sort((a, b) => a.unit_id.localeCompare(b.unit_id)));
});
