import type { RecipientChannel } from '../../domain/channel';
import { renderNotification, type Locale, type RenderedNotification } from '../../domain/notification-text';
import type { Notification } from '../../workflows/notification/messages';
import { createDingTalkSender, type DingTalkDeps } from './dingtalk';
import { createEmailSender, type MailTransport } from './email';
import { refused, type FailureDetails, type HttpDeps } from './failures';
import { createWebhookSender } from './webhook';
import { createWeComSender } from './wecom';

// One sender per channel behind one interface. The senders throw typed ApplicationFailures
// ("<Channel>Refused" non-retryable; "<Channel>Failed", "<Channel>Unreachable" retryable); the
// delivery workflow's retry policy does the rest, as it does for webhooks today.

export interface ChannelDeps extends HttpDeps, DingTalkDeps {
  /** Secret for the webhook's HMAC-SHA256 signature (WEBHOOK_SIGNING_SECRET). */
  signingSecret: string;
  /** SMTP transport and sender; without them an e-mail channel is refused. */
  email?: { transport: MailTransport; from: string };
  /** One structured line per delivery; never the message text or a channel's URL (they carry keys). */
  log?: (line: Record<string, unknown>) => void;
}

export interface ChannelSender {
  send(channel: RecipientChannel, rendered: RenderedNotification, notification: Notification): Promise<void>;
}

export function createChannelSender(deps: ChannelDeps): ChannelSender {
  const webhook = createWebhookSender(deps);
  const wecom = createWeComSender(deps);
  const dingtalk = createDingTalkSender(deps);
  const email = deps.email && createEmailSender(deps.email);
  const log = deps.log ?? ((line) => console.log(JSON.stringify(line)));

  const route = (channel: RecipientChannel, rendered: RenderedNotification, notification: Notification): Promise<void> => {
    switch (channel.type) {
      case 'webhook':
        return webhook.send(channel, rendered, notification);
      case 'wecom':
        return wecom.send(channel, rendered, notification);
      case 'dingtalk':
        return dingtalk.send(channel, rendered, notification);
      case 'email':
        if (!email) throw refused('Email', 'no SMTP server configured (SMTP_URL or SMTP_HOST, and SMTP_FROM) for an e-mail channel');
        return email.send(channel, rendered, notification);
    }
  };

  return {
    async send(channel, rendered, notification) {
      const base = { event: 'notification', notificationId: notification.id, kind: notification.kind, campaignId: notification.campaignId, channel: channel.type, recipient: `${notification.recipient.role}:${notification.recipient.id}` };
      try {
        await route(channel, rendered, notification);
        log({ ...base, outcome: 'delivered' });
      } catch (err) {
        const failure = err as { type?: string; message: string; details?: FailureDetails[] };
        log({ ...base, outcome: failure.type?.endsWith('Unreachable') ? 'unreachable' : 'failed', failure: failure.type, ...failure.details?.[0] });
        throw err;
      }
    },
  };
}

/** What a delivery activity needs to tell one person: the notification, their channel, language and the campaign's time zone. */
export interface ChannelDelivery {
  notification: Notification;
  channel: RecipientChannel;
  locale?: Locale;
  timeZone: string;
}

/** The text one reader gets, in their language and the campaign's time zone, rendered as it is sent. */
export function renderForReader({ notification, locale, timeZone }: Omit<ChannelDelivery, 'channel'>): RenderedNotification {
  const data = { ...notification.data, phase: notification.data?.phase ?? notification.phase, unitId: notification.data?.unitId ?? notification.unitId };
  return renderNotification(notification.kind, data, { locale, timeZone });
}

/** The activity: renders the text at delivery, in the reader's language, and sends it on the reader's channel. */
export function createChannelActivities(deps: ChannelDeps) {
  const sender = createChannelSender(deps);
  return {
    async deliverNotificationToChannel(delivery: ChannelDelivery): Promise<void> {
      await sender.send(delivery.channel, renderForReader(delivery), delivery.notification);
    },
  };
}
export type ChannelActivities = ReturnType<typeof createChannelActivities>;
