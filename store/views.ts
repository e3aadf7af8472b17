import type { Pool } from 'pg';
import type { PayloadKeys } from '../config/codec';
import type { CampaignPlan, PhaseName, SubmissionKind, Unit } from '../domain/plan';
import type { PlanOutline } from '../domain/plan-outline';
import type { ReportLine } from '../domain/report';
import type { PublishedEntry } from '../domain/roster';
import type { CampaignPhaseStatus, CampaignStatus } from '../workflows/campaign/messages';
import type { ObjectionKind, ObjectionOutcome, ReviewDecision, UnitPhaseState, UnitPhaseStatus } from '../workflows/unit/messages';
import type { PhaseProgress } from './records';
import { openField, unwrapCampaignKey } from './personal-data';

// Every read of the campaign's record: SQL over the store, one query or a few per view, never one
// per unit and never a closed workflow (retention deletes those; the record outlives them).

const iso = (d: Date | null | undefined): string | undefined => (d ? d.toISOString() : undefined);

export interface CampaignRecord {
  campaignId: string;
  title: string;
  organizer: string;
  status: CampaignStatus;
  currentPhase?: PhaseName;
  phases: (Omit<PhaseProgress, 'status'> & { status: CampaignPhaseStatus; opensAt: string; cutoff: string })[];
  /** Units out of the campaign, with the phase they forfeited (and no reinstatement since). */
  excluded: { unitId: string; forfeitedIn: PhaseName }[];
  reinstatements: { requestId: string; actor: string; at: string; unitId: string; reason: string; forfeitedIn: PhaseName }[];
  cancellation?: { requestId: string; actor: string; at: string; reason: string };
  startedAt: string;
  closedAt?: string;
  startedBy: string;
  startRequestId: string;
}

export interface NoticeRecord {
  notificationId: string;
  kind: string;
  to: string;
  at: string;
}

/** One unit in one phase as the record keeps it: the workflow's own fields, and what it decided, in full. */
export interface UnitPhaseRecord
  extends Pick<UnitPhaseState, 'campaignId' | 'phase' | 'expects' | 'unitId' | 'unitName' | 'supervisor' | 'status' | 'opensAt' | 'cutoff' | 'rosterSize' | 'visited' | 'paid' | 'approvedAt' | 'forfeitedAt' | 'cancelledAt'> {
  submissions: { number: number; requestId: string; actor: string; receivedAt: string; submittedAt: string; kind: SubmissionKind; report: string; figures?: Record<string, number>; households?: number }[];
  reviews: { submissionNumber: number; requestId: string; actor: string; decision: ReviewDecision; reason?: string; reviewedAt: string }[];
  extensions: { requestId: string; actor: string; from: string; to: string; reason: string; extendedAt: string }[];
  strikes: { requestId: string; actor: string; submissionNumber: number; entries: { entry: number; reason: string }[]; struckAt: string }[];
  objections: ObjectionView[];
  reminders: NoticeRecord[];
  escalations: NoticeRecord[];
}

export interface ObjectionView {
  number: number;
  requestId: string;
  kind: ObjectionKind;
  entry?: number;
  statement?: string;
  filedAt: string;
  answer?: { requestId: string; actor: string; answer: string; answeredAt: string };
  decision?: { requestId: string; actor: string; outcome: ObjectionOutcome; reason: string; decidedAt: string; rosterChange?: 'entry-struck' | 'addition-requested' };
  addition?: { requestId: string; actor: string; addedAt: string; entry: number };
}

export interface UnitSummary {
  unitId: string;
  unitName: string;
  supervisor: string;
  status: UnitPhaseStatus;
  cutoff: string;
  submissions: number;
  lastDecision?: ReviewDecision;
  approvedAt?: string;
  forfeitedAt?: string;
}

/** One household of a unit's approved roster, its name opened (null once erased). */
export interface ApprovedEntry {
  entry: number;
  name: string | null;
  category: string;
  amount: number;
  goods?: string;
  fundingSource: string;
}

/** One unit's approved figures by category and funding source, for the upward report. */
export interface AuditRow {
  at: string;
  actor: string;
  requestId: string | null;
  action: string;
  phase: PhaseName | null;
  unitId: string | null;
  detail: string;
  receivedAt?: string;
}

export class NotFound extends Error {}

export function createViews({ pool, masterKeys }: { pool: Pool; masterKeys: PayloadKeys }) {
  async function unitSpec(campaignId: string, unitId: string): Promise<Unit | undefined> {
    const { rows } = await pool.query<{ spec: Unit }>('SELECT spec FROM campaign_units WHERE campaign_id = $1 AND unit_id = $2', [campaignId, unitId]);
    return rows[0]?.spec;
  }

  async function dataKey(campaignId: string): Promise<Buffer | undefined> {
    const { rows } = await pool.query<{ data_key_wrapped: Buffer | null; data_key_id: string | null }>('SELECT data_key_wrapped, data_key_id FROM campaigns WHERE campaign_id = $1', [campaignId]);
    const row = rows[0];
    return row?.data_key_wrapped ? unwrapCampaignKey(row.data_key_wrapped, row.data_key_id!, masterKeys) : undefined;
  }

  async function notices(campaignId: string, where: string, params: unknown[]): Promise<(NoticeRecord & { category: string; phase: PhaseName; unitId: string })[]> {
    const { rows } = await pool.query<{ notification_id: string; kind: string; recipient: string; occurred_at: Date; category: string; phase: PhaseName; unit_id: string }>(
      `SELECT notification_id, kind, recipient, occurred_at, category, phase, unit_id FROM notifications WHERE campaign_id = $1 AND ${where} ORDER BY occurred_at, notification_id`,
      [campaignId, ...params],
    );
    return rows.map((r) => ({ notificationId: r.notification_id, kind: r.kind, to: r.recipient, at: r.occurred_at.toISOString(), category: r.category, phase: r.phase, unitId: r.unit_id }));
  }

  const views = {
    async exists(campaignId: string): Promise<boolean> {
      return ((await pool.query('SELECT 1 FROM campaigns WHERE campaign_id = $1', [campaignId])).rowCount ?? 0) > 0;
    },

    async campaign(campaignId: string): Promise<CampaignRecord> {
      const { rows } = await pool.query<{ title: string; organizer: string; status: CampaignStatus; current_phase: PhaseName | null; started_at: Date; closed_at: Date | null; cancellation: CampaignRecord['cancellation'] | null; started_by: string; start_request_id: string }>(
        'SELECT title, organizer, status, current_phase, started_at, closed_at, cancellation, started_by, start_request_id FROM campaigns WHERE campaign_id = $1',
        [campaignId],
      );
      const c = rows[0];
      if (!c) throw new NotFound(`no campaign ${campaignId}`);
      const [phases, live, excluded, reinstatements] = await Promise.all([
        pool.query(`SELECT * FROM campaign_phases WHERE campaign_id = $1 ORDER BY position`, [campaignId]),
        // The workflow records a phase's counts when it closes; until then they are counted here.
        pool.query<{ phase: PhaseName; participants: number; approved: number; forfeited: number }>(
          `SELECT phase, count(*)::int AS participants, (count(*) FILTER (WHERE status = 'approved'))::int AS approved, (count(*) FILTER (WHERE status = 'forfeited'))::int AS forfeited
           FROM unit_phases WHERE campaign_id = $1 GROUP BY phase`,
          [campaignId],
        ),
        pool.query<{ unit_id: string; phase: PhaseName }>(
          `SELECT f.unit_id, f.phase FROM unit_phases f JOIN campaign_phases p ON p.campaign_id = f.campaign_id AND p.phase = f.phase
           WHERE f.campaign_id = $1 AND f.status = 'forfeited' AND p.status <> 'running'
             AND NOT EXISTS (SELECT 1 FROM reinstatements r WHERE r.campaign_id = f.campaign_id AND r.unit_id = f.unit_id AND r.forfeited_in = f.phase)
           ORDER BY p.position, f.unit_id`,
          [campaignId],
        ),
        pool.query('SELECT * FROM reinstatements WHERE campaign_id = $1 ORDER BY at', [campaignId]),
      ]);
      const countsOf = (p: { phase: PhaseName; status: CampaignPhaseStatus; participants: number; approved: number; forfeited: number }) => {
        const { participants, approved, forfeited } = p.status === 'running' ? (live.rows.find((l) => l.phase === p.phase) ?? { participants: 0, approved: 0, forfeited: 0 }) : p;
        return { participants, approved, forfeited };
      };
      return {
        campaignId,
        title: c.title,
        organizer: c.organizer,
        status: c.status,
        currentPhase: c.current_phase ?? undefined,
        phases: phases.rows.map((p) => ({
          name: p.phase,
          status: p.status,
          opensAt: p.opens_at.toISOString(),
          cutoff: p.cutoff.toISOString(),
          startedAt: iso(p.started_at),
          closedAt: iso(p.closed_at),
          ...countsOf(p),
          signOff: p.sign_off ?? undefined,
          signOffReminders: p.sign_off_reminders,
        })),
        excluded: excluded.rows.map((r) => ({ unitId: r.unit_id, forfeitedIn: r.phase })),
        reinstatements: reinstatements.rows.map((r) => ({ requestId: r.request_id, actor: r.actor, at: r.at.toISOString(), unitId: r.unit_id, reason: r.reason, forfeitedIn: r.forfeited_in })),
        cancellation: c.cancellation ?? undefined,
        startedAt: c.started_at.toISOString(),
        closedAt: iso(c.closed_at),
        startedBy: c.started_by,
        startRequestId: c.start_request_id,
      };
    },

    /** Campaigns by the visibility predicate api/access.ts builds for the caller, newest first. */
    async listCampaigns(q: { visible: { sql: string; params: unknown[] }; status?: CampaignStatus; phase?: PhaseName; limit: number; offset: number }): Promise<{ campaignId: string; organizer: string; status: CampaignStatus; currentPhase?: PhaseName; startedAt: string; closedAt?: string }[]> {
      const params = [...q.visible.params];
      const where = [q.visible.sql];
      if (q.status) where.push(`c.status = $${params.push(q.status)}`);
      if (q.phase) where.push(`c.current_phase = $${params.push(q.phase)}`);
      const { rows } = await pool.query<{ campaign_id: string; organizer: string; status: CampaignStatus; current_phase: PhaseName | null; started_at: Date; closed_at: Date | null }>(
        `SELECT campaign_id, organizer, status, current_phase, started_at, closed_at FROM campaigns c WHERE ${where.join(' AND ')}
         ORDER BY started_at DESC, campaign_id LIMIT $${params.push(q.limit)} OFFSET $${params.push(q.offset)}`,
        params,
      );
      return rows.map((r) => ({ campaignId: r.campaign_id, organizer: r.organizer, status: r.status, currentPhase: r.current_phase ?? undefined, startedAt: r.started_at.toISOString(), closedAt: iso(r.closed_at) }));
    },

    async plan(campaignId: string): Promise<CampaignPlan> {
      const { rows } = await pool.query<{ plan: PlanOutline }>('SELECT plan FROM campaigns WHERE campaign_id = $1', [campaignId]);
      if (!rows[0]) throw new NotFound(`no campaign ${campaignId}`);
      const { unitCount, ...outline } = rows[0].plan;
      const units = await pool.query<{ spec: Unit }>('SELECT spec FROM campaign_units WHERE campaign_id = $1 ORDER BY position', [campaignId]);
      if (units.rows.length !== unitCount) throw new Error(`campaign ${campaignId} lists ${unitCount} units but the record holds ${units.rows.length}`);
      return { ...outline, units: units.rows.map((r) => r.spec) };
    },

    /** The plan less its units, and one of them: what a unit's request is checked against, two indexed rows however large the plan. */
    async planFor(campaignId: string, unitId: string): Promise<{ plan: PlanOutline; unit: Unit | undefined }> {
      const [plans, unit] = await Promise.all([pool.query<{ plan: PlanOutline }>('SELECT plan FROM campaigns WHERE campaign_id = $1', [campaignId]), unitSpec(campaignId, unitId)]);
      if (!plans.rows[0]) throw new NotFound(`no campaign ${campaignId}`);
      return { plan: plans.rows[0].plan, unit };
    },

    unit: unitSpec,

    /** Where the unit stands in the plan's order (which group of a phase holds it), and how many units the plan has. */
    async unitPlace(campaignId: string, unitId: string): Promise<{ position: number; unitCount: number } | undefined> {
      const { rows } = await pool.query<{ position: number; unit_count: number }>(
        "SELECT u.position, (c.plan->>'unitCount')::int AS unit_count FROM campaign_units u JOIN campaigns c ON c.campaign_id = u.campaign_id WHERE u.campaign_id = $1 AND u.unit_id = $2",
        [campaignId, unitId],
      );
      return rows[0] && { position: rows[0].position, unitCount: rows[0].unit_count };
    },

    async phaseUnits(campaignId: string, phase: PhaseName, page: { limit: number; offset: number }): Promise<{ units: UnitSummary[]; total: number }> {
      const [{ rows }, count] = await Promise.all([
        pool.query(
          `SELECT up.*, u.name, u.supervisor FROM unit_phases up JOIN campaign_units u USING (campaign_id, unit_id)
           WHERE up.campaign_id = $1 AND up.phase = $2 ORDER BY u.position LIMIT $3 OFFSET $4`,
          [campaignId, phase, page.limit, page.offset],
        ),
        pool.query<{ n: number }>('SELECT count(*)::int AS n FROM unit_phases WHERE campaign_id = $1 AND phase = $2', [campaignId, phase]),
      ]);
      return { units: rows.map(unitSummary), total: count.rows[0]!.n };
    },

    /** One unit in one phase from the record, or undefined when it has no part in that phase (yet). */
    async unitPhase(campaignId: string, phase: PhaseName, unitId: string): Promise<UnitPhaseRecord | undefined> {
      const { rows } = await pool.query(
        `SELECT up.*, u.name, u.supervisor, c.plan FROM unit_phases up JOIN campaign_units u USING (campaign_id, unit_id) JOIN campaigns c USING (campaign_id)
         WHERE up.campaign_id = $1 AND up.phase = $2 AND up.unit_id = $3`,
        [campaignId, phase, unitId],
      );
      const row = rows[0];
      if (!row) return undefined;
      const key = [campaignId, phase, unitId];
      const [submissions, reviews, extensions, strikes, objections, sent, sealKey] = await Promise.all([
        pool.query('SELECT s.*, r.entries FROM submissions s LEFT JOIN roster_uploads r USING (upload_id) WHERE s.campaign_id = $1 AND s.phase = $2 AND s.unit_id = $3 ORDER BY number', key),
        pool.query('SELECT * FROM reviews WHERE campaign_id = $1 AND phase = $2 AND unit_id = $3 ORDER BY reviewed_at, request_id', key),
        pool.query('SELECT * FROM extensions WHERE campaign_id = $1 AND phase = $2 AND unit_id = $3 ORDER BY extended_at', key),
        pool.query('SELECT request_id, actor, submission_number, struck_at, array_agg(entry ORDER BY entry) AS entries, array_agg(reason ORDER BY entry) AS reasons FROM strikes WHERE campaign_id = $1 AND phase = $2 AND unit_id = $3 GROUP BY request_id, actor, submission_number, struck_at ORDER BY struck_at', key),
        phase === 'publicity' ? pool.query<ObjectionRow>('SELECT * FROM objections WHERE campaign_id = $1 AND unit_id = $2 ORDER BY number', [campaignId, unitId]) : Promise.resolve({ rows: [] as ObjectionRow[] }),
        notices(campaignId, 'phase = $2 AND unit_id = $3 AND category <> $4', [phase, unitId, 'notice']),
        phase === 'publicity' ? dataKey(campaignId) : Promise.resolve(undefined),
      ]);
      const plan = row.plan as PlanOutline;
      return {
        campaignId,
        phase,
        expects: plan.phases.find((p) => p.name === phase)!.submission.kind,
        unitId,
        unitName: row.name,
        supervisor: row.supervisor,
        status: row.status,
        opensAt: row.opens_at.toISOString(),
        cutoff: row.cutoff.toISOString(),
        submissions: submissions.rows.map((s) => ({
          number: s.number,
          requestId: s.request_id,
          actor: s.actor,
          receivedAt: s.received_at.toISOString(),
          submittedAt: s.recorded_at.toISOString(),
          kind: s.kind,
          report: s.report,
          ...(s.figures ? { figures: s.figures } : {}),
          ...(s.upload_id ? { households: s.entries } : {}),
        })),
        reviews: reviews.rows.map((r) => ({ submissionNumber: r.submission_number, requestId: r.request_id, actor: r.actor, decision: r.decision, ...(r.reason ? { reason: r.reason } : {}), reviewedAt: r.reviewed_at.toISOString() })),
        extensions: extensions.rows.map((e) => ({ requestId: e.request_id, actor: e.actor, from: e.from_cutoff.toISOString(), to: e.to_cutoff.toISOString(), reason: e.reason, extendedAt: e.extended_at.toISOString() })),
        strikes: strikes.rows.map((s) => ({ requestId: s.request_id, actor: s.actor, submissionNumber: s.submission_number, entries: (s.entries as number[]).map((entry, i) => ({ entry, reason: s.reasons[i] })), struckAt: s.struck_at.toISOString() })),
        rosterSize: row.roster_size,
        visited: row.visited,
        paid: row.paid,
        objections: objections.rows.map((o) => objectionView(o, sealKey, campaignId)),
        reminders: sent.filter((n) => n.category === 'reminder').map(noticeOnly),
        escalations: sent.filter((n) => n.category === 'escalation').map(noticeOnly),
        approvedAt: iso(row.approved_at),
        forfeitedAt: iso(row.forfeited_at),
        cancelledAt: iso(row.cancelled_at),
      };
    },

    async supervisorOf(campaignId: string, unitId: string): Promise<string | undefined> {
      const { rows } = await pool.query<{ supervisor: string }>('SELECT supervisor FROM campaign_units WHERE campaign_id = $1 AND unit_id = $2', [campaignId, unitId]);
      return rows[0]?.supervisor;
    },

    /** The standing notice (公示): the approved roster with its additions, less what upheld objections struck; names masked. */
    async notice(campaignId: string, unitId: string): Promise<PublishedEntry[]> {
      const { rows } = await pool.query(
        `SELECT c.entry, e.masked_name, e.category, e.amount, e.goods, e.funding_source FROM household_claims c JOIN roster_entries e USING (upload_id, entry)
         WHERE c.campaign_id = $1 AND c.unit_id = $2 AND c.approved ORDER BY c.entry`,
        [campaignId, unitId],
      );
      return rows.map((r) => ({ entry: r.entry, maskedName: r.masked_name ?? '', category: r.category, amount: r.amount, ...(r.goods ? { goods: r.goods } : {}), fundingSource: r.funding_source }));
    },

    async standingRosterSize(campaignId: string, unitId: string): Promise<number> {
      const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM household_claims WHERE campaign_id = $1 AND unit_id = $2 AND approved', [campaignId, unitId]);
      return rows[0]!.n;
    },

    /**
     * The unit's approved roster with the households' names opened, for the signed roster it prints
     * (慰问名册): only for a caller the API let read it. An erased name (or campaign) reads as null.
     */
    async approvedRoster(campaignId: string, unitId: string): Promise<ApprovedEntry[]> {
      const [{ rows }, key] = await Promise.all([
        pool.query(
          `SELECT c.upload_id, c.entry, e.name_sealed, e.category, e.amount, e.goods, e.funding_source FROM household_claims c JOIN roster_entries e USING (upload_id, entry)
           WHERE c.campaign_id = $1 AND c.unit_id = $2 AND c.approved ORDER BY c.entry`,
          [campaignId, unitId],
        ),
        dataKey(campaignId),
      ]);
      return rows.map((r) => ({
        entry: r.entry,
        name: key ? openField(key, r.name_sealed, { campaignId, column: 'roster_entries.name', rowId: `${r.upload_id}:${r.entry}` }) : null,
        category: r.category,
        amount: r.amount,
        ...(r.goods ? { goods: r.goods } : {}),
        fundingSource: r.funding_source,
      }));
    },

    /**
     * Approved and paid, per unit, category and funding source: the upward report's figures in one
     * query. Claims and visits are each added up on their own (a visit is only ever of an approved
     * claim, and carries its unit, category and funding source), then the sums are matched.
     */
    async reportLines(campaignId: string): Promise<ReportLine[]> {
      const { rows } = await pool.query(
        `WITH approved AS (
           SELECT unit_id, category, funding_source, count(*)::int AS households, sum(amount)::bigint AS approved
           FROM household_claims WHERE campaign_id = $1 AND approved
           GROUP BY unit_id, category, funding_source
         ), visited AS (
           SELECT unit_id, category, funding_source, count(*)::int AS visited, sum(amount)::bigint AS paid
           FROM visits WHERE campaign_id = $1
           GROUP BY unit_id, category, funding_source
         )
         SELECT a.unit_id, a.category, a.funding_source, a.households, a.approved, coalesce(v.visited, 0)::int AS visited, coalesce(v.paid, 0)::bigint AS paid
         FROM approved a LEFT JOIN visited v USING (unit_id, category, funding_source)`,
        [campaignId],
      );
      return rows.map((r) => ({ unitId: r.unit_id, category: r.category, fundingSource: r.funding_source, households: r.households, approved: r.approved, visited: r.visited, paid: r.paid }));
    },

    async audit(campaignId: string): Promise<AuditRow[]> {
      const { rows } = await pool.query('SELECT * FROM audit WHERE campaign_id = $1 ORDER BY at, id', [campaignId]);
      return rows.map((r) => ({
        at: r.at.toISOString(),
        actor: r.actor,
        requestId: r.request_id,
        action: r.action,
        phase: r.phase,
        unitId: r.unit_id,
        detail: r.detail,
        ...(r.received_at ? { receivedAt: r.received_at.toISOString() } : {}),
      }));
    },
  };
  return views;
}

function unitSummary(r: { unit_id: string; name: string; supervisor: string; status: UnitPhaseStatus; cutoff: Date; submissions: number; last_decision: ReviewDecision | null; approved_at: Date | null; forfeited_at: Date | null }): UnitSummary {
  return {
    unitId: r.unit_id,
    unitName: r.name,
    supervisor: r.supervisor,
    status: r.status,
    cutoff: r.cutoff.toISOString(),
    submissions: r.submissions,
    ...(r.last_decision ? { lastDecision: r.last_decision } : {}),
    ...(r.approved_at ? { approvedAt: r.approved_at.toISOString() } : {}),
    ...(r.forfeited_at ? { forfeitedAt: r.forfeited_at.toISOString() } : {}),
  };
}

const noticeOnly = ({ notificationId, kind, to, at }: NoticeRecord): NoticeRecord => ({ notificationId, kind, to, at });

interface ObjectionRow {
  number: number;
  request_id: string;
  kind: ObjectionView['kind'];
  entry: number | null;
  statement_sealed: Buffer | null;
  filed_at: Date;
  answer: ObjectionView['answer'] | null;
  decision: (Omit<NonNullable<ObjectionView['decision']>, 'rosterChange'> & { rosterChange: NonNullable<ObjectionView['decision']>['rosterChange'] | null }) | null;
  addition: ObjectionView['addition'] | null;
}

function objectionView(o: ObjectionRow, key: Buffer | undefined, campaignId: string): ObjectionView {
  const statement = key && o.statement_sealed ? (openField(key, o.statement_sealed, { campaignId, column: 'objections.statement', rowId: o.request_id }) ?? undefined) : undefined;
  return {
    number: o.number,
    requestId: o.request_id,
    kind: o.kind,
    ...(o.entry !== null ? { entry: o.entry } : {}),
    ...(statement !== undefined ? { statement } : {}),
    filedAt: o.filed_at.toISOString(),
    ...(o.answer ? { answer: o.answer } : {}),
    ...(o.decision ? { decision: Object.fromEntries(Object.entries(o.decision).filter(([, v]) => v !== null)) as NonNullable<ObjectionView['decision']> } : {}),
    ...(o.addition ? { addition: o.addition } : {}),
  };
}

export type Views = ReturnType<typeof createViews>;
