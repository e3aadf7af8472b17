import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createTimeSkippingEnv, testDataConverter, uniqueId } from './harness/temporal';
import type { workingDayWindow } from './harness/workflows/calendar';

// The calendar runs inside workflows: Intl.DateTimeFormat with Asia/Shanghai, the bundled
// cn-workdays.json and the typed refusal, in Temporal's deterministic sandbox on a real server.

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(() => env?.teardown());

test('given a 3-working-day review window from the Friday before the 2026 Spring Festival, when computed in a workflow, it should end on Wednesday 25 February (调休 Saturday counted) and a 2027 window be refused', async () => {
  const taskQueue = uniqueId('calendar');
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowsPath: require.resolve('./harness/workflows/calendar'),
    dataConverter: testDataConverter,
  });
  const result = await worker.runUntil(
    env.client.workflow.execute<typeof workingDayWindow>('workingDayWindow', {
      taskQueue,
      workflowId: uniqueId('calendar'),
      args: ['2026-02-13T10:30:00+08:00', 'P3WD', 'Asia/Shanghai', '2026-12-30T10:00:00+08:00'],
    }),
  );
  expect(result.deadline).toBe('2026-02-25T02:30:00.000Z');
  expect(result.refusal).toMatchObject({ type: 'CalendarYearNotCovered', year: 2027, message: expect.stringMatching(/^工作日历没有2027年/) });
  expect(result.text).toContain('（2月13日 10:30提交）已等待审核3个工作日');
});
