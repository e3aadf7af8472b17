import { EXAMPLES, loadExample, runExample, shiftPlan, subjects } from '../examples/example';
import { apiConfig, startApi } from './harness/api';
import { timeSkippingPerTest } from './harness/per-test';
import { createTestWorker, uniqueId } from './harness/temporal';

// The three examples transcribed from the seed, each run end to end through the HTTP API under
// time skipping: rosters, reviews, publicity, a visit per household (in batches), summaries,
// sign-offs. Their upward reports, read from the record, must reproduce the plans' own figures.

const DAY = 86_400_000;
const YEAR = 364 * DAY;
const t = timeSkippingPerTest();

test.each(EXAMPLES)('given example %s, when it runs from start to summary through the API, its upward report should equal the plan’s figures', async (name) => {
  const example = loadExample(name);
  // Moved by whole years into the test server's future (its clock starts today).
  const now = await t.env.currentTimeMs();
  const years = Math.max(0, Math.ceil((now + 2 * DAY - Date.parse(example.plan.phases[0]!.opensAt)) / YEAR));
  const shifted = shiftPlan(example.plan, years * YEAR, uniqueId(example.plan.id.slice(0, 40)));
  // Notifications go to this test's receiver instead of npm start's demo inbox.
  const plan = JSON.parse(JSON.stringify(shifted).replaceAll('http://127.0.0.1:8234/', t.receiver.url(''))) as typeof shifted;
  const tokens = new Map(subjects(plan).map((subject, i) => [subject, `example-token-${String(i).padStart(4, '0')}-${subject.replace(/[^a-z0-9-]/gi, '')}`]));

  const { worker, taskQueue, store } = await createTestWorker(t.env);
  const config = apiConfig({ address: t.env.address, taskQueue, databaseUrl: store.url, timeoutMs: 20_000, bodyLimit: '2mb', apiTokens: [...tokens].map(([s, token]) => `${token}=${s}`).join(',') });
  const api = await startApi(config, t.env.client, store.pool);
  try {
    const { report, csv } = await worker.runUntil(
      runExample(example, plan, {
        api,
        tokenOf: (subject) => tokens.get(subject)!,
        until: async (instant) => {
          const wait = instant - (await t.env.currentTimeMs());
          if (wait > 0) await t.env.sleep(wait);
        },
      }),
    );
    expect(report.totals).toMatchObject({ households: example.figures.households, visited: example.figures.households, budget: example.figures.budget, paid: example.figures.paid });
    expect(report.totals.undisbursed).toBe(example.figures.budget - example.figures.paid);
    // Every funding source fully paid out (確保資金足額到位), and the units add up to the whole.
    for (const source of report.byFundingSource) expect({ id: source.id, paid: source.paid }).toEqual({ id: source.id, paid: source.budget });
    expect(report.byUnit.reduce((sum, u) => sum + u.paid, 0)).toBe(example.figures.paid);
    expect(report.byCategory.reduce((sum, c) => sum + c.households, 0)).toBe(example.figures.households);
    expect(report.forfeited).toEqual([]);
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toBe('section,id,name,budget,households,approved,visited,paid,undisbursed,level');
    expect(lines[1]).toContain(`total,${plan.id},`);
    expect(lines[1]!.endsWith(`,${example.figures.budget},${example.figures.households},${example.figures.paid},${example.figures.households},${example.figures.paid},${example.figures.budget - example.figures.paid},`)).toBe(true);
    expect(lines.filter((l) => l.startsWith('unit,'))).toHaveLength(plan.units.length);
  } finally {
    await api.close();
    await store.pool.end();
  }
}, 300_000);
