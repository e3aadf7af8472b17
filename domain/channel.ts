import { z } from 'zod';

// How a person in a plan is told: one channel each. The same schema validates plans (API) and the
// senders' input (activities/channels). A robot's URL and a DingTalk secret are credentials of the
// receiving group: they live in the plan, never in logs.

const httpUrl = z.url({ protocol: /^https?$/, message: 'an http(s) URL' });
const messageFormat = z.enum(['markdown', 'text']).default('markdown');

export const recipientChannelSchema = z.discriminatedUnion('type', [
  /** JSON POSTed and signed with WEBHOOK_SIGNING_SECRET (x-relief-signature), as before. */
  z.object({ type: z.literal('webhook'), url: httpUrl }),
  /** A WeCom (企业微信) group robot: https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=… */
  z.object({ type: z.literal('wecom'), url: httpUrl, format: messageFormat }),
  /** A DingTalk (钉钉) custom robot with 加签: https://oapi.dingtalk.com/robot/send?access_token=… and its SEC… secret. */
  z.object({ type: z.literal('dingtalk'), url: httpUrl, secret: z.string().min(1), format: messageFormat }),
  /** E-mail over the SMTP server of the configuration (SMTP_URL or SMTP_HOST, SMTP_FROM). */
  z.object({ type: z.literal('email'), to: z.email() }),
]);
export type RecipientChannel = z.infer<typeof recipientChannelSchema>;
export type RecipientChannelInput = z.input<typeof recipientChannelSchema>;
export type ChannelType = RecipientChannel['type'];
