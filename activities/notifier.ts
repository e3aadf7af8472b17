import { Context } from '@temporalio/activity';
import { renderDigest } from '../domain/notification-text';
import type { NotificationRouting } from '../store/notification-routing';
import type { Notification } from '../workflows/notification/messages';
import { createChannelActivities, createChannelSender, type ChannelDeps } from './channels';
import { createWebhookSender } from './channels/webhook';
import type { FailureDetails } from './channels/failures';

export { NOTIFICATION_ID_HEADER, SIGNATURE_HEADER, signBody } from './channels/webhook';

export interface NotifierDeps extends ChannelDeps {
  /** Where digests are gathered (store/notification-routing.ts); a worker without it sends none. */
  digests?: Pick<NotificationRouting, 'closeDigest'>;
}

export function createNotifier(deps: NotifierDeps) {
  const log = deps.log ?? ((line) => console.log(JSON.stringify(line)));
  const webhook = createWebhookSender(deps);
  const sender = createChannelSender(deps);

  return {
    /** Deliveries started before channels existed: the plan's webhook, with the text rendered at dispatch. */
    async deliverNotificationWebhook(notification: Notification): Promise<void> {
      const { attempt } = Context.current().info;
      const base = { event: 'notification', notificationId: notification.id, kind: notification.kind, campaignId: notification.campaignId, phase: notification.phase, unitId: notification.unitId, recipient: `${notification.recipient.role}:${notification.recipient.id}`, attempt };
      try {
        const status = await webhook.post(notification.recipient.webhook, notification, notification.id);
        log({ ...base, outcome: 'delivered', status });
      } catch (err) {
        const failure = err as { type?: string; message: string; details?: FailureDetails[] };
        if (failure.type === 'WebhookUnreachable') log({ ...base, outcome: 'unreachable', error: failure.message });
        else log({ ...base, outcome: 'failed', status: failure.details?.[0]?.status });
        throw err;
      }
    },

    ...createChannelActivities(deps),

    /**
     * Closes the digest to new items and sends one message listing them on the recipient's channel.
     * The items are read here, never carried in a payload: 5,000 units' worth stays in the record.
     */
    async deliverDigestToChannel(digestId: string): Promise<void> {
      if (!deps.digests) throw new Error('this worker has no digest store');
      const digest = await deps.digests.closeDigest(digestId);
      const rendered = renderDigest(digest.items, { locale: digest.locale, timeZone: digest.timeZone, periodStart: digest.periodStart, periodEnd: digest.periodEnd });
      const notification: Notification = {
        id: digestId,
        kind: 'digest',
        campaignId: digest.campaignId,
        recipient: { ...digest.recipient, webhook: digest.channel.type === 'webhook' ? digest.channel.url : '' },
        message: rendered.text,
        timeZone: digest.timeZone,
        occurredAt: digest.periodEnd,
        data: { count: digest.items.length, periodStart: digest.periodStart, periodEnd: digest.periodEnd },
        items: digest.items,
      };
      await sender.send(digest.channel, rendered, notification);
    },
  };
}

export type Notifier = ReturnType<typeof createNotifier>;
