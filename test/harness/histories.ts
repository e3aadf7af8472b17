import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';

export const HISTORY_FIXTURES = join(__dirname, '..', 'fixtures', 'histories');

/**
 * With RECORD_HISTORIES=1, saves these workflows' histories as replay fixtures; otherwise does
 * nothing. Fixtures are committed so a change that breaks running campaigns fails the replay test.
 */
/** A workflow's history with every payload decoded by the client's codecs (tests encrypt with a key made per run). */
export async function decodedHistory(client: Client, workflowId: string) {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const payloads: Payload[] = [];
  const walk = (value: unknown): void => {
    if (!value || typeof value !== 'object') return;
    if ('metadata' in value && 'data' in value && (value as Payload).data instanceof Uint8Array) payloads.push(value as Payload);
    else Object.values(value).forEach(walk);
  };
  walk(history);
  let decoded = payloads;
  for (const codec of [...client.options.loadedDataConverter.payloadCodecs].reverse()) decoded = await codec.decode(decoded);
  payloads.forEach((payload, i) => Object.assign(payload, { metadata: decoded[i]!.metadata, data: decoded[i]!.data }));
  return { history, payloads };
}

export async function recordHistories(client: Client, scenario: string, workflowIds: string[]): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  mkdirSync(HISTORY_FIXTURES, { recursive: true });
  for (const workflowId of workflowIds) {
    // Decoded, so the fixtures replay without the recording run's key.
    const { history } = await decodedHistory(client, workflowId);
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
