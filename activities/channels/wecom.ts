import type { Notification } from '../../workflows/notification/messages';
import type { RecipientChannel } from '../../domain/channel';
import type { RenderedNotification } from '../../domain/notification-text';
import { postJson, robotAnswer, type HttpDeps } from './failures';

// WeCom (企业微信) group robot: POST {"msgtype":"markdown","markdown":{"content":…}} or
// {"msgtype":"text","text":{"content":…}} to the robot's URL; it answers {"errcode":0,"errmsg":"ok"}.
// -1 is "system busy" and 45009 the rate limit (20 messages a minute): those may pass on retry.
const RETRYABLE = [-1, 45009];
// The robot refuses longer contents (markdown 4096, text 2048 bytes): cut, and say so.
const LIMIT = { markdown: 4096, text: 2048 } as const;

export function createWeComSender(deps: HttpDeps) {
  return {
    async send(channel: Extract<RecipientChannel, { type: 'wecom' }>, rendered: RenderedNotification, _notification: Notification): Promise<void> {
      const format = channel.format ?? 'markdown';
      const content = withinBytes(format === 'markdown' ? `**${rendered.title}**\n${rendered.text}` : `${rendered.title}\n${rendered.text}`, LIMIT[format]);
      const body = format === 'markdown' ? { msgtype: 'markdown', markdown: { content } } : { msgtype: 'text', text: { content } };
      await robotAnswer('WeCom', await postJson('WeCom', channel.url, JSON.stringify(body), {}, deps), RETRYABLE);
    },
  };
}

/** The text cut to at most `limit` UTF-8 bytes, ending in "…" when cut. */
export function withinBytes(text: string, limit: number): string {
  const encoder = new TextEncoder();
  if (encoder.encode(text).length <= limit) return text;
  let cut = '';
  for (const char of text) {
    if (encoder.encode(`${cut}${char}…`).length > limit) break;
    cut += char;
  }
  return `${cut}…`;
}
