import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { createNotificationDispatcher } from '../activities/dispatcher';
import { createNotifier, type NotifierDeps } from '../activities/notifier';
import type { Records } from '../store/records';

export interface CampaignWorkerDeps {
  connection: NativeConnection;
  /** Starts notification delivery workflows. */
  client: Client;
  namespace: string;
  taskQueue: string;
  notifier: NotifierDeps;
  /** The system of record's writes (store/records.ts), each an activity. */
  records: Records;
  /** The payload codec (config/codec.ts): the same one the clients use, or histories cannot be read. */
  dataConverter: DataConverter;
  /** A prebuilt bundle (tests build one per run); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** 0 replays every workflow task from history (no sticky cache); tests that swap workers use it. */
  maxCachedWorkflows?: number;
}

export const workflowsPath = require.resolve('../workflows');

export function createCampaignWorker(deps: CampaignWorkerDeps): Promise<Worker> {
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    dataConverter: deps.dataConverter,
    activities: {
      ...createNotifier(deps.notifier),
      ...createNotificationDispatcher({ client: deps.client, taskQueue: deps.taskQueue, records: deps.records }),
      ...deps.records,
    },
    ...(deps.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: deps.maxCachedWorkflows } : {}),
    ...(deps.workflowBundle ? { workflowBundle: deps.workflowBundle } : { workflowsPath }),
  });
}
