import { Context } from '@temporalio/activity';
import type { Notification } from '../workflows/notification/messages';
import { createWebhookSender } from './channels/webhook';
import type { FailureDetails } from './channels/failures';

export { NOTIFICATION_ID_HEADER, SIGNATURE_HEADER, signBody } from './channels/webhook';

export interface NotifierDeps {
  /** Secret for the HMAC-SHA256 signature receivers verify. */
  signingSecret: string;
  fetch?: typeof fetch;
  /** One structured line per delivery; never the message body (it may name households). */
  log?: (line: Record<string, unknown>) => void;
  requestTimeoutMs?: number;
}

export function createNotifier(deps: NotifierDeps) {
  const log = deps.log ?? ((line) => console.log(JSON.stringify(line)));
  const webhook = createWebhookSender(deps);

  return {
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
  };
}

export type Notifier = ReturnType<typeof createNotifier>;
