import type { Household } from '../domain/roster';
import type { CampaignPlan } from '../domain/plan';
import { MAX_VISITS_PER_BATCH, type VisitInput } from '../domain/visits';
import { UnitPhaseFailure } from '../workflows/unit/messages';
import { eventually } from './harness/api';
import { CampaignDriver, refusal } from './harness/campaign-driver';
import { recordHistories } from './harness/histories';
import { healthOutreachPlan, household, subDistrictSpringPlan } from './harness/plans';
import { createTestWorker, uniqueId } from './harness/temporal';
import { timeSkippingPerTest } from './harness/per-test';

// Visiting against the approved roster (plan 1: no household paid twice or more than approved),
// one visit or a batch of them, and coverage milestones (plan 6: 30% of households by 10/31, all
// by 11/30), under time skipping.

const HOUR = 3_600_000;

const t = timeSkippingPerTest();

/**
 * Runs the campaign to its visiting phase: each unit's roster approved (with the given strikes),
 * units to reinstate left to forfeit preparation and reinstated before its sign-off, publicity approved.
 */
async function toVisiting(c: CampaignDriver, rosters: Record<string, Household[]>, { strikes = {}, reinstated = [] }: { strikes?: Record<string, number[]>; reinstated?: string[] } = {}) {
  await c.until(Date.parse(c.phase('preparation').opensAt) + HOUR);
  for (const [unitId, households] of Object.entries(rosters)) {
    await c.submitContent('preparation', unitId, { report: '入戶走訪名冊', households });
    if (strikes[unitId]) await c.strike('preparation', unitId, strikes[unitId].map((entry) => ({ entry, reason: '經入戶核實不符條件' })));
    await c.approve('preparation', unitId);
  }
  if (reinstated.length) await c.until(Date.parse(c.phase('preparation').cutoff) + HOUR);
  if (c.phase('preparation').advance === 'sign-off') {
    await c.waitForState((s) => s.status === 'awaiting-sign-off');
    for (const unitId of reinstated) await c.reinstate(unitId, '因病住院,經核實恢復');
    await c.signOff('preparation');
  }
  await c.until(Date.parse(c.phase('publicity').opensAt) + HOUR);
  for (const unitId of [...Object.keys(rosters), ...reinstated]) {
    await c.submit('publicity', unitId);
    await c.approve('publicity', unitId);
  }
  await c.until(Date.parse(c.phase('visiting').opensAt) + HOUR);
}

async function run(plan: CampaignPlan, body: (c: CampaignDriver) => Promise<void>) {
  const { worker, taskQueue, store } = await createTestWorker(t.env);
  await worker.runUntil(async () => body(await CampaignDriver.start(t.env, taskQueue, plan, store)));
}

/** The visits the record keeps for a unit, as [entry, amount]. */
async function recordedVisits(c: CampaignDriver, unitId: string): Promise<[number, number][]> {
  const { rows } = await c.store.pool.query<{ entry: number; amount: number }>('SELECT entry, amount FROM visits WHERE campaign_id = $1 AND unit_id = $2 ORDER BY entry', [c.plan.id, unitId]);
  return rows.map((r) => [r.entry, r.amount]);
}

test('given an approved plan 1 roster with one entry struck, when the community records payments, paying a household twice, more than approved or off the roster should be refused', async () => {
  const plan = subDistrictSpringPlan({ id: uniqueId('spring'), webhook: (p) => t.receiver.url(p), units: 1 });
  const unit = plan.units[0]!.id;
  await run(plan, async (c) => {
    await toVisiting(c, { [unit]: [household(1, { category: 'key', amount: 800 }), household(2), household(3, { amount: 600 })] }, { strikes: { [unit]: [2] } });
    await c.unitState('visiting', unit);
    expect((await c.record('visiting', unit)).rosterSize).toBe(2);
    // The roster the visiting phase pays against carries no personal data: names masked, no ID numbers.
    const roster = await c.store.views.notice(plan.id, unit);
    expect(roster).toEqual([
      { entry: 1, maskedName: '戶**', category: 'key', amount: 800, goods: '米1袋、油1桶', fundingSource: 'sub-district' },
      { entry: 3, maskedName: '戶**', category: 'general', amount: 600, goods: '米1袋、油1桶', fundingSource: 'sub-district' },
    ]);
    expect(JSON.stringify(roster)).not.toContain(household(1).idNumber);

    const visit = { amount: 800, goods: '米1袋、油1桶', visitedOn: '2028-02-09', recipientSigned: true, handler: '民政專幹 王芳' };
    const paid = await c.visit(unit, { ...visit, entry: 1 }, 'visit-1');
    expect(paid).toMatchObject({ recorded: 1, visited: 1, paid: 800 });
    expect(await c.visit(unit, { ...visit, entry: 1 }, 'visit-1')).toEqual(paid);

    const twice = await refusal(c.visit(unit, { ...visit, entry: 1, visitedOn: '2028-02-10' }));
    expect(twice).toMatchObject({ type: UnitPhaseFailure.AlreadyPaid, message: 'entry 1 was already paid on 2028-02-09 by 民政專幹 王芳 (避免重複慰問)' });
    const more = await refusal(c.visit(unit, { ...visit, entry: 3, amount: 1_000 }));
    expect(more).toMatchObject({ type: UnitPhaseFailure.OverApproved, message: 'entry 3: 1,000 is more than the approved 600' });
    const struck = await refusal(c.visit(unit, { ...visit, entry: 2, amount: 400 }));
    expect(struck).toMatchObject({ type: UnitPhaseFailure.NotOnRoster, message: `entry 2 is not on unit ${unit}'s approved roster` });

    await c.visit(unit, { ...visit, entry: 3, amount: 600 });
    expect(await recordedVisits(c, unit)).toEqual([
      [1, 800],
      [3, 600],
    ]);
    expect(await c.record('visiting', unit)).toMatchObject({ rosterSize: 2, visited: 2, paid: 1_400 });
    await recordHistories(t.env.client, 'visiting', [c.unit('visiting', unit).workflowId]);
  });
});

test('given an approved plan 1 roster, when the community records visits in batches, a batch with bad rows should be refused whole naming each, and one of more than 1,000 refused outright', async () => {
  const plan = subDistrictSpringPlan({ id: uniqueId('spring'), webhook: (p) => t.receiver.url(p), units: 1 });
  const unit = plan.units[0]!.id;
  await run(plan, async (c) => {
    await toVisiting(c, { [unit]: [1, 2, 3, 4].map((n) => household(n, { amount: 500 })) }, { strikes: { [unit]: [4] } });
    const visit = (entry: number, amount = 500): VisitInput => ({ entry, amount, goods: '米1袋、油1桶', visitedOn: '2028-02-09', recipientSigned: true, handler: '民政專幹 王芳' });
    await c.visit(unit, visit(1));

    // Row 1 is good; rows 2–5 are not: paid already, over the approved amount, struck, listed twice.
    const bad = await refusal(c.visits(unit, [visit(2), visit(1), visit(3, 900), visit(4), visit(2)]));
    expect(bad.type).toBe(UnitPhaseFailure.AlreadyPaid);
    expect(bad.details).toEqual([
      {
        problems: [
          { row: 2, entry: 1, type: UnitPhaseFailure.AlreadyPaid, message: 'entry 1 was already paid on 2028-02-09 by 民政專幹 王芳 (避免重複慰問)' },
          { row: 3, entry: 3, type: UnitPhaseFailure.OverApproved, message: 'entry 3: 900 is more than the approved 500' },
          { row: 4, entry: 4, type: UnitPhaseFailure.NotOnRoster, message: `entry 4 is not on unit ${unit}'s approved roster` },
          { row: 5, entry: 2, type: UnitPhaseFailure.AlreadyPaid, message: 'entry 2 is listed more than once in this batch (避免重複慰問)' },
        ],
      },
    ]);
    expect(bad.message).toContain('entry 4 is not on unit');
    // All or nothing: the good row of the refused batch was not recorded either.
    expect(await recordedVisits(c, unit)).toEqual([[1, 500]]);

    const tooMany = await refusal(c.visits(unit, Array.from({ length: MAX_VISITS_PER_BATCH + 1 }, (_, i) => visit(i + 1))));
    expect(tooMany).toMatchObject({ type: UnitPhaseFailure.TooManyVisits, message: 'a batch records at most 1000 visits; this one has 1001' });

    expect(await c.visits(unit, [visit(2), visit(3, 300)], 'batch-1')).toMatchObject({ recorded: 2, visited: 3, paid: 1_300 });
    expect(await recordedVisits(c, unit)).toEqual([
      [1, 500],
      [2, 500],
      [3, 300],
    ]);
    expect(await c.record('visiting', unit)).toMatchObject({ rosterSize: 3, visited: 3, paid: 1_300 });
  });
});

test('given a unit reinstated after forfeiting preparation, when it records a visit, it should be refused for want of an approved roster', async () => {
  const plan = subDistrictSpringPlan({ id: uniqueId('spring'), webhook: (p) => t.receiver.url(p), units: 2 });
  const [paying, reinstated] = plan.units.map((u) => u.id) as [string, string];
  await run(plan, async (c) => {
    await toVisiting(c, { [paying]: [household(1)] }, { reinstated: [reinstated] });
    await c.unitState('visiting', reinstated);
    expect((await c.record('visiting', reinstated)).rosterSize).toBe(0);
    const none = await refusal(c.visit(reinstated, { entry: 1, amount: 400, visitedOn: '2028-02-09', recipientSigned: true, handler: '民政專幹 王芳' }));
    expect(none).toMatchObject({ type: UnitPhaseFailure.NoApprovedRoster, message: `unit ${reinstated} has no approved applicant roster to pay against` });
    expect(await recordedVisits(c, reinstated)).toEqual([]);
  });
});

test('given plan 6 milestones (30% by 10/31, 100% by 11/30), when one health centre keeps pace and the other falls behind, only the one behind should be reminded and escalated at each milestone', async () => {
  const plan = healthOutreachPlan({ id: uniqueId('health'), webhook: (p) => t.receiver.url(p) });
  const [ahead, behind] = plan.units.map((u) => u.id) as [string, string];
  const households = (first: number) => Array.from({ length: 10 }, (_, i) => household(first + i, { category: 'bedridden', amount: 0, goods: '健康服務包', fundingSource: 'county-health', reason: '臥病在家不方便就醫' }));
  const [firstMilestone, lastMilestone] = milestoneInstants(plan);
  await run(plan, async (c) => {
    await toVisiting(c, { [ahead]: households(1), [behind]: households(101) });
    const visit = (entry: number): VisitInput => ({ entry, amount: 0, goods: '健康服務包', visitedOn: '2028-10-25', recipientSigned: true, handler: '鄉村醫生 李明' });
    await c.visits(ahead, [1, 2, 3].map(visit));
    await c.visit(behind, visit(1));

    await c.until(firstMilestone + HOUR);
    await t.receiver.waitFor(() => t.receiver.notifications({ kind: 'coverage-escalated' }).length === 2);
    expect(t.receiver.notifications({ kind: 'coverage-behind' }).map((n) => [n.unitId, n.data?.visited, n.data?.required])).toEqual([[behind, 1, 3]]);
    expect(t.receiver.notifications({ kind: 'coverage-escalated' }).map((n) => `${n.unitId}→${n.recipient.role}:${n.recipient.id}`).sort()).toEqual(
      [`${behind}→coordinator:county-health-bureau`, `${behind}→reviewer:medical-affairs`],
    );

    await c.visits(ahead, [4, 5, 6, 7, 8, 9, 10].map(visit));
    await c.visits(behind, [2, 3, 4, 5].map(visit));
    await c.submit('visiting', ahead);
    await c.until(lastMilestone - HOUR);
    expect((await c.record('visiting', ahead)).status).toBe('submitted');
    await c.until(lastMilestone + HOUR);
    await t.receiver.waitFor(() => t.receiver.notifications({ kind: 'coverage-behind' }).length === 2);
    expect(t.receiver.notifications({ kind: 'coverage-behind' }).map((n) => [n.unitId, n.data?.milestone, n.data?.visited, n.data?.required])).toEqual([
      [behind, plan.phases[2]!.milestones![0]!.at, 1, 3],
      [behind, plan.phases[2]!.milestones![1]!.at, 5, 10],
    ]);
    // The record lists what was sent: two escalations at each milestone, none for the unit ahead.
    await eventually(async () => {
      const escalated = (await c.record('visiting', behind)).escalations.filter((e) => e.kind === 'coverage-escalated');
      expect(escalated.map((e) => e.to).sort()).toEqual(['coordinator:county-health-bureau', 'coordinator:county-health-bureau', 'reviewer:medical-affairs', 'reviewer:medical-affairs']);
    });
    expect((await c.record('visiting', ahead)).escalations.filter((e) => e.kind === 'coverage-escalated')).toEqual([]);
  });
});

const milestoneInstants = (plan: CampaignPlan) => plan.phases[2]!.milestones!.map((m) => Date.parse(m.at)) as [number, number];
