import { CancellationScope, allHandlersFinished, condition, continueAsNew, isCancellation, patched, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import { UPDATES_PER_RUN, UPDATES_PER_RUN_BEFORE } from '../../domain/unit-phase';
import { notify, type NotificationCategory, type NotificationDraft } from '../notification/workflow';
import { awaitingSubmission, dueEvents, nextWake, type ClockEvent } from './clock';
import { createContext, iso, store, type UnitContext } from './context';
import { getUnitPhaseState, type UnitPhaseInput, type UnitPhaseOutcome, type UnitPhaseState } from './messages';
import { ageObjection, registerObjectionHandlers } from './objections';
import { applyOpening, initialState, openingReminders, phaseOpenedNotice, unitClock } from './opening';
import { registerSubmissionHandlers } from './submissions';
import { checkCoverage, registerVisitHandlers } from './visits';

/**
 * One unit in one phase: opens at opensAt, takes submissions until its cutoff (which the
 * coordinator may move), reminds, forfeits and escalates by the clock, and ends once the unit is
 * approved, forfeited or the campaign is cancelled. The record of everything it decides is written
 * to the database by activities; this workflow keeps the process: status, deadlines, counts.
 */
export async function unitPhaseWorkflow(input: UnitPhaseInput): Promise<UnitPhaseOutcome> {
  const { phase } = input;
  const state: UnitPhaseState = input.carried ?? initialState(input);
  // A unit its group opened (it had not acted yet) starts open, before its handlers are set: an
  // Update that arrives with the start is validated as they are set, and must find it open.
  if (input.opened && !input.carried) applyOpening(state, input.opened);
  state.updatesThisRun = 0;
  const outbox: { draft: NotificationDraft; category?: NotificationCategory }[] = [];
  // Bumped by every handler so the main loop re-derives its timers.
  let version = 0;
  const ctx = createContext(input, state, outbox, () => version++);
  const withRules = input.rosterRules !== undefined;
  const clock = unitClock(input);

  setHandler(getUnitPhaseState, () => state);
  registerSubmissionHandlers(ctx);
  if (withRules && phase.name === 'publicity') registerObjectionHandlers(ctx);
  if (withRules && phase.name === 'visiting') registerVisitHandlers(ctx);

  async function flushOutbox() {
    while (outbox.length) {
      const { draft, category } = outbox.shift()!;
      await notify(input.campaignId, draft, category);
    }
  }

  try {
    // One started before its opening (it acted early) opens itself.
    if (!input.opened && !input.carried) {
      const opensAt = Date.parse(phase.opensAt);
      if (Date.now() < opensAt) await sleep(opensAt - Date.now(), { summary: `${phase.name} opens` });
      // Reminders on the business calendar are counted by the record, once, for this cutoff (clock.ts says why).
      const opening = await store().openUnitPhase({ ...ctx.target, at: iso(Date.now()), reminders: openingReminders(input, state.cutoff) });
      applyOpening(state, { ...opening, at: iso(Date.now()) });
      ctx.setStatus('open');
      outbox.push({ draft: phaseOpenedNotice(input, state.cutoff) });
    }

    for (;;) {
      const now = Date.now();
      for (const event of dueEvents(state, clock, now)) await actOn(ctx, event);
      state.remindedUpTo = Math.max(state.remindedUpTo, now);
      await flushOutbox();
      if (ctx.isTerminal()) break;
      if (runIsFull(state.updatesThisRun) || workflowInfo().continueAsNewSuggested) {
        // Handlers still running finish first, so nothing they decided is left behind; new requests
        // are sent to the next run meanwhile (else a unit that keeps receiving would never drain).
        ctx.drain();
        await condition(allHandlersFinished);
        await flushOutbox();
        return await continueAsNew<typeof unitPhaseWorkflow>({ ...input, carried: state });
      }
      const seen = version;
      const moved = () => version !== seen;
      // Sending took round trips: an instant that came due meanwhile is acted on now, not at the next wake.
      const wake = nextWake(state, clock, now);
      if (wake === undefined) await condition(moved);
      else if (wake.at > Date.now()) await condition(moved, wake.at - Date.now(), { summary: wake.summary });
    }
    // Answers and decisions accepted while the loop ended still send what they decided.
    await condition(allHandlersFinished);
    await flushOutbox();
    return state.status as UnitPhaseOutcome;
  } catch (err) {
    if (isCancellation(err)) {
      state.cancelledAt = iso(Date.now());
      ctx.setStatus('cancelled');
      // The workflow is being cancelled: the record is written outside that cancellation.
      await CancellationScope.nonCancellable(() => store().recordUnitStatus({ ...ctx.target, status: 'cancelled', at: state.cancelledAt!, requestId: `${workflowInfo().workflowId}:cancelled`, detail: 'the campaign was cancelled' }));
    }
    throw err;
  }
}

/** Whether this run has taken its share of Updates; a run that began before runs were shortened keeps the old share. */
const runIsFull = (updates: number): boolean => updates >= UPDATES_PER_RUN_BEFORE || (updates >= UPDATES_PER_RUN && patched('runs-of-300-updates'));

/** What the clock brings: reminders, forfeiture with its escalations, overdue reviews, ageing objections, milestones. */
async function actOn(ctx: UnitContext, event: ClockEvent): Promise<void> {
  const { state, input, recipients } = ctx;
  const about = { campaignTitle: input.campaignTitle, unitName: input.unit.name, phase: input.phase.name };
  switch (event.kind) {
    case 'reminder':
      ctx.send({ kind: 'submission-reminder', key: `${event.offset}@${state.cutoff}`, recipient: recipients.unit, data: { ...about, cutoff: state.cutoff, offset: event.offset, dueAt: iso(event.dueAt), submission: input.phase.submission.kind } }, 'reminder');
      return;
    case 'forfeit': {
      if (!awaitingSubmission(state)) return;
      state.forfeitedAt = iso(Date.now());
      ctx.setStatus('forfeited');
      await store().recordUnitStatus({ ...ctx.target, status: 'forfeited', at: state.forfeitedAt, requestId: `${workflowInfo().workflowId}:forfeited`, detail: `cutoff ${state.cutoff} passed` });
      const data = { ...about, cutoff: state.cutoff, submission: input.phase.submission.kind };
      ctx.send({ kind: 'unit-forfeited', key: state.cutoff, recipient: recipients.unit, data });
      ctx.send({ kind: 'unit-forfeited', key: state.cutoff, recipient: recipients.supervisor, data }, 'escalation');
      ctx.send({ kind: 'unit-forfeited', key: state.cutoff, recipient: recipients.coordinator, data }, 'escalation');
      return;
    }
    case 'review-overdue':
      state.pending!.reviewOverdueNotifiedAt = iso(Date.now());
      ctx.send({ kind: 'review-overdue', key: `submission-${state.pending!.number}`, recipient: recipients.supervisor, data: { ...about, submissionNumber: state.pending!.number, submittedAt: state.pending!.submittedAt, reviewWithin: input.phase.reviewWithin } }, 'reminder');
      return;
    case 'review-escalated':
      state.pending!.reviewEscalatedAt = iso(Date.now());
      ctx.send({ kind: 'review-escalated', key: `submission-${state.pending!.number}`, recipient: recipients.coordinator, data: { ...about, submissionNumber: state.pending!.number, submittedAt: state.pending!.submittedAt, reviewer: input.supervisor.id, reviewerName: input.supervisor.name } }, 'escalation');
      return;
    case 'objection-reminder':
      ageObjection(ctx, event.number, 'reminder');
      return;
    case 'objection-escalated':
      ageObjection(ctx, event.number, 'escalation');
      return;
    case 'milestone':
      checkCoverage(ctx, event);
  }
}
