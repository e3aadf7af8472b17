import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Campaigns } from '../api/campaigns';
import { Updates } from '../api/updates';
import type { CampaignPlan, PhaseName } from '../domain/plan';
import { CampaignDriver } from '../test/harness/campaign-driver';
import { household, subDistrictSpringPlan } from '../test/harness/plans';
import { createDevServerEnv, WEBHOOK_SECRET } from '../test/harness/temporal';
import { WebhookReceiver } from '../test/harness/webhook-receiver';
import { startWorkerProcess, type WorkerProcess } from '../test/harness/worker-process';
import { bundleWorkflowsTo } from '../worker/bundle-workflows';
import { createTestStore, startTestPostgres, type TestStore } from '../test/harness/postgres';
import { seededRandom } from '../test/harness/seeded-random';

// `npm run chaos -- --faults N --seed S`: one short campaign (plan 1's rules, all four phases in
// real time on a dev server) run twice at once, each on its own production worker process. One
// worker is SIGKILLed at N random instants and restarted; the other is left alone. Then the final
// campaign states, each unit's outcome per phase, the upward reports and the notification ids are
// compared (campaign ids, times and run ids aside). Exit 1 on any difference.

const { values } = parseArgs({ options: { faults: { type: 'string', default: '5' }, seed: { type: 'string' } } });
const FAULTS = Number(values.faults);
const SEED = Number(values.seed ?? Math.floor(Math.random() * 2 ** 31));

const PHASE_SECONDS = 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** The plan, timed from t0: four phases of 20 s each, one after the other, all moving on by themselves. */
function chaosPlan(id: string, t0: number, webhook: (p: string) => string): CampaignPlan {
  const plan = subDistrictSpringPlan({ id, webhook, units: 3 });
  const iso = (s: number) => new Date(t0 + s * 1000).toISOString();
  return {
    ...plan,
    phases: plan.phases.map((p, i) => ({
      ...p,
      opensAt: iso(i * (PHASE_SECONDS + 1)),
      cutoff: iso(i * (PHASE_SECONDS + 1) + PHASE_SECONDS),
      reminders: i === 0 ? ['PT5S'] : [],
      reviewWithin: 'PT1H',
      advance: 'automatic' as const,
    })),
  };
}

/** Retries an action through a worker outage: until the workflow takes it or refuses it for good. */
async function persist<T>(what: string, action: () => Promise<T>, deadline: number): Promise<T | string> {
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
async function play(c: CampaignDriver): Promise<string[]> {
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

/** The final record with ids, times and run ids taken out, so two campaigns can be compared. */
async function outcome(c: CampaignDriver, campaigns: Campaigns, store: TestStore, receiver: WebhookReceiver, refusals: string[]) {
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
function differences(a: unknown, b: unknown, path = ''): string[] {
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

async function main(): Promise<number> {
  console.log(`chaos: ${FAULTS} faults, seed ${SEED} (repeat with --seed ${SEED})`);
  const random = seededRandom(SEED);
  const bundle = join(mkdtempSync(join(tmpdir(), 'relief-chaos-')), 'workflow-bundle.js');
  await bundleWorkflowsTo(bundle);
  const postgres = await startTestPostgres();
  process.env.RELIEF_TEST_PG_URL = postgres.url;
  const store = await createTestStore();
  const env = await createDevServerEnv();
  const receiver = await new WebhookReceiver(WEBHOOK_SECRET).start();
  const workers: Record<'faulty' | 'calm', WorkerProcess | undefined> = { faulty: undefined, calm: undefined };
  const start = (name: keyof typeof workers) => startWorkerProcess({ address: env.address, taskQueue: `chaos-${SEED}-${name}`, databaseUrl: store.url, workflowBundle: bundle });
  try {
    [workers.faulty, workers.calm] = await Promise.all([start('faulty'), start('calm')]);
    const t0 = Date.now() + 5_000;
    const plan = (name: string) => chaosPlan(`chaos-${SEED}-${name}-${Date.now().toString(36)}`, t0, (p) => receiver.url(p));
    const faulty = await CampaignDriver.start(env, `chaos-${SEED}-faulty`, plan('faulty'), store);
    const calm = await CampaignDriver.start(env, `chaos-${SEED}-calm`, plan('calm'), store);
    const end = Date.parse(faulty.plan.phases.at(-1)!.cutoff);

    // Kill instants over the whole campaign, in order.
    const instants = Array.from({ length: FAULTS }, () => t0 + random() * (end - t0)).sort((a, b) => a - b);
    const injected: string[] = [];
    const faults = (async () => {
      for (const at of instants) {
        await sleep(at - Date.now());
        const phase = [...faulty.plan.phases].reverse().find((p) => Date.parse(p.opensAt) <= Date.now())?.name ?? 'before-preparation';
        await workers.faulty!.kill();
        const killedAt = (Date.now() - t0) / 1000;
        workers.faulty = await start('faulty');
        injected.push(`SIGKILL at +${killedAt.toFixed(1)} s (${phase}), back after ${((Date.now() - t0) / 1000 - killedAt).toFixed(1)} s`);
        console.log(`  fault ${injected.length}: ${injected.at(-1)}`);
      }
    })();
    const [faultyRefusals, calmRefusals] = await Promise.all([play(faulty), play(calm), faults]);

    // Queries fail while a restarted worker has not polled yet: asked again until they answer.
    const answered = <T>(query: () => Promise<T>) => persist('query', query, Date.now() + 120_000).then((r) => (typeof r === 'string' ? Promise.reject(new Error(r)) : r));
    const done = (c: CampaignDriver) => answered(() => c.state().then((s) => (s.status === 'completed' ? s : Promise.reject(new Error(`campaign ${s.status} in ${s.currentPhase}`)))));
    await Promise.all([done(faulty), done(calm)]);
    // Notifications still in flight after the last phase closed.
    await receiver.waitFor(() => receiver.notifications().filter((n) => n.campaignId === faulty.plan.id).length >= receiver.notifications().filter((n) => n.campaignId === calm.plan.id).length, 60_000).catch(() => {});
    const campaigns = new Campaigns(env.client, 'unused', new Updates(env.client, 10_000, 3_000), store.records, store.views);
    const a = await answered(() => outcome(faulty, campaigns, store, receiver, faultyRefusals));
    const b = await answered(() => outcome(calm, campaigns, store, receiver, calmRefusals));

    console.log(`faults injected (${injected.length}):`);
    for (const line of injected) console.log(`  ${line}`);
    const found = differences(a, b);
    const paid = (b.report as { totals: { paid: number } }).totals.paid;
    console.log(`compared: campaign state, ${Object.keys(b.units as object).length} unit phases, upward report (${paid} paid), ${(b.notifications as unknown[]).length} notification ids`);
    if (!found.length) {
      console.log('differences: none');
      return 0;
    }
    console.log(`differences (${found.length}):`);
    for (const line of found) console.log(`  ${line}`);
    return 1;
  } finally {
    await Promise.all([workers.faulty?.kill(), workers.calm?.kill()]);
    await env.teardown();
    await receiver.stop();
    await store.pool.end();
    await postgres.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(2);
  },
);
