import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

// Local stand-ins for the channels' real receivers, on loopback: a WeCom group robot, a DingTalk
// robot that checks the signature the way DingTalk does, and an SMTP inbox.

export interface RobotMessage {
  path: string;
  query: URLSearchParams;
  body: Record<string, unknown>;
}

interface Robot {
  url: string;
  received: RobotMessage[];
  /** The next answers' {errcode, errmsg}, or an HTTP status; default {"errcode":0,"errmsg":"ok"}. */
  answers: ({ errcode: number; errmsg: string } | number)[];
  close(): Promise<void>;
}

async function startRobot(path: string, check: (query: URLSearchParams) => { errcode: number; errmsg: string } | undefined): Promise<Robot> {
  const received: RobotMessage[] = [];
  const answers: Robot['answers'] = [];
  const server: Server = createServer((req, res) => {
    void readBody(req).then((text) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const refusal = url.pathname === path ? check(url.searchParams) : { errcode: 300001, errmsg: 'unknown path' };
      const answer = refusal ?? answers.shift() ?? { errcode: 0, errmsg: 'ok' };
      if (typeof answer === 'number') {
        res.writeHead(answer).end();
        return;
      }
      if (answer.errcode === 0) received.push({ path: url.pathname, query: url.searchParams, body: JSON.parse(text) as Record<string, unknown> });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}${path}`, received, answers, close: () => new Promise((done) => server.close(() => done())) };
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((done) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
  });

/** A WeCom group robot: answers errcode 93000 to a wrong key, as WeCom does. */
export async function startWeComRobot(key = 'wecom-test-key'): Promise<Robot> {
  const robot = await startRobot('/cgi-bin/webhook/send', (query) => (query.get('key') === key ? undefined : { errcode: 93000, errmsg: 'invalid webhook url' }));
  return { ...robot, url: `${robot.url}?key=${key}` };
}

/**
 * A DingTalk robot with 加签: recomputes sign = base64(HMAC-SHA256(secret, `${timestamp}\n${secret}`))
 * from its own copy of the secret and refuses (errcode 310000) a mismatch or a timestamp more than
 * an hour from its clock.
 */
export async function startDingTalkRobot(secret: string, accessToken = 'dingtalk-test-token', now = Date.now): Promise<Robot> {
  const robot = await startRobot('/robot/send', (query) => {
    if (query.get('access_token') !== accessToken) return { errcode: 300001, errmsg: 'token is not exist' };
    const timestamp = Number(query.get('timestamp'));
    if (!Number.isFinite(timestamp) || Math.abs(now() - timestamp) > 3_600_000) return { errcode: 310000, errmsg: 'sign not match, timestamp is more than 1 hour off' };
    const expected = createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
    return query.get('sign') === expected ? undefined : { errcode: 310000, errmsg: 'sign not match' };
  });
  return { ...robot, url: `${robot.url}?access_token=${accessToken}` };
}

export interface SmtpInbox {
  port: number;
  received: (ParsedMail & { envelopeTo: string[] })[];
  /** The next recipients' SMTP replies, e.g. 550 (no such mailbox) or 451 (try later). */
  rejectRecipientsWith: number | undefined;
  close(): Promise<void>;
}

/** An SMTP server on loopback that parses and keeps every message. */
export async function startSmtpInbox(): Promise<SmtpInbox> {
  const inbox: SmtpInbox = { port: 0, received: [], rejectRecipientsWith: undefined, close: async () => {} };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (!inbox.rejectRecipientsWith) return callback();
      callback(Object.assign(new Error(`mailbox ${address.address} refused`), { responseCode: inbox.rejectRecipientsWith }));
    },
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (mail) => {
          inbox.received.push(Object.assign(mail, { envelopeTo: session.envelope.rcptTo.map((r) => r.address) }));
          callback();
        },
        (err: Error) => callback(err),
      );
    },
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  inbox.port = (server.server.address() as AddressInfo).port;
  inbox.close = () => new Promise((done) => server.close(() => done()));
  return inbox;
}
