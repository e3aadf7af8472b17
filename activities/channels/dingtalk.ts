import { createHmac } from 'node:crypto';
import type { Notification } from '../../workflows/notification/messages';
import type { RecipientChannel } from '../../domain/channel';
import type { RenderedNotification } from '../../domain/notification-text';
import { postJson, robotAnswer, type HttpDeps } from './failures';

// DingTalk (钉钉) custom robot with 加签 (signed requests): the URL gets `timestamp` (ms) and
// `sign` = urlencode(base64(HMAC-SHA256(key = secret, `${timestamp}\n${secret}`))); DingTalk refuses
// a timestamp more than an hour from its clock (errcode 310000). Body
// {"msgtype":"markdown","markdown":{"title","text"}} or {"msgtype":"text","text":{"content"}};
// answer {"errcode":0}. -1 (busy) and 130101 (more than 20 messages a minute) may pass on retry.
const RETRYABLE = [-1, 130101];

export function dingTalkSignature(secret: string, timestamp: number): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
}

export function signedDingTalkUrl(url: string, secret: string, timestamp: number): string {
  const signed = new URL(url);
  signed.searchParams.set('timestamp', String(timestamp));
  signed.searchParams.set('sign', dingTalkSignature(secret, timestamp));
  return signed.toString();
}

export interface DingTalkDeps extends HttpDeps {
  now?: () => number;
}

export function createDingTalkSender(deps: DingTalkDeps) {
  const now = deps.now ?? Date.now;
  return {
    async send(channel: Extract<RecipientChannel, { type: 'dingtalk' }>, rendered: RenderedNotification, _notification: Notification): Promise<void> {
      const body =
        (channel.format ?? 'markdown') === 'markdown'
          ? { msgtype: 'markdown', markdown: { title: rendered.title, text: `#### ${rendered.title}\n\n${rendered.text}` } }
          : { msgtype: 'text', text: { content: `${rendered.title}\n${rendered.text}` } };
      // Signed at each attempt: a retry an hour later needs a fresh timestamp.
      const response = await postJson('DingTalk', signedDingTalkUrl(channel.url, channel.secret, now()), JSON.stringify(body), {}, deps);
      await robotAnswer('DingTalk', response, RETRYABLE);
    },
  };
}
