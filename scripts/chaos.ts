import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Campaigns } from '../api/campaigns';
import { Updates } from '../api/updates';
import { CampaignDriver } from '../test/harness/campaign-driver';
import { chaosPlan, differences, outcome, persist, play, sleep } from '../test/harness/chaos-campaign';
import { createTestStore, startTestPostgres } from '../test/harness/postgres';
import { seededRandom } from '../test/harness/seeded-random';
import { createDevServerEnv, WEBHOOK_SECRET } from '../test/harness/temporal';
import { WebhookReceiver } from '../test/harness/webhook-receiver';
import { startWorkerProcess, type WorkerProcess } from '../test/harness/worker-process';
import { bundleWorkflowsTo } from '../worker/bundle-workflows';

// `npm run chaos -- --faults N --seed S`: one short campaign (plan 1's rules, all four phases in
// real time on a dev server) run twice at once, each on its own production worker process. One
// worker is SIGKILLed at N random instants and restarted; the other is left alone. Then the final
// campaign states, each unit's outcome per phase, the upward reports and the notification ids are
// compared (campaign ids, times and run ids aside). Exit 1 on any difference.

const { values } = parseArgs({ options: { faults: { type: 'string', default: '5' }, seed: { type: 'string' } } });
const FAULTS = Number(values.faults);
const SEED = Number(values.seed ?? Math.floor(Math.random() * 2 ** 31));

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
