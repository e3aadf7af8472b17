import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createApp, type LogLine } from '../../api/app';
import { lazyTemporalClient } from '../../api/temporal-client';
import { loadConfig, type Config } from '../../config';
import { openDatabase } from '../../db/pool';
import type { CampaignPlan } from '../../domain/plan';
import type { Pool } from 'pg';
import { TEST_HOUSEHOLD_KEY_SECRET, type TestStore } from './postgres';
import { createDevServerEnv, createTestWorker, TEST_PAYLOAD_KEYS_ENV, WEBHOOK_SECRET } from './temporal';
import { WebhookReceiver } from './webhook-receiver';

// The API on a real port, and a small fetch wrapper, for the test/api*.test.ts suites.

/** Tokens for the roles in unionWinterPlan: rights-dept supervises union-1 and union-3, audit-office union-2. */
export const TOKENS = {
  coordinator: 'test-coordinator-token-0001',
  rightsDept: 'test-reviewer-rights-dept-0001',
  auditOffice: 'test-reviewer-audit-office-001',
  union1: 'test-unit-union-1-token-0001',
  union2: 'test-unit-union-2-token-0001',
  union3: 'test-unit-union-3-token-0001',
} as const;

const GRANTS: Record<keyof typeof TOKENS, string> = {
  coordinator: 'coordinator:union-office',
  rightsDept: 'reviewer:rights-dept',
  auditOffice: 'reviewer:audit-office',
  union1: 'unit:union-1',
  union2: 'unit:union-2',
  union3: 'unit:union-3',
};

export function apiConfig(env: { address: string; taskQueue: string; databaseUrl?: string; bodyLimit?: string; timeoutMs?: number; updateWaitMs?: number; codecCorsOrigins?: string; apiTokens?: string }): Config {
  return loadConfig({
    // Without one, a closed port: for an API whose test never reaches the record.
    DATABASE_URL: env.databaseUrl ?? 'postgres://relief@127.0.0.1:9/relief',
    HOUSEHOLD_KEY_SECRET: TEST_HOUSEHOLD_KEY_SECRET,
    TEMPORAL_ADDRESS: env.address,
    TEMPORAL_TASK_QUEUE: env.taskQueue,
    WEBHOOK_SIGNING_SECRET: WEBHOOK_SECRET,
    PAYLOAD_KEYS: TEST_PAYLOAD_KEYS_ENV,
    API_PORT: '0',
    API_BODY_LIMIT: env.bodyLimit ?? '64kb',
    API_TEMPORAL_TIMEOUT_MS: String(env.timeoutMs ?? 3000),
    API_UPDATE_WAIT_MS: env.updateWaitMs === undefined ? undefined : String(env.updateWaitMs),
    API_CODEC_CORS_ORIGINS: env.codecCorsOrigins,
    API_TOKENS:
      env.apiTokens ??
      Object.entries(GRANTS)
        .map(([name, grant]) => `${TOKENS[name as keyof typeof TOKENS]}=${grant}`)
        .join(','),
  });
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  // Tests read whatever the envelope or result holds.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  ms: number;
}

export interface RunningApi {
  url: string;
  logs: LogLine[];
  call(method: string, path: string, options?: CallOptions): Promise<ApiResponse>;
  close(): Promise<void>;
}

type CallOptions = { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> };

/** One request to the API at `url`, timed, its JSON body parsed. */
export async function callApi(url: string, method: string, path: string, { token, body, rawBody, headers = {} }: CallOptions = {}): Promise<ApiResponse> {
  const started = Date.now();
  const response = await fetch(url + path, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined || rawBody !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: rawBody ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await response.text();
  const isJson = response.headers.get('content-type')?.includes('json');
  return { status: response.status, headers: response.headers, body: isJson ? JSON.parse(text) : text, ms: Date.now() - started };
}

/** The API on a real port, on the given pool, or on one of its own to config.database.url (closed with it). */
export async function startApi(config: Config, temporal: Client, given?: Pool): Promise<RunningApi> {
  const logs: LogLine[] = [];
  const pool = given ?? (await openDatabase({ url: config.database.url, max: 4 }));
  const server: Server = await new Promise((resolve) => {
    const s = createApp({ config, temporal, pool, log: (line) => logs.push(line) }).listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    logs,
    call: (method, path, options) => callApi(url, method, path, options),
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      if (!given) await pool.end();
    },
  };
}

/** The API with api/main.ts's client, which connects on first use (so it starts while Temporal is down); close() closes the connection too. */
export async function startLazyApi(config: Config, pool: Pool): Promise<RunningApi> {
  const { client, connection } = lazyTemporalClient(config);
  const api = await startApi(config, client, pool);
  return {
    ...api,
    async close() {
      await api.close();
      await connection.close();
    },
  };
}

/** Sends the request again while the phase's unit workflows are still starting (right after it opens). */
export async function onceStarted(send: () => Promise<ApiResponse>): Promise<ApiResponse> {
  for (let i = 0; ; i++) {
    const reply = await send();
    if (!['phase-not-started', 'PhaseNotOpenYet'].includes(reply.body?.error?.code) || i > 100) return reply;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Polls until `check` passes (it throws until then), in real time. */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 150));
    }
  }
}

/** The plan with its preparation phase moved to [now + opensInMs, now + cutoffInMs], so a dev server (real time) can run it. */
export function withPreparationSoon(plan: CampaignPlan, opensInMs: number, cutoffInMs: number): CampaignPlan {
  const now = Date.now();
  const [preparation, ...rest] = plan.phases;
  return {
    ...plan,
    phases: [{ ...preparation!, opensAt: new Date(now + opensInMs).toISOString(), cutoff: new Date(now + cutoffInMs).toISOString(), reminders: [] }, ...rest],
  };
}

/** A worker on its own task queue and store, and the API with the given `token=role:subject,…` grants (TOKENS' by default), on an environment the caller owns. */
export async function startWorkerAndApi(env: TestWorkflowEnvironment, apiTokens?: string): Promise<{ api: RunningApi; store: TestStore; taskQueue: string; stop(): Promise<void> }> {
  const { worker, taskQueue, store } = await createTestWorker(env);
  const running = worker.run();
  const api = await startApi(apiConfig({ address: env.address, taskQueue, databaseUrl: store.url, apiTokens }), env.client, store.pool);
  return {
    api,
    store,
    taskQueue,
    async stop() {
      await api.close();
      worker.shutdown();
      await running;
      await store.pool.end();
    },
  };
}

export interface ApiStack {
  env: TestWorkflowEnvironment;
  receiver: WebhookReceiver;
  api: RunningApi;
  taskQueue: string;
  store: TestStore;
  stop(): Promise<void>;
}

/** A dev server, a worker on its own task queue, a webhook receiver and the API in front of them. */
export async function startApiStack(): Promise<ApiStack> {
  const env = await createDevServerEnv();
  const receiver = await new WebhookReceiver(WEBHOOK_SECRET).start();
  const { api, store, taskQueue, stop } = await startWorkerAndApi(env);
  return {
    env,
    receiver,
    api,
    taskQueue,
    store,
    async stop() {
      await stop();
      await env.teardown();
      await receiver.stop();
    },
  };
}
