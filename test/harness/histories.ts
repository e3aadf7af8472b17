import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';

export const HISTORY_FIXTURES = join(__dirname, '..', 'fixtures', 'histories');

/**
 * With RECORD_HISTORIES=1, saves these workflows' histories as replay fixtures; otherwise does
 * nothing. Fixtures are committed so a change that breaks running campaigns fails the replay test.
 */
export async function recordHistories(client: Client, scenario: string, workflowIds: string[]): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  mkdirSync(HISTORY_FIXTURES, { recursive: true });
  for (const workflowId of workflowIds) {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const name = `${scenario}--${workflowId.replace(/^campaign:[^:]+:?/, '').replace(/[^A-Za-z0-9_-]+/g, '-') || 'campaign'}.json`;
    writeFileSync(join(HISTORY_FIXTURES, name), historyToJSON(history));
  }
}

export function loadHistoryFixtures() {
  return readdirSync(HISTORY_FIXTURES)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ workflowId: file.replace(/\.json$/, ''), history: historyFromJSON(JSON.parse(readFileSync(join(HISTORY_FIXTURES, file), 'utf8'))) }));
}
