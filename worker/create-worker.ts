import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { createChannelSender } from '../activities/channels';
import { createNotificationDispatcher, FIRST_ATTEMPT_TIMEOUT_MS } from '../activities/dispatcher';
import { createNotifier, type NotifierDeps } from '../activities/notifier';
import type { Records } from '../store/records';

export interface CampaignWorkerDeps {
  connection: NativeConnection;
  /** Starts notification delivery workflows. */
  client: Client;
  namespace: string;
  taskQueue: string;
  /** Where notification delivery runs; unset, the campaign queue itself, so one Worker serves both (the tests do). */
  notifyTaskQueue?: string;
  notifier: NotifierDeps;
  /** The system of record's writes (store/records.ts), each an activity. */
  records: Records;
  /** The payload codec (config/codec.ts): the same one the clients use, or histories cannot be read. */
  dataConverter: DataConverter;
  /** A prebuilt bundle (tests build one per run); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** 0 replays every workflow task from history (no sticky cache); tests that swap workers use it. */
  maxCachedWorkflows?: number;
  /** Slots per Worker; unset, the SDK's defaults. */
  maxConcurrentWorkflowTaskExecutions?: number;
  maxConcurrentActivityTaskExecutions?: number;
}

export const workflowsPath = require.resolve('../workflows');

/** What every Worker of the app shares: connection, codec, workflow code and tuning. */
function common(deps: CampaignWorkerDeps) {
  const defined = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  return {
    connection: deps.connection,
    namespace: deps.namespace,
    dataConverter: deps.dataConverter,
    ...defined({
      maxCachedWorkflows: deps.maxCachedWorkflows,
      maxConcurrentWorkflowTaskExecutions: deps.maxConcurrentWorkflowTaskExecutions,
      maxConcurrentActivityTaskExecutions: deps.maxConcurrentActivityTaskExecutions,
    }),
    ...(deps.workflowBundle ? { workflowBundle: deps.workflowBundle } : { workflowsPath }),
  };
}

export function createCampaignWorker(deps: CampaignWorkerDeps): Promise<Worker> {
  return Worker.create({
    ...common(deps),
    taskQueue: deps.taskQueue,
    activities: {
      // Kept here too: deliveries started on this queue before notifications had their own still finish.
      ...createNotifier({ ...deps.notifier, digests: deps.records }),
      ...createNotificationDispatcher({
        client: deps.client,
        taskQueue: deps.notifyTaskQueue ?? deps.taskQueue,
        records: deps.records,
        firstAttempt: createChannelSender({ ...deps.notifier, requestTimeoutMs: Math.min(deps.notifier.requestTimeoutMs ?? FIRST_ATTEMPT_TIMEOUT_MS, FIRST_ATTEMPT_TIMEOUT_MS) }),
      }),
      ...deps.records,
    },
  });
}

/** The notification queue's Worker: delivery and digest workflows and their channel activities only. */
export function createNotificationWorker(deps: CampaignWorkerDeps & { notifyTaskQueue: string }): Promise<Worker> {
  return Worker.create({ ...common(deps), taskQueue: deps.notifyTaskQueue, activities: createNotifier({ ...deps.notifier, digests: deps.records }) });
}
