import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import type { Config } from '../config';
import { authorize, NOTICE_ACTOR, NOTICE_OPERATIONS, type Principal, type Target } from '../api/access';
import { parse } from '../api/app';
import { toApiError } from '../api/errors';
import type { FileFormat } from '../api/roster-files';
import type { Reply, Route, RouteContext } from '../api/routes';
import { UpdatePending } from '../api/updates';

// The console acts through the API's own route table: the same schemas, the same access check
// (api/access.ts authorize, from the ACCESS table) and the same handlers, with the principal the
// session holds instead of a bearer token. Nothing of the policy is restated here.

export type SharedContext = Omit<RouteContext, 'params' | 'query' | 'body' | 'caller' | 'principal' | 'file' | 'locale'>;

export interface OperationDeps {
  config: Config;
  temporal: Client;
  pool: Pool;
  routes: Route[];
  context: SharedContext;
}

export interface Call {
  params?: Record<string, unknown>;
  query?: Record<string, unknown>;
  body?: unknown;
  file?: { buffer: Buffer; format: FileFormat };
  /** The form's own key: a form sent twice is one request (the workflows dedupe by request id). */
  key?: string;
  /** When the form arrived, which decides whether it was on time; unset, now. */
  arrivedAt?: string;
  /** The visitor's language, for what the route writes itself (documents). */
  locale?: RouteContext['locale'];
}

/** The outcome was not known in time (202 from the API): the page says so and offers to look again. */
export class StillPending extends Error {}

export type Operations = (principal: Principal | undefined, operationId: string, call?: Call) => Promise<Reply<unknown>>;

export function operations({ config, temporal, pool, routes, context }: OperationDeps): Operations {
  const byId = new Map(routes.map((r) => [r.operationId, r]));
  return async (principal, operationId, { params = {}, query = {}, body = {}, file, key, arrivedAt, locale = 'zh-CN' } = {}) => {
    const receivedAt = arrivedAt ?? new Date().toISOString();
    const route = byId.get(operationId);
    if (!route) throw new Error(`no operation ${operationId}`);
    const checkedParams = parse(route.params, params, 404, 'path');
    if (route.action) await authorize(pool, principal!, route.action, (checkedParams ?? {}) as Target);
    const checkedQuery = parse(route.query, query, 400, 'query');
    const checkedBody = parse(route.body, body, 400, 'body');
    const actor = principal ?? ((NOTICE_OPERATIONS as readonly string[]).includes(operationId) ? { subject: NOTICE_ACTOR } : undefined);
    const requestId = `${operationId}:${actor?.subject}:${key ?? randomUUID()}`;
    try {
      const reply = await temporal.connection.withDeadline(Date.now() + config.api.temporalTimeoutMs, () =>
        route.handle({ ...context, params: checkedParams, query: checkedQuery, body: checkedBody, caller: actor && { principal: actor, requestId, receivedAt }, principal, file, locale }),
      );
      return reply;
    } catch (err) {
      if (err instanceof UpdatePending) throw new StillPending(err.message);
      throw toApiError(err);
    }
  };
}

