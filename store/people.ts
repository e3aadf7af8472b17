import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Pool } from 'pg';

// Organizations, people, the roles they hold in campaigns, and their credentials (db/migrations/
// 0002_organizations.sql). A secret leaves here once, when it is issued; only its SHA-256 is kept.

export const CAMPAIGN_ROLES = ['coordinator', 'reviewer', 'unit'] as const;
export type CampaignRole = (typeof CAMPAIGN_ROLES)[number];
export const ORGANIZATION_ROLES = ['administrator', 'coordinator'] as const;
export type OrganizationRole = (typeof ORGANIZATION_ROLES)[number];

export interface Membership {
  /** null: every campaign of the principal's organization scope (an unbound API_TOKENS grant only). */
  campaignId: string | null;
  role: CampaignRole;
  /** The plan's coordinator id, reviewer id or unit id the person acts as. */
  subject: string;
}

/** Who is calling, however they signed in: a token from the database or an API_TOKENS grant. */
export interface Principal {
  /** The id the audit trail records as actor: the person's id, or the grant's subject. */
  subject: string;
  personId: string | null;
  /** null: an API_TOKENS grant bound to no organization (the embedded demo); it acts only on campaigns of no organization. */
  organizationId: string | null;
  admin: boolean;
  /** Coordinates every campaign of its organization and may start new ones. */
  coordinator: boolean;
  memberships: Membership[];
  /** The api_tokens row, for the auth log; null for an API_TOKENS grant. */
  tokenId: string | null;
}

export interface Person {
  personId: string;
  organizationId: string;
  displayName: string;
  roles: OrganizationRole[];
  createdAt: string;
}

export interface TokenRecord {
  tokenId: string;
  personId: string;
  name: string;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export type AuthOutcome = 'accepted' | 'missing' | 'unknown' | 'expired' | 'revoked' | 'malformed' | 'rate-limited';

export const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

/** 32 random bytes, URL-safe, with a prefix that says what it is when one turns up somewhere it should not. */
const newSecret = (prefix: string) => `${prefix}_${randomBytes(32).toString('base64url')}`;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export type Verification = { outcome: 'accepted'; principal: Principal } | { outcome: 'unknown' } | { outcome: 'expired' | 'revoked'; tokenId: string; personId: string };

export class People {
  constructor(private readonly pool: Pool) {}

  /** Creates the organization, or renames it: its administrator's first act when bootstrapped from API_TOKENS. */
  async saveOrganization(organizationId: string, name: string): Promise<{ organizationId: string; name: string }> {
    await this.pool.query('INSERT INTO organizations (organization_id, name) VALUES ($1, $2) ON CONFLICT (organization_id) DO UPDATE SET name = excluded.name', [organizationId, name]);
    return { organizationId, name };
  }

  async createPerson(p: { organizationId: string; displayName: string; roles?: OrganizationRole[]; createdBy: string }): Promise<Person> {
    const { rows } = await this.pool.query<{ person_id: string; created_at: Date }>(
      'INSERT INTO people (person_id, organization_id, display_name, roles, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING person_id, created_at',
      [`p-${randomUUID()}`, p.organizationId, p.displayName, p.roles ?? [], p.createdBy],
    );
    return { personId: rows[0]!.person_id, organizationId: p.organizationId, displayName: p.displayName, roles: p.roles ?? [], createdAt: rows[0]!.created_at.toISOString() };
  }

  /** The person, only when it belongs to the organization (so another organization's people are not found). */
  async person(organizationId: string, personId: string): Promise<Person | undefined> {
    const { rows } = await this.pool.query<{ person_id: string; organization_id: string; display_name: string; roles: OrganizationRole[]; created_at: Date }>(
      'SELECT person_id, organization_id, display_name, roles, created_at FROM people WHERE person_id = $1 AND organization_id = $2',
      [personId, organizationId],
    );
    const r = rows[0];
    return r && { personId: r.person_id, organizationId: r.organization_id, displayName: r.display_name, roles: r.roles, createdAt: r.created_at.toISOString() };
  }

  /** The campaign's organization, or undefined when there is no such campaign. */
  async campaignOrganization(campaignId: string): Promise<{ organizationId: string | null } | undefined> {
    const { rows } = await this.pool.query<{ organization_id: string | null }>('SELECT organization_id FROM campaigns WHERE campaign_id = $1', [campaignId]);
    return rows[0] && { organizationId: rows[0].organization_id };
  }

  /** Whether the campaign's plan names this subject in this role (its coordinator, one of its reviewers, one of its units). */
  async planNames(campaignId: string, role: CampaignRole, subject: string): Promise<boolean> {
    const { rows } = await this.pool.query<{ named: boolean }>(
      `SELECT CASE $2
         WHEN 'coordinator' THEN coalesce(c.plan->'coordinator'->>'id' = $3, false)
         WHEN 'reviewer' THEN EXISTS (SELECT 1 FROM jsonb_array_elements(coalesce(c.plan->'reviewers', '[]')) r WHERE r->>'id' = $3)
         ELSE EXISTS (SELECT 1 FROM campaign_units u WHERE u.campaign_id = c.campaign_id AND u.unit_id = $3)
       END AS named
       FROM campaigns c WHERE c.campaign_id = $1`,
      [campaignId, role, subject],
    );
    return rows[0]?.named ?? false;
  }

  async grantMembership(m: { campaignId: string; personId: string; role: CampaignRole; subject: string; grantedBy: string }): Promise<void> {
    await this.pool.query('INSERT INTO memberships (campaign_id, person_id, role, subject, granted_by) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING', [
      m.campaignId,
      m.personId,
      m.role,
      m.subject,
      m.grantedBy,
    ]);
  }

  async revokeMembership(m: { campaignId: string; personId: string; role: CampaignRole; subject: string }): Promise<boolean> {
    const { rowCount } = await this.pool.query('DELETE FROM memberships WHERE campaign_id = $1 AND person_id = $2 AND role = $3 AND subject = $4', [m.campaignId, m.personId, m.role, m.subject]);
    return rowCount === 1;
  }

  /** The people holding a role in a campaign: a unit's clerks, a reviewer's office. */
  async members(campaignId: string): Promise<(Membership & { campaignId: string; personId: string })[]> {
    const { rows } = await this.pool.query<{ person_id: string; role: CampaignRole; subject: string }>(
      'SELECT person_id, role, subject FROM memberships WHERE campaign_id = $1 ORDER BY role, subject, person_id',
      [campaignId],
    );
    return rows.map((r) => ({ campaignId, personId: r.person_id, role: r.role, subject: r.subject }));
  }

  async memberships(personId: string): Promise<(Membership & { campaignId: string })[]> {
    const { rows } = await this.pool.query<{ campaign_id: string; role: CampaignRole; subject: string }>(
      'SELECT campaign_id, role, subject FROM memberships WHERE person_id = $1 ORDER BY campaign_id, role, subject',
      [personId],
    );
    return rows.map((r) => ({ campaignId: r.campaign_id, role: r.role, subject: r.subject }));
  }

  /** A new token for the person; the secret is in the answer and nowhere else. */
  async issueToken(t: { personId: string; name: string; expiresAt: Date; createdBy: string }): Promise<{ token: string; record: TokenRecord }> {
    const token = newSecret('rc');
    const { rows } = await this.pool.query<{ token_id: string; created_at: Date }>(
      'INSERT INTO api_tokens (token_id, token_hash, person_id, name, created_by, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING token_id, created_at',
      [`t-${randomUUID()}`, sha256(token), t.personId, t.name, t.createdBy, t.expiresAt],
    );
    const record = { tokenId: rows[0]!.token_id, personId: t.personId, name: t.name, createdAt: rows[0]!.created_at.toISOString(), expiresAt: t.expiresAt.toISOString(), revokedAt: null, lastUsedAt: null };
    return { token, record };
  }

  /** Revokes a token of one of the organization's people; undefined when it has none by that id. */
  async revokeToken(organizationId: string, tokenId: string, revokedBy: string): Promise<TokenRecord | undefined> {
    const { rows } = await this.pool.query<TokenRow>(
      `UPDATE api_tokens t SET revoked_at = coalesce(t.revoked_at, now()), revoked_by = coalesce(t.revoked_by, $3)
       FROM people p WHERE t.token_id = $1 AND p.person_id = t.person_id AND p.organization_id = $2
       RETURNING ${TOKEN_COLUMNS}`,
      [tokenId, organizationId, revokedBy],
    );
    return rows[0] && tokenRecord(rows[0]);
  }

  async tokens(organizationId: string, personId: string): Promise<TokenRecord[]> {
    const { rows } = await this.pool.query<TokenRow>(
      `SELECT ${TOKEN_COLUMNS} FROM api_tokens t JOIN people p ON p.person_id = t.person_id WHERE t.person_id = $1 AND p.organization_id = $2 ORDER BY t.created_at, t.token_id`,
      [personId, organizationId],
    );
    return rows.map(tokenRecord);
  }

  /** A one-time console sign-in link's secret; used once, before it expires. */
  async issueSignInLink(l: { personId: string; expiresAt: Date; createdBy: string }): Promise<{ secret: string; linkId: string; expiresAt: string }> {
    const secret = newSecret('rcl');
    const linkId = `l-${randomUUID()}`;
    await this.pool.query('INSERT INTO sign_in_links (link_id, link_hash, person_id, created_by, expires_at) VALUES ($1, $2, $3, $4, $5)', [
      linkId,
      sha256(secret),
      l.personId,
      l.createdBy,
      l.expiresAt,
    ]);
    return { secret, linkId, expiresAt: l.expiresAt.toISOString() };
  }

  /** Uses a sign-in link (the console exchanges it for a session); the person, once, or undefined. */
  async useSignInLink(secret: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ person_id: string }>(
      'UPDATE sign_in_links SET used_at = now() WHERE link_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING person_id',
      [sha256(secret)],
    );
    return rows[0]?.person_id;
  }

  /** Looks the token up by its hash; a revoked or expired one is named as such for the auth log. */
  async verifyToken(token: string): Promise<Verification> {
    const { rows } = await this.pool.query<{
      token_id: string;
      person_id: string;
      organization_id: string;
      roles: OrganizationRole[];
      expired: boolean;
      revoked: boolean;
      memberships: { campaignId: string; role: CampaignRole; subject: string }[];
    }>(
      `SELECT t.token_id, t.person_id, p.organization_id, p.roles, t.expires_at <= now() AS expired, t.revoked_at IS NOT NULL AS revoked,
         coalesce((SELECT json_agg(json_build_object('campaignId', m.campaign_id, 'role', m.role, 'subject', m.subject)) FROM memberships m WHERE m.person_id = t.person_id), '[]') AS memberships
       FROM api_tokens t JOIN people p ON p.person_id = t.person_id WHERE t.token_hash = $1`,
      [sha256(token)],
    );
    const r = rows[0];
    if (!r) return { outcome: 'unknown' };
    if (r.revoked || r.expired) return { outcome: r.revoked ? 'revoked' : 'expired', tokenId: r.token_id, personId: r.person_id };
    return {
      outcome: 'accepted',
      principal: {
        subject: r.person_id,
        personId: r.person_id,
        organizationId: r.organization_id,
        admin: r.roles.includes('administrator'),
        coordinator: r.roles.includes('coordinator'),
        memberships: r.memberships,
        tokenId: r.token_id,
      },
    };
  }

  /** One row per use or failure; a use also stamps the token's last_used_at, in the same statement. */
  async recordAuthEvent(e: { outcome: AuthOutcome; address: string; route?: string; tokenId?: string | null; personId?: string | null }): Promise<void> {
    await this.pool.query(
      `WITH used AS (UPDATE api_tokens SET last_used_at = now() WHERE $1 = 'accepted' AND token_id = $2)
       INSERT INTO auth_events (outcome, token_id, person_id, address, route) VALUES ($1, $2, $3, $4, $5)`,
      [e.outcome, e.tokenId ?? null, e.personId ?? null, e.address, e.route ?? null],
    );
  }
}

const TOKEN_COLUMNS = 't.token_id, t.person_id, t.name, t.created_at, t.expires_at, t.revoked_at, t.last_used_at';

interface TokenRow {
  token_id: string;
  person_id: string;
  name: string;
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

const tokenRecord = (r: TokenRow): TokenRecord => ({
  tokenId: r.token_id,
  personId: r.person_id,
  name: r.name,
  createdAt: r.created_at.toISOString(),
  expiresAt: r.expires_at.toISOString(),
  revokedAt: iso(r.revoked_at),
  lastUsedAt: iso(r.last_used_at),
});
