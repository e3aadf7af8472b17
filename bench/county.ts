import { randomBytes, randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { loadExample } from '../examples/example';
import { campaignPlanSchema, type CampaignPlan, type PhaseName } from '../domain/plan';
import { MAX_VISITS_PER_BATCH } from '../domain/visits';
import { workflowsPath } from '../worker/create-worker';
import { onceStarted, startApi, type ApiResponse, type RunningApi } from '../test/harness/api';
import { createTestStore, startTestPostgres, TEST_HOUSEHOLD_KEY_SECRET } from '../test/harness/postgres';
import { generateHouseholds, rosterXlsx } from '../test/harness/roster-fixtures';
import { createTimeSkippingEnv, TEST_PAYLOAD_KEYS_ENV, WEBHOOK_SECRET } from '../test/harness/temporal';
import { WebhookReceiver } from '../test/harness/webhook-receiver';
import { LIMITS, phaseFigures, type HistoryFigures } from './histories';
import { inPool } from './pool';
import { bundle, memoryOf, MemorySampler, postmasterPid, processWith, startWorkerProcess, workerEnv } from './processes';
import { quantile } from './stats';

// `npm run bench -- --scenario county`: plan 6 (健康進萬家) at county scale. 20 township health
// centres (鄉鎮衛生院) × 15,000 households: rosters uploaded as XLSX through the API, every household
// visited through the API in batches of 1,000, the coverage milestones (30% by 10/31, all by 11/30)
// reminding only the units deliberately kept behind, then the upward report read several times.
// Temporal is the Java time-skipping server: the bench works in real time and jumps over the weeks
// between the plan's dates (2027-10-18 … 11-30), so the milestones come due as soon as the work
// before them is done. The campaign worker runs in a process of its own (its RSS from /proc).

const { values: flags } = parseArgs({
  options: {
    scenario: { type: 'string' },
    units: { type: 'string', default: '20' },
    households: { type: 'string', default: '15000' },
    /** Requests in flight at once (uploads, batches): one per unit. */
    clients: { type: 'string', default: '4' },
    'report-reads': { type: 'string', default: '10' },
  },
});
const UNITS = Number(flags.units);
const HOUSEHOLDS = Number(flags.households);
const CLIENTS = Number(flags.clients);
const REPORT_READS = Number(flags['report-reads']);
const REPORT_TARGET_MS = 2_000;
const HOUR = 3_600_000;
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const TOWNSHIPS = ['城關鎮', '東關鎮', '西河鎮', '南橋鎮', '北山鄉', '龍泉鎮', '石橋鎮', '青山鄉', '白沙鎮', '新場鎮', '三河鄉', '高坪鎮', '觀音鎮', '金龍鄉', '馬鞍鎮', '長嶺鄉', '太平鎮', '雙河鎮', '永興鄉', '桂花鎮'];

/**
 * How far each unit has visited by each milestone, as shares of its roster. Most keep pace; two
 * fall behind the 30% mark and catch up; two pass it but are short of all at 11/30 (and finish after).
 */
type Pace = 'on-pace' | 'behind-at-30%' | 'behind-at-100%';
const PACE: Record<Pace, { byFirst: number; bySecond: number }> = {
  'on-pace': { byFirst: 0.3, bySecond: 1 },
  'behind-at-30%': { byFirst: 0.1, bySecond: 1 },
  'behind-at-100%': { byFirst: 0.4, bySecond: 0.8 },
};
const paceOf = (i: number): Pace => (i >= UNITS - 2 ? 'behind-at-100%' : i >= UNITS - 4 ? 'behind-at-30%' : 'on-pace');

const log = (message: string) => console.error(`[bench county ${new Date().toISOString().slice(11, 19)}] ${message}`);
const fixed = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Plan 6 as the county health bureau wrote it, with 20 township centres of 15,000 households instead of its three county hospitals. */
function countyPlan(webhook: (path: string) => string): CampaignPlan {
  const { plan } = loadExample('plan-6-health-outreach');
  const [template] = plan.units;
  const units = Array.from({ length: UNITS }, (_, i) => ({
    ...template!,
    id: `township-${String(i + 1).padStart(2, '0')}`,
    name: `${TOWNSHIPS[i % TOWNSHIPS.length]}衛生院${i >= TOWNSHIPS.length ? i + 1 : ''}`,
    quota: HOUSEHOLDS,
  }));
  const relocated = JSON.parse(JSON.stringify({ ...plan, id: `county-${randomUUID().slice(0, 8)}`, units }).replaceAll('http://127.0.0.1:8234/', webhook(''))) as CampaignPlan;
  return campaignPlanSchema.parse(relocated);
}

interface Stage {
  name: string;
  seconds: number;
  rows?: number;
}

export async function runCounty(): Promise<void> {
  const loadAtStart = loadavg();
  const started = performance.now();
  log(`bundling workflows; ${UNITS} units × ${fixed(HOUSEHOLDS)} households, ${CLIENTS} clients`);
  const codePath = await bundle(workflowsPath);
  const postgres = await startTestPostgres();
  process.env.RELIEF_TEST_PG_URL = postgres.url;
  const store = await createTestStore();
  const env = await createTimeSkippingEnv();
  const receiver = await new WebhookReceiver(WEBHOOK_SECRET).start();
  const taskQueue = 'bench-county';
  const worker = await startWorkerProcess(workerEnv({ role: 'app', address: env.address, taskQueue, codePath, databaseUrl: store.url }));
  const memory = new MemorySampler({ worker: worker.pid, postgres: postmasterPid(postgres.dataDir), temporal: processWith('io.temporal.testserver.TestServer', env.address.split(':').at(-1)!) });
  const stages: Stage[] = [];
  const statuses = new Map<number, number>();
  /** The requests answered 503, and why. */
  const unavailable: string[] = [];
  let api: RunningApi | undefined;
  try {
    const plan = countyPlan((p) => receiver.url(p));
    const tokens = new Map([`coordinator:${plan.coordinator.id}`, ...plan.reviewers.map((r) => `reviewer:${r.id}`), ...plan.units.map((u) => `unit:${u.id}`)].map((s) => [s, randomBytes(12).toString('hex')]));
    const token = (subject: string) => tokens.get(subject)!;
    const coordinator = token(`coordinator:${plan.coordinator.id}`);
    const config = loadConfig({
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      WEBHOOK_SIGNING_SECRET: WEBHOOK_SECRET,
      PAYLOAD_KEYS: TEST_PAYLOAD_KEYS_ENV,
      API_PORT: '0',
      API_BODY_LIMIT: '2mb',
      API_UPDATE_WAIT_MS: '60000',
      API_TOKENS: [...tokens].map(([s, t]) => `${t}=${s}`).join(','),
      DATABASE_URL: store.url,
      HOUSEHOLD_KEY_SECRET: TEST_HOUSEHOLD_KEY_SECRET,
    });
    const running = await startApi(config, env.client, store.pool);
    api = running;
    /**
     * One request as a careful client sends it: a POST carries an Idempotency-Key, and an answer
     * without a verdict yet (503 with Retry-After, 202 pending, 409 key in use) is sent again with
     * the same key. Every answer is counted, the 503s too.
     */
    const call = async (method: string, path: string, { token, body, file }: { token: string; body?: unknown; file?: Buffer }): Promise<ApiResponse> => {
      const key = method === 'POST' ? randomUUID() : undefined;
      for (;;) {
        const t0 = performance.now();
        const response = await fetch(running.url + path, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(key ? { 'idempotency-key': key } : {}), ...(file ? { 'content-type': XLSX } : body !== undefined ? { 'content-type': 'application/json' } : {}) },
          body: file ?? (body === undefined ? undefined : JSON.stringify(body)),
        });
        const text = await response.text();
        const reply = { status: response.status, headers: response.headers, body: response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text, ms: performance.now() - t0 };
        statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
        if (reply.status === 503) unavailable.push(`${method} ${path.replace(plan.id, '{id}')}: ${reply.body?.error?.code}`);
        const pending = reply.status === 503 || (key && reply.status === 202 && reply.body?.status === 'pending') || reply.body?.error?.code === 'idempotency-key-in-use';
        if (!pending) return reply;
        await new Promise((r) => setTimeout(r, 1_000 * Number(response.headers.get('retry-after') ?? 1)));
      }
    };
    const expectStatus = async (what: string, reply: Promise<ApiResponse>, status = 201) => {
      const { status: got, body } = await reply;
      if (got !== status) throw new Error(`${what}: ${got} ${JSON.stringify(body).slice(0, 400)}`);
      return body;
    };
    const unitPath = (phase: PhaseName, unitId: string) => `/campaigns/${plan.id}/phases/${phase}/units/${unitId}`;
    const supervisorOf = (unitId: string) => token(`reviewer:${plan.units.find((u) => u.id === unitId)!.supervisor}`);
    const approve = (phase: PhaseName, unitId: string) => expectStatus(`${unitId} approved in ${phase}`, call('POST', `${unitPath(phase, unitId)}/reviews`, { token: supervisorOf(unitId), body: { decision: 'approve' } }));
    const until = async (instant: string | number) => {
      const wait = new Date(instant).getTime() - (await env.currentTimeMs());
      if (wait > 0) await env.sleep(wait);
    };
    const stage = async <T>(name: string, rows: number | undefined, fn: () => Promise<T>): Promise<T> => {
      const t0 = performance.now();
      const result = await fn();
      stages.push({ name, seconds: (performance.now() - t0) / 1000, rows });
      log(`${name}: ${fixed((performance.now() - t0) / 1000, 1)} s${rows ? `, ${fixed(rows)} rows` : ''}; RSS worker ${fixed(memory.peak('worker'))} MB, postgres ${fixed(memory.peak('postgres'))} MB`);
      return result;
    };

    const [preparation, publicity, visiting] = plan.phases;
    await expectStatus('start campaign', call('POST', '/campaigns', { token: coordinator, body: plan }), 202);
    const files = await stage('generate the rosters as XLSX (exceljs; not through the API)', undefined, () =>
      inPool(plan.units, 1, async (u) => rosterXlsx(generateHouseholds(HOUSEHOLDS, plan, u.id, plan.units.indexOf(u) + 1))),
    );
    log(`rosters: ${fixed(files.reduce((s, f) => s + f.length, 0) / 1e6, 1)} MB of XLSX`);

    await until(Date.parse(preparation!.opensAt) + HOUR);
    await stage('import: roster uploads (XLSX) and their approval', UNITS * HOUSEHOLDS, () =>
      inPool(plan.units, CLIENTS, async (u, i) => {
        await expectStatus(`${u.id} roster upload`, onceStarted(() => call('POST', `${unitPath('preparation', u.id)}/roster-uploads`, { token: token(`unit:${u.id}`), file: files[i]! })));
        await approve('preparation', u.id);
        log(`${u.id}: roster of ${fixed(HOUSEHOLDS)} uploaded and approved`);
      }),
    );

    await until(Date.parse(publicity!.opensAt) + HOUR);
    await stage('publicity: report and approval per unit', undefined, () =>
      inPool(plan.units, CLIENTS, async (u) => {
        await expectStatus(`${u.id} publicity`, onceStarted(() => call('POST', `${unitPath('publicity', u.id)}/submissions`, { token: token(`unit:${u.id}`), body: { kind: 'publicity-report', report: '健康便民聯繫卡已發放' } })));
        await approve('publicity', u.id);
      }),
    );

    // Visits: each unit from where it stands up to a share of its roster, in batches of 1,000.
    const visitedSoFar = new Map(plan.units.map((u) => [u.id, 0]));
    const visitUpTo = (share: (pace: Pace) => number) => async () => {
      let rows = 0;
      await inPool(plan.units, CLIENTS, async (u, i) => {
        const to = Math.round(share(paceOf(i)) * HOUSEHOLDS);
        for (let from = visitedSoFar.get(u.id)!; from < to; from += MAX_VISITS_PER_BATCH) {
          const visits = Array.from({ length: Math.min(MAX_VISITS_PER_BATCH, to - from) }, (_, k) => ({ entry: from + k + 1, amount: 0, visitedOn: visiting!.opensAt.slice(0, 10), recipientSigned: true, handler: '家庭醫生簽約團隊' }));
          await expectStatus(`${u.id} visits ${from + 1}–${from + visits.length}`, onceStarted(() => call('POST', `${unitPath('visiting', u.id)}/visit-batches`, { token: token(`unit:${u.id}`), body: { visits } })));
          rows += visits.length;
        }
        visitedSoFar.set(u.id, to);
        if (to > 0) log(`${u.id}: ${fixed(to)} households visited`);
      });
      return rows;
    };
    const [first, second] = visiting!.milestones!;
    const behind = (milestone: string) => receiver.notifications({ kind: 'coverage-behind' }).filter((n) => n.data?.milestone === milestone);
    const expectedBehind = (pace: Pace) => plan.units.filter((_, i) => paceOf(i) === pace).map((u) => u.id);
    /** Until every unit that should be reminded at the milestone has been, and a little longer for any that should not. */
    const remindersAt = async (milestone: string, expected: string[]) => {
      await until(Date.parse(milestone) + HOUR);
      await receiver.waitFor(() => behind(milestone).length >= expected.length, 120_000).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 3_000));
      return behind(milestone).map((n) => n.unitId!).sort();
    };

    await until(Date.parse(visiting!.opensAt) + HOUR);
    const beforeFirst = await stage(`visits up to the ${first!.coverage * 100}% milestone`, undefined, visitUpTo((p) => PACE[p].byFirst));
    stages.at(-1)!.rows = beforeFirst;
    const remindedFirst = await stage(`time skip to ${first!.at} + 1 h, reminders received`, undefined, () => remindersAt(first!.at, expectedBehind('behind-at-30%')));

    const beforeSecond = await stage(`visits up to the ${second!.coverage * 100}% milestone, signed rosters`, undefined, async () => {
      const rows = await visitUpTo((p) => PACE[p].bySecond)();
      await inPool(plan.units, CLIENTS, async (u, i) => {
        await expectStatus(`${u.id} signed roster`, call('POST', `${unitPath('visiting', u.id)}/submissions`, { token: token(`unit:${u.id}`), body: { kind: 'signed-roster', report: '入戶走訪記錄', figures: { households: visitedSoFar.get(u.id)! } } }));
        // Those behind are reviewed after the milestone, once they have finished.
        if (paceOf(i) !== 'behind-at-100%') await approve('visiting', u.id);
      });
      return rows;
    });
    stages.at(-1)!.rows = beforeSecond;
    const remindedSecond = await stage(`time skip to ${second!.at} + 1 h, reminders received`, undefined, () => remindersAt(second!.at, expectedBehind('behind-at-100%')));
    const late = await stage('visits the late units finish, and their approval', undefined, async () => {
      const rows = await visitUpTo(() => 1)();
      for (const unitId of expectedBehind('behind-at-100%')) await approve('visiting', unitId);
      return rows;
    });
    stages.at(-1)!.rows = late;

    const reads = await stage(`upward report, ${REPORT_READS} reads through the API`, undefined, async () => {
      const ms: number[] = [];
      for (let i = 0; i < REPORT_READS; i++) {
        const reply = await call('GET', `/campaigns/${plan.id}/report`, { token: coordinator });
        if (reply.status !== 200) throw new Error(`report: ${reply.status}`);
        if (i === 0) log(`report totals: ${JSON.stringify(reply.body.totals)}`);
        ms.push(reply.ms);
      }
      return ms;
    });
    const report = (await call('GET', `/campaigns/${plan.id}/report`, { token: coordinator })).body;

    log('histories of every workflow of the campaign');
    const histories: HistoryFigures[] = [];
    for (const phase of ['preparation', 'publicity', 'visiting'] as const) {
      const f = await phaseFigures(env.client, plan, phase, undefined, 4);
      histories.push(f.phase, ...f.groups, ...f.units, ...(phase === 'visiting' ? [f.campaign] : []));
    }
    const mostEvents = histories.reduce((a, b) => (b.events > a.events ? b : a));
    const mostBytes = histories.reduce((a, b) => (b.bytes > a.bytes ? b : a));

    const sameUnits = (a: string[], b: string[]) => JSON.stringify(a) === JSON.stringify([...b].sort());
    const importStage = stages.find((s) => s.name.startsWith('import'))!;
    const visitRows = beforeFirst + beforeSecond + late;
    const visitSeconds = stages.filter((s) => s.name.startsWith('visits')).reduce((sum, s) => sum + s.seconds, 0);
    const totalHouseholds = UNITS * HOUSEHOLDS;
    const served503 = statuses.get(503) ?? 0;
    const rows: [string, string, string?, boolean?][] = [
      ...stages.map((s): [string, string] => [`Stage: ${s.name}`, `${fixed(s.seconds, 1)} s${s.rows ? ` (${fixed(s.rows)} rows, ${fixed(s.rows / s.seconds)} rows/s)` : ''}`]),
      ['Import: households per second (upload, parse, check, stage, submit, approve)', `${fixed(importStage.rows! / importStage.seconds)} rows/s`],
      ['Visits: households per second, batches of 1,000 through the API', `${fixed(visitRows / visitSeconds)} rows/s (${fixed(visitRows)} visits)`, `${fixed(totalHouseholds)}`, visitRows === totalHouseholds],
      [`Reminded at ${first!.at} (30%)`, remindedFirst.join(', ') || 'none', expectedBehind('behind-at-30%').join(', '), sameUnits(remindedFirst, expectedBehind('behind-at-30%'))],
      [`Reminded at ${second!.at} (100%)`, remindedSecond.join(', ') || 'none', expectedBehind('behind-at-100%').join(', '), sameUnits(remindedSecond, expectedBehind('behind-at-100%'))],
      ['Report totals (households, visited)', `${fixed(report.totals.households)}, ${fixed(report.totals.visited)}`, fixed(totalHouseholds), report.totals.households === totalHouseholds && report.totals.visited === totalHouseholds],
      [`Report latency through the API, ${REPORT_READS} reads: p50 / max`, `${fixed(quantile(reads, 0.5))} / ${fixed(Math.max(...reads))} ms`, `< ${fixed(REPORT_TARGET_MS)} ms`, Math.max(...reads) < REPORT_TARGET_MS],
      ['Largest history (events)', `${fixed(mostEvents.events)} events, ${fixed(mostEvents.bytes / 1e6, 2)} MB: ${mostEvents.workflowId}`, `< ${fixed(LIMITS.historyEvents)}`, mostEvents.events < LIMITS.historyEvents],
      ['Largest history (bytes)', `${fixed(mostBytes.bytes / 1e6, 2)} MB, ${fixed(mostBytes.events)} events: ${mostBytes.workflowId}`, '< 50 MB', mostBytes.bytes < 50e6],
      ['Worker peak RSS (VmHWM, separate process: bench/worker-process.ts under tsx)', `${fixed(memoryOf(worker.pid).peakMB)} MB`],
      ['PostgreSQL peak memory (sum of PSS over the postmaster and its backends, sampled every 0.5 s)', `${fixed(memory.peak('postgres'))} MB`],
      ['Temporal (Java time-skipping test server) peak memory (PSS)', `${fixed(memory.peak('temporal'))} MB`],
      ['Answers by status', [...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s} × ${fixed(n)}`).join(', ')],
      ['Any answer 503 (each retried with its Idempotency-Key after Retry-After)', served503 ? `yes, ${served503}: ${[...new Set(unavailable)].join('; ')}` : 'no', 'no', served503 === 0],
      ['Bench wall time', `${fixed((performance.now() - started) / 1000)} s`],
    ];
    printCounty(rows, loadAtStart);
  } catch (err) {
    // Said before the tear-down: a client call still retrying when its connection closes ends the process.
    log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    throw err;
  } finally {
    memory.stop();
    await api?.close();
    await worker.stop();
    await env.teardown();
    await receiver.stop();
    await store.pool.end();
    await postgres.stop();
  }
}

function printCounty(rows: [string, string, string?, boolean?][], loadAtStart: number[]) {
  const loads = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  console.log(
    [
      `Date: ${new Date().toISOString()}; ${UNITS} units × ${fixed(HOUSEHOLDS)} households, ${CLIENTS} clients; load average at start ${loads(loadAtStart)}, at end ${loads(loadavg())}`,
      '',
      '| Figure | Value | Target | Result |',
      '| --- | --- | --- | --- |',
      ...rows.map(([figure, value, target, pass]) => `| ${figure} | ${value} | ${target ?? '—'} | ${pass === undefined ? '—' : pass ? 'PASS' : 'MISS'} |`),
    ].join('\n'),
  );
}
