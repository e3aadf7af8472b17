import { randomBytes } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { PayloadKeys } from '../config/codec';
import { inTransaction } from '../db/pool';
import { CalendarYearNotCovered } from '../domain/calendar/business-days';
import { deadlineAfter } from '../domain/calendar/durations';
import { reminderInstants, reviewDeadlines, type CalendarReminders, type ReminderInstant, type ReviewDeadlines } from '../domain/calendar/phase-clock';
import type { CampaignPlan, PhaseName, Unit } from '../domain/plan';
import { maskName, RosterFailure, yuan, type Household } from '../domain/roster';
import type { PlanOutline } from '../domain/plan-outline';
import type { Notification } from '../workflows/notification/messages';
import type { VisitInput } from '../domain/visits';
import type { Refusal } from './refusal';
import { householdKey, newCampaignKey, sealField, unwrapCampaignKey } from './personal-data';
import { createNotificationRouting } from './notification-routing';

// Every write of the campaign's record, one transaction each, keyed by the request id that caused
// it: a retried activity or a replayed workflow writes once and reads back what was written. The
// database keeps the rules that need every unit at once: one household once per campaign (the
// household_claims key), a funding source's held amount never above its budget (FOR UPDATE, and a
// CHECK as the last word), a household visited once.

export const SYSTEM_ACTOR = 'system';

export interface RecordsDeps {
  pool: Pool;
  masterKeys: PayloadKeys;
  householdKeySecret: string;
}

export interface UnitTarget {
  campaignId: string;
  phase: PhaseName;
  unitId: string;
}

export interface Audit {
  at: string;
  actor: string;
  requestId: string;
  action: string;
  phase?: PhaseName;
  unitId?: string;
  detail: string;
  receivedAt?: string;
}

export async function audit(db: PoolClient | Pool, campaignId: string, a: Audit): Promise<void> {
  await db.query(
    `INSERT INTO audit (campaign_id, at, actor, request_id, action, phase, unit_id, detail, received_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (campaign_id, action, request_id) DO NOTHING`,
    [campaignId, a.at, a.actor, a.requestId, a.action, a.phase ?? null, a.unitId ?? null, a.detail, a.receivedAt ?? null],
  );
}

/** The plan as the database keeps it: units as rows, the rest as the outline workflows carry. */
export const planOutline = (plan: CampaignPlan): PlanOutline => {
  const { units, ...outline } = plan;
  return { ...outline, unitCount: units.length };
};

/** A refusal thrown inside a transaction rolls it back and becomes the operation's answer. */
class Refused extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.message);
  }
}

async function refusable<T>(pool: Pool, fn: (db: PoolClient) => Promise<T>): Promise<T | { ok: false; refusal: Refusal }> {
  try {
    return await inTransaction(pool, fn);
  } catch (err) {
    if (err instanceof Refused) return { ok: false, refusal: err.refusal };
    throw err;
  }
}

/** Every trace of the households' personal data in the record (every roster that listed them), claims and visits re-keyed to tombstones. */
async function eraseEntries(db: PoolClient, campaignId: string, entries: { upload_id: string; household_key: Buffer }[], tombstones: Buffer[], at: string): Promise<void> {
  if (!entries.length) return;
  const keys = entries.map((e) => e.household_key);
  await db.query(
    `UPDATE roster_entries e SET name_sealed = NULL, id_number_sealed = NULL, address_sealed = NULL, reason_sealed = NULL, illness_sealed = NULL, masked_name = NULL, erased_at = $3, household_key = t.tombstone
     FROM unnest($1::bytea[], $2::bytea[]) AS t(old_key, tombstone)
     WHERE e.household_key = t.old_key AND e.upload_id IN (SELECT upload_id FROM roster_uploads WHERE campaign_id = $4)`,
    [keys, tombstones, at, campaignId],
  );
  for (const table of ['household_claims', 'visits']) {
    await db.query(`UPDATE ${table} x SET household_key = t.tombstone FROM unnest($2::bytea[], $3::bytea[]) AS t(old_key, tombstone) WHERE x.campaign_id = $1 AND x.household_key = t.old_key`, [campaignId, keys, tombstones]);
  }
}

export type SubmissionOutcome =
  | { ok: true; number: number; recordedAt: string; receivedAt: string; entries: number; duplicate: boolean; review?: ReviewDeadlines }
  | { ok: false; refusal: Refusal };

/**
 * A review window in working days, counted from when the record took the submission. The
 * workflow keeps the instants this answers (see domain/calendar/phase-clock.ts). A year the
 * calendar lacks throws, and the activity is retried until the data has it: the API refused such
 * plans at start, so only a calendar file shrunk under a running campaign gets here.
 */
export interface ReviewWindow {
  timeZone: string;
  reviewWithin: string;
}

export type VisitOutcome = { ok: true; visited: number; paid: number; duplicate: boolean } | { ok: false; refusal: Refusal };

export function createRecords({ pool, masterKeys, householdKeySecret }: RecordsDeps) {
  async function openUnitPhases(target: Omit<UnitTarget, 'unitId'> & { unitIds: string[]; at: string; reminders?: CalendarReminders & { cutoff: string } }): Promise<{ rosterSizes: Record<string, number>; reminderInstants?: ReminderInstant[] }> {
    const reminders = target.reminders && reminderInstants(Date.parse(target.reminders.cutoff), target.reminders);
    return inTransaction(pool, async (db) => {
      const rosterSizes = Object.fromEntries(target.unitIds.map((id) => [id, 0]));
      if (target.phase === 'visiting') {
        const { rows } = await db.query<{ unit_id: string; n: number }>('SELECT unit_id, count(*)::int AS n FROM household_claims WHERE campaign_id = $1 AND unit_id = ANY($2) AND approved GROUP BY unit_id', [target.campaignId, target.unitIds]);
        for (const row of rows) rosterSizes[row.unit_id] = row.n;
      }
      const ids = Object.keys(rosterSizes);
      await db.query(
        `UPDATE unit_phases u SET status = 'open', roster_size = s.n, updated_at = $3 FROM unnest($4::text[], $5::int[]) AS s(unit_id, n)
         WHERE u.campaign_id = $1 AND u.phase = $2 AND u.unit_id = s.unit_id AND u.status = 'scheduled'`,
        [target.campaignId, target.phase, target.at, ids, ids.map((id) => rosterSizes[id])],
      );
      return { rosterSizes, ...(reminders ? { reminderInstants: reminders } : {}) };
    });
  }

  const dataKeys = new Map<string, Buffer>();
  async function dataKeyOf(db: PoolClient | Pool, campaignId: string): Promise<Buffer> {
    const cached = dataKeys.get(campaignId);
    if (cached) return cached;
    const { rows } = await db.query<{ data_key_wrapped: Buffer | null; data_key_id: string | null }>('SELECT data_key_wrapped, data_key_id FROM campaigns WHERE campaign_id = $1', [campaignId]);
    const row = rows[0];
    if (!row?.data_key_wrapped) throw new Error(`campaign ${campaignId} has no data key (its personal data was erased)`);
    const key = unwrapCampaignKey(row.data_key_wrapped, row.data_key_id!, masterKeys);
    dataKeys.set(campaignId, key);
    return key;
  }

  /** Moves a funding source's held amounts; refuses (changing nothing) when one would pass its budget. */
  async function hold(db: PoolClient, campaignId: string, deltas: Record<string, number>): Promise<Refusal | undefined> {
    const sources = Object.keys(deltas).filter((s) => deltas[s] !== 0).sort();
    if (!sources.length) return undefined;
    const { rows } = await db.query<{ source: string; budget: number; held: number }>(
      'SELECT source, budget, held FROM funding_sources WHERE campaign_id = $1 AND source = ANY($2) ORDER BY source FOR UPDATE',
      [campaignId, sources],
    );
    const over = rows.filter((r) => r.held + deltas[r.source]! > r.budget).map((r) => ({ source: r.source, requested: deltas[r.source]!, heldByOthers: r.held, budget: r.budget }));
    if (over.length) {
      const lines = over.map((o) => `funding source ${o.source}: ${yuan(o.requested)} on this roster and ${yuan(o.heldByOthers)} on other units' would exceed its budget ${yuan(o.budget)}`);
      return { type: RosterFailure.BudgetExceeded, message: lines.join('; '), details: { over } };
    }
    for (const source of sources) await db.query('UPDATE funding_sources SET held = held + $3 WHERE campaign_id = $1 AND source = $2', [campaignId, source, deltas[source]]);
    return undefined;
  }

  /** Releases claims (a rejected roster, struck entries): the households and their amounts go back to the campaign. */
  async function release(db: PoolClient, campaignId: string, claims: { upload_id: string; entry: number }[]): Promise<void> {
    if (!claims.length) return;
    const { rows } = await db.query<{ funding_source: string; amount: number }>(
      `DELETE FROM household_claims c USING roster_entries e
       WHERE c.campaign_id = $1 AND e.upload_id = c.upload_id AND e.entry = c.entry
         AND (c.upload_id, c.entry) IN (SELECT * FROM unnest($2::text[], $3::int[]))
       RETURNING e.funding_source, e.amount`,
      [campaignId, claims.map((c) => c.upload_id), claims.map((c) => c.entry)],
    );
    const deltas: Record<string, number> = {};
    for (const r of rows) deltas[r.funding_source] = (deltas[r.funding_source] ?? 0) - r.amount;
    await hold(db, campaignId, deltas);
  }

  /** Claims an upload's households for its unit; refuses, claiming nothing, on a duplicate or an overrun budget. */
  async function claim(db: PoolClient, campaignId: string, unitId: string, uploadId: string, { exclusive }: { exclusive: boolean }): Promise<Refusal | undefined> {
    const { rows: entries } = await db.query<{ entry: number; household_key: Buffer; funding_source: string; amount: number }>(
      'SELECT entry, household_key, funding_source, amount FROM roster_entries WHERE upload_id = $1 ORDER BY entry',
      [uploadId],
    );
    const { rows: taken } = await db.query<{ household_key: Buffer; unit_id: string }>(
      'SELECT household_key, unit_id FROM household_claims WHERE campaign_id = $1 AND household_key = ANY($2) FOR UPDATE',
      [campaignId, entries.map((e) => e.household_key)],
    );
    // A unit's own earlier roster does not conflict with its resubmission (released first); an addition must be new to it too.
    const holder = new Map(taken.map((t) => [t.household_key.toString('hex'), t.unit_id]));
    const duplicates = entries.flatMap((e) => {
      const listedBy = holder.get(e.household_key.toString('hex'));
      return listedBy !== undefined && (exclusive || listedBy !== unitId) ? [{ entry: e.entry, listedBy }] : [];
    });
    if (duplicates.length) {
      const lines = duplicates.map((d) => `entry ${d.entry}: this household is already listed by unit ${d.listedBy}`);
      return { type: RosterFailure.DuplicateHousehold, message: `${lines.join('; ')} (避免重複慰問)`, details: { duplicates } };
    }
    const deltas: Record<string, number> = {};
    for (const e of entries) deltas[e.funding_source] = (deltas[e.funding_source] ?? 0) + e.amount;
    const over = await hold(db, campaignId, deltas);
    if (over) return over;
    await db.query(
      `INSERT INTO household_claims (campaign_id, household_key, unit_id, upload_id, entry, category, funding_source, amount)
       SELECT $1, household_key, $2, upload_id, entry, category, funding_source, amount FROM roster_entries WHERE upload_id = $3`,
      [campaignId, unitId, uploadId],
    );
    return undefined;
  }

  const claimsOfUnit = async (db: PoolClient, campaignId: string, unitId: string, where = 'true') =>
    (await db.query<{ upload_id: string; entry: number }>(`SELECT upload_id, entry FROM household_claims WHERE campaign_id = $1 AND unit_id = $2 AND ${where}`, [campaignId, unitId])).rows;

  return {
    // Who is told how (channels, substitutes, digests, urges): store/notification-routing.ts.
    ...createNotificationRouting(pool),
    pool,

    /** The plan, its units, phases and budgets, and the campaign's data key; a retried start finds its own row. */
    async startCampaign(plan: CampaignPlan, start: { requestId: string; actor: string; organizationId?: string | null }): Promise<'started' | 'retried' | 'exists'> {
      return inTransaction(pool, async (db) => {
        const key = newCampaignKey(masterKeys);
        const outline = planOutline(plan);
        const { rowCount } = await db.query(
          `INSERT INTO campaigns (campaign_id, organizer, title, time_zone, plan, unit_count, start_request_id, started_by, data_key_wrapped, data_key_id, current_phase, organization_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (campaign_id) DO NOTHING`,
          [plan.id, plan.organizer, plan.title, plan.timezone, outline, plan.units.length, start.requestId, start.actor, key.wrapped, key.keyId, plan.phases[0]!.name, start.organizationId ?? null],
        );
        if (!rowCount) {
          const { rows } = await db.query<{ start_request_id: string }>('SELECT start_request_id FROM campaigns WHERE campaign_id = $1', [plan.id]);
          return rows[0]?.start_request_id === start.requestId ? 'retried' : 'exists';
        }
        const units = plan.units;
        await db.query(
          `INSERT INTO campaign_units (campaign_id, unit_id, position, name, supervisor, quota, spec)
           SELECT $1, * FROM unnest($2::text[], $3::int[], $4::text[], $5::text[], $6::int[], $7::jsonb[])`,
          [plan.id, units.map((u) => u.id), units.map((_, i) => i), units.map((u) => u.name), units.map((u) => u.supervisor), units.map((u) => u.quota), units.map((u) => JSON.stringify(u))],
        );
        for (const [i, p] of plan.phases.entries()) {
          await db.query('INSERT INTO campaign_phases (campaign_id, phase, position, opens_at, cutoff) VALUES ($1, $2, $3, $4, $5)', [plan.id, p.name, i, p.opensAt, p.cutoff]);
        }
        for (const s of plan.rules?.fundingSources ?? []) await db.query('INSERT INTO funding_sources (campaign_id, source, budget) VALUES ($1, $2, $3)', [plan.id, s.id, s.budget]);
        await audit(db, plan.id, { at: new Date().toISOString(), actor: start.actor, requestId: start.requestId, action: 'campaign-started', detail: plan.title });
        return 'started';
      });
    },

    /**
     * A unit's households as submitted: sealed, keyed, numbered from firstEntry. Kept under the
     * upload id (made from the request id), so a retried request stages nothing new.
     */
    async stageHouseholds(input: { campaignId: string; unitId: string; uploadId: string; actor: string; households: Household[]; firstEntry?: number }): Promise<void> {
      const { campaignId, uploadId, households } = input;
      const first = input.firstEntry ?? 1;
      await inTransaction(pool, async (db) => {
        const { rowCount } = await db.query('INSERT INTO roster_uploads (upload_id, campaign_id, unit_id, created_by, entries) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING', [uploadId, campaignId, input.unitId, input.actor, households.length]);
        if (!rowCount) return;
        const key = await dataKeyOf(db, campaignId);
        const columns = {
          entry: [] as number[], category: [] as string[], amount: [] as number[], goods: [] as (string | null)[], source: [] as string[], hkey: [] as Buffer[],
          masked: [] as string[], name: [] as (Buffer | null)[], id: [] as (Buffer | null)[], address: [] as (Buffer | null)[], reason: [] as (Buffer | null)[], illness: [] as (Buffer | null)[],
        };
        households.forEach((h, i) => {
          const seal = (column: string, value: string | undefined) => sealField(key, value ?? null, { campaignId, column, rowId: `${uploadId}:${first + i}` });
          columns.entry.push(first + i);
          columns.category.push(h.category);
          columns.amount.push(h.amount);
          columns.goods.push(h.goods ?? null);
          columns.source.push(h.fundingSource);
          columns.hkey.push(householdKey(householdKeySecret, campaignId, h.idNumber));
          columns.masked.push(maskName(h.name));
          columns.name.push(seal('roster_entries.name', h.name));
          columns.id.push(seal('roster_entries.id_number', h.idNumber));
          columns.address.push(seal('roster_entries.address', h.address));
          columns.reason.push(seal('roster_entries.reason', h.reason));
          columns.illness.push(seal('roster_entries.illness', h.illness));
        });
        await db.query(
          `INSERT INTO roster_entries (upload_id, entry, category, amount, goods, funding_source, household_key, masked_name, name_sealed, id_number_sealed, address_sealed, reason_sealed, illness_sealed)
           SELECT $1, * FROM unnest($2::int[], $3::text[], $4::int[], $5::text[], $6::text[], $7::bytea[], $8::text[], $9::bytea[], $10::bytea[], $11::bytea[], $12::bytea[], $13::bytea[])`,
          [uploadId, columns.entry, columns.category, columns.amount, columns.goods, columns.source, columns.hkey, columns.masked, columns.name, columns.id, columns.address, columns.reason, columns.illness],
        );
      });
    },

    /** The units of positions [offset, offset+limit), or with a stride offset, offset + stride, …, taking part in the phase, each given its unit-phase row. */
    async loadParticipants(input: { campaignId: string; phase: PhaseName; offset: number; limit: number; stride?: number }): Promise<Unit[]> {
      return inTransaction(pool, async (db) => {
        const { rows } = await db.query<{ spec: Unit; opens_at: Date; cutoff: Date }>(
          `SELECT u.spec, p.opens_at, p.cutoff FROM campaign_units u
           JOIN campaign_phases p ON p.campaign_id = u.campaign_id AND p.phase = $2
           WHERE u.campaign_id = $1 AND (CASE WHEN $5::int IS NULL THEN u.position >= $3 AND u.position < $3 + $4 ELSE u.position % $5 = $3 END)
             AND NOT EXISTS (
               SELECT 1 FROM unit_phases f JOIN campaign_phases fp ON fp.campaign_id = f.campaign_id AND fp.phase = f.phase
               WHERE f.campaign_id = u.campaign_id AND f.unit_id = u.unit_id AND f.status = 'forfeited' AND fp.position < p.position
                 -- A reinstatement lets the unit into phases that start after it, not one already under way.
                 AND NOT EXISTS (SELECT 1 FROM reinstatements r WHERE r.campaign_id = u.campaign_id AND r.unit_id = u.unit_id AND r.forfeited_in = f.phase AND (p.started_at IS NULL OR r.at <= p.started_at)))
           ORDER BY u.position`,
          [input.campaignId, input.phase, input.offset, input.limit, input.stride ?? null],
        );
        const first = rows[0];
        if (first) {
          await db.query(
            `INSERT INTO unit_phases (campaign_id, phase, unit_id, status, opens_at, cutoff)
             SELECT $1, $2, unnest($3::text[]), 'scheduled', $4, $5 ON CONFLICT DO NOTHING`,
            [input.campaignId, input.phase, rows.map((r) => r.spec.id), first.opens_at, first.cutoff],
          );
        }
        return rows.map((r) => r.spec);
      });
    },

    /**
     * The unit phase opens: visiting counts the roster it pays against (the approved claims). With
     * `reminders`, the reminders' instants before `cutoff` are counted on the business calendar.
     */
    async openUnitPhase(target: UnitTarget & { at: string; reminders?: CalendarReminders & { cutoff: string } }): Promise<{ rosterSize: number; reminderInstants?: ReminderInstant[] }> {
      const { rosterSizes, reminderInstants } = await openUnitPhases({ ...target, unitIds: [target.unitId] });
      return { rosterSize: rosterSizes[target.unitId]!, ...(reminderInstants ? { reminderInstants } : {}) };
    },

    /** Several units of one phase open at once (a group opening those that have not acted yet), in one transaction; see openUnitPhase. */
    openUnitPhases,

    /** A status the clock or the campaign decided: forfeiture, cancellation. */
    async recordUnitStatus(target: UnitTarget & { status: 'forfeited' | 'cancelled'; at: string; requestId: string; detail: string }): Promise<void> {
      await inTransaction(pool, async (db) => {
        const column = target.status === 'forfeited' ? 'forfeited_at' : 'cancelled_at';
        await db.query(`UPDATE unit_phases SET status = $4, ${column} = $5, updated_at = $5 WHERE campaign_id = $1 AND phase = $2 AND unit_id = $3`, [target.campaignId, target.phase, target.unitId, target.status, target.at]);
        // A forfeited roster holds nothing: its households and amounts go back to the campaign.
        if (target.status === 'forfeited' && (target.phase === 'preparation' || target.phase === 'publicity')) await release(db, target.campaignId, await claimsOfUnit(db, target.campaignId, target.unitId));
        await audit(db, target.campaignId, { at: target.at, actor: SYSTEM_ACTOR, requestId: target.requestId, action: target.status === 'forfeited' ? 'forfeited' : 'unit-phase-cancelled', phase: target.phase, unitId: target.unitId, detail: target.detail });
      });
    },

    async recordSubmission(
      input: UnitTarget & { requestId: string; actor: string; receivedAt: string; at: string; kind: string; report: string; figures?: Record<string, number>; uploadId?: string; reviewWindow?: ReviewWindow },
    ): Promise<SubmissionOutcome> {
      const review = (recordedAt: string) => (input.reviewWindow ? { review: reviewDeadlines(Date.parse(recordedAt), input.reviewWindow) } : {});
      return refusable(pool, async (db) => {
        const earlier = await db.query<{ number: number; recorded_at: Date; received_at: Date; upload_id: string | null }>('SELECT number, recorded_at, received_at, upload_id FROM submissions WHERE request_id = $1', [input.requestId]);
        const entriesOf = async (uploadId: string | null) => (uploadId ? (await db.query<{ entries: number }>('SELECT entries FROM roster_uploads WHERE upload_id = $1', [uploadId])).rows[0]!.entries : 0);
        if (earlier.rows[0]) {
          const e = earlier.rows[0];
          return { ok: true as const, number: e.number, recordedAt: e.recorded_at.toISOString(), receivedAt: e.received_at.toISOString(), entries: await entriesOf(e.upload_id), duplicate: true, ...review(e.recorded_at.toISOString()) };
        }
        // One submission of a unit at a time: its row is the lock.
        const { rows } = await db.query<{ submissions: number }>('SELECT submissions FROM unit_phases WHERE campaign_id = $1 AND phase = $2 AND unit_id = $3 FOR UPDATE', [input.campaignId, input.phase, input.unitId]);
        const number = rows[0]!.submissions + 1;
        if (input.uploadId) {
          // A resubmission replaces the unit's earlier (rejected) roster.
          await release(db, input.campaignId, await claimsOfUnit(db, input.campaignId, input.unitId));
          const refusal = await claim(db, input.campaignId, input.unitId, input.uploadId, { exclusive: false });
          if (refusal) throw new Refused(refusal);
        }
        await db.query(
          `INSERT INTO submissions (request_id, campaign_id, phase, unit_id, number, actor, kind, report, figures, upload_id, received_at, recorded_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
          [input.requestId, input.campaignId, input.phase, input.unitId, number, input.actor, input.kind, input.report, input.figures ?? null, input.uploadId ?? null, input.receivedAt, input.at],
        );
        await db.query(`UPDATE unit_phases SET status = 'submitted', submissions = $4, updated_at = $5 WHERE campaign_id = $1 AND phase = $2 AND unit_id = $3`, [input.campaignId, input.phase, input.unitId, number, input.at]);
        const entries = await entriesOf(input.uploadId ?? null);
        await audit(db, input.campaignId, {
          at: input.at, actor: input.actor, requestId: input.requestId, action: 'submitted', phase: input.phase, unitId: input.unitId, receivedAt: input.receivedAt,
          detail: `submission ${number}: ${input.kind}${input.uploadId ? `, ${entries} households` : ''}`,
        });
        return { ok: true as const, number, recordedAt: input.at, receivedAt: input.receivedAt, entries, duplicate: false, ...review(input.at) };
      });
    },

    /** Approve: the roster's claims become the roster later phases pay against. Reject: its households and amounts are released. */
    async recordReview(input: UnitTarget & { requestId: string; actor: string; receivedAt: string; at: string; decision: 'approve' | 'reject'; reason?: string; submissionNumber: number }): Promise<{ duplicate: boolean }> {
      return inTransaction(pool, async (db) => {
        const { rowCount } = await db.query(
          `INSERT INTO reviews (request_id, campaign_id, phase, unit_id, submission_number, actor, decision, reason, received_at, reviewed_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING`,
          [input.requestId, input.campaignId, input.phase, input.unitId, input.submissionNumber, input.actor, input.decision, input.reason ?? null, input.receivedAt, input.at],
        );
        if (!rowCount) return { duplicate: true };
        const approved = input.decision === 'approve';
        await db.query(
          `UPDATE unit_phases SET status = $4, last_decision = $5, approved_at = CASE WHEN $6 THEN $7::timestamptz ELSE approved_at END, updated_at = $7 WHERE campaign_id = $1 AND phase = $2 AND unit_id = $3`,
          [input.campaignId, input.phase, input.unitId, approved ? 'approved' : 'rejected', input.decision, approved, input.at],
        );
        if (input.phase === 'preparation') {
          if (approved) await db.query('UPDATE household_claims SET approved = true WHERE campaign_id = $1 AND unit_id = $2', [input.campaignId, input.unitId]);
          else await release(db, input.campaignId, await claimsOfUnit(db, input.campaignId, input.unitId));
        }
        await audit(db, input.campaignId, {
          at: input.at, actor: input.actor, requestId: input.requestId, action: approved ? 'approved' : 'rejected', phase: input.phase, unitId: input.unitId, receivedAt: input.receivedAt,
          detail: `submission ${input.submissionNumber}${input.reason ? `: ${input.reason}` : ''}`,
        });
        return { duplicate: false };
      });
    },

    /** 不符條件的予以刪減: entries of the pending roster struck, each released. Refuses entries not on it. */
    async recordStrikes(input: UnitTarget & { requestId: string; actor: string; at: string; submissionNumber: number; entries: { entry: number; reason: string }[] }): Promise<{ ok: true; remaining: number } | { ok: false; refusal: Refusal }> {
      return inTransaction(pool, async (db) => {
        const { rows: upload } = await db.query<{ upload_id: string }>('SELECT upload_id FROM submissions WHERE campaign_id = $1 AND phase = $2 AND unit_id = $3 AND number = $4', [input.campaignId, input.phase, input.unitId, input.submissionNumber]);
        const uploadId = upload[0]?.upload_id;
        const remaining = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM household_claims WHERE upload_id = $1', [uploadId])).rows[0]!.n;
        const { rows: done } = await db.query('SELECT 1 FROM strikes WHERE request_id = $1 LIMIT 1', [input.requestId]);
        if (done.length) return { ok: true, remaining: await remaining() };
        const { rows: listed } = await db.query<{ entry: number }>('SELECT entry FROM household_claims WHERE upload_id = $1', [uploadId ?? '']);
        const listedEntries = new Set(listed.map((r) => r.entry));
        const missing = input.entries.find((e) => !listedEntries.has(e.entry));
        if (!uploadId || !listedEntries.size) return { ok: false, refusal: { type: 'InvalidStrike', message: `submission ${input.submissionNumber} lists no households to strike` } };
        if (missing) return { ok: false, refusal: { type: 'InvalidStrike', message: `entry ${missing.entry} is not on the roster (or is already struck)`, details: { entry: missing.entry } } };
        if (input.entries.length >= listedEntries.size) return { ok: false, refusal: { type: 'InvalidStrike', message: 'that strikes every entry: reject the roster instead' } };
        await release(db, input.campaignId, input.entries.map((e) => ({ upload_id: uploadId, entry: e.entry })));
        await db.query(
          `INSERT INTO strikes (request_id, campaign_id, phase, unit_id, submission_number, entry, reason, actor, struck_at)
           SELECT $1, $2, $3, $4, $5, unnest($6::int[]), unnest($7::text[]), $8, $9`,
          [input.requestId, input.campaignId, input.phase, input.unitId, input.submissionNumber, input.entries.map((e) => e.entry), input.entries.map((e) => e.reason), input.actor, input.at],
        );
        // An entry's reason speaks about its household: only the entry numbers go into the trail.
        await audit(db, input.campaignId, { at: input.at, actor: input.actor, requestId: input.requestId, action: 'entries-struck', phase: input.phase, unitId: input.unitId, detail: `submission ${input.submissionNumber}: entries ${input.entries.map((e) => e.entry).join(', ')}` });
        return { ok: true, remaining: await remaining() };
      });
    },

    /**
     * The cutoff moves: to `to`, or `by` a duration after the current one (P3WD counted on the
     * calendar). With `reminders`, the reminders' instants before the new cutoff are counted too,
     * and with `reviewWindow` its working days must be countable; a year the calendar lacks refuses
     * the extension (InvalidExtension) with the calendar's reason.
     */
    async recordExtension(
      input: UnitTarget & { requestId: string; actor: string; at: string; from: string; to?: string; by?: string; timeZone: string; reason: string; reminders?: CalendarReminders; reviewWindow?: ReviewWindow },
    ): Promise<{ ok: true; to: string; reminderInstants?: ReminderInstant[] } | { ok: false; refusal: Refusal }> {
      let to: string;
      let reminders: ReminderInstant[] | undefined;
      try {
        to = input.by ? new Date(deadlineAfter(Date.parse(input.from), input.by, { timeZone: input.timeZone })).toISOString() : input.to!;
        reminders = input.reminders && reminderInstants(Date.parse(to), input.reminders);
        if (input.reviewWindow) reviewDeadlines(Date.parse(to), input.reviewWindow);
      } catch (err) {
        if (!(err instanceof CalendarYearNotCovered)) throw err;
        return { ok: false, refusal: { type: 'InvalidExtension', message: err.message, details: { year: err.year } } };
      }
      await inTransaction(pool, async (db) => {
        const { rowCount } = await db.query(
          'INSERT INTO extensions (request_id, campaign_id, phase, unit_id, actor, from_cutoff, to_cutoff, reason, extended_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING',
          [input.requestId, input.campaignId, input.phase, input.unitId, input.actor, input.from, to, input.reason, input.at],
        );
        if (!rowCount) return;
        await db.query('UPDATE unit_phases SET cutoff = $4, updated_at = $5 WHERE campaign_id = $1 AND phase = $2 AND unit_id = $3', [input.campaignId, input.phase, input.unitId, to, input.at]);
        await audit(db, input.campaignId, { at: input.at, actor: input.actor, requestId: input.requestId, action: 'cutoff-extended', phase: input.phase, unitId: input.unitId, detail: `${input.from} → ${to}${input.by ? ` (${input.by})` : ''}: ${input.reason}` });
      });
      return { ok: true, to, ...(reminders ? { reminderInstants: reminders } : {}) };
    },

    /**
     * A batch of visits (走訪慰問, 發放), all or nothing: each against the unit's approved roster, at
     * most its approved amount, and no household visited twice in the campaign.
     */
    async recordVisits(input: { campaignId: string; unitId: string; requestId: string; actor: string; receivedAt: string; at: string; visits: VisitInput[] }): Promise<VisitOutcome> {
      return refusable(pool, async (db) => {
        // Batches of one unit one at a time: a count taken beside another batch's uncommitted rows
        // would be written over its own (3,099 of 3,100 visited, with every batch recorded).
        await db.query(`SELECT 1 FROM unit_phases WHERE campaign_id = $1 AND phase = 'visiting' AND unit_id = $2 FOR UPDATE`, [input.campaignId, input.unitId]);
        const totals = async () => {
          const { rows } = await db.query<{ visited: number; paid: number }>('SELECT count(*)::int AS visited, coalesce(sum(amount), 0)::bigint AS paid FROM visits WHERE campaign_id = $1 AND unit_id = $2', [input.campaignId, input.unitId]);
          return rows[0]!;
        };
        const { rowCount } = await db.query('INSERT INTO visit_batches (request_id, campaign_id, unit_id, visits, amount, recorded_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING', [
          input.requestId, input.campaignId, input.unitId, input.visits.length, input.visits.reduce((s, v) => s + v.amount, 0), input.at,
        ]);
        if (!rowCount) return { ok: true as const, ...(await totals()), duplicate: true };
        const { rows: roster } = await db.query<{ entry: number; household_key: Buffer; amount: number; category: string; funding_source: string; visited_on: string | null; handler: string | null }>(
          `SELECT c.entry, c.household_key, e.amount, e.category, e.funding_source, to_char(v.visited_on, 'YYYY-MM-DD') AS visited_on, v.handler
           FROM household_claims c JOIN roster_entries e ON e.upload_id = c.upload_id AND e.entry = c.entry
           LEFT JOIN visits v ON v.campaign_id = c.campaign_id AND v.household_key = c.household_key
           WHERE c.campaign_id = $1 AND c.unit_id = $2 AND c.approved AND c.entry = ANY($3)`,
          [input.campaignId, input.unitId, input.visits.map((v) => v.entry)],
        );
        const byEntry = new Map(roster.map((r) => [r.entry, r]));
        const seen = new Set<number>();
        const problems: { row: number; entry: number; type: string; message: string }[] = [];
        input.visits.forEach((v, i) => {
          const entry = byEntry.get(v.entry);
          const problem = (type: string, message: string) => problems.push({ row: i + 1, entry: v.entry, type, message });
          if (!entry) problem('NotOnRoster', `entry ${v.entry} is not on unit ${input.unitId}'s approved roster`);
          // When and by whom, so the office can find the earlier payment.
          else if (entry.visited_on) problem('AlreadyPaid', `entry ${v.entry} was already paid on ${entry.visited_on} by ${entry.handler} (避免重複慰問)`);
          else if (seen.has(v.entry)) problem('AlreadyPaid', `entry ${v.entry} is listed more than once in this batch (避免重複慰問)`);
          else if (v.amount > entry.amount) problem('OverApproved', `entry ${v.entry}: ${yuan(v.amount)} is more than the approved ${yuan(entry.amount)}`);
          seen.add(v.entry);
        });
        // Nothing of a refused batch is kept: a retry is checked afresh against the roster as it then stands.
        if (problems.length) throw new Refused({ type: problems[0]!.type, message: problems.map((p) => p.message).join('; '), details: { problems } });
        await db.query(
          `INSERT INTO visits (request_id, campaign_id, unit_id, entry, household_key, funding_source, category, amount, goods, visited_on, recipient_signed, handler, actor, received_at, recorded_at)
           SELECT $1, $2, $3, t.entry, t.hkey, t.source, t.category, t.amount, t.goods, t.visited_on, t.signed, t.handler, $11, $12, $13
           FROM unnest($4::int[], $5::bytea[], $6::text[], $7::text[], $8::int[], $9::text[], $10::date[], $14::boolean[], $15::text[])
             AS t(entry, hkey, source, category, amount, goods, visited_on, signed, handler)`,
          [
            input.requestId, input.campaignId, input.unitId,
            input.visits.map((v) => v.entry), input.visits.map((v) => byEntry.get(v.entry)!.household_key), input.visits.map((v) => byEntry.get(v.entry)!.funding_source),
            input.visits.map((v) => byEntry.get(v.entry)!.category), input.visits.map((v) => v.amount), input.visits.map((v) => v.goods ?? null), input.visits.map((v) => v.visitedOn),
            input.actor, input.receivedAt, input.at, input.visits.map((v) => v.recipientSigned), input.visits.map((v) => v.handler),
          ],
        );
        const t = await totals();
        await db.query(`UPDATE unit_phases SET visited = $3, paid = $4, updated_at = $5 WHERE campaign_id = $1 AND phase = 'visiting' AND unit_id = $2`, [input.campaignId, input.unitId, t.visited, t.paid, input.at]);
        const detail = input.visits.length === 1
          ? `entry ${input.visits[0]!.entry}: ${input.visits[0]!.amount} paid on ${input.visits[0]!.visitedOn}${input.visits[0]!.recipientSigned ? ', signed' : ', not signed'}`
          : `${input.visits.length} visits, ${yuan(input.visits.reduce((s, v) => s + v.amount, 0))} paid`;
        await audit(db, input.campaignId, { at: input.at, actor: input.actor, requestId: input.requestId, action: 'visit-recorded', phase: 'visiting', unitId: input.unitId, receivedAt: input.receivedAt, detail });
        return { ok: true as const, ...t, duplicate: false };
      });
    },

    /** 公示異議: filed against the unit's standing notice; an ineligible-household objection names an entry on it. */
    async fileObjection(input: { campaignId: string; unitId: string; requestId: string; actor: string; at: string; kind: string; entry?: number; statement: string }): Promise<{ ok: true; number: number } | { ok: false; refusal: Refusal }> {
      return refusable(pool, async (db) => {
        const { rows: earlier } = await db.query<{ number: number }>('SELECT number FROM objections WHERE request_id = $1', [input.requestId]);
        if (earlier[0]) return { ok: true as const, number: earlier[0].number };
        if (input.entry !== undefined) {
          const { rowCount } = await db.query('SELECT 1 FROM household_claims WHERE campaign_id = $1 AND unit_id = $2 AND approved AND entry = $3', [input.campaignId, input.unitId, input.entry]);
          if (!rowCount) throw new Refused({ type: 'InvalidObjection', message: `entry ${input.entry} is not on the published roster`, details: { entry: input.entry } });
        }
        await db.query('SELECT 1 FROM unit_phases WHERE campaign_id = $1 AND phase = $2 AND unit_id = $3 FOR UPDATE', [input.campaignId, 'publicity', input.unitId]);
        const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM objections WHERE campaign_id = $1 AND unit_id = $2', [input.campaignId, input.unitId]);
        const number = rows[0]!.n + 1;
        const key = await dataKeyOf(db, input.campaignId);
        await db.query('INSERT INTO objections (request_id, campaign_id, unit_id, number, kind, entry, statement_sealed, filed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
          input.requestId, input.campaignId, input.unitId, number, input.kind, input.entry ?? null, sealField(key, input.statement, { campaignId: input.campaignId, column: 'objections.statement', rowId: input.requestId }), input.at,
        ]);
        await audit(db, input.campaignId, { at: input.at, actor: input.actor, requestId: input.requestId, action: 'objection-filed', phase: 'publicity', unitId: input.unitId, detail: objectionAbout(number, input.kind, input.entry) });
        return { ok: true as const, number };
      });
    },

    /** The unit's answer, or the coordinator's decision; an upheld ineligible-household objection strikes and releases its entry. */
    async settleObjection(
      input: { campaignId: string; unitId: string; requestId: string; actor: string; at: string; number: number } & ({ answer: string } | { outcome: 'uphold' | 'dismiss'; reason: string }),
    ): Promise<{ rosterChange?: 'entry-struck' | 'addition-requested'; kind: string; entry?: number }> {
      return inTransaction(pool, async (db) => {
        const { rows } = await db.query<{ kind: string; entry: number | null; answer: { requestId: string } | null; decision: { requestId: string; rosterChange?: 'entry-struck' | 'addition-requested' } | null }>(
          'SELECT kind, entry, answer, decision FROM objections WHERE campaign_id = $1 AND unit_id = $2 AND number = $3 FOR UPDATE',
          [input.campaignId, input.unitId, input.number],
        );
        const o = rows[0]!;
        const about = objectionAbout(input.number, o.kind, o.entry ?? undefined);
        const base = { kind: o.kind, entry: o.entry ?? undefined };
        if ('answer' in input) {
          if (o.answer?.requestId !== input.requestId) {
            await db.query('UPDATE objections SET answer = $4 WHERE campaign_id = $1 AND unit_id = $2 AND number = $3', [input.campaignId, input.unitId, input.number, { requestId: input.requestId, actor: input.actor, answer: input.answer, answeredAt: input.at }]);
            await audit(db, input.campaignId, { at: input.at, actor: input.actor, requestId: input.requestId, action: 'objection-answered', phase: 'publicity', unitId: input.unitId, detail: about });
          }
          return base;
        }
        if (o.decision?.requestId === input.requestId) return { ...base, rosterChange: o.decision.rosterChange };
        const upheld = input.outcome === 'uphold';
        const rosterChange = !upheld ? undefined : o.kind === 'ineligible-household' ? ('entry-struck' as const) : ('addition-requested' as const);
        if (rosterChange === 'entry-struck') {
          // The struck household and its amount go back to the campaign: another unit may list it.
          await release(db, input.campaignId, (await claimsOfUnit(db, input.campaignId, input.unitId, `approved AND entry = ${Number(o.entry)}`)));
        }
        await db.query('UPDATE objections SET decision = $4 WHERE campaign_id = $1 AND unit_id = $2 AND number = $3', [
          input.campaignId, input.unitId, input.number, { requestId: input.requestId, actor: input.actor, outcome: input.outcome, reason: input.reason, decidedAt: input.at, rosterChange },
        ]);
        await audit(db, input.campaignId, { at: input.at, actor: input.actor, requestId: input.requestId, action: upheld ? 'objection-upheld' : 'objection-dismissed', phase: 'publicity', unitId: input.unitId, detail: `${about}${rosterChange ? ` (${rosterChange})` : ''}` });
        return { ...base, rosterChange };
      });
    },

    /** The number the next household added to a unit's roster gets: after every entry its notice has held. */
    async nextEntry(campaignId: string, unitId: string): Promise<number> {
      const { rows } = await pool.query<{ n: number }>(
        `SELECT coalesce(max(e.entry), 0)::int AS n FROM roster_entries e JOIN roster_uploads u ON u.upload_id = e.upload_id
         WHERE u.campaign_id = $1 AND u.unit_id = $2 AND (EXISTS (SELECT 1 FROM household_claims c WHERE c.upload_id = e.upload_id AND c.approved)
           OR EXISTS (SELECT 1 FROM submissions s JOIN reviews r ON r.campaign_id = s.campaign_id AND r.phase = s.phase AND r.unit_id = s.unit_id AND r.submission_number = s.number AND r.decision = 'approve' WHERE s.upload_id = e.upload_id))`,
        [campaignId, unitId],
      );
      return rows[0]!.n + 1;
    },

    /** The household an upheld missed-household objection asked for, staged by the API: claimed exclusively, then on the approved roster. */
    async addHousehold(input: { campaignId: string; unitId: string; requestId: string; actor: string; at: string; number: number; uploadId: string }): Promise<{ ok: true; entry: number } | { ok: false; refusal: Refusal }> {
      return refusable(pool, async (db) => {
        const { rows } = await db.query<{ addition: { requestId: string; entry: number } | null }>('SELECT addition FROM objections WHERE campaign_id = $1 AND unit_id = $2 AND number = $3 FOR UPDATE', [input.campaignId, input.unitId, input.number]);
        if (rows[0]?.addition?.requestId === input.requestId) return { ok: true as const, entry: rows[0].addition.entry };
        const refusal = await claim(db, input.campaignId, input.unitId, input.uploadId, { exclusive: true });
        if (refusal) throw new Refused(refusal);
        await db.query('UPDATE household_claims SET approved = true WHERE upload_id = $1', [input.uploadId]);
        const { rows: entry } = await db.query<{ entry: number }>('SELECT entry FROM roster_entries WHERE upload_id = $1', [input.uploadId]);
        const added = entry[0]!.entry;
        await db.query('UPDATE objections SET addition = $4 WHERE campaign_id = $1 AND unit_id = $2 AND number = $3', [input.campaignId, input.unitId, input.number, { requestId: input.requestId, actor: input.actor, addedAt: input.at, entry: added }]);
        const { rows: kind } = await db.query<{ kind: string }>('SELECT kind FROM objections WHERE campaign_id = $1 AND unit_id = $2 AND number = $3', [input.campaignId, input.unitId, input.number]);
        await audit(db, input.campaignId, { at: input.at, actor: input.actor, requestId: input.requestId, action: 'household-added', phase: 'publicity', unitId: input.unitId, detail: `${objectionAbout(input.number, kind[0]!.kind)}: entry ${added}` });
        return { ok: true as const, entry: added };
      });
    },

    /** The campaign's live status, as its workflow changes it; each change an audit row keyed by what caused it. */
    async recordCampaignProgress(input: CampaignProgress): Promise<void> {
      await inTransaction(pool, async (db) => {
        await db.query('UPDATE campaigns SET status = $2, current_phase = $3, closed_at = $4, cancellation = $5 WHERE campaign_id = $1', [input.campaignId, input.status, input.currentPhase ?? null, input.closedAt ?? null, input.cancellation ?? null]);
        const p = input.phase;
        if (p) {
          await db.query(
            `UPDATE campaign_phases SET status = $3, started_at = $4, closed_at = $5, participants = $6, approved = $7, forfeited = $8, sign_off = $9, sign_off_reminders = $10
             WHERE campaign_id = $1 AND phase = $2`,
            [input.campaignId, p.name, p.status, p.startedAt ?? null, p.closedAt ?? null, p.participants, p.approved, p.forfeited, p.signOff ?? null, p.signOffReminders],
          );
        }
        if (input.audit) await audit(db, input.campaignId, input.audit);
      });
    },

    /** Sets aside a unit's forfeiture of a finished phase; it takes part again from the next phase on. */
    async reinstateUnit(input: { campaignId: string; unitId: string; requestId: string; actor: string; reason: string; at: string }): Promise<{ ok: true; forfeitedIn: PhaseName; at: string } | { ok: false; refusal: Refusal }> {
      return refusable(pool, async (db) => {
        const { rows: earlier } = await db.query<{ forfeited_in: PhaseName; at: Date }>('SELECT forfeited_in, at FROM reinstatements WHERE request_id = $1', [input.requestId]);
        if (earlier[0]) return { ok: true as const, forfeitedIn: earlier[0].forfeited_in, at: earlier[0].at.toISOString() };
        const { rowCount: known } = await db.query('SELECT 1 FROM campaign_units WHERE campaign_id = $1 AND unit_id = $2', [input.campaignId, input.unitId]);
        if (!known) throw new Refused({ type: 'UnknownUnit', message: `no unit ${input.unitId} in this campaign` });
        const { rows } = await db.query<{ phase: PhaseName }>(
          `SELECT f.phase FROM unit_phases f JOIN campaign_phases p ON p.campaign_id = f.campaign_id AND p.phase = f.phase
           WHERE f.campaign_id = $1 AND f.unit_id = $2 AND f.status = 'forfeited' AND p.status <> 'running'
             AND NOT EXISTS (SELECT 1 FROM reinstatements r WHERE r.campaign_id = f.campaign_id AND r.unit_id = f.unit_id AND r.forfeited_in = f.phase)
           ORDER BY p.position DESC LIMIT 1`,
          [input.campaignId, input.unitId],
        );
        const forfeitedIn = rows[0]?.phase;
        if (!forfeitedIn) throw new Refused({ type: 'UnitNotForfeited', message: `unit ${input.unitId} has not forfeited a finished phase, so there is nothing to reinstate` });
        await db.query('INSERT INTO reinstatements (request_id, campaign_id, unit_id, forfeited_in, actor, reason, at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [input.requestId, input.campaignId, input.unitId, forfeitedIn, input.actor, input.reason, input.at]);
        await audit(db, input.campaignId, { at: input.at, actor: input.actor, requestId: input.requestId, action: 'unit-reinstated', phase: forfeitedIn, unitId: input.unitId, detail: input.reason });
        return { ok: true as const, forfeitedIn, at: input.at };
      });
    },

    /**
     * Erases one household's personal data (a data subject's request): its sealed fields and masked
     * name go, and its uniqueness key is replaced by a random one, so nothing derived from its ID
     * number is left. Amounts, categories and visits stay: the figures and the audit trail do not change.
     */
    async eraseHousehold(input: { campaignId: string; unitId: string; entry: number; requestId: string; actor: string; at: string; reason: string }): Promise<{ ok: true } | { ok: false; refusal: Refusal }> {
      return refusable(pool, async (db) => {
        const { rows } = await db.query<{ upload_id: string; household_key: Buffer; erased_at: Date | null }>(
          `SELECT c.upload_id, c.household_key, e.erased_at FROM household_claims c JOIN roster_entries e USING (upload_id, entry)
           WHERE c.campaign_id = $1 AND c.unit_id = $2 AND c.entry = $3 AND c.approved FOR UPDATE`,
          [input.campaignId, input.unitId, input.entry],
        );
        const claim = rows[0];
        if (!claim) throw new Refused({ type: 'NotOnRoster', message: `entry ${input.entry} is not on unit ${input.unitId}'s approved roster` });
        if (claim.erased_at) return { ok: true as const };
        const tombstone = randomBytes(16);
        await eraseEntries(db, input.campaignId, [{ upload_id: claim.upload_id, household_key: claim.household_key }], [tombstone], input.at);
        await audit(db, input.campaignId, { at: input.at, actor: input.actor, requestId: input.requestId, action: 'household-erased', unitId: input.unitId, detail: `entry ${input.entry}: ${input.reason}` });
        return { ok: true as const };
      });
    },

    /**
     * Erases every household's personal data in the campaign (its retention period is over): the
     * sealed columns, masked names and uniqueness keys, and the campaign's data key itself.
     */
    async eraseCampaignPersonalData(input: { campaignId: string; requestId: string; actor: string; at: string; reason: string }): Promise<{ households: number }> {
      return inTransaction(pool, async (db) => {
        const { rows } = await db.query<{ upload_id: string; household_key: Buffer }>(
          'SELECT e.upload_id, e.household_key FROM roster_entries e JOIN roster_uploads u USING (upload_id) WHERE u.campaign_id = $1 AND e.erased_at IS NULL FOR UPDATE',
          [input.campaignId],
        );
        await eraseEntries(db, input.campaignId, rows, rows.map(() => randomBytes(16)), input.at);
        await db.query('UPDATE objections SET statement_sealed = NULL WHERE campaign_id = $1', [input.campaignId]);
        await db.query('UPDATE campaigns SET data_key_wrapped = NULL, data_key_id = NULL, personal_data_erased_at = $2 WHERE campaign_id = $1', [input.campaignId, input.at]);
        dataKeys.delete(input.campaignId);
        await audit(db, input.campaignId, { at: input.at, actor: input.actor, requestId: input.requestId, action: 'personal-data-erased', detail: `${rows.length} households: ${input.reason}` });
        return { households: rows.length };
      });
    },

    /** A notification sent, keyed by its id (what receivers dedupe on); a clock notice is also an audit row. */
    /** Records the notification once; says whether this was its first dispatch, and whether it has been delivered at dispatch since. */
    async recordNotification(n: Notification, category: 'reminder' | 'escalation' | 'notice'): Promise<{ first: boolean; delivered: boolean }> {
      return inTransaction(pool, async (db) => {
        const to = `${n.recipient.role}:${n.recipient.id}`;
        const { rowCount } = await db.query(
          'INSERT INTO notifications (notification_id, campaign_id, phase, unit_id, kind, recipient, category, occurred_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING',
          [n.id, n.campaignId, n.phase ?? null, n.unitId ?? null, n.kind, to, category, n.occurredAt],
        );
        if (rowCount && category !== 'notice') await audit(db, n.campaignId, { at: n.occurredAt, actor: SYSTEM_ACTOR, requestId: n.id, action: `notified:${n.kind}`, phase: n.phase, unitId: n.unitId, detail: `to ${to}` });
        if (rowCount) return { first: true, delivered: false };
        const { rows } = await db.query<{ delivered_at: Date | null }>('SELECT delivered_at FROM notifications WHERE notification_id = $1', [n.id]);
        return { first: false, delivered: rows[0]?.delivered_at != null };
      });
    },

    /** The dispatch's own attempt delivered it (migration 0006). */
    async recordDeliveredAtDispatch(notificationId: string, at: string): Promise<void> {
      await pool.query('UPDATE notifications SET delivered_at = $2 WHERE notification_id = $1', [notificationId, at]);
    },
  };
}

const objectionAbout = (number: number, kind: string, entry?: number) => `objection ${number}: ${kind}${entry === undefined ? '' : `, entry ${entry}`}`;

export interface PhaseProgress {
  name: PhaseName;
  status: string;
  startedAt?: string;
  closedAt?: string;
  participants: number;
  approved: number;
  forfeited: number;
  signOff?: { requestId: string; actor: string; at: string; note?: string };
  signOffReminders: number;
}

export interface CampaignProgress {
  campaignId: string;
  status: string;
  currentPhase?: PhaseName;
  closedAt?: string;
  cancellation?: { requestId: string; actor: string; at: string; reason: string };
  phase?: PhaseProgress;
  audit?: Audit;
}

export type Records = ReturnType<typeof createRecords>;
