import { Worker } from '@temporalio/worker';
import { loadHistoryFixtures } from './harness/histories';

// Histories recorded from real runs (RECORD_HISTORIES=1 npm test) replay against today's workflow
// code: a change that would break campaigns already running fails here. Record new ones when a
// workflow changes on purpose, behind patched(), and keep the old ones.

test('given recorded campaign histories, when they replay against the current workflow code, none should diverge', async () => {
  const fixtures = loadHistoryFixtures();
  expect(fixtures.length).toBeGreaterThanOrEqual(3);
  const codePath = process.env.RELIEF_WORKFLOW_BUNDLE!;
  const failures: string[] = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath } }, fixtures)) {
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  expect(failures).toEqual([]);
});
