import { createHash } from 'node:crypto';
import { ApiError } from './errors';

// The first answer to each (token subject, Idempotency-Key, route), so a retried POST gets that
// answer again without touching Temporal. Bounded, and only a fast path: after a restart the
// workflows' own request-id dedupe gives the same guarantee.

export interface StoredReply {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

interface Entry {
  fingerprint: string;
  reply: Promise<StoredReply>;
  storedAt: number;
}

export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export class IdempotencyStore {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly capacity = 10_000,
    private readonly ttlMs = 24 * 3_600_000,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Answers with the stored reply for this key, or produces, stores and returns a new one.
   * Concurrent requests with one key share the first one's answer. A 5xx is not kept: the
   * request did not happen as far as the caller knows, so a retry must try again.
   */
  async run(key: string, body: unknown, produce: () => Promise<StoredReply>): Promise<StoredReply> {
    const fingerprint = fingerprintOf(body);
    const existing = this.entries.get(key);
    if (existing && this.now() - existing.storedAt < this.ttlMs) {
      if (existing.fingerprint !== fingerprint) {
        throw new ApiError(422, 'idempotency-key-reused', 'this Idempotency-Key was already used with a different request body; use a new key for a new request');
      }
      return existing.reply;
    }
    const reply = produce();
    this.entries.delete(key);
    this.entries.set(key, { fingerprint, reply, storedAt: this.now() });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    const settled = await reply.catch((err: unknown) => {
      this.entries.delete(key);
      throw err;
    });
    if (settled.status >= 500) this.entries.delete(key);
    return settled;
  }
}

/** A hash of the body that ignores the order of object keys. */
function fingerprintOf(body: unknown): string {
  return createHash('sha256').update(JSON.stringify(canonical(body)) ?? 'undefined').digest('hex');
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
  }
  return value;
}
