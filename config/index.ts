import { z } from 'zod';
import { KEY_BYTES, type PayloadKeys } from './codec';

// Configuration is read once, from the environment, into a typed object; anything missing or
// malformed stops the process at start with every problem named. See .env.example.

export const ROLES = ['coordinator', 'reviewer', 'unit'] as const;
export type Role = (typeof ROLES)[number];

export interface TokenGrant {
  role: Role | 'admin';
  /** The reviewer's or unit's id; the coordinator's id for a coordinator; the organization's id for an admin. */
  subject: string;
}

const tokensSchema = z
  .string()
  .transform((text, ctx) => {
    // "token=role:subject,token=role:subject"; admin:<organization> bootstraps that organization's administrator.
    const grants = new Map<string, TokenGrant>();
    for (const entry of text.split(',').map((e) => e.trim()).filter(Boolean)) {
      const match = /^([^=\s]{16,})=(coordinator|reviewer|unit|admin):([A-Za-z0-9_-]+)$/.exec(entry);
      if (!match) {
        ctx.addIssue({ code: 'custom', message: `each entry is token=role:subject with a token of 16+ characters and role coordinator, reviewer, unit or admin (admin:<organization>); got "${entry.replace(/=.*/, '=…')}"` });
        return z.NEVER;
      }
      grants.set(match[1]!, { role: match[2] as TokenGrant['role'], subject: match[3]! });
    }
    return grants;
  });

const payloadKeysSchema = z.string().transform((text, ctx) => {
  // "keyid:base64key,keyid:base64key"; messages name key ids, never key material.
  const keys = new Map<string, Buffer>();
  for (const entry of text.split(',').map((e) => e.trim()).filter(Boolean)) {
    const match = /^([A-Za-z0-9_.-]{1,64}):([A-Za-z0-9+/=]+)$/.exec(entry);
    const key = match && Buffer.from(match[2]!, 'base64');
    if (!match || key!.length !== KEY_BYTES || keys.has(match[1]!)) {
      ctx.addIssue({ code: 'custom', message: `each entry is keyid:base64key with a unique id and a ${KEY_BYTES}-byte key (openssl rand -base64 32); entry "${entry.split(':')[0]}" is not` });
      return z.NEVER;
    }
    keys.set(match[1]!, key!);
  }
  if (keys.size === 0) {
    ctx.addIssue({ code: 'custom', message: 'at least one key: household data is never stored in Temporal unencrypted' });
    return z.NEVER;
  }
  return keys;
});

const originsSchema = z.string().transform((text, ctx) => {
  const origins = text.split(',').map((e) => e.trim()).filter(Boolean);
  for (const origin of origins) {
    if (!URL.canParse(origin) || new URL(origin).origin !== origin) ctx.addIssue({ code: 'custom', message: `"${origin}" is not an origin such as http://localhost:8233` });
  }
  return origins;
});

export const WORKER_QUEUE_ROLES = ['campaigns', 'notifications'] as const;
export type WorkerQueueRole = (typeof WORKER_QUEUE_ROLES)[number];

const envSchema = z.object({
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('relief-campaigns'),
  /** Notification delivery (deliverNotification and its webhook activity): a queue of its own, so slow receivers never hold up campaign tasks. */
  TEMPORAL_NOTIFY_TASK_QUEUE: z.string().default('relief-notifications'),
  TEMPORAL_API_KEY: z.string().optional(),
  TEMPORAL_TLS: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  TEMPORAL_TLS_CERT_PATH: z.string().optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().optional(),
  WEBHOOK_SIGNING_SECRET: z.string().min(16, 'at least 16 characters'),
  API_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  API_BODY_LIMIT: z.string().regex(/^\d+(kb|mb)$/i, 'a size such as 512kb or 2mb').default('1mb'),
  API_TOKENS: tokensSchema.default(new Map()),
  API_PUBLIC_URL: z.url().optional(),
  /** Failed sign-ins from one address within a minute before it must wait (429, Retry-After doubling). */
  API_AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).default(10),
  /** Behind a proxy: which X-Forwarded-For hops to believe (express "trust proxy": a hop count, or loopback, uniquelocal, addresses); unset, the socket's address counts. */
  API_TRUST_PROXY: z
    .string()
    .regex(/^(\d{1,2}|[A-Za-z0-9.:/,\s]+)$/, 'a hop count such as 1, or loopback, uniquelocal or addresses, comma-separated')
    .transform((v) => (/^\d+$/.test(v) ? Number(v) : v))
    .optional(),
  /** Signs list cursors so a forged one is refused before it reaches Temporal; set it when several API processes share clients. */
  API_CURSOR_SECRET: z.string().min(16, 'at least 16 characters').optional(),
  /** Every Temporal read the API makes is cut off after this long and answered 503. */
  API_TEMPORAL_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(3000),
  /** How long a write waits for its Update's outcome before answering 202 with where to read it (api/updates.ts). */
  API_UPDATE_WAIT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** Origins of the Temporal Web UI allowed to call the codec endpoint (/codec/*) from the browser. */
  API_CODEC_CORS_ORIGINS: originsSchema.default([]),
  PAYLOAD_KEYS: payloadKeysSchema,
  /** Which of PAYLOAD_KEYS encrypts new payloads; required when there are several. */
  PAYLOAD_ACTIVE_KEY: z.string().optional(),
  /** A workflow bundle built ahead (worker/bundle-workflows.ts): the worker then skips webpack, ~200 MB less RSS. */
  WORKER_WORKFLOW_BUNDLE: z.string().optional(),
  /** Workflows kept in the worker's sticky cache; unset, the SDK sizes it from the machine's memory. */
  // At least 1: a run must stay cached while its local activities run (workflows/in-task.ts); at 0 core drops them.
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(1).max(100_000).optional(),
  /** Which task queues this worker process polls: campaigns, notifications, or both (one Worker each). */
  WORKER_TASK_QUEUES: z
    .string()
    .default('campaigns,notifications')
    .transform((text) => [...new Set(text.split(',').map((e) => e.trim()).filter(Boolean))])
    .pipe(z.array(z.enum(WORKER_QUEUE_ROLES)).min(1, 'name campaigns, notifications or both')),
  /** Workflow tasks and activities run at once per Worker; unset, the SDK's defaults. */
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce.number().int().min(2).max(10_000).optional(),
  WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).max(10_000).optional(),
  /** host:port of the worker runtime's Prometheus endpoint (/metrics); unset, no metrics. */
  WORKER_METRICS_ADDRESS: z.string().regex(/^[^:\s]+:\d{1,5}$/, 'host:port such as 127.0.0.1:9464').optional(),
  /** The system of record (PostgreSQL): campaigns, rosters, visits, objections, reports, audit. */
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// URL'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** How long a connection (new, or free from a busy pool) may take before the query fails. */
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
  /** HMAC key for household ID numbers (one household once per campaign), its own secret. */
  HOUSEHOLD_KEY_SECRET: z.string().min(32, 'at least 32 characters'),
  /** E-mail notifications: the SMTP server as a URL (smtp://user:pass@host:587, smtps://… for TLS on 465), or host and port. */
  SMTP_URL: z.string().regex(/^smtps?:\/\/[^\s]+$/, 'a URL such as smtp://user:password@host:587 or smtps://host:465').optional(),
  SMTP_HOST: z.string().min(1).optional(),
  SMTP_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /** TLS from the start; unset, true on port 465 and STARTTLS otherwise. */
  SMTP_SECURE: z.enum(['true', 'false']).optional(),
  SMTP_USER: z.string().min(1).optional(),
  SMTP_PASSWORD: z.string().optional(),
  /** The sender of notification e-mails, e.g. "街道民政办 <relief@example.org>"; required with an SMTP server. */
  SMTP_FROM: z.string().min(3).optional(),
});

export type Env = z.input<typeof envSchema>;

/** Every environment variable the app reads; test/compose.test.ts checks the deployment sets each one. */
export const CONFIG_ENV_KEYS = Object.keys(envSchema.shape) as (keyof Env)[];

export interface Config {
  temporal: {
    address: string;
    namespace: string;
    taskQueue: string;
    notifyTaskQueue: string;
    apiKey?: string;
    tls: boolean;
    tlsCertPath?: string;
    tlsKeyPath?: string;
  };
  webhookSigningSecret: string;
  payloadKeys: PayloadKeys;
  database: { url: string; poolSize: number; connectTimeoutMs: number };
  householdKeySecret: string;
  worker: {
    workflowBundlePath?: string;
    maxCachedWorkflows?: number;
    taskQueues: WorkerQueueRole[];
    maxConcurrentWorkflowTasks?: number;
    maxConcurrentActivities?: number;
    metricsAddress?: string;
  };
  /** Set when an SMTP server is configured; e-mail channels are refused without it. */
  smtp?: { url?: string; host?: string; port?: number; secure?: boolean; user?: string; password?: string; from: string };
  api: { port: number; bodyLimit: string; tokens: Map<string, TokenGrant>; authFailuresPerMinute: number; trustProxy?: number | string; publicUrl?: string; temporalTimeoutMs: number; updateWaitMs: number; cursorSecret?: string; codecCorsOrigins: string[] };
}

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`).join('\n');
    throw new ConfigError(`invalid configuration:\n${problems}`);
  }
  const e = parsed.data;
  const activeKeyId = e.PAYLOAD_ACTIVE_KEY ?? (e.PAYLOAD_KEYS.size === 1 ? [...e.PAYLOAD_KEYS.keys()][0]! : undefined);
  if (!activeKeyId || !e.PAYLOAD_KEYS.has(activeKeyId)) {
    throw new ConfigError(`invalid configuration:\n  PAYLOAD_ACTIVE_KEY: name one of the PAYLOAD_KEYS ids (${[...e.PAYLOAD_KEYS.keys()].join(', ')})`);
  }
  const smtpProblem =
    e.SMTP_URL && e.SMTP_HOST ? 'SMTP_URL: set SMTP_URL or SMTP_HOST, not both' : (e.SMTP_URL || e.SMTP_HOST) && !e.SMTP_FROM ? 'SMTP_FROM: required with an SMTP server, e.g. "街道民政办 <relief@example.org>"' : undefined;
  if (smtpProblem) throw new ConfigError(`invalid configuration:\n  ${smtpProblem}`);
  const smtpPort = e.SMTP_PORT ?? 587;
  return {
    smtp:
      e.SMTP_URL || e.SMTP_HOST
        ? { url: e.SMTP_URL, host: e.SMTP_HOST, port: smtpPort, secure: e.SMTP_SECURE === undefined ? smtpPort === 465 : e.SMTP_SECURE === 'true', user: e.SMTP_USER, password: e.SMTP_PASSWORD, from: e.SMTP_FROM! }
        : undefined,
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      notifyTaskQueue: e.TEMPORAL_NOTIFY_TASK_QUEUE,
      apiKey: e.TEMPORAL_API_KEY,
      tls: e.TEMPORAL_TLS || e.TEMPORAL_API_KEY !== undefined,
      tlsCertPath: e.TEMPORAL_TLS_CERT_PATH,
      tlsKeyPath: e.TEMPORAL_TLS_KEY_PATH,
    },
    webhookSigningSecret: e.WEBHOOK_SIGNING_SECRET,
    payloadKeys: { keys: e.PAYLOAD_KEYS, activeKeyId },
    database: { url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE, connectTimeoutMs: e.DATABASE_CONNECT_TIMEOUT_MS },
    householdKeySecret: e.HOUSEHOLD_KEY_SECRET,
    worker: {
      workflowBundlePath: e.WORKER_WORKFLOW_BUNDLE,
      maxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS,
      taskQueues: e.WORKER_TASK_QUEUES,
      maxConcurrentWorkflowTasks: e.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
      maxConcurrentActivities: e.WORKER_MAX_CONCURRENT_ACTIVITIES,
      metricsAddress: e.WORKER_METRICS_ADDRESS,
    },
    api: {
      port: e.API_PORT,
      bodyLimit: e.API_BODY_LIMIT,
      tokens: e.API_TOKENS,
      authFailuresPerMinute: e.API_AUTH_FAILURES_PER_MINUTE,
      trustProxy: e.API_TRUST_PROXY,
      publicUrl: e.API_PUBLIC_URL,
      temporalTimeoutMs: e.API_TEMPORAL_TIMEOUT_MS,
      updateWaitMs: e.API_UPDATE_WAIT_MS,
      cursorSecret: e.API_CURSOR_SECRET,
      codecCorsOrigins: e.API_CODEC_CORS_ORIGINS,
    },
  };
}
