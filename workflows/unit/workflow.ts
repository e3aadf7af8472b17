import { ActivityFailure, ApplicationFailure, allHandlersFinished, condition, isCancellation, patched, proxyActivities, setHandler, sleep, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { ClaimRosterInput, RegistryActivities, RegistryTarget } from '../../activities/registry';
import type { RosterActivities } from '../../activities/rosters';
import { isoDurationMs } from '../../domain/duration';
import { rosterProblems, totalsBySource, yuan, type Household } from '../../domain/roster';
import { CampaignCutoff, CampaignStatus } from '../../domain/search-attributes';
import { notify, type NotificationDraft } from '../notification/workflow';
import type { Recipient } from '../notification/messages';
import {
  TERMINAL_UNIT_STATUSES,
  UnitPhaseFailure,
  addHousehold,
  addedHouseholds,
  answerObjection,
  currentRoster,
  decideObjection,
  extendCutoff,
  fileObjection,
  openObjections,
  standingNotice,
  getUnitPhaseState,
  recordVisit,
  review,
  strikeEntries,
  submissionRefusal,
  submit,
  type ExtensionRecord,
  type NoticeRecord,
  type ObjectionRecord,
  type ReviewResult,
  type StrikeRecord,
  type SubmitRequest,
  type SubmitResult,
  type UnitPhaseInput,
  type UnitPhaseOutcome,
  type UnitPhaseState,
  type UnitPhaseStatus,
  type VisitRecord,
} from './messages';

const { claimRoster, releaseRoster, releaseApprovedEntries } = proxyActivities<RegistryActivities>({
  startToCloseTimeout: '1 minute',
  // The registry may be busy near a cutoff (10 Updates in flight per workflow): keep trying.
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', nonRetryableErrorTypes: ['RegistryClosed'] },
});

const { approvedRoster, publishedRoster } = proxyActivities<RosterActivities>({ startToCloseTimeout: '30 seconds', retry: { initialInterval: '1 second', maximumInterval: '1 minute' } });

/** Above any version a preparation workflow reaches (one per submission, rejection or strike). */
const PUBLICITY_REGISTRY_VERSIONS = 1_000_000;

const iso = (ms: number) => new Date(ms).toISOString();
const fail = (type: string, message: string, details?: Record<string, unknown>) =>
  ApplicationFailure.create({ type, message, nonRetryable: true, details: details ? [details] : undefined });

/**
 * One unit in one phase: opens at opensAt, takes submissions until its cutoff (which the
 * coordinator may move), reminds, forfeits and escalates by the clock, and ends once the unit is
 * approved, forfeited or the campaign is cancelled. Every timer is re-derived from the state
 * after each message, so moving the cutoff moves the timers.
 */
export async function unitPhaseWorkflow(input: UnitPhaseInput): Promise<UnitPhaseOutcome> {
  const { phase, unit, supervisor, coordinator, campaignId } = input;
  const opensAt = Date.parse(phase.opensAt);
  const reviewWithinMs = isoDurationMs(phase.reviewWithin);
  const reminderOffsets = phase.reminders.map((offset) => ({ offset, ms: isoDurationMs(offset) }));
  const recipients: Record<'unit' | 'supervisor' | 'coordinator', Recipient> = {
    unit: { role: 'unit', id: unit.id, webhook: unit.notify.webhook },
    supervisor: { role: 'reviewer', id: supervisor.id, webhook: supervisor.notify.webhook },
    coordinator: { role: 'coordinator', id: coordinator.id, webhook: coordinator.notify.webhook },
  };

  const state: UnitPhaseState = {
    campaignId,
    phase: phase.name,
    expects: phase.submission.kind,
    unitId: unit.id,
    unitName: unit.name,
    supervisor: supervisor.id,
    status: 'scheduled',
    opensAt: phase.opensAt,
    cutoff: iso(Date.parse(phase.cutoff)),
    submissions: [],
    reviews: [],
    extensions: [],
    strikes: [],
    visits: [],
    objections: [],
    reminders: [],
    escalations: [],
  };
  let cutoff = Date.parse(phase.cutoff);
  // Reminder instants at or before this have been dealt with (sent, or not due to this unit).
  let reminderCursor = Math.max(opensAt, Date.now());
  // Bumped by every accepted message so the main loop re-derives its timers.
  let version = 0;
  const outbox: { draft: NotificationDraft; record?: NoticeRecord[] }[] = [];

  const setStatus = (status: UnitPhaseStatus) => {
    state.status = status;
    upsertSearchAttributes([{ key: CampaignStatus, value: status }]);
  };
  const send = (draft: Omit<NotificationDraft, 'phase' | 'unitId'>, record?: NoticeRecord[]) =>
    outbox.push({ draft: { ...draft, phase: phase.name, unitId: unit.id }, record });
  const isTerminal = () => TERMINAL_UNIT_STATUSES.includes(state.status);
  // While a roster is being checked against the registry the unit has submitted in time; the outcome decides.
  const awaitingSubmission = () => (state.status === 'open' || state.status === 'rejected') && !claiming;

  // Applicant rosters are checked entry by entry, and campaign-wide through the registry, when the plan has rules.
  const { rosterRules, registry } = input;
  const checksRosters = rosterRules !== undefined && registry !== undefined && phase.submission.kind === 'applicant-roster';
  let claiming = false;
  // Publicity: the approved roster is published and takes objections (公示異議), aged like reviews.
  const takesObjections = rosterRules !== undefined && registry !== undefined && phase.name === 'publicity';
  const objectionWithinMs = takesObjections ? isoDurationMs(phase.objectionWithin) : 0;
  // The registry ignores a unit's requests older than its latest; publicity's releases follow every preparation claim.
  let registryVersion = takesObjections ? PUBLICITY_REGISTRY_VERSIONS : 0;
  const registryTarget = () => ({ campaignId, unitId: unit.id, unitWorkflowId: workflowInfo().workflowId, version: ++registryVersion, layout: registry! });
  // Visits are paid against the approved roster, and coverage is checked at the plan's milestones.
  const checksVisits = rosterRules !== undefined && phase.name === 'visiting';
  const milestones = (checksVisits ? (phase.milestones ?? []) : []).map((m) => ({ ...m, ms: Date.parse(m.at) }));

  /** Gives up the households no longer listed and sets the amounts the roster still holds. */
  const releaseFromRegistry = (released: Household[]) =>
    releaseRoster({ ...registryTarget(), idNumbers: released.map((h) => h.idNumber), amounts: totalsBySource(currentRoster(state).map((r) => r.household)) });

  setHandler(getUnitPhaseState, () => state);

  const recordSubmission = (request: SubmitRequest): SubmitResult => {
    const record = { number: state.submissions.length + 1, requestId: request.requestId, actor: request.actor, submittedAt: iso(Date.now()), content: request.content };
    state.submissions.push(record);
    setStatus('submitted');
    version++;
    return { submissionNumber: record.number, status: state.status, submittedAt: record.submittedAt };
  };

  /** Holds households and amounts in the campaign registry, then records them; a refusal records nothing. */
  async function claimThenRecord<T>(claim: Omit<ClaimRosterInput, keyof RegistryTarget>, record: () => T): Promise<T> {
    claiming = true;
    try {
      const outcome = await claimRoster({ ...registryTarget(), ...claim }).catch((err: unknown) => {
        // The registry closes with its campaign: say so, as a refusal the caller can act on.
        if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === 'RegistryClosed') {
          throw fail(UnitPhaseFailure.Closed, 'the campaign has ended: its registry takes no more rosters');
        }
        throw err;
      });
      if (!outcome.ok) throw fail(outcome.type, outcome.message, outcome.details);
    } finally {
      claiming = false;
      version++;
    }
    return record();
  }

  const claimSubmission = (request: SubmitRequest) => {
    const households = request.content.households!;
    return claimThenRecord({ idNumbers: households.map((h) => h.idNumber), amounts: totalsBySource(households) }, () => recordSubmission(request));
  };

  setHandler(
    submit,
    (request) => {
      const earlier = state.submissions.find((s) => s.requestId === request.requestId);
      if (earlier) return { submissionNumber: earlier.number, status: state.status, submittedAt: earlier.submittedAt };
      return checksRosters ? claimSubmission(request) : recordSubmission(request);
    },
    {
      validator: (request) => {
        if (state.submissions.some((s) => s.requestId === request.requestId)) return;
        const refusal = submissionRefusal(state, Date.now(), request.content.kind);
        if (refusal) throw fail(refusal.type, refusal.message, refusal.details);
        if (!checksRosters) return;
        if (claiming) throw fail(UnitPhaseFailure.SubmissionInProgress, `another roster of unit ${unit.id} is being checked against the campaign registry; retry in a moment`);
        const problems = rosterProblems(rosterRules!, unit, request.content.households);
        if (problems.length) throw fail(problems[0]!.type, problems.map((p) => p.message).join('; '), { problems });
      },
    },
  );

  setHandler(
    review,
    (request): ReviewResult | Promise<ReviewResult> => {
      const earlier = state.reviews.find((r) => r.requestId === request.requestId);
      if (earlier) return { status: state.status, reviewedAt: earlier.reviewedAt };
      const reviewedAt = iso(Date.now());
      const released = checksRosters && request.decision === 'reject' ? currentRoster(state).map((r) => r.household) : [];
      state.reviews.push({ submissionNumber: state.submissions.length, requestId: request.requestId, actor: request.actor, decision: request.decision, reason: request.reason, reviewedAt });
      if (request.decision === 'approve') {
        state.approvedAt = reviewedAt;
        setStatus('approved');
      } else {
        setStatus('rejected');
        send({ kind: 'submission-rejected', key: `submission-${state.submissions.length}`, recipient: recipients.unit, message: `Submission ${state.submissions.length} was rejected: ${request.reason}. Resubmit before ${iso(cutoff)}.`, data: { reason: request.reason, cutoff: iso(cutoff) } });
      }
      version++;
      const result = { status: state.status, reviewedAt };
      // A rejected roster no longer holds its households or its amounts: another unit may list them.
      return released.length ? releaseFromRegistry(released).then(() => result) : result;
    },
    {
      validator: (request) => {
        if (state.reviews.some((r) => r.requestId === request.requestId)) return;
        if (request.actor !== supervisor.id) throw fail(UnitPhaseFailure.NotSupervisor, `${request.actor} does not supervise unit ${unit.id}`);
        if (state.status !== 'submitted') throw fail(UnitPhaseFailure.NothingToReview, `unit ${unit.id} has no submission awaiting review (status ${state.status})`);
        if (request.decision === 'reject' && !request.reason?.trim()) throw fail(UnitPhaseFailure.ReasonRequired, 'a rejection needs a reason');
        // The notice period closes with the unit's approval, so no objection may be left undecided (the phase cannot close).
        const open = openObjections(state);
        if (request.decision === 'approve' && open.length) {
          throw fail(UnitPhaseFailure.ObjectionsOpen, `unit ${unit.id} cannot be approved while objection${open.length === 1 ? '' : 's'} ${open.map((o) => o.number).join(', ')} await${open.length === 1 ? 's' : ''} the coordinator's decision`, { objections: open.map((o) => o.number) });
        }
      },
    },
  );

  setHandler(
    strikeEntries,
    (request): StrikeRecord | Promise<StrikeRecord> => {
      const earlier = state.strikes.find((s) => s.requestId === request.requestId);
      if (earlier) return earlier;
      const last = state.submissions.at(-1)!;
      const record: StrikeRecord = { requestId: request.requestId, actor: request.actor, submissionNumber: last.number, entries: request.entries, struckAt: iso(Date.now()) };
      state.strikes.push(record);
      version++;
      const entries = request.entries.map((e) => e.entry).join(', ');
      send({ kind: 'entries-struck', key: request.requestId, recipient: recipients.unit, message: `Entries ${entries} of submission ${last.number} were struck (不符條件的予以刪減): ${request.entries.map((e) => `${e.entry}: ${e.reason}`).join('; ')}`, data: { submissionNumber: last.number, entries } });
      if (!checksRosters) return record;
      return releaseFromRegistry(request.entries.map((e) => last.content.households![e.entry - 1]!)).then(() => record);
    },
    {
      validator: (request) => {
        if (state.strikes.some((s) => s.requestId === request.requestId)) return;
        if (request.actor !== supervisor.id) throw fail(UnitPhaseFailure.NotSupervisor, `${request.actor} does not supervise unit ${unit.id}`);
        if (state.status !== 'submitted') throw fail(UnitPhaseFailure.NothingToReview, `unit ${unit.id} has no submission awaiting review (status ${state.status})`);
        const listed = new Set(currentRoster(state).map((r) => r.entry));
        if (!listed.size) throw fail(UnitPhaseFailure.InvalidStrike, `submission ${state.submissions.length} lists no households to strike`);
        const asked = new Set<number>();
        for (const { entry, reason } of request.entries) {
          if (!listed.has(entry)) throw fail(UnitPhaseFailure.InvalidStrike, `entry ${entry} is not on the roster (or is already struck)`, { entry });
          if (asked.has(entry)) throw fail(UnitPhaseFailure.InvalidStrike, `entry ${entry} is named twice`, { entry });
          if (!reason.trim()) throw fail(UnitPhaseFailure.ReasonRequired, `striking entry ${entry} needs a reason`, { entry });
          asked.add(entry);
        }
        if (!asked.size) throw fail(UnitPhaseFailure.InvalidStrike, 'name at least one entry to strike');
        if (asked.size === listed.size) throw fail(UnitPhaseFailure.InvalidStrike, 'that strikes every entry: reject the roster instead');
      },
    },
  );

  setHandler(
    recordVisit,
    (request): VisitRecord => {
      const earlier = state.visits.find((v) => v.requestId === request.requestId);
      if (earlier) return earlier;
      const record: VisitRecord = { ...request, recordedAt: iso(Date.now()) };
      state.visits.push(record);
      version++;
      return record;
    },
    {
      validator: (request) => {
        if (state.visits.some((v) => v.requestId === request.requestId)) return;
        if (state.status === 'scheduled') throw fail(UnitPhaseFailure.NotOpenYet, `the ${phase.name} phase opens at ${phase.opensAt}`, { opensAt: phase.opensAt });
        if (isTerminal()) throw fail(UnitPhaseFailure.Closed, `unit ${unit.id}'s ${phase.name} phase is ${state.status} and takes no more visits`);
        const roster = state.approvedRoster;
        if (!roster?.length) throw fail(UnitPhaseFailure.NoApprovedRoster, `unit ${unit.id} has no approved applicant roster to pay against${roster ? '' : ' (yet: it is being loaded; retry shortly)'}`);
        const approved = roster.find((e) => e.entry === request.entry);
        if (!approved) throw fail(UnitPhaseFailure.NotOnRoster, `entry ${request.entry} is not on unit ${unit.id}'s approved roster`, { entry: request.entry });
        const paid = state.visits.find((v) => v.entry === request.entry);
        if (paid) throw fail(UnitPhaseFailure.AlreadyPaid, `entry ${request.entry} was already paid on ${paid.visitedOn} by ${paid.handler} (避免重複慰問)`, { entry: request.entry, visitedOn: paid.visitedOn });
        if (request.amount > approved.amount) {
          throw fail(UnitPhaseFailure.OverApproved, `entry ${request.entry}: ${yuan(request.amount)} is more than the approved ${yuan(approved.amount)}`, { entry: request.entry, approved: approved.amount });
        }
      },
    },
  );

  const objectionNumbered = (number: number): ObjectionRecord => {
    const objection = state.objections.find((o) => o.number === number);
    if (!objection) throw fail(UnitPhaseFailure.UnknownObjection, `unit ${unit.id} has no objection ${number}`, { objection: number });
    return objection;
  };

  /** An objection still awaiting the coordinator's decision. */
  const objectionNamed = (number: number): ObjectionRecord => {
    const objection = objectionNumbered(number);
    if (objection.decision) throw fail(UnitPhaseFailure.ObjectionDecided, `objection ${number} was already ${objection.decision.outcome === 'uphold' ? 'upheld' : 'dismissed'} on ${objection.decision.decidedAt}`, { objection: number });
    return objection;
  };

  setHandler(
    fileObjection,
    (request): ObjectionRecord => {
      const earlier = state.objections.find((o) => o.requestId === request.requestId);
      if (earlier) return earlier;
      const record: ObjectionRecord = { number: state.objections.length + 1, requestId: request.requestId, actor: request.actor, kind: request.kind, entry: request.entry, statement: request.statement, filedAt: iso(Date.now()) };
      state.objections.push(record);
      version++;
      // The statement may name a household: the unit reads it through the API, not in the notification.
      const about = record.entry === undefined ? 'a household missing from' : `entry ${record.entry} of`;
      send({ kind: 'objection-filed', key: `objection-${record.number}`, recipient: recipients.unit, message: `Objection ${record.number} to ${about} ${unit.name}'s published roster: answer it within ${phase.objectionWithin}.`, data: { objection: record.number, kind: record.kind, entry: record.entry } });
      return record;
    },
    {
      validator: (request) => {
        if (state.objections.some((o) => o.requestId === request.requestId)) return;
        if (!takesObjections) throw fail(UnitPhaseFailure.InvalidObjection, `unit ${unit.id}'s ${phase.name} phase publishes no roster to object to`);
        if (state.status === 'scheduled') throw fail(UnitPhaseFailure.NotOpenYet, `the notice is published when the ${phase.name} phase opens at ${phase.opensAt}`, { opensAt: phase.opensAt });
        if (isTerminal()) throw fail(UnitPhaseFailure.Closed, `unit ${unit.id}'s notice period is over (${state.status})`);
        if (request.kind === 'ineligible-household' && !standingNotice(state).some((e) => e.entry === request.entry)) {
          throw fail(UnitPhaseFailure.InvalidObjection, `an ineligible-household objection names an entry of the published roster; ${request.entry ?? 'none'} is not one`, { entry: request.entry });
        }
        if (request.kind === 'missed-household' && request.entry !== undefined) throw fail(UnitPhaseFailure.InvalidObjection, 'a missed household is not on the roster: name no entry');
      },
    },
  );

  setHandler(
    answerObjection,
    (request): ObjectionRecord => {
      const objection = state.objections.find((o) => o.number === request.objection)!;
      if (objection.answer?.requestId === request.requestId) return objection;
      objection.answer = { requestId: request.requestId, actor: request.actor, answer: request.answer, answeredAt: iso(Date.now()) };
      version++;
      return objection;
    },
    {
      validator: (request) => {
        if (state.objections.some((o) => o.answer?.requestId === request.requestId)) return;
        objectionNamed(request.objection);
      },
    },
  );

  setHandler(
    decideObjection,
    (request): ObjectionRecord | Promise<ObjectionRecord> => {
      const objection = state.objections.find((o) => o.number === request.objection)!;
      if (objection.decision?.requestId === request.requestId) return objection;
      const upheld = request.outcome === 'uphold';
      const rosterChange = !upheld ? undefined : objection.kind === 'ineligible-household' ? 'entry-struck' : 'addition-requested';
      objection.decision = { requestId: request.requestId, actor: request.actor, outcome: request.outcome, reason: request.reason, decidedAt: iso(Date.now()), rosterChange };
      version++;
      const text = `Objection ${objection.number} to ${unit.name}'s published roster was ${upheld ? 'upheld' : 'dismissed'}: ${request.reason}.${rosterChange === 'entry-struck' ? ` Entry ${objection.entry} is struck.` : rosterChange === 'addition-requested' ? ' Put the missed household forward for addition.' : ''}`;
      const data = { objection: objection.number, outcome: request.outcome, rosterChange };
      send({ kind: 'objection-decided', key: `objection-${objection.number}`, recipient: recipients.unit, message: text, data });
      if (rosterChange) send({ kind: 'objection-decided', key: `objection-${objection.number}`, recipient: recipients.supervisor, message: text, data });
      if (rosterChange !== 'entry-struck') return objection;
      // The struck household and its amount go back to the campaign: another unit may list it.
      return releaseApprovedEntries({ ...registryTarget(), entries: [objection.entry!], amounts: totalsBySource(standingNotice(state)) }).then(() => objection);
    },
    {
      validator: (request) => {
        if (state.objections.some((o) => o.decision?.requestId === request.requestId)) return;
        objectionNamed(request.objection);
        if (!request.reason.trim()) throw fail(UnitPhaseFailure.ReasonRequired, `deciding objection ${request.objection} needs a reason`);
      },
    },
  );

  /** Added households are numbered after every entry the notice has held, so no entry number is reused. */
  const nextEntry = () => Math.max(0, ...(state.publishedRoster ?? []).map((e) => e.entry), ...addedHouseholds(state).map((r) => r.entry)) + 1;

  /**
   * The standing roster with one more household, as rosterProblems checks a roster. The published
   * entries carry no ID numbers (those stay in preparation): each gets a placeholder that matches no
   * real one, and the registry's exclusive claim refuses a household the unit already lists.
   */
  const rosterWithAddition = (household: Household): Household[] => {
    const added = new Map(addedHouseholds(state).map((r) => [r.entry, r.household]));
    const standing = standingNotice(state).map(
      (e): Household => added.get(e.entry) ?? { name: e.maskedName, idNumber: `entry ${e.entry}`, category: e.category, amount: e.amount, goods: e.goods, fundingSource: e.fundingSource, reason: 'published' },
    );
    return [...standing, household];
  };

  setHandler(
    addHousehold,
    (request): ObjectionRecord | Promise<ObjectionRecord> => {
      const objection = state.objections.find((o) => o.number === request.objection)!;
      if (objection.addition?.requestId === request.requestId) return objection;
      const entry = nextEntry();
      const standing = standingNotice(state);
      // Claimed like a roster; if refused, the unit's amounts go back to what the standing roster held.
      const claim = { idNumbers: [request.household.idNumber], amounts: totalsBySource([...standing, request.household]), heldBefore: totalsBySource(standing), exclusive: true, firstEntry: entry };
      return claimThenRecord(claim, () => {
        objection.addition = { requestId: request.requestId, actor: request.actor, addedAt: iso(Date.now()), entry, household: request.household };
        return objection;
      });
    },
    {
      validator: (request) => {
        if (state.objections.some((o) => o.addition?.requestId === request.requestId)) return;
        if (isTerminal()) throw fail(UnitPhaseFailure.Closed, `unit ${unit.id}'s notice period is over (${state.status})`);
        const objection = objectionNumbered(request.objection);
        const { decision, addition } = objection;
        if (decision?.rosterChange !== 'addition-requested') {
          const why = !decision ? 'awaits the coordinator\'s decision' : decision.outcome === 'dismiss' ? 'was dismissed' : 'is about a listed household';
          throw fail(UnitPhaseFailure.AdditionNotRequested, `objection ${objection.number} ${why}: it asks for no household to be added`, { objection: objection.number });
        }
        if (addition) throw fail(UnitPhaseFailure.AdditionNotRequested, `objection ${objection.number}'s household was already added as entry ${addition.entry}`, { objection: objection.number, entry: addition.entry });
        if (claiming) throw fail(UnitPhaseFailure.SubmissionInProgress, `another household of unit ${unit.id} is being checked against the campaign registry; retry in a moment`);
        const problems = rosterProblems(rosterRules!, unit, rosterWithAddition(request.household));
        if (problems.length) throw fail(problems[0]!.type, problems.map((p) => p.message).join('; '), { problems });
      },
    },
  );

  setHandler(
    extendCutoff,
    (request): ExtensionRecord => {
      const earlier = state.extensions.find((e) => e.requestId === request.requestId);
      if (earlier) return earlier;
      const record: ExtensionRecord = { requestId: request.requestId, actor: request.actor, from: iso(cutoff), to: iso(Date.parse(request.cutoff)), reason: request.reason, extendedAt: iso(Date.now()) };
      cutoff = Date.parse(request.cutoff);
      state.cutoff = record.to;
      state.extensions.push(record);
      upsertSearchAttributes([{ key: CampaignCutoff, value: new Date(cutoff) }]);
      version++;
      return record;
    },
    {
      validator: (request) => {
        if (state.extensions.some((e) => e.requestId === request.requestId)) return;
        const to = Date.parse(request.cutoff);
        if (isTerminal()) throw fail(UnitPhaseFailure.InvalidExtension, `unit ${unit.id} is already ${state.status} for ${phase.name}`);
        if (Date.now() >= cutoff) throw fail(UnitPhaseFailure.InvalidExtension, `the cutoff ${iso(cutoff)} has already passed; reinstate the unit instead`, { cutoff: iso(cutoff) });
        if (!(to > cutoff)) throw fail(UnitPhaseFailure.InvalidExtension, `the new cutoff ${request.cutoff} is not later than the current one, ${iso(cutoff)}`, { cutoff: iso(cutoff) });
      },
    },
  );

  /** Acts on every instant that has come: reminders, overdue reviews, the cutoff. */
  function actOnTheClock(now: number) {
    if (awaitingSubmission()) {
      for (const { offset, ms } of reminderOffsets) {
        const at = cutoff - ms;
        if (at > reminderCursor && at <= now) {
          send(
            { kind: 'submission-reminder', key: `${offset}@${iso(cutoff)}`, recipient: recipients.unit, message: `Reminder: ${unit.name} has not yet submitted its ${phase.submission.kind} for ${phase.name}; the cutoff is ${iso(cutoff)}.`, data: { cutoff: iso(cutoff), offset, dueAt: iso(at) } },
            state.reminders,
          );
        }
      }
    }
    if (!isTerminal()) ageObjections(now);
    if (!isTerminal()) for (const milestone of milestones) if (milestone.ms > reminderCursor && milestone.ms <= now) checkCoverage(milestone);
    reminderCursor = Math.max(reminderCursor, now);

    if (awaitingSubmission() && now >= cutoff) {
      state.forfeitedAt = iso(now);
      setStatus('forfeited');
      const data = { cutoff: iso(cutoff) };
      const text = `${unit.name} (${unit.id}) has no accepted ${phase.submission.kind} for ${phase.name} by the cutoff ${iso(cutoff)} and forfeits (視為自動放棄).`;
      send({ kind: 'unit-forfeited', key: iso(cutoff), recipient: recipients.unit, message: text, data });
      send({ kind: 'unit-forfeited', key: iso(cutoff), recipient: recipients.supervisor, message: text, data }, state.escalations);
      send({ kind: 'unit-forfeited', key: iso(cutoff), recipient: recipients.coordinator, message: text, data }, state.escalations);
    }

    const pending = state.status === 'submitted' ? state.submissions[state.submissions.length - 1] : undefined;
    if (pending) {
      const submittedAt = Date.parse(pending.submittedAt);
      if (!pending.reviewOverdueNotifiedAt && now >= submittedAt + reviewWithinMs) {
        pending.reviewOverdueNotifiedAt = iso(now);
        send({ kind: 'review-overdue', key: `submission-${pending.number}`, recipient: recipients.supervisor, message: `Submission ${pending.number} of ${unit.name} for ${phase.name} has waited ${phase.reviewWithin} for review.`, data: { submittedAt: pending.submittedAt } }, state.reminders);
      }
      if (!pending.reviewEscalatedAt && now >= submittedAt + 2 * reviewWithinMs) {
        pending.reviewEscalatedAt = iso(now);
        send({ kind: 'review-escalated', key: `submission-${pending.number}`, recipient: recipients.coordinator, message: `Reviewer ${supervisor.name} has not reviewed submission ${pending.number} of ${unit.name} for ${phase.name}, submitted ${pending.submittedAt}.`, data: { submittedAt: pending.submittedAt, reviewer: supervisor.id } }, state.escalations);
      }
    }
  }

  /** An objection unanswered after objectionWithin reminds the unit; undecided after twice that, the coordinator is told. */
  function ageObjections(now: number) {
    for (const objection of openObjections(state)) {
      const filedAt = Date.parse(objection.filedAt);
      const data = { objection: objection.number, filedAt: objection.filedAt };
      if (!objection.answer && !objection.remindedAt && now >= filedAt + objectionWithinMs) {
        objection.remindedAt = iso(now);
        send({ kind: 'objection-reminder', key: `objection-${objection.number}`, recipient: recipients.unit, message: `Objection ${objection.number} to ${unit.name}'s published roster, filed ${objection.filedAt}, has waited ${phase.objectionWithin} for an answer.`, data }, state.reminders);
      }
      if (!objection.escalatedAt && now >= filedAt + 2 * objectionWithinMs) {
        objection.escalatedAt = iso(now);
        send({ kind: 'objection-escalated', key: `objection-${objection.number}`, recipient: recipients.coordinator, message: `Objection ${objection.number} to ${unit.name}'s published roster, filed ${objection.filedAt}, is still undecided; ${unit.name} cannot be approved until it is.`, data }, state.escalations);
      }
    }
  }

  const objectionInstants = () =>
    openObjections(state).flatMap((o) => {
      const filedAt = Date.parse(o.filedAt);
      return [...(!o.answer && !o.remindedAt ? [filedAt + objectionWithinMs] : []), ...(!o.escalatedAt ? [filedAt + 2 * objectionWithinMs] : [])];
    });

  /** At a coverage milestone: a unit behind it is reminded, and its supervisor and the coordinator told. */
  function checkCoverage(milestone: { at: string; coverage: number }) {
    const households = state.approvedRoster?.length ?? 0;
    const visited = new Set(state.visits.map((v) => v.entry)).size;
    const required = Math.ceil(milestone.coverage * households);
    if (visited >= required) return;
    const data = { milestone: milestone.at, coverage: milestone.coverage, households, visited, required };
    const text = `${unit.name} (${unit.id}) has visited ${visited} of its ${households} households by ${milestone.at}; the plan asks for ${Math.round(milestone.coverage * 100)}% (${required}).`;
    send({ kind: 'coverage-behind', key: milestone.at, recipient: recipients.unit, message: text, data }, state.reminders);
    send({ kind: 'coverage-escalated', key: milestone.at, recipient: recipients.supervisor, message: text, data }, state.escalations);
    send({ kind: 'coverage-escalated', key: milestone.at, recipient: recipients.coordinator, message: text, data }, state.escalations);
  }

  /** The next instant the clock matters, if any. */
  function nextWake(now: number): number | undefined {
    const instants: number[] = [];
    if (awaitingSubmission()) {
      instants.push(cutoff, ...reminderOffsets.map(({ ms }) => cutoff - ms));
    }
    const pending = state.status === 'submitted' ? state.submissions[state.submissions.length - 1] : undefined;
    if (pending) {
      const submittedAt = Date.parse(pending.submittedAt);
      if (!pending.reviewOverdueNotifiedAt) instants.push(submittedAt + reviewWithinMs);
      if (!pending.reviewEscalatedAt) instants.push(submittedAt + 2 * reviewWithinMs);
    }
    instants.push(...milestones.map((m) => m.ms), ...objectionInstants());
    const future = instants.filter((at) => at > now);
    return future.length ? Math.min(...future) : undefined;
  }

  async function flushOutbox() {
    while (outbox.length) {
      const { draft, record } = outbox.shift()!;
      const sent = await notify(campaignId, draft);
      record?.push({ notificationId: sent.id, kind: sent.kind, to: `${sent.recipient.role}:${sent.recipient.id}`, at: sent.occurredAt });
    }
  }

  try {
    if (Date.now() < opensAt) await sleep(opensAt - Date.now(), { summary: `${phase.name} opens` });
    setStatus('open');
    if (checksVisits) state.approvedRoster = await approvedRoster({ campaignId, unitId: unit.id });
    if (takesObjections && patched('publicity-objections')) state.publishedRoster = await publishedRoster({ campaignId, unitId: unit.id });
    send({ kind: 'phase-opened', key: phase.opensAt, recipient: recipients.unit, message: `${input.campaignTitle}: the ${phase.name} phase is open. Submit your ${phase.submission.kind} (${phase.submission.description}) before ${iso(cutoff)}.`, data: { cutoff: iso(cutoff), submission: phase.submission.kind } });

    for (;;) {
      const checkedAt = Date.now();
      actOnTheClock(checkedAt);
      await flushOutbox();
      if (isTerminal()) break;
      const seen = version;
      // Sending takes a round trip; an instant that came due meanwhile is acted on now, not at the next wake.
      const catchUp = patched('clock-catch-up');
      const wake = nextWake(catchUp ? checkedAt : Date.now());
      if (catchUp && wake !== undefined && wake <= Date.now()) continue;
      const moved = () => version !== seen;
      if (wake === undefined) await condition(moved);
      else await condition(moved, wake - Date.now(), { summary: nextWakeSummary(wake) });
    }
    await condition(allHandlersFinished);
    return state.status as UnitPhaseOutcome;
  } catch (err) {
    if (isCancellation(err)) {
      state.cancelledAt = iso(Date.now());
      setStatus('cancelled');
    }
    throw err;
  }

  function nextWakeSummary(wake: number): string {
    if (wake === cutoff && awaitingSubmission()) return `cutoff ${iso(cutoff)}`;
    if (milestones.some((m) => m.ms === wake)) return 'coverage milestone';
    if (objectionInstants().includes(wake)) return 'objection ageing';
    return awaitingSubmission() ? 'next reminder' : 'review deadline';
  }
}
