import { createHmac } from 'node:crypto';
import type { Notification } from '../../workflows/notification/messages';
import type { RenderedNotification } from '../../domain/notification-text';
import { postJson, type HttpDeps } from './failures';

export const SIGNATURE_HEADER = 'x-relief-signature';
export const NOTIFICATION_ID_HEADER = 'x-relief-notification-id';

export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export interface WebhookDeps extends HttpDeps {
  /** Secret for the HMAC-SHA256 signature receivers verify. */
  signingSecret: string;
}

/** The signed JSON webhook: the notification's structured fields, with the rendered title and text beside them. */
export function createWebhookSender(deps: WebhookDeps) {
  /** POSTs a JSON body signed with the secret; returns the HTTP status. */
  async function post(url: string, payload: object, notificationId: string): Promise<number> {
    const body = JSON.stringify(payload);
    const response = await postJson('Webhook', url, body, { [SIGNATURE_HEADER]: signBody(deps.signingSecret, body), [NOTIFICATION_ID_HEADER]: notificationId }, deps);
    return response.status;
  }
  return {
    post,
    async send(channel: { url: string }, rendered: RenderedNotification, notification: Notification): Promise<void> {
      await post(channel.url, { ...notification, title: rendered.title, text: rendered.text }, notification.id);
    },
  };
}
