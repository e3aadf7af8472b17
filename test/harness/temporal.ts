import { randomBytes, randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment, type LocalTestWorkflowEnvironmentOptions } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { encryptingDataConverter, KEY_BYTES, type PayloadKeys } from '../../config/codec';
import { campaignSearchAttributes } from '../../domain/search-attributes';
import { serverExecutable } from '../../config/temporal-servers';
import { createCampaignWorker, type CampaignWorkerDeps } from '../../worker/create-worker';
import { addSearchAttributes } from '../../worker/search-attributes';
import { createTestStore, type TestStore } from './postgres';

export const WEBHOOK_SECRET = 'test-signing-secret-0123456789';
export const HOUSEHOLD_SECRET = 'test-household-key-secret-0123456789abcdef';

// Every test client and worker encrypts payloads as production does, with a key made for this run.
const TEST_KEY = randomBytes(KEY_BYTES);
export const TEST_PAYLOAD_KEYS: PayloadKeys = { keys: new Map([['test-1', TEST_KEY]]), activeKeyId: 'test-1' };
/** The same key as PAYLOAD_KEYS for loadConfig and child processes. */
export const TEST_PAYLOAD_KEYS_ENV = `test-1:${TEST_KEY.toString('base64')}`;
export const testDataConverter = encryptingDataConverter(TEST_PAYLOAD_KEYS);

/**
 * The Java time-skipping server: weeks of campaign in seconds. The SDK gives a server 5 s to start,
 * which a JVM on two busy cores sometimes misses: a start that timed out is tried again.
 */
export async function createTimeSkippingEnv(attempts = 3): Promise<TestWorkflowEnvironment> {
  let env: TestWorkflowEnvironment;
  for (let attempt = 1; ; attempt++) {
    try {
      env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: serverExecutable('test-server') }, client: { dataConverter: testDataConverter } });
      break;
    } catch (err) {
      if (attempt >= attempts || !/did not start within/.test(String(err))) throw err;
    }
  }
  // The Java server cannot list search attributes; a fresh one has none, so add them all.
  await addSearchAttributes(env.connection, env.namespace ?? 'default');
  return env;
}

/** The Temporal CLI dev server, with visibility (list queries) and the campaign search attributes. */
export async function createDevServerEnv(server: Pick<NonNullable<LocalTestWorkflowEnvironmentOptions['server']>, 'ui' | 'uiPort' | 'extraArgs'> = {}): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: { executable: serverExecutable('cli'), searchAttributes: [...campaignSearchAttributes], ...server },
    client: { dataConverter: testDataConverter },
  });
}

export const uniqueId = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

/** A fresh worker on a task queue of its own, with the real notifier pointed at the test's receiver and a record (a fresh database unless given one). */
export async function createTestWorker(
  env: TestWorkflowEnvironment,
  taskQueue = uniqueId('tq'),
  { store: given, ...options }: Partial<Pick<CampaignWorkerDeps, 'maxCachedWorkflows' | 'dataConverter' | 'client' | 'notifier'>> & { store?: TestStore } = {},
): Promise<{ worker: Worker; taskQueue: string; store: TestStore }> {
  const store = given ?? (await createTestStore());
  const codePath = process.env.RELIEF_WORKFLOW_BUNDLE;
  if (!codePath) throw new Error('RELIEF_WORKFLOW_BUNDLE is unset: run the tests through jest (test/harness/global-setup.ts bundles the workflows)');
  const worker = await createCampaignWorker({
    connection: env.nativeConnection,
    client: env.client,
    namespace: env.namespace ?? 'default',
    taskQueue,
    notifier: { signingSecret: WEBHOOK_SECRET, log: () => {}, requestTimeoutMs: 2_000 },
    dataConverter: testDataConverter,
    workflowBundle: { codePath },
    records: store.records,
    ...options,
  });
  return { worker, taskQueue, store };
}
