import type { PhaseName } from '../domain/plan';
import { csvTable } from '../domain/csv';
import type { CampaignState } from '../workflows/campaign/messages';
import type { NoticeRecord, UnitPhaseState } from '../workflows/unit/messages';

// The audit trail of a campaign for the supervision office (紀檢辦): one row per state change, who
// made it, when, under which request id. Built from the workflows' own state records, so it says
// what the campaign holds. Rosters are counted, never listed: no names, ID numbers, addresses or
// illnesses, and no report texts (they may name households).

/** Actor of the changes the clock makes (phases opening and closing, forfeiture, reminders). */
export const SYSTEM_ACTOR = 'system';

export interface AuditRow {
  at: string;
  actor: string;
  /** The request that made the change; null for the clock's own changes. */
  requestId: string | null;
  action: string;
  phase: PhaseName | null;
  unitId: string | null;
  detail: string;
}

export interface AuditTrail {
  campaignId: string;
  title: string;
  organizer: string;
  rows: AuditRow[];
}

/** Who started the campaign: the API keeps it in the workflow's memo (absent for campaigns started otherwise). */
export interface CampaignStart {
  requestId?: string;
  actor?: string;
}

export const AUDIT_CSV_COLUMNS = ['at', 'actor', 'requestId', 'action', 'phase', 'unitId', 'detail'] as const;

export function compileAudit(campaign: CampaignState, start: CampaignStart, units: UnitPhaseState[]): AuditTrail {
  const rows: AuditRow[] = [];
  const add = (row: Omit<AuditRow, 'phase' | 'unitId'> & Partial<Pick<AuditRow, 'phase' | 'unitId'>>) => rows.push({ phase: null, unitId: null, ...row });
  const system = { actor: SYSTEM_ACTOR, requestId: null };

  add({ at: campaign.startedAt, actor: start.actor ?? SYSTEM_ACTOR, requestId: start.requestId ?? null, action: 'campaign-started', detail: campaign.title });
  for (const phase of campaign.phases) {
    const p = { phase: phase.name };
    if (phase.startedAt) add({ ...system, ...p, at: phase.startedAt, action: 'phase-started', detail: `${phase.participants.length} units taking part` });
    if (phase.closedAt) add({ ...system, ...p, at: phase.closedAt, action: 'phase-closed', detail: `${phase.status}: ${phase.approved.length} approved, ${phase.forfeited.length} forfeited` });
    for (const at of phase.signOffReminders) add({ ...system, ...p, at, action: 'sign-off-reminded', detail: 'the coordinator was reminded' });
    if (phase.signOff) add({ ...p, at: phase.signOff.at, actor: phase.signOff.actor, requestId: phase.signOff.requestId, action: 'phase-signed-off', detail: phase.signOff.note ?? '' });
  }
  for (const r of campaign.reinstatements) {
    add({ at: r.at, actor: r.actor, requestId: r.requestId, action: 'unit-reinstated', phase: r.forfeitedIn, unitId: r.unitId, detail: r.reason });
  }
  const { cancellation } = campaign;
  if (cancellation) add({ at: cancellation.at, actor: cancellation.actor, requestId: cancellation.requestId, action: 'campaign-cancelled', detail: cancellation.reason });
  if (campaign.closedAt) add({ ...system, at: campaign.closedAt, action: 'campaign-closed', detail: campaign.status });

  for (const unit of units) {
    const u = { phase: unit.phase, unitId: unit.unitId };
    for (const s of unit.submissions) {
      const households = s.content.households ? `, ${s.content.households.length} households` : '';
      add({ ...u, at: s.submittedAt, actor: s.actor, requestId: s.requestId, action: 'submitted', detail: `submission ${s.number}: ${s.content.kind}${households}` });
    }
    for (const r of unit.reviews) {
      add({ ...u, at: r.reviewedAt, actor: r.actor, requestId: r.requestId, action: r.decision === 'approve' ? 'approved' : 'rejected', detail: `submission ${r.submissionNumber}${r.reason ? `: ${r.reason}` : ''}` });
    }
    for (const e of unit.extensions) add({ ...u, at: e.extendedAt, actor: e.actor, requestId: e.requestId, action: 'cutoff-extended', detail: `${e.from} → ${e.to}: ${e.reason}` });
    // An entry's reason speaks about its household: only the entry numbers go into the trail.
    for (const s of unit.strikes) {
      add({ ...u, at: s.struckAt, actor: s.actor, requestId: s.requestId, action: 'entries-struck', detail: `submission ${s.submissionNumber}: entries ${s.entries.map((e) => e.entry).join(', ')}` });
    }
    for (const v of unit.visits) {
      add({ ...u, at: v.recordedAt, actor: v.actor, requestId: v.requestId, action: 'visit-recorded', detail: `entry ${v.entry}: ${v.amount} paid on ${v.visitedOn}${v.recipientSigned ? ', signed' : ', not signed'}` });
    }
    // Statements, answers and reasons may speak about a household: the trail keeps numbers, kinds and outcomes.
    for (const o of unit.objections) {
      const about = `objection ${o.number}: ${o.kind}${o.entry === undefined ? '' : `, entry ${o.entry}`}`;
      add({ ...u, at: o.filedAt, actor: o.actor, requestId: o.requestId, action: 'objection-filed', detail: about });
      if (o.answer) add({ ...u, at: o.answer.answeredAt, actor: o.answer.actor, requestId: o.answer.requestId, action: 'objection-answered', detail: about });
      const d = o.decision;
      if (d) add({ ...u, at: d.decidedAt, actor: d.actor, requestId: d.requestId, action: d.outcome === 'uphold' ? 'objection-upheld' : 'objection-dismissed', detail: `${about}${d.rosterChange ? ` (${d.rosterChange})` : ''}` });
      const a = o.addition;
      if (a) add({ ...u, at: a.addedAt, actor: a.actor, requestId: a.requestId, action: 'household-added', detail: `${about}: entry ${a.entry}` });
    }
    for (const n of [...unit.reminders, ...unit.escalations]) add(notice(n, u));
    if (unit.forfeitedAt) add({ ...system, ...u, at: unit.forfeitedAt, action: 'forfeited', detail: `cutoff ${unit.cutoff} passed` });
    if (unit.cancelledAt) add({ ...system, ...u, at: unit.cancelledAt, action: 'unit-phase-cancelled', detail: 'the campaign was cancelled' });
  }
  // Stable: rows of the same instant keep the order above (campaign, then units in phase order).
  rows.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return { campaignId: campaign.campaignId, title: campaign.title, organizer: campaign.organizer, rows };
}

/** A notification the clock sent; its id is the request id receivers dedupe on. */
const notice = (n: NoticeRecord, u: Pick<AuditRow, 'phase' | 'unitId'>): AuditRow => ({
  ...u,
  at: n.at,
  actor: SYSTEM_ACTOR,
  requestId: n.notificationId,
  action: `notified:${n.kind}`,
  detail: `to ${n.to}`,
});

/** With a byte-order mark, so spreadsheet programs read the Chinese text as UTF-8. */
export const auditCsv = (trail: AuditTrail): string => `\uFEFF${csvTable(AUDIT_CSV_COLUMNS, trail.rows)}`;
