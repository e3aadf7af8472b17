import { setHandler } from '@temporalio/workflow';
import { fail, iso, refused, store, type UnitContext } from './context';
import { UnitPhaseFailure, addHousehold, answerObjection, decideObjection, fileObjection, type ObjectionProgress } from './messages';

// Publicity (公示): anyone with the notice link objects to the published roster; the unit answers,
// the coordinator upholds or dismisses. The words live in the database (sealed: they may name a
// household); the workflow keeps what ages an objection and what holds the unit's approval.

export function registerObjectionHandlers(ctx: UnitContext): void {
  const { state, input } = ctx;
  const { unit, phase } = input;
  const about = { campaignTitle: input.campaignTitle, unitName: unit.name, phase: phase.name };

  const numbered = (number: number): ObjectionProgress => {
    const objection = state.objections.find((o) => o.number === number);
    if (!objection) throw fail(UnitPhaseFailure.UnknownObjection, `unit ${unit.id} has no objection ${number}`, { objection: number });
    return objection;
  };
  /** An objection still awaiting the coordinator's decision. */
  const undecided = (number: number): ObjectionProgress => {
    const objection = numbered(number);
    if (objection.decision) throw fail(UnitPhaseFailure.ObjectionDecided, `objection ${number} was already ${objection.decision === 'uphold' ? 'upheld' : 'dismissed'}`, { objection: number });
    return objection;
  };
  const open = () => {
    if (state.status === 'scheduled') throw fail(UnitPhaseFailure.NotOpenYet, `the notice is published when the ${phase.name} phase opens at ${phase.opensAt}`, { opensAt: phase.opensAt });
    if (ctx.isTerminal()) throw fail(UnitPhaseFailure.Closed, `unit ${unit.id}'s notice period is over (${state.status})`);
  };

  setHandler(
    fileObjection,
    (request) =>
      ctx.exclusively(request.requestId, async () => {
        if (!ctx.applied(request.requestId)) open();
        const filedAt = iso(Date.now());
        const outcome = await store().fileObjection({ campaignId: input.campaignId, unitId: unit.id, requestId: request.requestId, actor: request.actor, at: filedAt, kind: request.kind, entry: request.entry, statement: request.statement });
        if (!outcome.ok) throw refused(outcome.refusal);
        const known = state.objections.find((o) => o.number === outcome.number);
        if (known) return known;
        const objection: ObjectionProgress = { number: outcome.number, kind: request.kind, entry: request.entry, filedAt, answered: false };
        state.objections.push(objection);
        // The statement may name a household: the unit reads it through the API, not in the notification.
        ctx.send({ kind: 'objection-filed', key: `objection-${objection.number}`, recipient: ctx.recipients.unit, data: { ...about, objection: objection.number, objectionKind: request.kind, entry: request.entry, objectionWithin: phase.objectionWithin } });
        return objection;
      }),
    {
      validator: (request) => {
        ctx.admit(request.requestId);
        if (ctx.applied(request.requestId)) return;
        if (input.rosterRules === undefined || phase.name !== 'publicity') throw fail(UnitPhaseFailure.InvalidObjection, `unit ${unit.id}'s ${phase.name} phase publishes no roster to object to`);
        open();
        if (request.kind === 'ineligible-household' && request.entry === undefined) throw fail(UnitPhaseFailure.InvalidObjection, 'an ineligible-household objection names an entry of the published roster; none was named', { entry: null });
        if (request.kind === 'missed-household' && request.entry !== undefined) throw fail(UnitPhaseFailure.InvalidObjection, 'a missed household is not on the roster: name no entry');
      },
    },
  );

  setHandler(
    answerObjection,
    (request) =>
      ctx.exclusively(request.requestId, async () => {
        const objection = ctx.applied(request.requestId) ? numbered(request.objection) : undecided(request.objection);
        await store().settleObjection({ campaignId: input.campaignId, unitId: unit.id, requestId: request.requestId, actor: request.actor, at: iso(Date.now()), number: request.objection, answer: request.answer });
        objection.answered = true;
        return objection;
      }),
    {
      validator: (request) => {
        ctx.admit(request.requestId);
        if (!ctx.applied(request.requestId)) undecided(request.objection);
      },
    },
  );

  setHandler(
    decideObjection,
    (request) =>
      ctx.exclusively(request.requestId, async () => {
        const objection = ctx.applied(request.requestId) ? numbered(request.objection) : undecided(request.objection);
        const { rosterChange } = await store().settleObjection({ campaignId: input.campaignId, unitId: unit.id, requestId: request.requestId, actor: request.actor, at: iso(Date.now()), number: request.objection, outcome: request.outcome, reason: request.reason });
        if (objection.decision) return objection;
        objection.decision = request.outcome;
        objection.rosterChange = rosterChange;
        const data = { ...about, objection: objection.number, outcome: request.outcome, reason: request.reason, rosterChange, entry: objection.entry };
        ctx.send({ kind: 'objection-decided', key: `objection-${objection.number}`, recipient: ctx.recipients.unit, data });
        if (rosterChange) ctx.send({ kind: 'objection-decided', key: `objection-${objection.number}`, recipient: ctx.recipients.supervisor, data });
        return objection;
      }),
    {
      validator: (request) => {
        ctx.admit(request.requestId);
        if (ctx.applied(request.requestId)) return;
        undecided(request.objection);
        if (!request.reason.trim()) throw fail(UnitPhaseFailure.ReasonRequired, `deciding objection ${request.objection} needs a reason`);
      },
    },
  );

  const additionRefusal = (number: number) => {
    if (ctx.isTerminal()) return fail(UnitPhaseFailure.Closed, `unit ${unit.id}'s notice period is over (${state.status})`);
    const objection = numbered(number);
    if (objection.rosterChange !== 'addition-requested') {
      const why = !objection.decision ? "awaits the coordinator's decision" : objection.decision === 'dismiss' ? 'was dismissed' : 'is about a listed household';
      return fail(UnitPhaseFailure.AdditionNotRequested, `objection ${number} ${why}: it asks for no household to be added`, { objection: number });
    }
    if (objection.addedEntry !== undefined) return fail(UnitPhaseFailure.AdditionNotRequested, `objection ${number}'s household was already added as entry ${objection.addedEntry}`, { objection: number, entry: objection.addedEntry });
    return undefined;
  };

  setHandler(
    addHousehold,
    (request) =>
      ctx.exclusively(request.requestId, async () => {
        const problem = ctx.applied(request.requestId) ? undefined : additionRefusal(request.objection);
        if (problem) throw problem;
        const outcome = await store().addHousehold({ campaignId: input.campaignId, unitId: unit.id, requestId: request.requestId, actor: request.actor, at: iso(Date.now()), number: request.objection, uploadId: request.uploadId });
        if (!outcome.ok) throw refused(outcome.refusal);
        const objection = numbered(request.objection);
        objection.addedEntry = outcome.entry;
        return objection;
      }),
    {
      validator: (request) => {
        ctx.admit(request.requestId);
        if (ctx.applied(request.requestId)) return;
        const problem = additionRefusal(request.objection);
        if (problem) throw problem;
      },
    },
  );
}

/** An objection unanswered after objectionWithin reminds the unit; undecided after twice that, the coordinator is told. */
export function ageObjection(ctx: UnitContext, number: number, step: 'reminder' | 'escalation'): void {
  const objection = ctx.state.objections.find((o) => o.number === number)!;
  const data = { campaignTitle: ctx.input.campaignTitle, unitName: ctx.input.unit.name, objection: number, filedAt: objection.filedAt, objectionWithin: ctx.input.phase.objectionWithin, phase: ctx.input.phase.name };
  if (step === 'reminder') {
    objection.remindedAt = iso(Date.now());
    ctx.send({ kind: 'objection-reminder', key: `objection-${number}`, recipient: ctx.recipients.unit, data }, 'reminder');
  } else {
    objection.escalatedAt = iso(Date.now());
    ctx.send({ kind: 'objection-escalated', key: `objection-${number}`, recipient: ctx.recipients.coordinator, data }, 'escalation');
  }
}
