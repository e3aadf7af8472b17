import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Pool } from 'pg';
import { sha256, type CampaignRole, type Principal } from '../store/people';

// A console session: the cookie holds a random id, the table its hash (db/migrations/0004).

/** A working day at the office; after it, sign in again. */
export const SESSION_HOURS = 10;
export const SESSION_COOKIE = 'console_session';

export interface Session {
  principal: Principal;
  csrf: string;
}

const secret = () => randomBytes(32).toString('base64url');

export const sameSecret = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

export class Sessions {
  constructor(private readonly pool: Pool) {}

  /** A new session for the principal; the id to set as the cookie, returned this once. */
  async open(principal: Principal): Promise<string> {
    const id = secret();
    await this.pool.query(
      `INSERT INTO console_sessions (session_hash, person_id, principal, csrf_token, expires_at) VALUES ($1, $2, $3, $4, now() + make_interval(hours => $5))`,
      [sha256(id), principal.personId, JSON.stringify(principal), secret(), SESSION_HOURS],
    );
    // Expired sessions go as new ones come, so the table holds only live ones and a few stale.
    await this.pool.query('DELETE FROM console_sessions WHERE expires_at < now()');
    return id;
  }

  async find(id: string): Promise<Session | undefined> {
    const { rows } = await this.pool.query<{ person_id: string | null; principal: Principal; csrf_token: string }>(
      'SELECT person_id, principal, csrf_token FROM console_sessions WHERE session_hash = $1 AND expires_at > now()',
      [sha256(id)],
    );
    const row = rows[0];
    if (!row) return undefined;
    const principal = row.person_id ? await this.person(row.person_id) : row.principal;
    return principal && { principal, csrf: row.csrf_token };
  }

  async close(id: string): Promise<void> {
    await this.pool.query('DELETE FROM console_sessions WHERE session_hash = $1', [sha256(id)]);
  }

  /** The person as the API would see it, without a token: its roles and memberships as they stand now. */
  async person(personId: string): Promise<Principal | undefined> {
    const { rows } = await this.pool.query<{ organization_id: string; roles: string[]; memberships: { campaignId: string; role: CampaignRole; subject: string }[] }>(
      `SELECT p.organization_id, p.roles,
         coalesce((SELECT json_agg(json_build_object('campaignId', m.campaign_id, 'role', m.role, 'subject', m.subject)) FROM memberships m WHERE m.person_id = p.person_id), '[]') AS memberships
       FROM people p WHERE p.person_id = $1`,
      [personId],
    );
    const r = rows[0];
    if (!r) return undefined;
    return { subject: personId, personId, organizationId: r.organization_id, admin: r.roles.includes('administrator'), coordinator: r.roles.includes('coordinator'), memberships: r.memberships, tokenId: null };
  }
}
