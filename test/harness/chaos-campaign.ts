import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Campaigns } from '../../api/campaigns';
import type { CampaignPlan, PhaseName } from '../../domain/plan';
import { POSTMARK_GRACE_MS } from '../../domain/unit-phase';
import type { TestStore } from './postgres';
import type { CampaignDriver } from './campaign-driver';
import { household, subDistrictSpringPlan } from './plans';
import type { WebhookReceiver } from './webhook-receiver';

// One short campaign for fault runs (npm run chaos, test/stack.test.ts): plan 1's rules, all four
// phases in real time, the same script of units and reviewers with fixed request ids, and its
// outcome with ids, times and run ids taken out, so a disturbed run compares with an undisturbed one.

export const PHASE_SECONDS = 20;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/**
 * The plan, timed from t0: four phases of 20 s each (by default), one after the other, all moving
 * on by themselves. Two of them are longer where the script needs it, so that no outcome depends
 * on how loaded the machine is:
 * - preparation lasts twice as long: its reminder, 5 s before the cutoff, goes to the units that
 *   have not submitted by then, and the two that submit at the opening must have got through;
 * - publicity opens only after the postmark grace: community-3 forfeits in preparation, and a phase
 *   closes only once its last unit has, POSTMARK_GRACE_MS after the cutoff. A phase planned to open
 *   sooner opens late, and one this short would have passed its own cutoff, every unit forfeiting.
 */
export function chaosPlan(id: string, t0: number, webhook: (p: string) => string, phaseSeconds = PHASE_SECONDS): CampaignPlan {
  const plan = subDistrictSpringPlan({ id, webhook, units: 3 });
  const iso = (s: number) => new Date(t0 + s * 1000).toISOString();
  const timing = [
    { seconds: 2 * phaseSeconds, gap: POSTMARK_GRACE_MS / 1000 + 5 },
    { seconds: phaseSeconds, gap: 1 },
    { seconds: phaseSeconds, gap: 1 },
    { seconds: phaseSeconds, gap: 0 },
  ];
  const opensAt = timing.map((_, i) => timing.slice(0, i).reduce((sum, t) => sum + t.seconds + t.gap, 0));
  return {
    ...plan,
    phases: plan.phases.map((p, i) => ({
      ...p,
      opensAt: iso(opensAt[i]!),
      cutoff: iso(opensAt[i]! + timing[i]!.seconds),
      reminders: i === 0 ? ['PT5S'] : [],
      reviewWithin: 'PT1H',
      advance: 'automatic' as const,
    })),
  };
}

/** Retries an action through a worker outage: until the workflow takes it or refuses it for good. */
export async function persist<T>(what: string, action: () => Promise<T>, deadline: number): Promise<T | string> {
  for (;;) {
    try {
      return await action();
    } catch (err) {
      const refusal = err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure ? err.cause : undefined;
      // Not open yet: the worker was down when the phase's timer came due.
      if (refusal && refusal.type !== 'PhaseNotOpenYet') return `${what} refused: ${refusal.type}`;
      if (Date.now() > deadline) return `${what} gave up: ${err instanceof Error ? err.message : String(err)}`;
      await sleep(250);
    }
  }
}

/** What the units and reviewers do, with fixed request ids; the same script for both campaigns. */
export async function play(c: CampaignDriver): Promise<string[]> {
  const refusals: string[] = [];
  const act = async (phase: PhaseName, what: string, action: (requestId: string) => Promise<unknown>) => {
    const result = await persist(`${phase} ${what}`, () => action(`${phase}-${what}`), Date.parse(c.phase(phase).cutoff));
    if (typeof result === 'string') refusals.push(result);
  };
  const roster = (n: number) => ({ report: '慰問對象申報名冊', households: [household(n), household(n + 1)] });
  for (const phase of ['preparation', 'publicity', 'visiting', 'summary'] as const) {
    await sleep(Date.parse(c.phase(phase).opensAt) - Date.now() + 200);
    // community-3 never reports in preparation (forfeits); community-2 skips the summary (forfeits).
    const units = phase === 'preparation' ? ['community-1', 'community-2'] : phase === 'summary' ? ['community-1'] : ['community-1', 'community-2'];
    await Promise.all(
      units.map(async (unitId, i) => {
        if (phase === 'visiting') {
          // A visit right at the opening is refused (NoApprovedRoster) until the phase has loaded
          // the approved roster: wait for it, as a clerk would wait to see the roster.
          await persist(`${unitId} roster`, async () => ((await c.unitState(phase, unitId)).rosterSize ? true : Promise.reject(new Error('roster not loaded'))), Date.parse(c.phase(phase).cutoff));
          for (const entry of [1, 2]) {
            await act(phase, `${unitId}-visit-${entry}`, (id) => c.visit(unitId, { entry, amount: 400, visitedOn: '2027-02-09', recipientSigned: true, handler: '王幹事' }, id));
          }
        }
        await act(phase, `${unitId}-submit`, (id) => c.submitContent(phase, unitId, phase === 'preparation' ? roster(1 + 2 * i) : { report: `${unitId} ${phase} 報送` }, id));
        await act(phase, `${unitId}-approve`, (id) => c.review(phase, unitId, 'approve', undefined, id));
      }),
    );
  }
  return refusals;
}

/** The final state with ids, times and run ids taken out, so two campaigns can be compared. */
export async function outcome(c: CampaignDriver, campaigns: Campaigns, store: TestStore, receiver: WebhookReceiver, refusals: string[]) {
  const id = c.plan.id;
  const state = await c.campaignRecord();
  const units: Record<string, unknown> = {};
  for (const phase of state.phases) {
    const { units: taking } = await store.views.phaseUnits(id, phase.name, { limit: 500, offset: 0 });
    for (const { unitId } of taking) {
      const u = await c.record(phase.name, unitId);
      units[`${phase.name}/${unitId}`] = {
        status: u.status,
        submissions: u.submissions.map((s) => s.requestId),
        reviews: u.reviews.map((r) => `${r.requestId}:${r.decision}`),
        visits: [u.visited, u.paid],
        reminders: u.reminders.map((r) => r.kind),
        escalations: u.escalations.map((e) => e.kind),
      };
    }
  }
  const report = await campaigns.report(id);
  const strip = (text: string) => text.replaceAll(id, '<campaign>');
  return JSON.parse(
    strip(
      JSON.stringify({
        campaign: {
          status: state.status,
          currentPhase: state.currentPhase,
          phases: state.phases.map((p) => ({ name: p.name, status: p.status, participants: p.participants, approved: p.approved, forfeited: p.forfeited })),
          excluded: state.excluded,
        },
        units,
        report,
        notifications: receiver.notifications().filter((n) => n.campaignId === id).map((n) => n.id).sort(),
        refusals: refusals.sort(),
      }),
    ),
  ) as Record<string, unknown>;
}

/** Every path where the two differ. */
export function differences(a: unknown, b: unknown, path = ''): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    return keys.flatMap((k) => differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`));
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const only = (x: unknown[], y: unknown[]) => x.filter((v) => !y.some((w) => JSON.stringify(w) === JSON.stringify(v))).map((v) => JSON.stringify(v));
    return [`${path}: with faults only ${only(a, b).join(', ') || '-'}; without only ${only(b, a).join(', ') || '-'}${a.length !== b.length ? ` (${a.length} vs ${b.length})` : ''}`];
  }
  return [`${path}: with faults ${JSON.stringify(a)}, without ${JSON.stringify(b)}`];
}

