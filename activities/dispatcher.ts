import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { renderNotification } from '../domain/notification-text';
import type { Records } from '../store/records';
import type { deliverNotification } from '../workflows/notification/workflow';
import type { Dispatch, Notification } from '../workflows/notification/messages';

export interface DispatcherDeps {
  client: Client;
  /** The task queue delivery workflows run on. */
  taskQueue: string;
  records: Pick<Records, 'recordNotification'>;
}

/**
 * Records each notification and hands it to a delivery workflow of its own, keyed by the
 * notification's id: the sending workflow never waits on a receiver, and a repeated dispatch
 * records and starts nothing new. The text is rendered here, in the campaign's time zone.
 */
export function createNotificationDispatcher({ client, taskQueue, records }: DispatcherDeps) {
  return {
    async dispatchNotification({ notification, category }: Dispatch): Promise<void> {
      const { text } = renderNotification(notification.kind, notification.data ?? {}, { locale: 'zh-CN', timeZone: notification.timeZone });
      const full: Notification = { ...notification, message: text };
      await records.recordNotification(full, category);
      try {
        await client.workflow.start<typeof deliverNotification>('deliverNotification', {
          workflowId: notification.id,
          taskQueue,
          args: [full],
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
