import example from '../examples/plan-1-in-its-own-words.json';
import { apiConfig, startApi, type RunningApi } from './harness/api';
import { realServer, scoped } from './harness/per-test';
import { createTimeSkippingEnvAt } from './harness/season-server';
import { createTestWorker, uniqueId } from './harness/temporal';

// A plan started through the API with its dates as the offices write them: plan 1 for the 2026/27
// season (visits 2月9日–2月10日, signed rosters 2月13日前) and plan 4's 至元宵節結束. The start
// answers with the instants it understood, the campaign's record holds them, and a date it cannot
// read or a working-day duration in a year the business calendar lacks (2027) is refused.

const COORDINATOR = 'test-coordinator-civil-affairs-0001';
const t = realServer(() => createTimeSkippingEnvAt(), 'all');
let api: RunningApi;
let stop: () => Promise<void>;
scoped(
  'all',
  async () => {
    const { worker, taskQueue, store } = await createTestWorker(t.env);
    const running = worker.run();
    // A generous Temporal deadline: the start is one call, and two shared cores are sometimes slow to answer it.
    api = await startApi(apiConfig({ address: t.env.address, taskQueue, databaseUrl: store.url, timeoutMs: 20_000, apiTokens: `${COORDINATOR}=coordinator:civil-affairs-office` }), t.env.client, store.pool);
    stop = async () => {
      await api.close();
      worker.shutdown();
      await running;
      await store.pool.end();
    };
  },
  () => stop(),
);

type Phase = (typeof example.plan.phases)[number];
/** Plan 1 in its own words, its notifications sent to this test's receiver, with changes to its phases. */
const planInWords = (changes: Partial<Phase>[] = [], rest: object = {}) => {
  const plan = JSON.parse(JSON.stringify(example.plan).replaceAll('http://127.0.0.1:8234/', t.receiver.url(''))) as typeof example.plan;
  return { ...plan, id: uniqueId('spring-2027'), phases: plan.phases.map((phase, i) => ({ ...phase, ...changes[i] })), ...rest };
};
const start = (plan: object) => api.call('POST', '/campaigns', { token: COORDINATOR, body: plan });

test('given plan 1 in its own words for 2027, when started, the answer and the campaign should hold its visits and its 2月13日前 deadline as Beijing instants', async () => {
  const plan = planInWords();
  const started = await start(plan);
  expect(started.status).toBe(202);
  expect(started.body.dates.seasonStart).toBe('2026-12-01T00:00:00+08:00');
  expect(started.body.dates.phases.map((p: { opensAt: string; cutoff: string }) => [p.opensAt, p.cutoff])).toEqual([
    ['2026-12-01T00:00:00+08:00', '2026-12-31T17:00:00+08:00'],
    ['2027-01-04T00:00:00+08:00', '2027-01-20T17:00:00+08:00'],
    // Visits from 2月9日; signed rosters by the end of 13 February; every household visited by the end of 2月10日.
    ['2027-02-09T00:00:00+08:00', '2027-02-14T00:00:00+08:00'],
    ['2027-02-14T00:00:00+08:00', '2027-03-01T00:00:00+08:00'],
  ]);
  expect(started.body.dates.phases[2].milestones).toEqual([{ at: '2027-02-11T00:00:00+08:00', coverage: 1 }]);
  expect(started.body.dates.phases[0].reminders).toEqual([{ offset: 'P3D', at: '2026-12-28T17:00:00+08:00' }]);

  const campaign = await api.call('GET', `/campaigns/${plan.id}`, { token: COORDINATOR });
  expect(campaign.status).toBe(200);
  const instants = (phases: { opensAt: string; cutoff: string }[]) => phases.map((p) => [Date.parse(p.opensAt), Date.parse(p.cutoff)]);
  expect(instants(campaign.body.phases)).toEqual(instants(started.body.dates.phases));
});

test('given plan 4’s visits 至元宵節結束, when started, the visiting cutoff should be the end of the 2027 lantern festival (20 February)', async () => {
  const started = await start(planInWords([{}, {}, { opensAt: '1月21日', cutoff: '至元宵節結束', milestones: [] }, { opensAt: '元宵节结束', cutoff: '3月10日前' }]));
  expect(started.status).toBe(202);
  expect(started.body.dates.phases.slice(2).map((p: { opensAt: string; cutoff: string }) => [p.opensAt, p.cutoff])).toEqual([
    ['2027-01-21T00:00:00+08:00', '2027-02-21T00:00:00+08:00'],
    ['2027-02-21T00:00:00+08:00', '2027-03-11T00:00:00+08:00'],
  ]);
});

test('given working days in 2027, a year the calendar has no data for, when started, it should be refused with each field’s path and the calendar’s reason, and nothing started', async () => {
  const plan = planInWords([{ reviewWithin: 'P3WD' }, { reminders: ['P2WD'] }]);
  const refused = await start(plan);
  expect(refused.status).toBe(400);
  expect(refused.body.error.code).toBe('invalid-request');
  expect(refused.body.error.issues).toEqual([
    { path: ['phases', 0, 'reviewWithin'], message: expect.stringMatching(/^工作日历没有2027年的节假日安排.*无法按工作日计算/) },
    { path: ['phases', 1, 'reminders', 0], message: expect.stringMatching(/^工作日历没有2027年的节假日安排/) },
  ]);
  expect((await api.call('GET', `/campaigns/${plan.id}`, { token: COORDINATOR })).status).toBe(404);
});

test('given a date the API cannot read, when started, it should be refused naming the field and why, never guessed', async () => {
  const refused = await start(planInWords([{}, {}, {}, { cutoff: '月底' }]));
  expect(refused.status).toBe(400);
  expect(refused.body.error.issues).toEqual([{ path: ['phases', 3, 'cutoff'], message: expect.stringMatching(/^无法理解日期“月底”:可写/) }]);
});

test('given a reminder that is no duration in a phase whose reminders count working days, when started, it should be refused naming the reminder, not fail (schemathesis found a 500)', async () => {
  const refused = await start(planInWords([{ reminders: ['明天'], remindersOnWorkingDays: true } as Partial<Phase>]));
  expect(refused.status).toBe(400);
  expect(refused.body.error.issues).toEqual([{ path: ['phases', 0, 'reminders', 0], message: expect.stringContaining('duration') }]);
});
