import type { Request } from 'express';
import type { TokenGrant } from '../config';
import { sha256, type AuthOutcome, type People, type Principal } from '../store/people';
import { ApiError } from './errors';

// Who is calling: a bearer token looked up by its hash, among the API_TOKENS grants (the embedded
// demo, the first administrator) and then the api_tokens table. Every use and every failure is
// one log line and one auth_events row, neither with the token; an address that keeps failing is
// made to wait, longer each time.

const WINDOW_MS = 60_000;
const MAX_BLOCK_MS = 15 * 60_000;
/** An address forgotten after this long without a failure. */
const FORGET_MS = 60 * 60_000;

interface AddressState {
  failures: number[];
  blocks: number;
  blockedUntil: number;
  lastFailure: number;
}

/**
 * After `limit` failures within a minute an address is blocked for 1 s, then 2 s, 4 s … (at most
 * 15 min) at each further failure until it has been quiet for an hour; while blocked nothing it sends is looked up at all, so guessing
 * cannot go faster than the blocks allow. Per API process (a deployment behind one load balancer
 * keeps each address on one process, or shares this through the auth_events table later).
 */
export class FailureLimiter {
  private readonly addresses = new Map<string, AddressState>();

  constructor(
    private readonly limit: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds the address must wait, or 0. */
  retryAfter(address: string): number {
    const state = this.addresses.get(address);
    const wait = state ? state.blockedUntil - this.now() : 0;
    return wait > 0 ? Math.ceil(wait / 1000) : 0;
  }

  fail(address: string): void {
    const now = this.now();
    this.forgetQuiet(now);
    const state = this.addresses.get(address) ?? { failures: [], blocks: 0, blockedUntil: 0, lastFailure: now };
    state.failures = [...state.failures.filter((at) => now - at < WINDOW_MS), now];
    state.lastFailure = now;
    // Once blocked, every further failure blocks again, longer, until the address has been quiet for an hour.
    if (state.blocks > 0 || state.failures.length >= this.limit) {
      state.blockedUntil = now + Math.min(1000 * 2 ** state.blocks, MAX_BLOCK_MS);
      state.blocks += 1;
    }
    this.addresses.set(address, state);
  }

  private forgetQuiet(now: number): void {
    for (const [address, state] of this.addresses) if (now - state.lastFailure > FORGET_MS) this.addresses.delete(address);
  }
}

export type AuthLog = (line: { event: 'auth'; outcome: AuthOutcome; address: string; route: string; tokenId?: string; personId?: string; retryAfter?: number }) => void;

/** An API_TOKENS grant as a principal: `admin:<organization>` administers it; the others act by name on campaigns of no organization. */
export function grantPrincipal(grant: TokenGrant): Principal {
  const none = { personId: null, tokenId: null, admin: false, coordinator: false, memberships: [] };
  if (grant.role === 'admin') return { ...none, subject: `admin@${grant.subject}`, organizationId: grant.subject, admin: true };
  if (grant.role === 'coordinator') return { ...none, subject: grant.subject, organizationId: null, coordinator: true };
  return { ...none, subject: grant.subject, organizationId: null, memberships: [{ campaignId: null, role: grant.role, subject: grant.subject }] };
}

const unauthorized = (message: string) => new ApiError(401, 'unauthorized', message, { headers: { 'WWW-Authenticate': 'Bearer' } });

export class Authenticator {
  private readonly grants: Map<string, Principal>;

  constructor(
    private readonly people: People,
    grants: Map<string, TokenGrant>,
    private readonly limiter: FailureLimiter,
    private readonly log: AuthLog,
  ) {
    // By hash, so no token is kept in a structure that could end up in a log or a dump.
    this.grants = new Map([...grants].map(([token, grant]) => [sha256(token).toString('hex'), grantPrincipal(grant)]));
  }

  async authenticate(req: Request, route: string): Promise<Principal> {
    const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const record = async (outcome: AuthOutcome, ids: { tokenId?: string | null; personId?: string | null } = {}, retryAfter?: number) => {
      this.log({ event: 'auth', outcome, address, route, ...(ids.tokenId ? { tokenId: ids.tokenId } : {}), ...(ids.personId ? { personId: ids.personId } : {}), ...(retryAfter ? { retryAfter } : {}) });
      await this.people.recordAuthEvent({ outcome, address, route, ...ids });
    };
    const header = req.get('authorization');
    if (!header) {
      await record('missing');
      throw unauthorized('缺少令牌 (missing bearer token: send Authorization: Bearer <token>)');
    }
    const retryAfter = this.limiter.retryAfter(address);
    if (retryAfter > 0) {
      await record('rate-limited', {}, retryAfter);
      throw new ApiError(429, 'too-many-failures', `失败次数过多,请 ${retryAfter} 秒后再试 (too many failed attempts from this address; retry in ${retryAfter} s)`, {
        headers: { 'Retry-After': String(retryAfter) },
      });
    }
    const token = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    const failed = async (outcome: AuthOutcome, ids?: { tokenId: string; personId: string }) => {
      this.limiter.fail(address);
      await record(outcome, ids);
      return unauthorized(outcome === 'expired' ? '令牌已过期 (token expired)' : outcome === 'revoked' ? '令牌已撤销 (token revoked)' : '令牌无效 (invalid bearer token)');
    };
    if (!token) throw await failed('malformed');
    const grant = this.grants.get(sha256(token).toString('hex'));
    if (grant) {
      await record('accepted', { personId: grant.subject });
      return grant;
    }
    const verified = await this.people.verifyToken(token);
    if (verified.outcome === 'unknown') throw await failed('unknown');
    if (verified.outcome !== 'accepted') throw await failed(verified.outcome, { tokenId: verified.tokenId, personId: verified.personId });
    await record('accepted', { tokenId: verified.principal.tokenId, personId: verified.principal.personId });
    return verified.principal;
  }
}
