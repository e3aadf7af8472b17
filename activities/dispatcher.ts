import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { renderNotification } from '../domain/notification-text';
import { renderForReader, type ChannelSender } from './channels';
import type { Records } from '../store/records';
import type { deliverDigest, deliverNotification } from '../workflows/notification/workflow';
import type { Delivery, Dispatch, Notification } from '../workflows/notification/messages';

export interface DispatcherDeps {
  client: Client;
  /** The task queue delivery workflows run on. */
  taskQueue: string;
  records: Pick<Records, 'recordNotification' | 'addresseeOf' | 'recordSubstituteDelivery' | 'appendToDigest' | 'recordDeliveredAtDispatch'>;
  /**
   * Tries each notification once as it is dispatched, on the HTTP channels, with a short timeout:
   * one that arrives needs no delivery workflow (at a phase's opening, one per unit). Without it,
   * every notification gets its workflow.
   */
  firstAttempt?: ChannelSender;
}

/** Channels tried at dispatch: HTTP, answered in milliseconds; e-mail always goes through its workflow. */
const TRIED_AT_DISPATCH = new Set<Delivery['channel']['type']>(['webhook', 'wecom', 'dingtalk']);
/** How long the attempt at dispatch may hold the sending workflow's task before the delivery workflow takes over. */
export const FIRST_ATTEMPT_TIMEOUT_MS = 2_000;

/** Who may take digests: the roles told about many units. Notifications without a unit (sign-off, cancellation) go at once. */
const DIGESTED_ROLES = new Set(['coordinator', 'reviewer']);

/**
 * Records each notification, tries it once (firstAttempt), and hands one that did not arrive to a
 * delivery workflow of its own, keyed by the notification's id: the sending workflow waits on a
 * receiver for at most FIRST_ATTEMPT_TIMEOUT_MS, and a repeated dispatch records, sends and starts
 * nothing new. Here the recipient is resolved: the plan's contact (its channel and language), or
 * the substitute standing in for a reviewer at that instant; a notification about one unit to a
 * contact that asked for digests joins its period's digest instead.
 */
export function createNotificationDispatcher({ client, taskQueue, records, firstAttempt }: DispatcherDeps) {
  const startOnce = async (start: () => Promise<unknown>) => {
    try {
      await start();
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  };

  return {
    async dispatchNotification({ notification, category }: Dispatch): Promise<void> {
      const addressee = await records.addresseeOf(notification.campaignId, notification.recipient, notification.occurredAt);
      const { text } = renderNotification(notification.kind, notification.data ?? {}, { locale: addressee.locale, timeZone: notification.timeZone });
      const full: Notification = { ...notification, message: text };
      const recorded = await records.recordNotification(full, category);
      if (recorded.delivered) return;
      if (addressee.substitution) await records.recordSubstituteDelivery(full, addressee.substitution);
      const to = `${notification.recipient.role} ${notification.recipient.id}`;

      if (addressee.digestMs && notification.unitId && DIGESTED_ROLES.has(notification.recipient.role)) {
        const { digestId, sendAt } = await records.appendToDigest(full, { ...addressee, digestMs: addressee.digestMs });
        await startOnce(() =>
          client.workflow.start<typeof deliverDigest>('deliverDigest', {
            workflowId: digestId,
            taskQueue,
            args: [{ digestId, sendAt }],
            workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
            staticSummary: `digest → ${to}`,
          }),
        );
        return;
      }

      const delivery: Delivery = { channel: addressee.channel, locale: addressee.locale };
      // Only on the first dispatch: a retried one may follow an attempt that did arrive, or a workflow already started.
      if (firstAttempt && recorded.first && TRIED_AT_DISPATCH.has(delivery.channel.type)) {
        const arrived = await firstAttempt.send(delivery.channel, renderForReader({ notification: full, locale: delivery.locale, timeZone: full.timeZone }), full).then(
          () => true,
          () => false, // logged by the sender; its delivery workflow retries it
        );
        if (arrived) return records.recordDeliveredAtDispatch(full.id, new Date().toISOString());
      }
      await startOnce(() =>
        client.workflow.start<typeof deliverNotification>('deliverNotification', {
          workflowId: notification.id,
          taskQueue,
          args: [full, delivery],
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          staticSummary: `${notification.kind} → ${to}${addressee.substitution ? ' (substitute)' : ''}`,
        }),
      );
    },
  };
}

export type NotificationDispatcher = ReturnType<typeof createNotificationDispatcher>;
