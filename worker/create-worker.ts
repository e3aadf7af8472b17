import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { createNotifier, type NotifierDeps } from '../activities/notifier';

export interface CampaignWorkerDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  notifier: NotifierDeps;
  /** A prebuilt bundle (tests build one per run); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

export const workflowsPath = require.resolve('../workflows');

export function createCampaignWorker(deps: CampaignWorkerDeps): Promise<Worker> {
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    activities: createNotifier(deps.notifier),
    ...(deps.workflowBundle ? { workflowBundle: deps.workflowBundle } : { workflowsPath }),
  });
}
