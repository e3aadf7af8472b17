import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { campaignSearchAttributes } from '../../domain/search-attributes';
import { serverExecutable } from '../../config/temporal-servers';
import { createCampaignWorker, type CampaignWorkerDeps } from '../../worker/create-worker';
import { addSearchAttributes } from '../../worker/search-attributes';

export const WEBHOOK_SECRET = 'test-signing-secret-0123456789';

/** The Java time-skipping server: weeks of campaign in seconds. */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: serverExecutable('test-server') } });
  // The Java server cannot list search attributes; a fresh one has none, so add them all.
  await addSearchAttributes(env.connection, env.namespace ?? 'default');
  return env;
}

/** The Temporal CLI dev server, with visibility (list queries) and the campaign search attributes. */
export async function createDevServerEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: { executable: serverExecutable('cli'), searchAttributes: [...campaignSearchAttributes] },
  });
}

export const uniqueId = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

/** A fresh worker on a task queue of its own, with the real notifier pointed at the test's receiver. */
export async function createTestWorker(
  env: TestWorkflowEnvironment,
  taskQueue = uniqueId('tq'),
  options: Pick<CampaignWorkerDeps, 'maxCachedWorkflows'> = {},
): Promise<{ worker: Worker; taskQueue: string }> {
  const codePath = process.env.RELIEF_WORKFLOW_BUNDLE;
  if (!codePath) throw new Error('RELIEF_WORKFLOW_BUNDLE is unset: run the tests through jest (test/harness/global-setup.ts bundles the workflows)');
  const worker = await createCampaignWorker({
    connection: env.nativeConnection,
    client: env.client,
    namespace: env.namespace ?? 'default',
    taskQueue,
    notifier: { signingSecret: WEBHOOK_SECRET, log: () => {}, requestTimeoutMs: 2_000 },
    workflowBundle: { codePath },
    ...options,
  });
  return { worker, taskQueue };
}
