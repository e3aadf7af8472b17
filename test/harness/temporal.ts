import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { TestWorkflowEnvironment, type LocalTestWorkflowEnvironmentOptions } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { encryptingDataConverter, KEY_BYTES, type PayloadKeys } from '../../config/codec';
import { campaignSearchAttributes } from '../../domain/search-attributes';
import { serverExecutable, temporalServerPath } from '../../config/temporal-servers';
import { createCampaignWorker, type CampaignWorkerDeps } from '../../worker/create-worker';
import { addSearchAttributes } from '../../worker/search-attributes';
import { freePort } from './ports';
import { createTestStore, type TestStore } from './postgres';

export const WEBHOOK_SECRET = 'test-signing-secret-0123456789';
export const HOUSEHOLD_SECRET = 'test-household-key-secret-0123456789abcdef';

// Every test client and worker encrypts payloads as production does, with a key made for this run.
const TEST_KEY = randomBytes(KEY_BYTES);
export const TEST_PAYLOAD_KEYS: PayloadKeys = { keys: new Map([['test-1', TEST_KEY]]), activeKeyId: 'test-1' };
/** The same key as PAYLOAD_KEYS for loadConfig and child processes. */
export const TEST_PAYLOAD_KEYS_ENV = `test-1:${TEST_KEY.toString('base64')}`;
export const testDataConverter = encryptingDataConverter(TEST_PAYLOAD_KEYS);

/** The SDK's own constructor for an environment on a server it did not start (not public in 1.24). */
interface EnvironmentFactory {
  create(options: { server: { type: 'existing' }; address: string; namespace: string; supportsTimeSkipping: boolean; client: { dataConverter: typeof testDataConverter } }): Promise<TestWorkflowEnvironment>;
}

/** A time-skipping environment that also stops the server process it runs on. */
class OwnServerEnvironment extends TestWorkflowEnvironment {
  process?: ChildProcess;
  override async teardown(): Promise<void> {
    await super.teardown();
    const running = this.process;
    if (!running || running.exitCode !== null) return;
    await new Promise((resolve) => {
      running.once('exit', resolve);
      running.kill('SIGKILL');
    });
  }
}

async function listening(port: number, process: ChildProcess, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    if (process.exitCode !== null) throw new Error(`the time-skipping test server exited with ${process.exitCode} before it listened`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => { socket.end(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`the time-skipping test server did not listen on ${port} within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A time-skipping environment on a Java test server the harness starts itself (`command` with
 * `args(port)`), waited for here with a minute to listen: the SDK gives a server 5 s, which a JVM on
 * two busy cores missed three times in a row. The SDK then connects to it as to its own.
 */
export async function timeSkippingEnvOn(command: string, args: (port: number) => string[]): Promise<TestWorkflowEnvironment> {
  const port = await freePort();
  const server = spawn(command, args(port), { stdio: 'ignore' });
  let env: OwnServerEnvironment;
  try {
    await listening(port, server, 60_000);
    env = (await (OwnServerEnvironment as unknown as EnvironmentFactory).create({
      server: { type: 'existing' },
      address: `127.0.0.1:${port}`,
      namespace: 'default',
      supportsTimeSkipping: true,
      client: { dataConverter: testDataConverter },
    })) as OwnServerEnvironment;
  } catch (err) {
    server.kill('SIGKILL');
    throw err;
  }
  env.process = server;
  // The Java server cannot list search attributes; a fresh one has none, so add them all.
  await addSearchAttributes(env.connection, env.namespace ?? 'default');
  return env;
}

/** The Java time-skipping server: weeks of campaign in seconds. */
export const createTimeSkippingEnv = (): Promise<TestWorkflowEnvironment> => timeSkippingEnvOn(temporalServerPath('test-server'), (port) => [String(port)]);

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
