import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import type { deliverNotification } from '../workflows/notification/workflow';
import type { Notification } from '../workflows/notification/messages';

export interface DispatcherDeps {
  client: Client;
  taskQueue: string;
}

/**
 * Hands each notification to a delivery workflow of its own, keyed by the notification's id:
 * the sending workflow never waits on a webhook, and a repeated dispatch starts nothing new.
 */
export function createNotificationDispatcher({ client, taskQueue }: DispatcherDeps) {
  return {
    async dispatchNotification(notification: Notification): Promise<void> {
      try {
        await client.workflow.start<typeof deliverNotification>('deliverNotification', {
          workflowId: notification.id,
          taskQueue,
          args: [notification],
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          staticSummary: `${notification.kind} → ${notification.recipient.role} ${notification.recipient.id}`,
        });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
    },
  };
}

export type NotificationDispatcher = ReturnType<typeof createNotificationDispatcher>;
