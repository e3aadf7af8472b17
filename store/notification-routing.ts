import type { Pool } from 'pg';
import { inTransaction } from '../db/pool';
import type { RecipientChannel } from '../domain/channel';
import { parseIsoDuration } from '../domain/duration';
import type { Locale } from '../domain/notification-text';
import { channelOf, type Contact } from '../domain/plan';
import type { Notification, Recipient, RecipientRole } from '../workflows/notification/messages';
import { audit, SYSTEM_ACTOR } from './records';

// Who is told, and how (db/migrations/0003_notification_routing.sql): the channel and language of
// the plan's contact, a reviewer's substitute for a period, and digests that gather a period's
// notifications about single units into one message per recipient.

/** How a substitute is told: a channel and a language, as a plan's contact names them. */
export interface SubstituteContact {
  channel: RecipientChannel;
  locale?: Locale;
}

export interface Substitution {
  substitutionId: string;
  campaignId: string;
  reviewerId: string;
  personId: string;
  notify: SubstituteContact;
  from: string;
  until: string;
  reason: string;
  namedBy: string;
  namedAt: string;
  revokedBy?: string;
  revokedAt?: string;
}

/** Whom a notification reaches: the plan's contact, or the substitute standing in for a reviewer. */
export interface Addressee {
  channel: RecipientChannel;
  locale: Locale;
  /** The digest period in ms, when the contact asked for digests. */
  digestMs?: number;
  substitution?: Substitution;
}

export interface DigestItem {
  notificationId: string;
  kind: string;
  unitId?: string;
  occurredAt: string;
  data: Record<string, string | number | boolean | undefined>;
}

export interface DigestContent {
  digestId: string;
  campaignId: string;
  recipient: Pick<Recipient, 'role' | 'id'>;
  channel: RecipientChannel;
  locale: Locale;
  timeZone: string;
  periodStart: string;
  periodEnd: string;
  items: DigestItem[];
}

interface SubstitutionRow {
  substitution_id: string;
  campaign_id: string;
  reviewer_id: string;
  person_id: string;
  notify: SubstituteContact;
  starts_at: Date;
  ends_at: Date;
  reason: string;
  named_by: string;
  named_at: Date;
  revoked_by: string | null;
  revoked_at: Date | null;
}

const substitution = (r: SubstitutionRow): Substitution => ({
  substitutionId: r.substitution_id,
  campaignId: r.campaign_id,
  reviewerId: r.reviewer_id,
  personId: r.person_id,
  notify: r.notify,
  from: r.starts_at.toISOString(),
  until: r.ends_at.toISOString(),
  reason: r.reason,
  namedBy: r.named_by,
  namedAt: r.named_at.toISOString(),
  ...(r.revoked_at ? { revokedBy: r.revoked_by!, revokedAt: r.revoked_at.toISOString() } : {}),
});

const ACTIVE = 'revoked_at IS NULL AND starts_at <= $3 AND ends_at > $3';

export function createNotificationRouting(pool: Pool) {
  const activeSubstitute = async (campaignId: string, reviewerId: string, at: string): Promise<Substitution | undefined> => {
    const { rows } = await pool.query<SubstitutionRow>(`SELECT * FROM reviewer_substitutes WHERE campaign_id = $1 AND reviewer_id = $2 AND ${ACTIVE} ORDER BY named_at DESC LIMIT 1`, [campaignId, reviewerId, at]);
    return rows[0] && substitution(rows[0]);
  };

  return {
    /**
     * Whom a notification to `recipient` reaches at `at`: a reviewer's substitute for that instant
     * when one is named, else the plan's contact (its channel, language and digest period).
     */
    async addresseeOf(campaignId: string, recipient: Pick<Recipient, 'role' | 'id' | 'webhook'>, at: string): Promise<Addressee> {
      const standIn = recipient.role === 'reviewer' ? await activeSubstitute(campaignId, recipient.id, at) : undefined;
      if (standIn) return { channel: standIn.notify.channel, locale: standIn.notify.locale ?? 'zh-CN', substitution: standIn };
      const { rows } = await pool.query<{ notify: Contact | null }>(
        `SELECT CASE $2::text
           WHEN 'coordinator' THEN c.plan->'coordinator'->'notify'
           WHEN 'reviewer' THEN (SELECT r->'notify' FROM jsonb_array_elements(c.plan->'reviewers') r WHERE r->>'id' = $3)
           ELSE (SELECT u.spec->'notify' FROM campaign_units u WHERE u.campaign_id = c.campaign_id AND u.unit_id = $3) END AS notify
         FROM campaigns c WHERE c.campaign_id = $1`,
        [campaignId, recipient.role, recipient.id],
      );
      const contact = rows[0]?.notify ?? { webhook: recipient.webhook };
      return { channel: channelOf(contact), locale: contact.locale ?? 'zh-CN', digestMs: contact.digest ? parseIsoDuration(contact.digest) : undefined };
    },

    /** A delivery to a substitute is on the audit trail beside the notification itself. */
    async recordSubstituteDelivery(n: Notification, standIn: Substitution): Promise<void> {
      await audit(pool, n.campaignId, {
        at: n.occurredAt, actor: SYSTEM_ACTOR, requestId: n.id, action: `notified-substitute:${n.kind}`, phase: n.phase, unitId: n.unitId,
        detail: `to substitute ${standIn.personId} for reviewer:${standIn.reviewerId} (substitution ${standIn.substitutionId})`,
      });
    },

    /**
     * Adds a notification to its recipient's digest for the period it occurred in, or for the first
     * later one still open (a digest being sent takes no more). Idempotent by notification id.
     */
    async appendToDigest(n: Notification, addressee: Addressee & { digestMs: number }): Promise<{ digestId: string; sendAt: string }> {
      return inTransaction(pool, async (db) => {
        const already = await db.query<{ digest_id: string; period_end: Date }>('SELECT i.digest_id, d.period_end FROM notification_digest_items i JOIN notification_digests d USING (digest_id) WHERE i.notification_id = $1', [n.id]);
        if (already.rows[0]) return { digestId: already.rows[0].digest_id, sendAt: already.rows[0].period_end.toISOString() };
        const recipient = `${n.recipient.role}:${n.recipient.id}`;
        const period = addressee.digestMs;
        for (let start = Math.floor(Date.parse(n.occurredAt) / period) * period; ; start += period) {
          const digestId = `digest:${n.campaignId}:${recipient}:${new Date(start).toISOString()}`;
          await db.query(
            `INSERT INTO notification_digests (digest_id, campaign_id, recipient, notify, time_zone, period_start, period_end) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
            [digestId, n.campaignId, recipient, { channel: addressee.channel, locale: addressee.locale }, n.timeZone, new Date(start), new Date(start + period)],
          );
          const { rows } = await db.query<{ closed_at: Date | null }>('SELECT closed_at FROM notification_digests WHERE digest_id = $1 FOR UPDATE', [digestId]);
          if (rows[0]!.closed_at) continue;
          await db.query('INSERT INTO notification_digest_items (notification_id, digest_id, kind, unit_id, occurred_at, data) VALUES ($1, $2, $3, $4, $5, $6)', [n.id, digestId, n.kind, n.unitId ?? null, n.occurredAt, n.data ?? {}]);
          return { digestId, sendAt: new Date(start + period).toISOString() };
        }
      });
    },

    /** Closes a digest to new items (once) and reads what it holds; a retried delivery reads the same. */
    async closeDigest(digestId: string): Promise<DigestContent> {
      return inTransaction(pool, async (db) => {
        const { rows } = await db.query<{ campaign_id: string; recipient: string; notify: SubstituteContact & { locale: Locale }; time_zone: string; period_start: Date; period_end: Date }>(
          'UPDATE notification_digests SET closed_at = coalesce(closed_at, now()) WHERE digest_id = $1 RETURNING *',
          [digestId],
        );
        const digest = rows[0];
        if (!digest) throw new Error(`no digest ${digestId}`);
        const items = await db.query<{ notification_id: string; kind: string; unit_id: string | null; occurred_at: Date; data: DigestItem['data'] }>(
          'SELECT notification_id, kind, unit_id, occurred_at, data FROM notification_digest_items WHERE digest_id = $1 ORDER BY occurred_at, notification_id',
          [digestId],
        );
        const [role, ...id] = digest.recipient.split(':');
        return {
          digestId,
          campaignId: digest.campaign_id,
          recipient: { role: role as RecipientRole, id: id.join(':') },
          channel: digest.notify.channel,
          locale: digest.notify.locale,
          timeZone: digest.time_zone,
          periodStart: digest.period_start.toISOString(),
          periodEnd: digest.period_end.toISOString(),
          items: items.rows.map((r) => ({ notificationId: r.notification_id, kind: r.kind, ...(r.unit_id ? { unitId: r.unit_id } : {}), occurredAt: r.occurred_at.toISOString(), data: r.data })),
        };
      });
    },

    activeSubstitute,

    /** The reviewers a person stands in for at `at` in a campaign: it may act as each of them meanwhile. */
    async substitutedReviewers(campaignId: string, personId: string, at: string): Promise<Substitution[]> {
      const { rows } = await pool.query<SubstitutionRow>(`SELECT * FROM reviewer_substitutes WHERE campaign_id = $1 AND person_id = $2 AND ${ACTIVE}`, [campaignId, personId, at]);
      return rows.map(substitution);
    },

    /** Names a substitute, keyed by the request's id (a retry names it once); an audit row says who named whom. */
    async nameSubstitute(s: Omit<Substitution, 'revokedBy' | 'revokedAt'>): Promise<Substitution> {
      return inTransaction(pool, async (db) => {
        await db.query(
          `INSERT INTO reviewer_substitutes (substitution_id, campaign_id, reviewer_id, person_id, notify, starts_at, ends_at, reason, named_by, named_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING`,
          [s.substitutionId, s.campaignId, s.reviewerId, s.personId, s.notify, s.from, s.until, s.reason, s.namedBy, s.namedAt],
        );
        await audit(db, s.campaignId, { at: s.namedAt, actor: s.namedBy, requestId: s.substitutionId, action: 'substitute-named', detail: `${s.personId} for reviewer:${s.reviewerId} from ${s.from} until ${s.until}: ${s.reason}` });
        const { rows } = await db.query<SubstitutionRow>('SELECT * FROM reviewer_substitutes WHERE substitution_id = $1', [s.substitutionId]);
        return substitution(rows[0]!);
      });
    },

    /** Ends a substitution before its time; undefined when the reviewer has no such substitution. */
    async revokeSubstitute(r: { campaignId: string; reviewerId: string; substitutionId: string; actor: string; at: string }): Promise<Substitution | undefined> {
      return inTransaction(pool, async (db) => {
        const { rows } = await db.query<SubstitutionRow>(
          `UPDATE reviewer_substitutes SET revoked_by = coalesce(revoked_by, $4), revoked_at = coalesce(revoked_at, $5) WHERE substitution_id = $1 AND campaign_id = $2 AND reviewer_id = $3 RETURNING *`,
          [r.substitutionId, r.campaignId, r.reviewerId, r.actor, r.at],
        );
        if (!rows[0]) return undefined;
        await audit(db, r.campaignId, { at: rows[0].revoked_at!.toISOString(), actor: rows[0].revoked_by!, requestId: r.substitutionId, action: 'substitute-revoked', detail: `${rows[0].person_id} for reviewer:${r.reviewerId}` });
        return substitution(rows[0]);
      });
    },

    async substitutes(campaignId: string, reviewerId: string): Promise<Substitution[]> {
      const { rows } = await pool.query<SubstitutionRow>('SELECT * FROM reviewer_substitutes WHERE campaign_id = $1 AND reviewer_id = $2 ORDER BY starts_at, named_at', [campaignId, reviewerId]);
      return rows.map(substitution);
    },

    /** Whether a person belongs to the campaign's organization (a substitute must). */
    async isColleague(campaignId: string, personId: string): Promise<boolean> {
      const { rowCount } = await pool.query('SELECT 1 FROM people p JOIN campaigns c ON c.organization_id = p.organization_id WHERE c.campaign_id = $1 AND p.person_id = $2', [campaignId, personId]);
      return Boolean(rowCount);
    },

    /** An urge (催办) on the audit trail, with its note, keyed by the request. */
    async recordUrge(u: { campaignId: string; unitId: string; phase?: string; requestId: string; actor: string; at: string; note: string }): Promise<void> {
      await audit(pool, u.campaignId, { at: u.at, actor: u.actor, requestId: u.requestId, action: 'urged', unitId: u.unitId, phase: u.phase as never, detail: u.note });
    },
  };
}

export type NotificationRouting = ReturnType<typeof createNotificationRouting>;
