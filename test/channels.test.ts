import { loadConfig } from '../config';
import { createChannelActivities, createChannelSender } from '../activities/channels';
import { createEmailSender, smtpTransport } from '../activities/channels/email';
import { recipientChannelSchema } from '../domain/channel';
import { renderNotification } from '../domain/notification-text';
import type { Notification } from '../workflows/notification/messages';
import { startDingTalkRobot, startSmtpInbox, startWeComRobot } from './harness/channel-receivers';
import { WebhookReceiver } from './harness/webhook-receiver';

// Each channel receives plan 1's forfeiture escalation (東風村 missed the signed-roster deadline
// 2月13日前) on a local server that plays the real receiver, rendered in Chinese.

const SECRET = 'channels-test-signing-secret-0123';
const forfeiture: Notification = {
  id: 'unit:subdistrict-spring-2027:visiting:dongfeng:unit-forfeited:2027-02-13T16:00:00.000Z:coordinator:civil-affairs-office',
  kind: 'unit-forfeited',
  campaignId: 'subdistrict-spring-2027',
  phase: 'visiting',
  unitId: 'dongfeng',
  recipient: { role: 'coordinator', id: 'civil-affairs-office', webhook: 'http://127.0.0.1:9/unused' },
  message: 'dongfeng forfeits',
  timeZone: 'Asia/Shanghai',
  occurredAt: '2027-02-13T16:00:00.000Z',
  data: { campaignTitle: '街道2027年春节送温暖走访慰问活动', unitName: '東風村', cutoff: '2027-02-13T16:00:00.000Z', submission: 'signed-roster', phase: 'visiting' },
};
const rendered = renderNotification(forfeiture.kind, forfeiture.data, { locale: 'zh-CN', timeZone: 'Asia/Shanghai' });
const TITLE = '【逾期】東風村慰问阶段视为自动放弃';
const TEXT = '街道2027年春节送温暖走访慰问活动：東風村未在2月13日 24:00截止前提交慰问阶段的已签字名册，逾期不予接收，视为自动放弃。';

const logs: Record<string, unknown>[] = [];
const sender = createChannelSender({ signingSecret: SECRET, requestTimeoutMs: 2_000, log: (line) => logs.push(line) });

test('given the rendered forfeiture, it should be the Chinese the channels are expected to carry', () => {
  expect(rendered).toEqual({ title: TITLE, text: TEXT });
});

describe('webhook', () => {
  let receiver: WebhookReceiver;
  beforeAll(async () => (receiver = await new WebhookReceiver(SECRET).start()));
  afterAll(() => receiver.stop());

  it('given a webhook channel, should POST the signed notification with its structured data and the Chinese text beside it', async () => {
    await sender.send({ type: 'webhook', url: receiver.url('coordinator/civil-affairs-office') }, rendered, forfeiture);
    const [got] = receiver.received;
    expect(got).toMatchObject({ path: '/coordinator/civil-affairs-office', signatureValid: true, idHeader: forfeiture.id });
    expect(got!.notification).toMatchObject({ id: forfeiture.id, kind: 'unit-forfeited', data: forfeiture.data, title: TITLE, text: TEXT });
    expect(logs.at(-1)).toMatchObject({ notificationId: forfeiture.id, channel: 'webhook', outcome: 'delivered' });
    expect(JSON.stringify(logs)).not.toContain('東風村');
  });

  it.each([
    [400, 'WebhookRefused', true],
    [408, 'WebhookFailed', false],
    [429, 'WebhookFailed', false],
    [503, 'WebhookFailed', false],
  ])('given a receiver answering %i, should fail as %s (non-retryable: %s)', async (status, type, nonRetryable) => {
    receiver.failWith = status;
    try {
      await expect(sender.send({ type: 'webhook', url: receiver.url('coordinator/civil-affairs-office') }, rendered, forfeiture)).rejects.toMatchObject({ type, nonRetryable });
    } finally {
      receiver.failWith = undefined;
    }
  });
});

describe('WeCom group robot', () => {
  let robot: Awaited<ReturnType<typeof startWeComRobot>>;
  beforeAll(async () => (robot = await startWeComRobot()));
  afterAll(() => robot.close());

  it('given a markdown robot, should post msgtype markdown with the title in bold and the text', async () => {
    await sender.send(recipientChannelSchema.parse({ type: 'wecom', url: robot.url }), rendered, forfeiture);
    expect(robot.received.at(-1)!.body).toEqual({ msgtype: 'markdown', markdown: { content: `**${TITLE}**\n${TEXT}` } });
  });

  it('given a text robot, should post msgtype text', async () => {
    await sender.send({ type: 'wecom', url: robot.url, format: 'text' }, rendered, forfeiture);
    expect(robot.received.at(-1)!.body).toEqual({ msgtype: 'text', text: { content: `${TITLE}\n${TEXT}` } });
  });

  it('given a text longer than the robot takes, should cut it to its 4,096 bytes and mark the cut', async () => {
    await sender.send({ type: 'wecom', url: robot.url, format: 'markdown' }, { title: TITLE, text: '东风村'.repeat(2000) }, forfeiture);
    const content = (robot.received.at(-1)!.body.markdown as { content: string }).content;
    expect(Buffer.byteLength(content)).toBeLessThanOrEqual(4096);
    expect(Buffer.byteLength(content)).toBeGreaterThan(4090);
    expect(content).toMatch(/^\*\*【逾期】.*[东风村]…$/s);
  });

  it('given a wrong key, should fail for good on the robot’s errcode though HTTP says 200; given a rate limit, should retry', async () => {
    const wrongKey = robot.url.replace('key=wecom-test-key', 'key=other');
    await expect(sender.send({ type: 'wecom', url: wrongKey, format: 'markdown' }, rendered, forfeiture)).rejects.toMatchObject({ type: 'WeComRefused', nonRetryable: true, details: [{ errcode: 93000 }] });
    robot.answers.push({ errcode: 45009, errmsg: 'api freq out of limit' });
    await expect(sender.send({ type: 'wecom', url: robot.url, format: 'markdown' }, rendered, forfeiture)).rejects.toMatchObject({ type: 'WeComFailed', nonRetryable: false });
  });
});

describe('DingTalk robot', () => {
  const dingSecret = 'SECtest0123456789abcdef0123456789abcdef0123456789abcdef0123456789';
  let robot: Awaited<ReturnType<typeof startDingTalkRobot>>;
  beforeAll(async () => (robot = await startDingTalkRobot(dingSecret)));
  afterAll(() => robot.close());

  it('given a signed robot, should pass DingTalk’s signature check and post msgtype markdown', async () => {
    await sender.send(recipientChannelSchema.parse({ type: 'dingtalk', url: robot.url, secret: dingSecret }), rendered, forfeiture);
    const got = robot.received.at(-1)!;
    expect(got.body).toEqual({ msgtype: 'markdown', markdown: { title: TITLE, text: `#### ${TITLE}\n\n${TEXT}` } });
    expect(Math.abs(Number(got.query.get('timestamp')) - Date.now())).toBeLessThan(60_000);
  });

  it('given a text robot, should post msgtype text', async () => {
    await sender.send({ type: 'dingtalk', url: robot.url, secret: dingSecret, format: 'text' }, rendered, forfeiture);
    expect(robot.received.at(-1)!.body).toEqual({ msgtype: 'text', text: { content: `${TITLE}\n${TEXT}` } });
  });

  it('given the wrong secret or a clock two hours off, should be refused by the signature check for good', async () => {
    const before = robot.received.length;
    await expect(sender.send({ type: 'dingtalk', url: robot.url, secret: 'SECwrong', format: 'markdown' }, rendered, forfeiture)).rejects.toMatchObject({ type: 'DingTalkRefused', nonRetryable: true, details: [{ errcode: 310000 }] });
    const skewed = createChannelSender({ signingSecret: SECRET, now: () => Date.now() - 2 * 3_600_000, log: () => {} });
    await expect(skewed.send({ type: 'dingtalk', url: robot.url, secret: dingSecret, format: 'markdown' }, rendered, forfeiture)).rejects.toMatchObject({ type: 'DingTalkRefused' });
    expect(robot.received.length).toBe(before);
  });
});

describe('e-mail over SMTP', () => {
  let inbox: Awaited<ReturnType<typeof startSmtpInbox>>;
  const from = '街道民政办 <relief@example.org>';
  beforeAll(async () => (inbox = await startSmtpInbox()));
  afterAll(() => inbox.close());
  const email = () => createEmailSender({ transport: smtpTransport({ host: '127.0.0.1', port: inbox.port, secure: false, timeoutMs: 3_000 }), from });

  it('given an e-mail channel, should deliver a UTF-8 subject and body with the structured notification attached', async () => {
    await email().send({ type: 'email', to: 'minzheng@example.org' }, rendered, forfeiture);
    const mail = inbox.received.at(-1)!;
    expect(mail.subject).toBe(TITLE);
    expect(mail.text?.trim()).toBe(TEXT);
    expect(mail.envelopeTo).toEqual(['minzheng@example.org']);
    expect(mail.from?.value[0]).toMatchObject({ name: '街道民政办', address: 'relief@example.org' });
    expect(mail.headers.get('x-relief-notification-id')).toBe(forfeiture.id);
    expect(JSON.parse(mail.attachments[0]!.content.toString('utf8'))).toMatchObject({ id: forfeiture.id, data: forfeiture.data });
  });

  it('given a mailbox refused with 550, should fail for good; with 451, should retry; with no server, should retry', async () => {
    inbox.rejectRecipientsWith = 550;
    await expect(email().send({ type: 'email', to: 'nobody@example.org' }, rendered, forfeiture)).rejects.toMatchObject({ type: 'EmailRefused', nonRetryable: true });
    inbox.rejectRecipientsWith = 451;
    await expect(email().send({ type: 'email', to: 'later@example.org' }, rendered, forfeiture)).rejects.toMatchObject({ type: 'EmailFailed', nonRetryable: false });
    inbox.rejectRecipientsWith = undefined;
    const closed = createEmailSender({ transport: smtpTransport({ host: '127.0.0.1', port: 9, timeoutMs: 1_000 }), from });
    await expect(closed.send({ type: 'email', to: 'minzheng@example.org' }, rendered, forfeiture)).rejects.toMatchObject({ type: 'EmailUnreachable', nonRetryable: false });
  });
});

describe('the delivery activity', () => {
  it('given a notification and an English reader on WeCom, should render the text at delivery in English', async () => {
    const robot = await startWeComRobot();
    try {
      const { deliverNotificationToChannel } = createChannelActivities({ signingSecret: SECRET, log: () => {} });
      await deliverNotificationToChannel({ notification: forfeiture, channel: { type: 'wecom', url: robot.url, format: 'text' }, locale: 'en', timeZone: 'Asia/Shanghai' });
      expect(robot.received[0]!.body).toMatchObject({ text: { content: expect.stringContaining('by the cutoff 13 Feb 24:00 and forfeits') } });
    } finally {
      await robot.close();
    }
  });

  it('given a channel without the SMTP settings, should refuse the e-mail for good', async () => {
    await expect(sender.send({ type: 'email', to: 'minzheng@example.org' }, rendered, forfeiture)).rejects.toMatchObject({ type: 'EmailRefused', nonRetryable: true });
  });

  it('given channel configs, should accept the four types and refuse an unknown one or a DingTalk robot without its secret', () => {
    expect(recipientChannelSchema.parse({ type: 'wecom', url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k' })).toMatchObject({ format: 'markdown' });
    expect(recipientChannelSchema.safeParse({ type: 'sms', to: '13800000000' }).success).toBe(false);
    expect(recipientChannelSchema.safeParse({ type: 'dingtalk', url: 'https://oapi.dingtalk.com/robot/send?access_token=t' }).success).toBe(false);
    expect(recipientChannelSchema.safeParse({ type: 'email', to: 'not an address' }).success).toBe(false);
  });
});

describe('SMTP settings from the configuration', () => {
  const base = { WEBHOOK_SIGNING_SECRET: SECRET, PAYLOAD_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`, DATABASE_URL: 'postgres://127.0.0.1/relief', HOUSEHOLD_KEY_SECRET: 'h'.repeat(32) };

  it('given no SMTP server, should leave e-mail off; given a host and a sender, should default the port to 587 with STARTTLS', () => {
    expect(loadConfig(base).smtp).toBeUndefined();
    expect(loadConfig({ ...base, SMTP_HOST: 'smtp.example.org', SMTP_FROM: '街道民政办 <relief@example.org>' }).smtp).toEqual({ host: 'smtp.example.org', port: 587, secure: false, from: '街道民政办 <relief@example.org>' });
    expect(loadConfig({ ...base, SMTP_URL: 'smtps://u:p@smtp.example.org:465', SMTP_PORT: '465', SMTP_FROM: 'relief@example.org' }).smtp).toMatchObject({ url: 'smtps://u:p@smtp.example.org:465', secure: true });
  });

  it('given a server without a sender, or both a URL and a host, should refuse to start and name the key', () => {
    expect(() => loadConfig({ ...base, SMTP_HOST: 'smtp.example.org' })).toThrow(/SMTP_FROM: required/);
    expect(() => loadConfig({ ...base, SMTP_HOST: 'smtp.example.org', SMTP_URL: 'smtp://smtp.example.org', SMTP_FROM: 'relief@example.org' })).toThrow(/SMTP_URL: set SMTP_URL or SMTP_HOST, not both/);
  });
});
