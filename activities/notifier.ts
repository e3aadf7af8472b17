import { createHmac } from 'node:crypto';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Notification } from '../workflows/notification/messages';

export interface NotifierDeps {
  /** Secret for the HMAC-SHA256 signature receivers verify. */
  signingSecret: string;
  fetch?: typeof fetch;
  /** One structured line per delivery; never the message body (it may name households). */
  log?: (line: Record<string, unknown>) => void;
  requestTimeoutMs?: number;
}

export const SIGNATURE_HEADER = 'x-relief-signature';
export const NOTIFICATION_ID_HEADER = 'x-relief-notification-id';

export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export function createNotifier(deps: NotifierDeps) {
  const doFetch = deps.fetch ?? fetch;
  const log = deps.log ?? ((line) => console.log(JSON.stringify(line)));
  const timeoutMs = deps.requestTimeoutMs ?? 10_000;

  return {
    async deliverNotificationWebhook(notification: Notification): Promise<void> {
      const body = JSON.stringify(notification);
      const { attempt } = Context.current().info;
      const base = { event: 'notification', notificationId: notification.id, kind: notification.kind, campaignId: notification.campaignId, phase: notification.phase, unitId: notification.unitId, recipient: `${notification.recipient.role}:${notification.recipient.id}`, attempt };
      let response: Response;
      try {
        response = await doFetch(notification.recipient.webhook, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signBody(deps.signingSecret, body), [NOTIFICATION_ID_HEADER]: notification.id },
          body,
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        log({ ...base, outcome: 'unreachable', error: (err as Error).message });
        throw ApplicationFailure.retryable(`webhook unreachable: ${(err as Error).message}`, 'WebhookUnreachable');
      }
      if (response.ok) {
        log({ ...base, outcome: 'delivered', status: response.status });
        return;
      }
      log({ ...base, outcome: 'failed', status: response.status });
      // 4xx other than timeouts and rate limits will not get better by asking again.
      const permanent = response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429;
      if (permanent) throw ApplicationFailure.nonRetryable(`webhook refused with ${response.status}`, 'WebhookRefused');
      throw ApplicationFailure.retryable(`webhook answered ${response.status}`, 'WebhookFailed');
    },
  };
}

export type Notifier = ReturnType<typeof createNotifier>;

