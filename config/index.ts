import { z } from 'zod';

// Configuration is read once, from the environment, into a typed object; anything missing or
// malformed stops the process at start with every problem named. See .env.example.

export const ROLES = ['coordinator', 'reviewer', 'unit'] as const;
export type Role = (typeof ROLES)[number];

export interface TokenGrant {
  role: Role;
  /** The reviewer's or unit's id; the coordinator's id for a coordinator. */
  subject: string;
}

const tokensSchema = z
  .string()
  .transform((text, ctx) => {
    // "token=role:subject,token=role:subject"
    const grants = new Map<string, TokenGrant>();
    for (const entry of text.split(',').map((e) => e.trim()).filter(Boolean)) {
      const match = /^([^=\s]{16,})=(coordinator|reviewer|unit):([A-Za-z0-9_-]+)$/.exec(entry);
      if (!match) {
        ctx.addIssue({ code: 'custom', message: `each entry is token=role:subject with a token of 16+ characters and role coordinator, reviewer or unit; got "${entry.replace(/=.*/, '=…')}"` });
        return z.NEVER;
      }
      grants.set(match[1]!, { role: match[2] as Role, subject: match[3]! });
    }
    return grants;
  });

const envSchema = z.object({
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('relief-campaigns'),
  TEMPORAL_API_KEY: z.string().optional(),
  TEMPORAL_TLS: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  TEMPORAL_TLS_CERT_PATH: z.string().optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().optional(),
  WEBHOOK_SIGNING_SECRET: z.string().min(16, 'at least 16 characters'),
  API_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  API_BODY_LIMIT: z.string().regex(/^\d+(kb|mb)$/i, 'a size such as 512kb or 2mb').default('1mb'),
  API_TOKENS: tokensSchema.default(new Map()),
  API_PUBLIC_URL: z.url().optional(),
  /** Every Temporal call the API makes is cut off after this long and answered 503. */
  /** Signs list cursors so a forged one is refused before it reaches Temporal; set it when several API processes share clients. */
  API_CURSOR_SECRET: z.string().min(16, 'at least 16 characters').optional(),
  API_TEMPORAL_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(3000),
});

export type Env = z.input<typeof envSchema>;

/** Every environment variable the app reads; test/compose.test.ts checks the deployment sets each one. */
export const CONFIG_ENV_KEYS = Object.keys(envSchema.shape) as (keyof Env)[];

export interface Config {
  temporal: {
    address: string;
    namespace: string;
    taskQueue: string;
    apiKey?: string;
    tls: boolean;
    tlsCertPath?: string;
    tlsKeyPath?: string;
  };
  webhookSigningSecret: string;
  api: { port: number; bodyLimit: string; tokens: Map<string, TokenGrant>; publicUrl?: string; temporalTimeoutMs: number; cursorSecret?: string };
}

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`).join('\n');
    throw new ConfigError(`invalid configuration:\n${problems}`);
  }
  const e = parsed.data;
  return {
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      apiKey: e.TEMPORAL_API_KEY,
      tls: e.TEMPORAL_TLS || e.TEMPORAL_API_KEY !== undefined,
      tlsCertPath: e.TEMPORAL_TLS_CERT_PATH,
      tlsKeyPath: e.TEMPORAL_TLS_KEY_PATH,
    },
    webhookSigningSecret: e.WEBHOOK_SIGNING_SECRET,
    api: { port: e.API_PORT, bodyLimit: e.API_BODY_LIMIT, tokens: e.API_TOKENS, publicUrl: e.API_PUBLIC_URL, temporalTimeoutMs: e.API_TEMPORAL_TIMEOUT_MS, cursorSecret: e.API_CURSOR_SECRET },
  };
}
