import { condition, patched, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { CampaignCutoff } from '../../domain/search-attributes';
import { openObjections, postmark, submissionRefusal } from '../../domain/unit-phase';
import { calendarNeeds } from './clock';
import { fail, iso, refused, store, type UnitContext } from './context';
import { UnitPhaseFailure, extendCutoff, review, strikeEntries, submit, type ExtensionRecord, type ReviewResult, type StrikeResult, type SubmitResult } from './messages';

// Every phase: the unit submits, its supervisor reviews (approve, reject with a reason, or strike
// single entries of a roster), the coordinator may move the cutoff. Each writes its record first
// and changes the state only once the write is durable.

export function registerSubmissionHandlers(ctx: UnitContext): void {
  const { state, input, target } = ctx;
  const { unit, phase } = input;
  const takesRoster = input.rosterRules !== undefined && phase.submission.kind === 'applicant-roster';
  // A review window in working days is counted by the record as it takes the submission (clock.ts says why).
  const reviewWindow = calendarNeeds(phase).review ? { timeZone: input.timeZone, reviewWithin: phase.reviewWithin } : undefined;

  const refusalOf = (receivedAt: string, kind: typeof phase.submission.kind) => submissionRefusal(state, postmark(receivedAt, Date.now()), kind);
  // The record answers "duplicate" also when the activity itself was retried after its transaction
  // committed (its first answer lost or late on a busy worker): the state has not taken that write
  // yet and must, or the unit stays open beside a recorded submission and takes a second one.
  const retriedWritesApply = () => patched('retried-write-applies');

  setHandler(
    submit,
    (request) =>
      ctx.exclusively(request.requestId, async (): Promise<SubmitResult> => {
        // Accepted after the opening instant but before the workflow opened (a busy moment): it
        // is recorded once the phase is open. Never true of an earlier history (its validator
        // refused such a request), so no command changes there.
        await condition(() => state.status !== 'scheduled');
        const fresh = !ctx.applied(request.requestId);
        const refusal = fresh ? refusalOf(request.receivedAt, request.kind) : undefined;
        if (refusal) throw refused(refusal);
        const at = iso(Date.now());
        const outcome = await store().recordSubmission({ ...target, requestId: request.requestId, actor: request.actor, receivedAt: request.receivedAt, at, kind: request.kind, report: request.report, figures: request.figures, uploadId: request.roster?.uploadId, reviewWindow });
        if (!outcome.ok) throw refused(outcome.refusal);
        if (!outcome.duplicate || (retriedWritesApply() && outcome.number > state.submissions)) {
          state.submissions = outcome.number;
          state.pending = { number: outcome.number, submittedAt: outcome.recordedAt, ...(outcome.review ?? {}) };
          ctx.setStatus('submitted');
        }
        return { submissionNumber: outcome.number, status: state.status, submittedAt: outcome.recordedAt, receivedAt: outcome.receivedAt };
      }),
    {
      validator: (request) => {
        ctx.admit(request.requestId);
        if (ctx.applied(request.requestId)) return;
        const refusal = refusalOf(request.receivedAt, request.kind);
        if (refusal) throw refused(refusal);
        if (!takesRoster) return;
        if (!request.roster?.entries) throw fail(UnitPhaseFailure.RosterRequired, 'an applicant roster lists its households (households[])');
        if (request.roster.entries > unit.quota) throw fail(UnitPhaseFailure.QuotaExceeded, `the roster lists ${request.roster.entries} households; unit ${unit.id}'s quota (名額) is ${unit.quota}`);
      },
    },
  );

  // Who may review is the API's to decide (the campaign's memberships, api/access.ts); the workflow decides whether there is anything to review.
  const reviewRefusal = (decision: 'approve' | 'reject' | 'strike', reason: string | undefined) => {
    if (state.status !== 'submitted') return fail(UnitPhaseFailure.NothingToReview, `unit ${unit.id} has no submission awaiting review (status ${state.status})`);
    if (decision === 'reject' && !reason?.trim()) return fail(UnitPhaseFailure.ReasonRequired, 'a rejection needs a reason');
    // The notice period closes with the unit's approval, so no objection may be left undecided (the phase cannot close).
    const open = openObjections(state);
    if (decision === 'approve' && open.length) {
      const numbers = open.map((o) => o.number);
      return fail(UnitPhaseFailure.ObjectionsOpen, `unit ${unit.id} cannot be approved while objection${numbers.length === 1 ? '' : 's'} ${numbers.join(', ')} await${numbers.length === 1 ? 's' : ''} the coordinator's decision`, { objections: numbers });
    }
    return undefined;
  };

  setHandler(
    review,
    (request) =>
      ctx.exclusively(request.requestId, async (): Promise<ReviewResult> => {
        const fresh = !ctx.applied(request.requestId);
        const refusal = fresh ? reviewRefusal(request.decision, request.reason) : undefined;
        if (refusal) throw refusal;
        const reviewedAt = iso(Date.now());
        const number = state.pending?.number ?? state.submissions;
        const { duplicate } = await store().recordReview({ ...target, requestId: request.requestId, actor: request.actor, receivedAt: request.receivedAt, at: reviewedAt, decision: request.decision, reason: request.reason, submissionNumber: number });
        if (duplicate && !(fresh && retriedWritesApply())) return { status: state.status, reviewedAt };
        state.pending = undefined;
        state.lastDecision = request.decision;
        if (request.decision === 'approve') {
          state.approvedAt = reviewedAt;
          ctx.setStatus('approved');
        } else {
          ctx.setStatus('rejected');
          // A rejection after the cutoff leaves nothing to resubmit by: the unit is told it forfeits.
          const canResubmit = Date.now() < ctx.cutoff();
          ctx.send({ kind: 'submission-rejected', key: `submission-${number}`, recipient: ctx.recipients.unit, data: { campaignTitle: input.campaignTitle, unitName: unit.name, phase: phase.name, submissionNumber: number, submission: phase.submission.kind, reason: request.reason, cutoff: state.cutoff, canResubmit } });
        }
        return { status: state.status, reviewedAt };
      }),
    {
      validator: (request) => {
        ctx.admit(request.requestId);
        if (ctx.applied(request.requestId)) return;
        const refusal = reviewRefusal(request.decision, request.reason);
        if (refusal) throw refusal;
      },
    },
  );

  const strikeRefusal = (request: { entries: { entry: number; reason: string }[] }) => {
    const refusal = reviewRefusal('strike', undefined);
    if (refusal) return refusal;
    const asked = new Set<number>();
    for (const { entry, reason } of request.entries) {
      if (asked.has(entry)) return fail(UnitPhaseFailure.InvalidStrike, `entry ${entry} is named twice`, { entry });
      if (!reason.trim()) return fail(UnitPhaseFailure.ReasonRequired, `striking entry ${entry} needs a reason`, { entry });
      asked.add(entry);
    }
    if (!asked.size) return fail(UnitPhaseFailure.InvalidStrike, 'name at least one entry to strike');
    return undefined;
  };

  setHandler(
    strikeEntries,
    (request) =>
      ctx.exclusively(request.requestId, async (): Promise<StrikeResult> => {
        const fresh = !ctx.applied(request.requestId);
        const refusal = fresh ? strikeRefusal(request) : undefined;
        if (refusal) throw refusal;
        const struckAt = iso(Date.now());
        const number = state.pending?.number ?? state.submissions;
        const outcome = await store().recordStrikes({ ...target, requestId: request.requestId, actor: request.actor, at: struckAt, submissionNumber: number, entries: request.entries });
        if (!outcome.ok) throw refused(outcome.refusal);
        const entries = request.entries.map((e) => e.entry).join(', ');
        if (fresh) ctx.send({ kind: 'entries-struck', key: request.requestId, recipient: ctx.recipients.unit, data: { campaignTitle: input.campaignTitle, unitName: unit.name, phase: phase.name, submissionNumber: number, entries } });
        return { requestId: request.requestId, submissionNumber: number, entries: request.entries, remaining: outcome.remaining, struckAt };
      }),
    {
      validator: (request) => {
        ctx.admit(request.requestId);
        if (ctx.applied(request.requestId)) return;
        const refusal = strikeRefusal(request);
        if (refusal) throw refusal;
      },
    },
  );

  /** `to` is absent for an extension `by` a duration: later by construction, counted by the record. */
  const extensionRefusal = (to: number | undefined) => {
    const cutoff = ctx.cutoff();
    if (ctx.isTerminal()) return fail(UnitPhaseFailure.InvalidExtension, `unit ${unit.id} is already ${state.status} for ${phase.name}`);
    if (Date.now() >= cutoff) return fail(UnitPhaseFailure.InvalidExtension, `the cutoff ${state.cutoff} has already passed; reinstate the unit instead`, { cutoff: state.cutoff });
    if (to !== undefined && !(to > cutoff)) return fail(UnitPhaseFailure.InvalidExtension, `the new cutoff ${iso(to)} is not later than the current one, ${state.cutoff}`, { cutoff: state.cutoff });
    return undefined;
  };
  const requestedCutoff = (request: { cutoff?: string; by?: string }) => (request.by ? undefined : Date.parse(request.cutoff!));
  const reminders = calendarNeeds(phase).reminders ? { timeZone: input.timeZone, reminders: phase.reminders, remindersOnWorkingDays: phase.remindersOnWorkingDays } : undefined;

  setHandler(
    extendCutoff,
    (request) =>
      ctx.exclusively(request.requestId, async (): Promise<ExtensionRecord> => {
        const to = requestedCutoff(request);
        const fresh = !ctx.applied(request.requestId);
        const refusal = fresh ? extensionRefusal(to) : undefined;
        if (refusal) throw refusal;
        const extendedAt = iso(Date.now());
        // The record counts what the calendar decides: the new cutoff for `by`, the reminders before it.
        const written = await store().recordExtension({ ...target, requestId: request.requestId, actor: request.actor, at: extendedAt, from: state.cutoff, to: to === undefined ? undefined : iso(to), by: request.by, timeZone: input.timeZone, reason: request.reason, reminders, reviewWindow });
        // Histories recorded before recordExtension answered hold no result: the cutoff asked for stands.
        if (written && !written.ok) throw refused(written.refusal);
        const record: ExtensionRecord = { requestId: request.requestId, actor: request.actor, from: state.cutoff, to: written?.to ?? iso(to!), reason: request.reason, extendedAt };
        if (fresh) {
          state.cutoff = record.to;
          if (written?.reminderInstants) state.reminderInstants = written.reminderInstants;
          upsertSearchAttributes([{ key: CampaignCutoff, value: new Date(record.to) }]);
        }
        return record;
      }),
    {
      validator: (request) => {
        ctx.admit(request.requestId);
        if (ctx.applied(request.requestId)) return;
        if ((request.cutoff === undefined) === (request.by === undefined)) throw fail(UnitPhaseFailure.InvalidExtension, 'give either the new cutoff or by how much (by: P3WD), not both');
        const refusal = extensionRefusal(requestedCutoff(request));
        if (refusal) throw refusal;
      },
    },
  );

}
