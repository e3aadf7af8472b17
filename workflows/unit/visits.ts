import { setHandler } from '@temporalio/workflow';
import { MAX_VISITS_PER_BATCH } from '../../domain/visits';
import { fail, iso, refused, store, type UnitContext } from './context';
import { UnitPhaseFailure, recordVisits, type VisitsResult } from './messages';

// Visiting (走訪慰問, 發放): visits in batches against the unit's approved roster, which the database
// holds; the workflow keeps the counts its coverage milestones are checked against.

export function registerVisitHandlers(ctx: UnitContext): void {
  const { state, input } = ctx;
  const { unit, phase } = input;

  const refusal = (count: number) => {
    if (state.status === 'scheduled') return fail(UnitPhaseFailure.NotOpenYet, `the ${phase.name} phase opens at ${phase.opensAt}`, { opensAt: phase.opensAt });
    if (ctx.isTerminal()) return fail(UnitPhaseFailure.Closed, `unit ${unit.id}'s ${phase.name} phase is ${state.status} and takes no more visits`);
    if (!state.rosterSize) return fail(UnitPhaseFailure.NoApprovedRoster, `unit ${unit.id} has no approved applicant roster to pay against`);
    if (!count) return fail(UnitPhaseFailure.TooManyVisits, 'a batch records at least one visit');
    if (count > MAX_VISITS_PER_BATCH) return fail(UnitPhaseFailure.TooManyVisits, `a batch records at most ${MAX_VISITS_PER_BATCH} visits; this one has ${count}`, { max: MAX_VISITS_PER_BATCH });
    return undefined;
  };

  setHandler(
    recordVisits,
    (request) =>
      ctx.exclusively(request.requestId, async (): Promise<VisitsResult> => {
        const problem = ctx.applied(request.requestId) ? undefined : refusal(request.visits.length);
        if (problem) throw problem;
        const recordedAt = iso(Date.now());
        const outcome = await store().recordVisits({ campaignId: input.campaignId, unitId: unit.id, requestId: request.requestId, actor: request.actor, receivedAt: request.receivedAt, at: recordedAt, visits: request.visits });
        if (!outcome.ok) throw refused(outcome.refusal);
        state.visited = outcome.visited;
        state.paid = outcome.paid;
        return { recorded: request.visits.length, visited: outcome.visited, paid: outcome.paid, recordedAt };
      }),
    {
      validator: (request) => {
        ctx.admit(request.requestId);
        if (ctx.applied(request.requestId)) return;
        const problem = refusal(request.visits.length);
        if (problem) throw problem;
      },
    },
  );
}

/** At a coverage milestone: a unit behind it is reminded, and its supervisor and the coordinator told. */
export function checkCoverage(ctx: UnitContext, milestone: { at: string; coverage: number }): void {
  const { rosterSize: households, visited } = ctx.state;
  const required = Math.ceil(milestone.coverage * households);
  if (visited >= required) return;
  const data = { campaignTitle: ctx.input.campaignTitle, unitName: ctx.input.unit.name, milestone: milestone.at, coverage: milestone.coverage, households, visited, required };
  ctx.send({ kind: 'coverage-behind', key: milestone.at, recipient: ctx.recipients.unit, data }, 'reminder');
  ctx.send({ kind: 'coverage-escalated', key: milestone.at, recipient: ctx.recipients.supervisor, data }, 'escalation');
  ctx.send({ kind: 'coverage-escalated', key: milestone.at, recipient: ctx.recipients.coordinator, data }, 'escalation');
}
