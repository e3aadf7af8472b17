import { campaignPlanSchema } from '../domain/plan';
import { compileReport, reportCsv } from '../domain/report';
import { subDistrictSpringPlan } from './harness/plans';

// The upward report's arithmetic on its own (no server): cost splits between levels (plan 8),
// undisbursed funds, forfeited units, and the CSV form.

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

test('given plan 8 cost splits, when two towns pay part of their approved rosters and one forfeited, the report should split each level’s share and show what is undisbursed', () => {
  const report = compileReport(plan, [
    {
      unitId: u1,
      approvedRoster: [
        { entry: 1, category: 'low-income', amount: 1_700, fundingSource: 'district-town' },
        { entry: 2, category: 'marginal', amount: 1_000, fundingSource: 'district-town' },
        { entry: 3, category: 'veteran', amount: 8_000, fundingSource: 'district' },
      ],
      paid: [
        { entry: 1, amount: 1_700 },
        { entry: 3, amount: 8_000 },
      ],
    },
    { unitId: u2, approvedRoster: [{ entry: 1, category: 'low-income', amount: 1_700, fundingSource: 'district-town' }], paid: [{ entry: 1, amount: 1_700 }] },
    { unitId: u3, approvedRoster: [], paid: [], forfeitedIn: 'preparation' },
  ]);
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

test('given shares that do not add up to 1, the plan should be refused naming the source', () => {
  const result = campaignPlanSchema.safeParse({ ...plan, rules: { ...plan.rules, fundingSources: [{ id: 'district-town', name: '區鎮', budget: 1, split: { district: 0.5, town: 0.4 } }] } });
  expect(result.success).toBe(false);
  expect(result.error!.issues).toContainEqual(expect.objectContaining({ path: ['rules', 'fundingSources', 0, 'split'], message: 'the shares add up to 0.9, not 1' }));
});
