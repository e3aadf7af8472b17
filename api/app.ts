import { createHash, randomUUID } from 'node:crypto';
import express, { type ErrorRequestHandler, type Express, type Request, type Response } from 'express';
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import type { z } from 'zod';
import type { Config } from '../config';
import { createEncryptionCodec } from '../config/codec';
import { People } from '../store/people';
import { authorize, NOTICE_ACTOR, NOTICE_OPERATIONS, substituteActor, type Principal, type Target } from './access';
import { adminRoutes } from './admin-routes';
import { consoleRouter } from '../console';
import { delegationRoutes, type NotificationDesk } from './delegation-routes';
import { documentRoutes } from './document-routes';
import { createNotificationDispatcher } from '../activities/dispatcher';
import { Authenticator, FailureLimiter } from './authentication';
import { Campaigns, type Caller } from './campaigns';
import { codecCors } from './codec';
import { campaignFigures, type CampaignFigures } from './campaign-figures';
import { ApiError, REPLAY, toApiError, validationError } from './errors';
import { IDEMPOTENCY_KEY_PATTERN, IdempotencyStore, type StoredReply } from './idempotency';
import { apiLogger } from './logger';
import { createApiMetrics } from './metrics';
import { NoticeLinks } from './notices';
import { docsPage, openApiDocument } from './openapi';
import { ReadinessProbe } from './readiness';
import { FILE_MEDIA_TYPES, routes, type Route, type RouteContext } from './routes';
import type { FileFormat } from './roster-files';
import { UpdatePending, Updates } from './updates';
import { createRecords } from '../store/records';
import { createViews } from '../store/views';

// The HTTP side: authenticate, check the role, validate, dedupe by Idempotency-Key, run the
// route's handler under a Temporal deadline, and answer every failure with one envelope.

export type LogLine = Record<string, unknown>;

export interface AppDeps {
  config: Config;
  temporal: Client;
  /** The system of record: campaigns and their rosters, organizations, people and credentials; every view reads it. */
  pool: Pool;
  /** One JSON object per line; never given tokens, bodies or household data. */
  log?: (line: LogLine) => void;
  /** The campaign figures /metrics shows; by default counted in Temporal's visibility. */
  figures?: () => Promise<CampaignFigures>;
}

const pinoLine = (line: LogLine) => apiLogger.info(line);
/** A caller's X-Request-Id is kept when it looks like an id (it ends up in logs); otherwise one is made. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Seconds a client should wait before reading (or retrying) a request whose outcome is not known yet. */
const PENDING_RETRY_AFTER_SECONDS = 2;

/** A roster of 20,000 households as XLSX is some 2 MB; a visits file of 100,000 rows as CSV under 16 MB. */
const UPLOAD_LIMIT = '16mb';

/** Every operation: the campaigns' and the administrators'. */
export const allRoutes: Route[] = [...routes, ...adminRoutes, ...delegationRoutes, ...documentRoutes];

/** The instant the request's headers arrived, which the first middleware records for the API and the console alike. */
export const postmark = (res: Response): string => res.locals.arrivedAt as string;

export function createApp({ config, temporal, pool, log = pinoLine, figures }: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // The address failed sign-ins are counted against: the client's, not the proxy's.
  if (config.api.trustProxy !== undefined) app.set('trust proxy', config.api.trustProxy);
  const records = createRecords({ pool, masterKeys: config.payloadKeys, householdKeySecret: config.householdKeySecret });
  const updates = new Updates(temporal, config.api.updateWaitMs, config.api.temporalTimeoutMs);
  const campaigns = new Campaigns(temporal, config.temporal.taskQueue, updates, records, createViews({ pool, masterKeys: config.payloadKeys }), config.api.cursorSecret);
  const readiness = new ReadinessProbe(temporal, config.temporal.taskQueue, pool);
  const people = new People(pool);
  const authenticator = new Authenticator(people, config.api.tokens, new FailureLimiter(config.api.authFailuresPerMinute), log);
  const idempotency = new IdempotencyStore();
  const notices = new NoticeLinks(config.webhookSigningSecret);
  const notifications: NotificationDesk = { records, dispatch: createNotificationDispatcher({ client: temporal, taskQueue: config.temporal.notifyTaskQueue, records }).dispatchNotification };
  const codec = createEncryptionCodec(config.payloadKeys);
  const document = openApiDocument(allRoutes, config.api.publicUrl);
  const html = docsPage(document);
  const metrics = createApiMetrics(figures ?? (() => temporal.connection.withDeadline(Date.now() + config.api.temporalTimeoutMs, () => campaignFigures(temporal))));
  const location = (path: string) => (config.api.publicUrl ? new URL(path, config.api.publicUrl).toString() : path);

  /** Turns a thrown error into a reply; logs only what is a bug (a 500), by name and message. */
  const errorReply = (err: unknown, route: string): StoredReply => {
    const apiError = toApiError(err);
    if (apiError.status >= 500 && apiError.status !== 503) {
      log({ event: 'error', route, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err), stack: err instanceof Error ? err.stack : undefined });
    }
    return { status: apiError.status, body: apiError.envelope, headers: apiError.extra.headers ?? {}, replay: REPLAY[apiError.code] };
  };

  /** 202: the outcome is not known yet; Location is where to read it, and a retry with the key resumes the same request. */
  const pendingReply = (pending: UpdatePending): StoredReply => {
    const path = location(pending.readAt);
    return {
      status: 202,
      body: { requestId: pending.updateId, status: 'pending' as const, location: path },
      headers: { Location: path, 'Retry-After': String(PENDING_RETRY_AFTER_SECONDS) },
      replay: 'resume',
    };
  };

  async function answer(route: Route, req: Request, arrivedAt: string): Promise<StoredReply> {
    const principal: Principal | undefined = route.action ? await authenticator.authenticate(req, route.path) : undefined;
    const params = parse(route.params, req.params, 404, 'path');
    // Before the handler and before the body is read: the campaign and unit in the path decide.
    const standIn = route.action ? await authorize(pool, principal!, route.action, (params ?? {}) as Target) : undefined;
    const query = parse(route.query, req.query, 400, 'query');
    const body = parse(route.body, req.body ?? {}, 400, 'body');
    const file = route.upload ? uploadedFile(req) : undefined;
    const key = req.get('idempotency-key');
    if (key !== undefined && !IDEMPOTENCY_KEY_PATTERN.test(key)) {
      throw new ApiError(400, 'invalid-idempotency-key', `Idempotency-Key must match ${IDEMPOTENCY_KEY_PATTERN.source}`);
    }
    // Scoped by operation and subject, so one key reused on another action or by another caller is a new request.
    // A substitute's acts are recorded as its own, for the reviewer it stands in for.
    const actor = standIn ? { subject: substituteActor(principal!.subject, standIn.reviewerId) } : principal ?? ((NOTICE_OPERATIONS as readonly string[]).includes(route.operationId) ? { subject: NOTICE_ACTOR } : undefined);
    const requestId = `${route.operationId}:${actor?.subject}:${key ?? randomUUID()}`;
    const callerAt = (receivedAt: string): Caller | undefined => actor && { principal: actor, requestId, receivedAt };
    const context = (receivedAt: string): RouteContext => ({
      params,
      query,
      body,
      caller: callerAt(receivedAt),
      principal,
      file,
      people,
      campaigns,
      updates,
      readiness,
      codec,
      notices,
      notifications,
      location,
      locale: req.acceptsLanguages('zh-CN', 'zh', 'en') === 'en' ? 'en' : 'zh-CN',
      openapi: () => document,
      docsHtml: () => html,
    });
    // The postmark: the instant this request was first received (a retry with its key keeps it).
    const run = async (receivedAt = arrivedAt): Promise<StoredReply> => {
      try {
        const reply = await temporal.connection.withDeadline(Date.now() + config.api.temporalTimeoutMs, () => route.handle(context(receivedAt)));
        return { status: route.response.status, body: reply.body, headers: reply.headers ?? {}, replay: 'replay' };
      } catch (err) {
        if (err instanceof UpdatePending) return pendingReply(err);
        return errorReply(err, route.path);
      }
    };
    const changesState = route.method === 'post' && principal !== undefined;
    return changesState && key !== undefined ? idempotency.run(`${principal!.subject}\n${key}\n${req.method} ${req.path}`, file ? createHash('sha256').update(file.buffer).digest('hex') : req.body, run, arrivedAt) : run();
  }

  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    // The postmark: the instant the request arrived, before its body is read and before sign-in and
    // authorization, which wait on the record when it is busy.
    res.locals.arrivedAt = new Date().toISOString();
    const given = req.get('x-request-id');
    const requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
    res.set('X-Request-Id', requestId);
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = (res.locals.route as string | undefined) ?? 'unmatched';
      metrics.observe({ method: req.method, route, status: res.statusCode, seconds });
      log({ event: 'request', requestId, method: req.method, route, status: res.statusCode, ms: Math.round(seconds * 1000) });
    });
    next();
  });
  // Prometheus's scrape: counts and figures only, no ids or personal data, so no token is asked for.
  app.get('/metrics', (_req, res, next) => {
    res.locals.route = '/metrics';
    metrics.registry.metrics().then((text) => res.type(metrics.registry.contentType).send(text), next);
  });
  app.use('/codec', codecCors(config.api.codecCorsOrigins));
  // The web console (console/): its own pages and forms, acting through this route table as the session's principal.
  app.use('/console', consoleRouter({ config, temporal, pool, routes: allRoutes, authenticator, context: { people, campaigns, updates, readiness, codec, notices, notifications, location, openapi: () => document, docsHtml: () => html } }));
  // Files are taken as they are, on their routes only; every other body is JSON.
  for (const route of allRoutes.filter((r) => r.upload)) app.post(route.path, express.raw({ type: Object.values(FILE_MEDIA_TYPES), limit: UPLOAD_LIMIT }));
  app.use(express.json({ limit: config.api.bodyLimit }));

  for (const route of allRoutes) {
    app[route.method](route.path, (req, res, next) => {
      res.locals.route = route.path;
      answer(route, req, postmark(res)).then((reply) => send(res, reply, route.response.mediaType), next);
    });
  }

  // A known path with a method it does not have is 405 with Allow; anything else is 404.
  const methodsByPath = new Map<string, string[]>();
  for (const route of allRoutes) methodsByPath.set(route.path, [...(methodsByPath.get(route.path) ?? []), route.method.toUpperCase()]);
  for (const [path, methods] of methodsByPath) {
    app.all(path, (req, _res, next) => {
      next(new ApiError(405, 'method-not-allowed', `${req.method} is not allowed here; use ${methods.join(' or ')}`, { headers: { Allow: methods.join(', ') } }));
    });
  }
  app.use((req, _res, next) => next(new ApiError(404, 'not-found', `no route ${req.method} ${req.path}`)));

  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    send(res, errorReply(err, (res.locals.route as string | undefined) ?? 'unmatched'));
  };
  app.use(onError);
  return app;
}

export function parse(schema: z.ZodType | undefined, value: unknown, status: 400 | 404, where: string): unknown {
  if (!schema) return undefined;
  // PostgreSQL text cannot hold NUL: refused here, naming the field, before anything is written.
  const nul = nulPath(value);
  if (nul) throw new ApiError(400, 'invalid-request', `invalid ${where}: ${nul.join('.') || '(whole)'}: text may not contain the NUL character (文本不能包含空字符)`, { issues: [{ path: nul, message: 'text may not contain the NUL character' }] });
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(status, where, result.error);
  return result.data;
}

/** The path of a string (or key) holding a NUL character, if any; iterative, for bodies nested 10,000 deep. */
function nulPath(root: unknown): (string | number)[] | undefined {
  type Node = { value: unknown; key?: string | number; parent?: Node };
  const pathOf = (node: Node | undefined, last?: string | number): (string | number)[] => {
    const path: (string | number)[] = last === undefined ? [] : [last];
    for (let n = node; n?.key !== undefined; n = n.parent) path.unshift(n.key);
    return path;
  };
  const pending: Node[] = [{ value: root }];
  while (pending.length) {
    const node = pending.pop()!;
    if (typeof node.value === 'string') {
      if (node.value.includes('\u0000')) return pathOf(node);
    } else if (node.value && typeof node.value === 'object') {
      const isArray = Array.isArray(node.value);
      for (const [key, inner] of Object.entries(node.value)) {
        if (key.includes('\u0000')) return pathOf(node, key);
        pending.push({ value: inner, key: isArray ? Number(key) : key, parent: node });
      }
    }
  }
  return undefined;
}

/** The file of an upload route, by its Content-Type; anything else is 415. */
function uploadedFile(req: Request): { buffer: Buffer; format: FileFormat } {
  const format = (Object.keys(FILE_MEDIA_TYPES) as FileFormat[]).find((f) => req.is(FILE_MEDIA_TYPES[f]));
  if (!format || !Buffer.isBuffer(req.body)) {
    throw new ApiError(415, 'unsupported-media-type', `请上传 CSV 或 XLSX 文件 (send the file as ${Object.values(FILE_MEDIA_TYPES).join(' or ')})`);
  }
  return { buffer: req.body, format };
}

function send(res: Response, reply: StoredReply, mediaType?: Route['response']['mediaType']): void {
  res.status(reply.status).set(reply.headers).set('Cache-Control', 'no-store');
  // A Buffer (a workbook) is written as it is; text as text.
  if (mediaType && reply.status < 300) res.type(mediaType).send(reply.body);
  else res.json(reply.body);
}
