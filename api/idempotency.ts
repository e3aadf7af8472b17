import { createHash } from 'node:crypto';
import { ApiError, type Replay } from './errors';

// Idempotency-Key as draft-ietf-httpapi-idempotency-key-header means it (docs/api.md,
// "Idempotency"): per (token subject, key, route), the first request's fingerprint and receipt
// instant, and its answer once that answer is final. Bounded, and only a fast path: after a
// restart the workflows' own request-id dedupe and Temporal's Update-id dedupe give the same
// guarantee.

export interface StoredReply {
  status: number;
  body: unknown;
  headers: Record<string, string>;
  /** What a retry with the same key gets (api/errors.ts REPLAY). */
  replay: Replay;
}

interface Entry {
  fingerprint: string;
  /** The postmark: when the API first received this request (ISO-8601). */
  receivedAt: string;
  /** Set once the answer is final (`replay`); until then a retry runs the request again. */
  reply?: StoredReply;
  inFlight: boolean;
  storedAt: number;
}

export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** Seconds a client should wait before retrying a key whose first request is still running. */
const IN_USE_RETRY_AFTER_SECONDS = 1;

export class IdempotencyStore {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly capacity = 10_000,
    private readonly ttlMs = 24 * 3_600_000,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Answers with the stored final reply for this key, or runs the request (given its receipt
   * instant: when the first request with this key arrived, unless its last answer was `afresh`).
   * The same key with another body is 422; while the first request with a key is still running, 409.
   */
  async run(key: string, body: unknown, produce: (receivedAt: string) => Promise<StoredReply>, arrivedAt = new Date(this.now()).toISOString()): Promise<StoredReply> {
    const fingerprint = fingerprintOf(body);
    let entry = this.entries.get(key);
    if (entry && this.now() - entry.storedAt >= this.ttlMs) entry = undefined;
    if (entry && entry.fingerprint !== fingerprint) {
      throw new ApiError(422, 'idempotency-key-reused', '该 Idempotency-Key 已用于另一个请求体;新请求请换用新的键 (this Idempotency-Key was already used with a different request body; use a new key for a new request)');
    }
    if (entry?.reply) return entry.reply;
    if (entry?.inFlight) {
      throw new ApiError(409, 'idempotency-key-in-use', '使用该 Idempotency-Key 的请求仍在处理中,请稍后用同一个键重试 (a request with this Idempotency-Key is still being processed; retry with the same key in a moment)', {
        headers: { 'Retry-After': String(IN_USE_RETRY_AFTER_SECONDS) },
      });
    }
    const current: Entry = entry ?? { fingerprint, receivedAt: arrivedAt, inFlight: true, storedAt: this.now() };
    current.inFlight = true;
    this.entries.delete(key);
    this.entries.set(key, current);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    let reply: StoredReply;
    try {
      reply = await produce(current.receivedAt);
    } catch (err) {
      this.entries.delete(key);
      throw err;
    } finally {
      current.inFlight = false;
    }
    if (reply.replay === 'replay') current.reply = reply;
    else if (reply.replay === 'afresh') this.entries.delete(key);
    return reply;
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
