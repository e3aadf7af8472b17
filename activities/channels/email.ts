import { createTransport } from 'nodemailer';
import type { Notification } from '../../workflows/notification/messages';
import type { RecipientChannel } from '../../domain/channel';
import type { RenderedNotification } from '../../domain/notification-text';
import { failed, refused, unreachable } from './failures';

// E-mail over SMTP (nodemailer): subject and body are UTF-8 (nodemailer encodes the subject as
// RFC 2047 words and the body as quoted-printable), the structured notification rides beside
// the text as notification.json, and X-Relief-Notification-Id lets a mailbox rule drop duplicates.

export interface SmtpSettings {
  /** smtp(s)://user:password@host:port; or host and port below. */
  url?: string;
  host?: string;
  port?: number;
  /** TLS from the start (port 465); otherwise STARTTLS when the server offers it. */
  secure?: boolean;
  user?: string;
  password?: string;
  /** The sender, e.g. "送温暖活动 <relief@example.org>". */
  from: string;
  timeoutMs?: number;
}

export type MailTransport = Pick<ReturnType<typeof createTransport>, 'sendMail' | 'close'>;

export function smtpTransport(settings: Omit<SmtpSettings, 'from'>): MailTransport {
  const timeouts = { connectionTimeout: settings.timeoutMs ?? 10_000, greetingTimeout: settings.timeoutMs ?? 10_000, socketTimeout: settings.timeoutMs ?? 30_000 };
  if (settings.url) return createTransport(settings.url, {}) as MailTransport;
  return createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    auth: settings.user ? { user: settings.user, pass: settings.password ?? '' } : undefined,
    ...timeouts,
  });
}

export function createEmailSender({ transport, from }: { transport: MailTransport; from: string }) {
  return {
    async send(channel: Extract<RecipientChannel, { type: 'email' }>, rendered: RenderedNotification, notification: Notification): Promise<void> {
      try {
        await transport.sendMail({
          from,
          to: channel.to,
          subject: rendered.title,
          text: rendered.text,
          headers: { 'X-Relief-Notification-Id': notification.id, 'X-Relief-Kind': notification.kind },
          attachments: [{ filename: 'notification.json', contentType: 'application/json; charset=utf-8', content: JSON.stringify(notification) }],
        });
      } catch (err) {
        const { responseCode, code, message } = err as { responseCode?: number; code?: string; message: string };
        // 5xx replies are permanent (unknown mailbox, refused sender, failed login); 4xx are "try later".
        if (responseCode !== undefined && responseCode >= 500) throw refused('Email', `SMTP refused with ${responseCode}: ${message}`, { status: responseCode });
        if (responseCode !== undefined) throw failed('Email', `SMTP answered ${responseCode}: ${message}`, { status: responseCode });
        if (code === 'EAUTH' || code === 'ENOAUTH' || code === 'ECONFIG' || code === 'EENVELOPE') throw refused('Email', `SMTP ${code}: ${message}`);
        throw unreachable('Email', `SMTP unreachable (${code ?? 'error'}): ${message}`);
      }
    },
  };
}
