import { campaignPlanSchema } from '../domain/plan';
import { compileReport, reportCsv, type ReportLine } from '../domain/report';
import type { Household } from '../domain/household';
import { household, subDistrictSpringPlan } from './harness/plans';
import { testStore } from './harness/postgres';
import { uniqueId } from './harness/temporal';

// The upward report: its arithmetic on its own (cost splits between levels (plan 8), undisbursed
// funds, forfeited units, the CSV form), and from the record's lines (store/views.ts reportLines)
// written by store/records.ts, with no Temporal server.

// Plan 8 (區 送溫暖): low-income households 1,700 and marginal ones 1,000, half district, half
// town; the first-grade disabled veteran 8,000, district alone.
const plan = campaignPlanSchema.parse({
  ...subDistrictSpringPlan({ id: 'district-spring', webhook: (p) => `http://127.0.0.1:1/${p}` }),
  rules: {
    standards: [
      { category: 'low-income', name: '低保特困戶', min: 1_700, max: 1_700 },
      { category: 'marginal', name: '困難低保邊緣戶', min: 1_000, max: 1_000 },
      { category: 'veteran', name: '一級殘疾軍人', min: 8_000, max: 8_000 },
    ],
    fundingSources: [
      { id: 'district-town', name: '區、鎮(街道)各半負擔', budget: 20_000, split: { district: 0.5, town: 0.5 } },
      { id: 'district', name: '區承擔', budget: 8_000, split: { district: 1 } },
    ],
  },
});
const [u1, u2, u3] = plan.units.map((u) => u.id) as [string, string, string];
const store = testStore('all');

test('given plan 8 cost splits, when two towns pay part of their approved rosters and one forfeited, the report should split each level’s share and show what is undisbursed', () => {
  // The record's lines: per unit, category and funding source, approved and paid (store/views.ts reportLines).
  const line = (unitId: string, category: string, fundingSource: string, households: number, approved: number, visited: number, paid: number): ReportLine => ({ unitId, category, fundingSource, households, approved, visited, paid });
  const report = compileReport(
    plan,
    [
      line(u1, 'low-income', 'district-town', 1, 1_700, 1, 1_700),
      line(u1, 'marginal', 'district-town', 1, 1_000, 0, 0),
      line(u1, 'veteran', 'district', 1, 8_000, 1, 8_000),
      line(u2, 'low-income', 'district-town', 1, 1_700, 1, 1_700),
    ],
    new Map([[u3, 'preparation']]),
  );
  expect(report.totals).toEqual({ households: 4, approved: 12_400, visited: 3, paid: 11_400, budget: 28_000, undisbursed: 16_600 });
  expect(report.costSplit).toEqual([
    { level: 'district', approved: 2_200 + 8_000, paid: 1_700 + 8_000 },
    { level: 'town', approved: 2_200, paid: 1_700 },
  ]);
  expect(report.byFundingSource.map((s) => [s.id, s.paid, s.undisbursed])).toEqual([
    ['district-town', 3_400, 16_600],
    ['district', 8_000, 0],
  ]);
  // Each level's finance office reads its share of every source.
  expect(report.byFundingSource.map((s) => [s.id, s.split])).toEqual([
    ['district-town', [{ level: 'district', approved: 2_200, paid: 1_700 }, { level: 'town', approved: 2_200, paid: 1_700 }]],
    ['district', [{ level: 'district', approved: 8_000, paid: 8_000 }]],
  ]);
  expect(report.byCategory.map((c) => [c.category, c.households, c.visited])).toEqual([
    ['low-income', 2, 2],
    ['marginal', 1, 0],
    ['veteran', 1, 1],
  ]);
  expect(report.forfeited).toEqual([{ unitId: u3, name: plan.units[2]!.name, phase: 'preparation' }]);

  const csv = reportCsv(report).split('\r\n');
  expect(csv[0]).toBe('section,id,name,budget,households,approved,visited,paid,undisbursed,level');
  expect(csv).toContain('level,district,,,,10200,,9700,,district');
  expect(csv).toContain('funding-source-level,district-town,區、鎮(街道)各半負擔,,,2200,,1700,,town');
  expect(csv).toContain('funding-source-level,district,區承擔,,,8000,,8000,,district');
  expect(csv).toContain(`forfeited,${u3},${plan.units[2]!.name} (preparation),,,,,,,`);
});

test('given plan 8 rosters approved and partly paid in the record, when the report is compiled from its lines, households, amounts and payments should add up per unit, category and source', async () => {
  const campaignId = uniqueId('district-spring');
  const recorded = { ...plan, id: campaignId };
  const { records, views } = store;
  const at = new Date().toISOString();
  await records.startCampaign(recorded, { requestId: `start:${campaignId}`, actor: plan.coordinator.id });
  await records.loadParticipants({ campaignId, phase: 'preparation', offset: 0, limit: 10 });
  const approveRoster = async (unitId: string, households: Household[]) => {
    const uploadId = `upload:${unitId}`;
    await records.stageHouseholds({ campaignId, unitId, uploadId, actor: unitId, households });
    const submitted = await records.recordSubmission({ campaignId, phase: 'preparation', unitId, requestId: `submit:${unitId}`, actor: unitId, receivedAt: at, at, kind: 'applicant-roster', report: '慰問對象申報名冊', uploadId });
    expect(submitted.ok).toBe(true);
    await records.recordReview({ campaignId, phase: 'preparation', unitId, requestId: `approve:${unitId}`, actor: 'civil-affairs-review', receivedAt: at, at, decision: 'approve', submissionNumber: 1 });
  };
  const pay = async (unitId: string, visits: [entry: number, amount: number][]) => {
    const outcome = await records.recordVisits({ campaignId, unitId, requestId: `visits:${unitId}`, actor: unitId, receivedAt: at, at, visits: visits.map(([entry, amount]) => ({ entry, amount, visitedOn: '2028-02-09', recipientSigned: true, handler: '經辦人' })) });
    expect(outcome.ok).toBe(true);
  };
  const lowIncome = { category: 'low-income', amount: 1_700, fundingSource: 'district-town' };
  await approveRoster(u1, [household(1, lowIncome), household(2, lowIncome), household(3, { category: 'marginal', amount: 1_000, fundingSource: 'district-town' }), household(4, { category: 'veteran', amount: 8_000, fundingSource: 'district' })]);
  await approveRoster(u2, [household(5, lowIncome)]);
  // Entry 2 is paid less than approved; entry 3 is not visited.
  await pay(u1, [[1, 1_700], [2, 1_500], [4, 8_000]]);
  await pay(u2, [[1, 1_700]]);

  const lines = await views.reportLines(campaignId);
  const order = (l: ReportLine) => `${l.unitId}:${l.category}`;
  expect([...lines].sort((a, b) => order(a).localeCompare(order(b)))).toEqual([
    { unitId: u1, category: 'low-income', fundingSource: 'district-town', households: 2, approved: 3_400, visited: 2, paid: 3_200 },
    { unitId: u1, category: 'marginal', fundingSource: 'district-town', households: 1, approved: 1_000, visited: 0, paid: 0 },
    { unitId: u1, category: 'veteran', fundingSource: 'district', households: 1, approved: 8_000, visited: 1, paid: 8_000 },
    { unitId: u2, category: 'low-income', fundingSource: 'district-town', households: 1, approved: 1_700, visited: 1, paid: 1_700 },
  ]);

  const report = compileReport(recorded, lines, new Map([[u3, 'preparation']]));
  expect(report.totals).toEqual({ households: 5, approved: 14_100, visited: 4, paid: 12_900, budget: 28_000, undisbursed: 15_100 });
  expect(report.byUnit.map((u) => [u.unitId, u.households, u.paid, u.forfeitedIn])).toEqual([
    [u1, 4, 11_200, undefined],
    [u2, 1, 1_700, undefined],
    [u3, 0, 0, 'preparation'],
  ]);
  expect(report.costSplit).toEqual([
    { level: 'district', approved: 6_100 / 2 + 8_000, paid: 4_900 / 2 + 8_000 },
    { level: 'town', approved: 6_100 / 2, paid: 4_900 / 2 },
  ]);
  const csv = reportCsv(report).split('\r\n');
  expect(csv[0]).toBe('section,id,name,budget,households,approved,visited,paid,undisbursed,level');
  expect(csv).toContain(`total,${campaignId},${plan.title},28000,5,14100,4,12900,15100,`);
  expect(csv).toContain(`unit,${u1},${plan.units[0]!.name},,4,12400,3,11200,,`);
  // Figures only: no household's name or ID number reaches the report.
  for (const text of [JSON.stringify(report), csv.join('\n')]) for (const n of [1, 2, 3, 4, 5]) expect(text).not.toContain(household(n).idNumber);
});

test('given shares that do not add up to 1, the plan should be refused naming the source', () => {
  const result = campaignPlanSchema.safeParse({ ...plan, rules: { ...plan.rules, fundingSources: [{ id: 'district-town', name: '區鎮', budget: 1, split: { district: 0.5, town: 0.4 } }] } });
  expect(result.success).toBe(false);
  expect(result.error!.issues).toContainEqual(expect.objectContaining({ path: ['rules', 'fundingSources', 0, 'split'], message: 'the shares add up to 0.9, not 1' }));
});
