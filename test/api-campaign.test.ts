import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { POSTMARK_GRACE_MS } from '../domain/unit-phase';
import { apiConfig, eventually, startApi, startApiStack, TOKENS, type ApiStack, withPreparationSoon, type RunningApi } from './harness/api';
import { unionWinterPlan } from './harness/plans';
import { uniqueId } from './harness/temporal';
import type { WebhookReceiver } from './harness/webhook-receiver';

// A whole campaign through the API on the dev server in real time: the preparation phase opens a
// few seconds after the start and closes some seconds later; the other phases stay in the season.

const OPENS_IN_MS = 4_000;
const CUTOFF_IN_MS = 20_000;
const EXTENSION_MS = 10_000;

let stack: ApiStack;
let env: TestWorkflowEnvironment;
let receiver: WebhookReceiver;
let api: RunningApi;
let taskQueue: string;

beforeAll(async () => {
  stack = await startApiStack();
  ({ env, receiver, api, taskQueue } = stack);
});

afterAll(() => stack?.stop());

const waitUntil = (instant: string) => new Promise((r) => setTimeout(r, Math.max(0, Date.parse(instant) - Date.now() + 300)));

test('given a campaign whose preparation opens now, when units submit, reviewers review and the coordinator steers it, every step should answer as documented', async () => {
  const plan = withPreparationSoon(unionWinterPlan({ id: uniqueId('c'), webhook: (p) => receiver.url(p) }), OPENS_IN_MS, CUTOFF_IN_MS);
  const { cutoff } = plan.phases[0]!;
  const cutoffIso = new Date(cutoff).toISOString();
  const base = `/campaigns/${plan.id}`;
  const unit = (id: string) => `${base}/phases/preparation/units/${id}`;
  const roster = { kind: 'applicant-roster', report: '困難職工12戶、勞模8人,名單已公示', figures: { households: 20 } };

  expect((await api.call('POST', '/campaigns', { token: TOKENS.coordinator, body: plan })).status).toBe(202);

  // Before the phase opens: the unit workflows exist (scheduled) and refuse submissions.
  const early = await eventually(async () => {
    const response = await api.call('POST', `${unit('union-1')}/submissions`, { token: TOKENS.union1, body: roster });
    expect(response.status).toBe(409);
    return response;
  });
  expect(early.body.error).toMatchObject({ code: 'PhaseNotOpenYet', details: { opensAt: plan.phases[0]!.opensAt } });

  await waitUntil(plan.phases[0]!.opensAt);
  await eventually(async () => {
    const view = await api.call('GET', `${base}/units/union-1`, { token: TOKENS.union1 });
    expect(view.body.phases[0].state.status).toBe('open');
  });

  // A submission of the wrong kind is refused by the workflow.
  const wrongKind = await api.call('POST', `${unit('union-1')}/submissions`, { token: TOKENS.union1, body: { ...roster, kind: 'summary-report' } });
  expect(wrongKind.status).toBe(422);
  expect(wrongKind.body.error.code).toBe('WrongSubmissionKind');

  // Submit with an Idempotency-Key; the retry answers the same and changes nothing.
  const key = { 'Idempotency-Key': uniqueId('submit') };
  const submitted = await api.call('POST', `${unit('union-1')}/submissions`, { token: TOKENS.union1, body: roster, headers: key });
  expect(submitted.status).toBe(201);
  expect(submitted.headers.get('location')).toBe(`${base}/units/union-1`);
  expect(submitted.body).toMatchObject({ submissionNumber: 1, status: 'submitted' });
  expect(submitted.body.receivedAt <= submitted.body.submittedAt).toBe(true);
  expect(await api.call('POST', `${unit('union-1')}/submissions`, { token: TOKENS.union1, body: roster, headers: key })).toMatchObject({ status: 201, body: submitted.body });
  const second = await api.call('POST', `${unit('union-1')}/submissions`, { token: TOKENS.union1, body: roster });
  expect(second.status).toBe(409);
  expect(second.body.error.code).toBe('AwaitingReview');

  // Review: only the supervisor; a rejection needs a reason; reject, resubmit, approve.
  expect((await api.call('POST', `${unit('union-1')}/reviews`, { token: TOKENS.auditOffice, body: { decision: 'approve' } })).status).toBe(403);
  const noReason = await api.call('POST', `${unit('union-1')}/reviews`, { token: TOKENS.rightsDept, body: { decision: 'reject' } });
  expect(noReason.status).toBe(400);
  expect(noReason.body.error.issues[0].path).toEqual(['reason']);
  const rejected = await api.call('POST', `${unit('union-1')}/reviews`, { token: TOKENS.rightsDept, body: { decision: 'reject', reason: '第3戶不符合困難職工條件' } });
  expect(rejected).toMatchObject({ status: 201, body: { status: 'rejected' } });
  const resubmitted = await api.call('POST', `${unit('union-1')}/submissions`, { token: TOKENS.union1, body: { ...roster, figures: { households: 19 } } });
  expect(resubmitted).toMatchObject({ status: 201, body: { submissionNumber: 2, status: 'submitted' } });
  const approved = await api.call('POST', `${unit('union-1')}/reviews`, { token: TOKENS.rightsDept, body: { decision: 'approve' } });
  expect(approved).toMatchObject({ status: 201, body: { status: 'approved' } });
  expect((await api.call('POST', `${unit('union-1')}/submissions`, { token: TOKENS.union1, body: roster })).body.error.code).toBe('AlreadyApproved');

  // Extend union-2's cutoff; an extension that is not later is refused.
  const extendedTo = new Date(Date.parse(cutoff) + EXTENSION_MS).toISOString();
  const extension = await api.call('POST', `${unit('union-2')}/cutoff-extensions`, { token: TOKENS.coordinator, body: { cutoff: extendedTo, reason: '廠區停電,延後報送' } });
  expect(extension).toMatchObject({ status: 201, body: { from: cutoffIso, to: extendedTo } });
  const notLater = await api.call('POST', `${unit('union-2')}/cutoff-extensions`, { token: TOKENS.coordinator, body: { cutoff, reason: '再延' } });
  expect(notLater.status).toBe(409);
  expect(notLater.body.error.code).toBe('InvalidExtension');

  // The phase view shows each unit's progress, paged.
  const phaseView = await api.call('GET', `${base}/phases/preparation?limit=2`, { token: TOKENS.rightsDept });
  expect(phaseView.status).toBe(200);
  expect(phaseView.body).toMatchObject({ status: 'running', summary: { name: 'preparation', status: 'running', participants: 3, approved: 1, forfeited: 0 }, page: { offset: 0, limit: 2, total: 3, nextOffset: 2 } });
  expect(phaseView.body.units.map((u: { unitId: string; status: string }) => [u.unitId, u.status])).toEqual([['union-1', 'approved'], ['union-2', 'open']]);
  expect((await api.call('GET', `${base}/phases/preparation?offset=2`, { token: TOKENS.coordinator })).body.units.map((u: { unitId: string }) => u.unitId)).toEqual(['union-3']);

  // After the cutoff: union-3 has forfeited, and its submission is refused naming the cutoff.
  await waitUntil(cutoff);
  const late = await api.call('POST', `${unit('union-3')}/submissions`, { token: TOKENS.union3, body: roster });
  expect(late.status).toBe(409);
  expect(late.body.error).toMatchObject({ code: 'CutoffPassed', details: { cutoff: cutoffIso, forfeited: true } });
  expect(late.body.error.message).toContain(cutoffIso);
  expect(late.body.error.message).toContain('forfeited');

  // union-2 still may submit, inside its extension; its supervisor approves.
  expect((await api.call('POST', `${unit('union-2')}/submissions`, { token: TOKENS.union2, body: roster })).status).toBe(201);
  expect((await api.call('POST', `${unit('union-2')}/reviews`, { token: TOKENS.auditOffice, body: { decision: 'approve' } })).status).toBe(201);

  // Every unit has ended (union-3 forfeits once the postmark grace after the cutoff is over): the campaign awaits the coordinator's sign-off.
  const awaiting = await eventually(async () => {
    const campaign = await api.call('GET', base, { token: TOKENS.coordinator });
    expect(campaign.body.status).toBe('awaiting-sign-off');
    return campaign.body;
  }, POSTMARK_GRACE_MS + 20_000);
  expect(awaiting.phases[0]).toMatchObject({ status: 'awaiting-sign-off', participants: 3, approved: 2, forfeited: 1 });
  // Who forfeited is in the record; the phase carries counts.
  expect(awaiting).toMatchObject({ excluded: [{ unitId: 'union-3', forfeitedIn: 'preparation' }], reinstatements: [], startedBy: 'union-office', startRequestId: expect.stringContaining('startCampaign:union-office:') });
  // The unit's record: each submission with its postmark beside the time it was recorded, and its reviews.
  const union1 = await api.call('GET', `${base}/units/union-1`, { token: TOKENS.union1 });
  expect(union1.body.phases[0].state.submissions.map((s: { number: number; receivedAt: string; submittedAt: string; households?: number }) => [s.number, s.receivedAt <= s.submittedAt, s.households])).toEqual([
    [1, true, undefined],
    [2, true, undefined],
  ]);
  expect(union1.body.phases[0].state.submissions[0]).toMatchObject({ receivedAt: submitted.body.receivedAt, submittedAt: submitted.body.submittedAt, figures: { households: 20 } });
  expect(union1.body.phases[0].state.reviews.map((r: { decision: string }) => r.decision)).toEqual(['reject', 'approve']);

  const signOffKey = { 'Idempotency-Key': uniqueId('sign-off') };
  const signedOff = await api.call('POST', `${base}/phases/preparation/sign-off`, { token: TOKENS.coordinator, body: { note: '名單核實無誤' }, headers: signOffKey });
  expect(signedOff.status).toBe(200);
  expect(signedOff.body.phases[0].signOff).toMatchObject({ actor: 'union-office', note: '名單核實無誤' });
  const twice = await api.call('POST', `${base}/phases/preparation/sign-off`, { token: TOKENS.coordinator, body: {} });
  expect(twice.status).toBe(409);
  expect(twice.body.error.code).toBe('NotAwaitingSignOff');

  // A fresh API process (no in-memory idempotency) answers retries from the workflows' own dedupe.
  const restarted = await startApi(apiConfig({ address: env.address, taskQueue, databaseUrl: stack.store.url }), env.client, stack.store.pool);
  try {
    const retriedSignOff = await restarted.call('POST', `${base}/phases/preparation/sign-off`, { token: TOKENS.coordinator, body: { note: '名單核實無誤' }, headers: signOffKey });
    expect(retriedSignOff.status).toBe(200);
    expect(retriedSignOff.body.phases[0].signOff).toEqual(signedOff.body.phases[0].signOff);
    // union-1's preparation workflow has ended (approved); the retried first submission still answers as it did.
    const retriedSubmit = await restarted.call('POST', `${unit('union-1')}/submissions`, { token: TOKENS.union1, body: roster, headers: key });
    expect(retriedSubmit).toMatchObject({ status: 201, body: { submissionNumber: 1, submittedAt: submitted.body.submittedAt, receivedAt: submitted.body.receivedAt } });
  } finally {
    await restarted.close();
  }

  // Reinstate the forfeited unit once publicity has begun; a unit that did not forfeit cannot be reinstated.
  await eventually(async () => expect((await api.call('GET', base, { token: TOKENS.coordinator })).body.phases[1]).toMatchObject({ status: 'running', startedAt: expect.any(String) }));
  const reinstated = await api.call('POST', `${base}/units/union-3/reinstate`, { token: TOKENS.coordinator, body: { reason: '因病住院,經核實補報' } });
  expect(reinstated).toMatchObject({ status: 200, body: { unitId: 'union-3', forfeitedIn: 'preparation', actor: 'union-office' } });
  expect((await api.call('POST', `${base}/units/union-1/reinstate`, { token: TOKENS.coordinator, body: { reason: '誤操作' } })).body.error.code).toBe('UnitNotForfeited');
  expect((await api.call('GET', base, { token: TOKENS.coordinator })).body).toMatchObject({ excluded: [], reinstatements: [reinstated.body] });

  // The unit view: forfeited in preparation, out of publicity (which had already begun), back for visiting.
  const union3 = await eventually(async () => {
    const view = await api.call('GET', `${base}/units/union-3`, { token: TOKENS.rightsDept });
    expect(view.body.phases[1].participation).not.toBe('not-started');
    return view;
  });
  expect(union3.status).toBe(200);
  expect(union3.body.phases.map((p: { phase: string; participation: string; state?: { status: string } }) => [p.phase, p.participation, p.state?.status])).toEqual([
    ['preparation', 'taking-part', 'forfeited'],
    ['publicity', 'not-taking-part', undefined],
    ['visiting', 'not-started', undefined],
    ['summary', 'not-started', undefined],
  ]);
  expect(union3.body.phases[0].state.forfeitedAt).toBeDefined();

  // Cancel, with a reason; a cancelled campaign refuses further steering.
  expect((await api.call('POST', `${base}/cancel`, { token: TOKENS.coordinator, body: {} })).status).toBe(400);
  const cancelled = await api.call('POST', `${base}/cancel`, { token: TOKENS.coordinator, body: { reason: '上級通知活動合併舉辦' } });
  expect(cancelled.status).toBe(200);
  expect(cancelled.body.cancellation).toMatchObject({ actor: 'union-office', reason: '上級通知活動合併舉辦' });
  await eventually(async () => expect((await api.call('GET', base, { token: TOKENS.coordinator })).body.status).toBe('cancelled'));
  const afterCancel = await api.call('POST', `${base}/cancel`, { token: TOKENS.coordinator, body: { reason: '再次取消' } });
  expect(afterCancel.status).toBe(409);
  expect(afterCancel.body.error.code).toBe('CampaignClosed');
});
