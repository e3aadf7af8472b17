import '../test/harness/quiet-runtime';
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { temporal } from '@temporalio/proto';
import { loadConfig } from '../config';
import { getCampaignState } from '../workflows/campaign/messages';
import { campaignWorkflowId, unitPhaseWorkflowId, unitsPerGroup } from '../domain/workflow-ids';
import { review, submit } from '../workflows/unit/messages';
import { workflowsPath } from '../worker/create-worker';
import { startApi, type RunningApi } from '../test/harness/api';
import { createDevServerEnv, TEST_PAYLOAD_KEYS_ENV, WEBHOOK_SECRET } from '../test/harness/temporal';
import { WebhookReceiver } from '../test/harness/webhook-receiver';
import { createTestStore, startTestPostgres, TEST_HOUSEHOLD_KEY_SECRET } from '../test/harness/postgres';
import { historyFigures, LIMITS, phaseFigures, UNIT_EVENTS } from './histories';
import { runCycles, type LoadResult } from './load';
import { scalePlan } from './plan';
import { inPool } from './pool';
import { bundle, memoryOf, startWorkerProcess, workerEnv, type WorkerProcess } from './processes';
import { hotFunctions, profiled, readCpuProfiles, type HotFunction } from './profile';
import { bump, type rawWorkflow } from './raw-workflow';
import { plotLoad } from './plot';
import { updateBreakdown } from './spans';
import { histogram, range } from './stats';
import { campaignWallTime } from './time-skipping';

// `npm run bench`: a dev server, the campaign worker in a child process, the API in this one, a
// 5,000-unit preparation phase driven through the API by 20 clients, the same number of raw
// Temporal updates on the same server, then whole campaigns under time skipping. One table.

// Issue 15's targets.
const TARGETS = { ratio: 0.8, p99Ms: 250, workerMB: 300, unitsPerSecond: 100 };
const RESULTS_DIR = join(__dirname, 'results');
const REVISION = commit();

/** `--scenario county` is bench/county.ts, with flags of its own; the default, `units`, is this file. */
const SCENARIO = parseArgs({ options: { scenario: { type: 'string', default: 'units' } }, strict: false }).values.scenario;
const { values: flags } = parseArgs({
  args: SCENARIO === 'units' ? undefined : [],
  options: {
    scenario: { type: 'string' },
    units: { type: 'string', default: '5000' },
    clients: { type: 'string', default: '20' },
    /** Campaign sizes for the time-skipping wall time, comma-separated; 0 skips it. Two sizes below --units are extrapolated to it. */
    'time-skipping-units': { type: 'string', default: '500,1000' },
    /** The campaign worker's sticky cache (maxCachedWorkflows); unset, as worker/main.ts runs it: the SDK default. */
    'max-cached-workflows': { type: 'string' },
    /**
     * Seconds from the campaign's start to its preparation's opening, so that the units' workflows
     * are started and waiting when it opens, as in a campaign started ahead of its dates (about
     * UNITS / 15 + 20 lets them all start here); 0, the default, opens at the start.
     */
    'opens-in': { type: 'string', default: '0' },
    /** CPU-profile the worker process and this one (API and clients) while the API is under load. */
    profile: { type: 'boolean', default: false },
  },
});
const UNITS = Number(flags.units);
const CLIENTS = Number(flags.clients);
const OPENS_IN_MS = 1000 * Number(flags['opens-in']);
const TIME_SKIPPING_UNITS = flags['time-skipping-units'].split(',').map(Number).filter((n) => n > 0);

const log = (message: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fixed = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

interface Row {
  figure: string;
  value: string;
  target?: string;
  pass?: boolean;
}

async function main() {
  const rows: Row[] = [];
  const profiles: { name: string; hot: HotFunction[] }[] = [];
  const loadAtStart = loadavg();
  log(`bundling workflows; ${UNITS} units, ${CLIENTS} clients`);
  const appBundle = await bundle(workflowsPath);
  const rawBundle = await bundle(require.resolve('./raw-workflow'));
  process.env.RELIEF_WORKFLOW_BUNDLE = appBundle; // the time-skipping worker (test harness) loads it

  // The record: a private PostgreSQL for the whole bench, a database of its own for the app.
  const postgres = await startTestPostgres();
  let plot: string | undefined;
  try {
    process.env.RELIEF_TEST_PG_URL = postgres.url;
    const store = await createTestStore();
    const env = await createDevServerEnv();
    const receiver = await new WebhookReceiver(WEBHOOK_SECRET).start();
    const workerProfileDir = mkdtempSync(join(tmpdir(), 'relief-bench-prof-'));
    const benchWorkerEnv = (role: 'app' | 'raw', taskQueue: string, codePath: string) => workerEnv({ role, address: env.address, taskQueue, codePath, databaseUrl: store.url, maxCachedWorkflows: flags['max-cached-workflows'] });
    let appWorker: WorkerProcess | undefined;
    let api: RunningApi | undefined;
    try {
      // Inside the try: a worker that fails to start must not leave the dev server running.
      appWorker = await startWorkerProcess(benchWorkerEnv('app', 'bench-app', appBundle), flags.profile ? ['--cpu-prof', '--cpu-prof-dir', workerProfileDir] : []);
      const plan = scalePlan({ id: `bench-${randomUUID().slice(0, 8)}`, units: UNITS, webhook: (p) => receiver.url(p), now: Date.now() + OPENS_IN_MS });
      const tokens = new Map(plan.units.map((u) => [u.id, randomBytes(12).toString('hex')]));
      const reviewerTokens = new Map(plan.reviewers.map((r) => [r.id, randomBytes(12).toString('hex')]));
      const coordinatorToken = randomBytes(12).toString('hex');
      const grants = [
        `${coordinatorToken}=coordinator:${plan.coordinator.id}`,
        ...[...reviewerTokens].map(([id, token]) => `${token}=reviewer:${id}`),
        ...[...tokens].map(([id, token]) => `${token}=unit:${id}`),
      ];
      const config = loadConfig({ TEMPORAL_ADDRESS: env.address, TEMPORAL_TASK_QUEUE: 'bench-app', WEBHOOK_SIGNING_SECRET: WEBHOOK_SECRET, PAYLOAD_KEYS: TEST_PAYLOAD_KEYS_ENV, API_PORT: '0', API_BODY_LIMIT: '16mb', API_TOKENS: grants.join(','), DATABASE_URL: store.url, HOUSEHOLD_KEY_SECRET: TEST_HOUSEHOLD_KEY_SECRET });
      api = await startApi(config, env.client, store.pool);
      const expect201 = async (what: string, reply: Promise<{ status: number; body: { code?: string; message?: string } }>) => {
        const { status, body } = await reply;
        if (status !== 201 && status !== 202) throw new Error(`${what}: ${status} ${body.code ?? ''} ${body.message ?? ''}`);
      };

      // Fan-out: the campaign starts, its phase starts the groups; at the opening each group opens its
      // units in the record and dispatches their phase-opened notices (a unit's workflow starts when it acts).
      const campaignStarted = performance.now();
      await expect201('start campaign', api.call('POST', '/campaigns', { token: coordinatorToken, body: plan }));
      const opensAt = Date.parse(plan.phases[0]!.opensAt);
      const waiting = OPENS_IN_MS > 0 ? await waitForUnits(store.pool, plan.id, 'scheduled', opensAt) : undefined;
      const startSeconds = (performance.now() - campaignStarted) / 1000;
      if (waiting !== undefined) log(`${waiting} units scheduled in the record in ${fixed(startSeconds, 1)} s; the phase opens in ${fixed((opensAt - Date.now()) / 1000, 1)} s`);
      await sleep(opensAt - Date.now());
      const fanOutStarted = OPENS_IN_MS > 0 ? performance.now() : campaignStarted;
      await waitForFanOut(store.pool, plan.id, receiver);
      const fanOutSeconds = (performance.now() - fanOutStarted) / 1000;
      const afterFanOut = memoryOf(appWorker.pid);
      log(`fan-out done in ${fixed(fanOutSeconds, 1)} s; worker RSS ${fixed(afterFanOut.rssMB)} MB`);

      const unitPath = (unitId: string) => `/campaigns/${plan.id}/phases/preparation/units/${unitId}`;
      const supervisor = new Map(plan.units.map((u) => [u.id, reviewerTokens.get(u.supervisor)!]));
      const appLoad = () =>
        runCycles(
          plan.units.map((u) => u.id),
          CLIENTS,
          (id) => expect201('submit', api!.call('POST', `${unitPath(id)}/submissions`, { token: tokens.get(id), body: { kind: 'applicant-roster', report: `${id} 困難職工慰問對象花名冊`, figures: { households: 20 } } })),
          (id) => expect201('review', api!.call('POST', `${unitPath(id)}/reviews`, { token: supervisor.get(id), body: { decision: 'approve' } })),
        );
      log('app: submit → review through the API');
      const app = flags.profile ? await profiledLoad('bench process (API + clients), app load', appLoad, profiles) : await appLoad();
      log(`app: ${fixed(app.perSecond, 1)} ops/s, p50 ${fixed(app.p50)} ms, p99 ${fixed(app.p99)} ms, ${app.failures.length} failures`);

      await waitFor('the preparation phase to close', async () => (await env.client.workflow.getHandle(campaignWorkflowId(plan.id)).query(getCampaignState)).phases[0]!.status === 'awaiting-sign-off');
      const figures = await phaseFigures(env.client, plan, 'preparation');
      // A notice that arrived at its first attempt, as it was dispatched, has no delivery workflow (activities/dispatcher.ts).
      const { count: deliveryWorkflows } = await env.client.workflow.count(`WorkflowType = 'deliverNotification'`);
      const worker = memoryOf(appWorker.pid);
      const workerMemory = await appWorker.memory();
      const sampled = (ids: string[]) => ids.filter((_, i) => i % Math.max(1, Math.floor(ids.length / 200)) === 0);
      const unitIds = sampled(plan.units.map((u) => unitPhaseWorkflowId(plan.id, 'preparation', u.id)));
      const appSpans = { submit: await updateBreakdown(env.client, unitIds, { name: submit.name }, app.p50), review: await updateBreakdown(env.client, unitIds, { name: review.name }, app.secondP50) };
      const odd = figures.units.find((u) => u.events !== figures.units[0]!.events);
      if (odd) log(`a unit whose history differs: ${odd.workflowId}: ${(await eventTypes(env.client, odd.workflowId)).join(' ')}`);

      log('raw: the same operations on a trivial workflow, straight from the client');
      const rawWorker = await startWorkerProcess(benchWorkerEnv('raw', 'bench-raw', rawBundle));
      const rawIds = plan.units.map((u) => `bench-raw-${plan.id}-${u.id}`);
      const rawStarted = performance.now();
      await inPool(rawIds, CLIENTS, (workflowId) => env.client.workflow.start<typeof rawWorkflow>('rawWorkflow', { workflowId, taskQueue: 'bench-raw' }));
      // As the units were open before the app's turn, every raw workflow has run its first task before this one's.
      await inPool(rawIds, CLIENTS, (workflowId) => waitFor(`${workflowId}'s first task`, async () => (await historyFigures(env.client, workflowId)).taskEvents >= 3, 60_000, 100));
      const rawStartSeconds = (performance.now() - rawStarted) / 1000;
      const bumpOnce = (label: string) => async (workflowId: string) => {
        await env.client.workflow.getHandle(workflowId).executeUpdate(bump, { args: [label], updateId: `${workflowId}-${label}` });
      };
      const raw = await runCycles(rawIds, CLIENTS, bumpOnce('submit'), bumpOnce('review'));
      log(`raw: ${fixed(raw.perSecond, 1)} ops/s, p50 ${fixed(raw.p50)} ms, p99 ${fixed(raw.p99)} ms`);
      await rawWorker.stop();
      const rawSampled = sampled(rawIds);
      const rawSpans = { submit: await updateBreakdown(env.client, rawSampled, { name: bump.name }, raw.p50), review: await updateBreakdown(env.client, rawSampled, { name: bump.name, occurrence: 1 }, raw.secondP50) };

      const ratio = app.perSecond / raw.perSecond;
      plot = plotLoad(`${fixed(UNITS)} units, ${CLIENTS} clients: app (submit → review through the API) and raw Temporal`, `the same number of Updates on a trivial workflow, same server; ${new Date().toISOString().slice(0, 16)}Z, commit ${REVISION}`, [
        { name: 'app', colour: '#c0392b', load: app },
        { name: 'raw', colour: '#2c3e50', load: raw },
      ]);
      const units = figures.units.map((u) => u.events);
      rows.push(
        { figure: `History events per unit workflow, submit → review (events × units, all ${fixed(UNITS)})`, value: histogram(units), target: `≤ ${UNIT_EVENTS} (test/scale.test.ts)`, pass: Math.max(...units) <= UNIT_EVENTS },
        { figure: 'Notices delivered at dispatch, without a delivery workflow (of every notice of the run)', value: `${fixed(receiver.received.length - deliveryWorkflows)} of ${fixed(receiver.received.length)}; ${fixed(deliveryWorkflows)} delivery workflows` },
        { figure: `Group workflow history (${figures.groups.length} groups of ≤ ${unitsPerGroup(UNITS)} units)`, value: `${range(figures.groups.map((g) => g.events))} events, ≤ ${fixed(Math.max(...figures.groups.map((g) => g.bytes)) / 1e6, 2)} MB`, target: `< ${fixed(LIMITS.historyEvents)} events`, pass: figures.groups.every((g) => g.events < LIMITS.historyEvents) },
        { figure: 'Phase workflow history', value: `${figures.phase.events} events, ${fixed(figures.phase.bytes / 1e6, 2)} MB`, target: `< ${fixed(LIMITS.historyEvents)} events`, pass: figures.phase.events < LIMITS.historyEvents },
        { figure: 'Phase workflow input (every unit in one payload)', value: `${fixed(figures.phase.inputBytes / 1024)} KiB (${fixed(figures.phase.inputBytes / UNITS)} B/unit)`, target: `< ${LIMITS.payloadBytes / 1024 / 1024} MiB (warns > ${LIMITS.payloadWarnBytes / 1024} KiB)`, pass: figures.phase.inputBytes < LIMITS.payloadBytes },
        { figure: 'Campaign workflow history (through preparation)', value: `${figures.campaign.events} events, ${fixed(figures.campaign.bytes / 1e6, 2)} MB`, target: `< ${fixed(LIMITS.historyEvents)} events`, pass: figures.campaign.events < LIMITS.historyEvents },
        ...(waiting === undefined
          ? []
          : [{ figure: `Units started ahead: campaign start → ${fixed(UNITS)} unit workflows waiting for the opening`, value: `${fixed(startSeconds, 1)} s (${fixed(UNITS / startSeconds)} units/s); ${fixed(waiting)} waiting at the opening` }]),
        { figure: `Fan-out: ${waiting === undefined ? 'campaign start' : 'the opening instant'} → ${fixed(UNITS)} units open and their notices delivered`, value: `${fixed(fanOutSeconds, 1)} s (${fixed(UNITS / fanOutSeconds)} units/s)`, target: `≥ ${TARGETS.unitsPerSecond} units/s`, pass: UNITS / fanOutSeconds >= TARGETS.unitsPerSecond },
        { figure: `App: submissions + reviews through the API, ${CLIENTS} clients`, value: `${fixed(app.perSecond, 1)} /s (${fixed(app.operations)} in ${fixed(app.seconds, 1)} s, ${app.failures.length} failed)`, pass: app.failures.length === 0, target: 'no failures' },
        { figure: 'App: submission latency p50 / p99', value: `${fixed(app.p50)} / ${fixed(app.p99)} ms`, target: `p99 < ${TARGETS.p99Ms} ms`, pass: app.p99 < TARGETS.p99Ms },
        { figure: 'App: review latency p50 / p99', value: `${fixed(app.secondP50)} / ${fixed(app.secondP99)} ms` },
        { figure: `Raw: 2 updates per trivial workflow from the client, ${CLIENTS} clients`, value: `${fixed(raw.perSecond, 1)} /s (${fixed(raw.operations)} in ${fixed(raw.seconds, 1)} s); first update p50 / p99 ${fixed(raw.p50)} / ${fixed(raw.p99)} ms, second ${fixed(raw.secondP50)} / ${fixed(raw.secondP99)} ms; ${fixed(rawIds.length)} starts in ${fixed(rawStartSeconds, 1)} s`, pass: raw.failures.length === 0, target: 'no failures' },
        { figure: 'Where a submission’s time goes (median of each part; server timestamps from its history)', value: appSpans.submit },
        { figure: 'Where a review’s time goes', value: appSpans.review },
        { figure: 'Where a raw Update’s time goes (first; second)', value: `${rawSpans.submit}; second: ${rawSpans.review}` },
        { figure: 'Ratio app / raw (throughput)', value: fixed(ratio, 2), target: `≥ ${TARGETS.ratio}`, pass: ratio >= TARGETS.ratio },
        { figure: `Worker peak RSS (VmHWM; after fan-out), maxCachedWorkflows ${flags['max-cached-workflows'] ?? 'SDK default'}`, value: `${fixed(worker.peakMB)} MB (${fixed(afterFanOut.rssMB)} MB)`, target: `< ${TARGETS.workerMB} MB`, pass: worker.peakMB < TARGETS.workerMB },
        { figure: "Worker memory after the load: RSS; the main thread's V8 heap used / total (activities, connections); external (buffers); the rest: the workflow thread's isolate, which holds the cached workflows, the Rust core and code", value: `${fixed(workerMemory.rssMB)} MB; ${fixed(workerMemory.heapUsedMB)} / ${fixed(workerMemory.heapTotalMB)} MB; ${fixed(workerMemory.externalMB)} MB; ${fixed(workerMemory.rssMB - workerMemory.heapTotalMB - workerMemory.externalMB)} MB` },
      );
      if (app.failures.length) log(`app failures (first 5): ${app.failures.slice(0, 5).join(' | ')}`);
    } finally {
      await api?.close();
      await appWorker?.stop();
      await env.teardown();
      await receiver.stop();
      await store.pool.end();
    }
    if (flags.profile) for (const { thread, profile } of readCpuProfiles(workerProfileDir)) profiles.push({ name: `campaign worker process, ${thread}, whole dev-server run`, hot: hotFunctions(profile) });

    const wallTimes: [number, number][] = [];
    for (const units of TIME_SKIPPING_UNITS) {
      log(`time skipping: a ${units}-unit campaign through all four phases`);
      const { seconds } = await campaignWallTime(units, CLIENTS);
      wallTimes.push([units, seconds]);
      rows.push({ figure: `Time skipping: ${fixed(units)}-unit campaign, all four phases (wall)`, value: `${fixed(seconds, 1)} s (${fixed((units * 4) / seconds, 1)} unit-phases/s)` });
    }
    const [[u1, t1] = [0, 0], [u2, t2] = [0, 0]] = wallTimes.slice(-2);
    if (wallTimes.length >= 2 && u2 < UNITS) {
      const seconds = t2 + ((t2 - t1) / (u2 - u1)) * (UNITS - u2);
      rows.push({ figure: `Time skipping: ${fixed(UNITS)}-unit campaign, EXTRAPOLATED linearly from the last two runs, not measured`, value: `≈ ${fixed(seconds)} s` });
    }
    const report = formatReport(rows, profiles, loadAtStart);
    console.log(report);
    writeResults(report, plot);
  } finally {
    // The record's server is a child of this process's making: it would outlive the bench.
    await postgres.remove();
  }
}

async function eventTypes(client: Client, workflowId: string): Promise<string[]> {
  const { events } = await client.workflow.getHandle(workflowId).fetchHistory();
  return (events ?? []).map((e) => temporal.api.enums.v1.EventType[e.eventType ?? 0]!.replace('EVENT_TYPE_', ''));
}

/** How many of the campaign's preparation units the record holds in this status. */
async function unitsIn(pool: Pool, campaignId: string, status: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM unit_phases WHERE campaign_id = $1 AND phase = 'preparation' AND status = $2", [campaignId, status]);
  return rows[0]!.n;
}

/** Until the record holds every unit open (each takes its submission from then on) and every phase-opened notice has reached its webhook. */
async function waitForFanOut(pool: Pool, campaignId: string, receiver: WebhookReceiver) {
  let last = 0;
  await waitFor('every unit to open', async () => {
    const count = await unitsIn(pool, campaignId, 'open');
    const notified = receiver.notifications({ kind: 'phase-opened' }).length;
    if (performance.now() - last > 15_000) {
      last = performance.now();
      log(`fan-out: ${count} units open, ${notified} notices delivered`);
    }
    return count === UNITS && notified === UNITS;
  }, undefined, 100);
}

/** How many of the campaign's units the record holds in this status once all are, or at the deadline, whichever comes first. */
async function waitForUnits(pool: Pool, campaignId: string, status: string, deadline: number): Promise<number> {
  for (;;) {
    const count = await unitsIn(pool, campaignId, status);
    if (count === UNITS || Date.now() >= deadline) return count;
    await sleep(Math.min(1_000, deadline - Date.now()));
  }
}

async function waitFor(what: string, done: () => Promise<boolean>, timeoutMs = 20 * 60_000, pollMs = 1_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(pollMs);
  }
}

async function profiledLoad(name: string, load: () => Promise<LoadResult>, profiles: { name: string; hot: HotFunction[] }[]) {
  const { result, profile } = await profiled(load);
  profiles.push({ name, hot: hotFunctions(profile) });
  return result;
}

/** The table and the plot, side by side in bench/results/, the table linking the plot. */
function writeResults(report: string, plot: string | undefined): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const table = join(RESULTS_DIR, `units-${UNITS}.md`);
  writeFileSync(table, `${report}\n${plot ? `\n![throughput and latency over time](units-${UNITS}.svg)\n` : ''}`);
  if (plot) writeFileSync(join(RESULTS_DIR, `units-${UNITS}.svg`), plot);
  log(`written: ${table}${plot ? ' and its plot' : ''}`);
}

/** The commit the bench runs, read at its start: a tree edited during a run does not change what it ran. */
function commit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: __dirname, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: __dirname, encoding: 'utf8' }).trim();
    return dirty ? `${head} with uncommitted changes` : head;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

function formatReport(rows: Row[], profiles: { name: string; hot: HotFunction[] }[], loadAtStart: number[]): string {
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${fixed(totalmem() / 2 ** 30, 1)} GiB RAM, Node ${process.version}, ${process.platform}`;
  const loads = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  const lines = [
    `Machine: ${machine}`,
    `Date: ${new Date().toISOString()}; commit ${REVISION}; load average at start ${loads(loadAtStart)}, at end ${loads(loadavg())}`,
    '',
    '| Figure | Value | Target | Result |',
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.figure} | ${r.value} | ${r.target ?? '—'} | ${r.pass === undefined ? '—' : r.pass ? 'PASS' : 'MISS'} |`),
  ];
  for (const { name, hot } of profiles) {
    lines.push('', `Hottest functions (self time), ${name}:`, ...hot.map((h) => `  ${h.selfPercent.toFixed(1).padStart(5)}%  ${h.name}`));
  }
  return lines.join('\n');
}

(SCENARIO === 'county' ? import('./county').then((county) => county.runCounty()) : main()).then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
