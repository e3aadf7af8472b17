import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { chromium, type Browser } from 'playwright-core';
import { Campaigns } from '../api/campaigns';
import { stackExecutablePath } from '../config/temporal-servers';
import { portsFrom, startStack, type Service, type Stack } from '../scripts/stack';
import { campaignWorkflowId } from '../domain/workflow-ids';
import { Updates } from '../api/updates';
import { storeAt, TEST_HOUSEHOLD_KEY_SECRET, type TestStore } from './harness/postgres';
import { CampaignDriver, type DriverEnv } from './harness/campaign-driver';
import { chaosPlan, differences, outcome, persist, play, sleep } from './harness/chaos-campaign';
import { createDevServerEnv, createTestWorker, TEST_PAYLOAD_KEYS_ENV, testDataConverter, WEBHOOK_SECRET } from './harness/temporal';
import { WebhookReceiver } from './harness/webhook-receiver';

// The production topology (scripts/stack.ts: PostgreSQL, two Temporal 1.32 nodes, UI server, two
// workers, two APIs) under faults. One short campaign runs through it while, mid-phase, a Temporal
// node is SIGKILLed, then a worker, then PostgreSQL is restarted; the same campaign runs undisturbed
// on a dev server beside it. Their outcomes must be equal. Then the managers' queries on SQL
// visibility, the campaign figures on /metrics, and the Web UI server in chromium.

const CHROMIUM = '/usr/bin/chromium';
const CAMPAIGN_QUEUE = 'relief-campaigns'; // the stack's workers run with the config's default

/**
 * A block of ports nobody listens on: the stack's 9 + 2×10 node ports from a random base, all
 * below Linux's ephemeral range (32768–60999), where the suites running beside this one get the
 * ports of their servers (port 0): a port free when checked cannot be handed to one of them later.
 */
async function freeBlock(): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const server = createServer().once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 120) * 100;
    const ports = portsFrom(base);
    const all = [ports.postgres, ports.frontend, ports.ui, ...ports.apis, ...ports.workerMetrics, ...ports.nodes.flatMap((n) => Object.values(n))];
    if ((await Promise.all(all.map(free))).every(Boolean)) return base;
  }
}

const sample = (text: string, series: string) => Number(text.split('\n').find((l) => l.startsWith(`${series} `))?.slice(series.length + 1));

describe('the production topology under faults (npm run stack)', () => {
  let dataDir: string;
  let stack: Stack;
  let connection: Connection;
  let client: Client;
  let calmEnv: TestWorkflowEnvironment;
  let calmWorker: Worker;
  let calmRunning: Promise<void>;
  let calmQueue: string;
  let receiver: WebhookReceiver;
  let browser: Browser | undefined;
  let calmStore: TestStore;
  let stackStore: TestStore;

  beforeAll(async () => {
    for (const kind of ['server', 'sql-tool', 'ui'] as const) {
      if (!existsSync(stackExecutablePath(kind))) throw new Error(`${stackExecutablePath(kind)} is missing: bash scripts/install-temporal.sh stack`);
    }
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: sudo bash scripts/install-chromium.sh`);
    dataDir = mkdtempSync(join(tmpdir(), 'relief-stack-'));
    chmodSync(dataDir, 0o755); // PostgreSQL runs as its own user and must reach its data directory inside

    receiver = await new WebhookReceiver(WEBHOOK_SECRET).start();
    [stack, calmEnv] = await Promise.all([
      startStack({
        dataDir,
        ports: portsFrom(await freeBlock()),
        retention: '3d',
        namespace: 'default',
        appEnv: { WEBHOOK_SIGNING_SECRET: WEBHOOK_SECRET, PAYLOAD_KEYS: TEST_PAYLOAD_KEYS_ENV, HOUSEHOLD_KEY_SECRET: TEST_HOUSEHOLD_KEY_SECRET },
        workflowBundle: process.env.RELIEF_WORKFLOW_BUNDLE,
        durable: false,
      }),
      createDevServerEnv(),
    ]);
    connection = await Connection.connect({ address: stack.address });
    client = new Client({ connection, namespace: 'default', dataConverter: testDataConverter });
    const calm = await createTestWorker(calmEnv);
    calmStore = calm.store;
    stackStore = storeAt(stack.databaseUrl);
    calmWorker = calm.worker;
    calmRunning = calmWorker.run();
    calmQueue = calm.taskQueue;
  }, 360_000);

  afterAll(async () => {
    await browser?.close();
    await connection?.close();
    await stack?.stop();
    calmWorker?.shutdown();
    await calmRunning;
    await calmEnv?.teardown();
    await receiver?.stop();
    await Promise.all([calmStore?.pool.end(), stackStore?.pool.end()]);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 240_000);

  test('given a campaign on the stack, when a Temporal node, then a worker are SIGKILLed and PostgreSQL restarts mid-phase, its states, report and notification ids should equal an undisturbed run’s; SQL visibility, /metrics and the Web UI should find it', async () => {
    const realTime = (c: Client): DriverEnv => ({ client: c, currentTimeMs: async () => Date.now(), sleep: async (ms) => void (await sleep(Number(ms))) });
    const t0 = Date.now() + 5_000;
    const suffix = Date.now().toString(36);
    const plan = (name: string) => chaosPlan(`stack-${name}-${suffix}`, t0, (p) => receiver.url(p));
    const disturbed = await CampaignDriver.start(realTime(client), CAMPAIGN_QUEUE, plan('faulty'), stackStore);
    const calm = await CampaignDriver.start(realTime(calmEnv.client), calmQueue, plan('calm'), calmStore);

    // Each fault lands 10 s into a phase, after (or, on a loaded machine, amid) that phase's actions:
    // what it may break is the cutoff, the closing and the next phase's opening, which Temporal must
    // carry through.
    const at = (phase: number) => Date.parse(disturbed.plan.phases[phase]!.opensAt) + 10_000;
    const injected: string[] = [];
    const fault = async (when: number, what: string, action: () => Promise<void>) => {
      await sleep(when - Date.now());
      const started = Date.now();
      await action();
      injected.push(`${what} at +${((started - t0) / 1000).toFixed(1)} s, back after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    };
    const crash = async (service: Service) => {
      await service.kill();
      await service.start();
    };
    const faults = (async () => {
      await fault(at(0), 'SIGKILL temporal-1 (preparation)', () => crash(stack.nodes[0]!));
      await fault(at(1), 'SIGKILL worker-1 (publicity)', () => crash(stack.workers[0]!));
      await fault(at(2), 'PostgreSQL restart (visiting)', () => stack.restartPostgres());
    })();
    const [disturbedRefusals, calmRefusals] = await Promise.all([play(disturbed), play(calm), faults]);
    expect(injected).toHaveLength(3);

    const answered = <T>(query: () => Promise<T>) => persist('query', query, Date.now() + 60_000).then((r) => (typeof r === 'string' ? Promise.reject(new Error(r)) : r));
    const done = (c: CampaignDriver) => answered(() => c.state().then((s) => (s.status === 'completed' ? s : Promise.reject(new Error(`campaign ${s.status} in ${s.currentPhase}`)))));
    await Promise.all([done(disturbed), done(calm)]);
    const count = (id: string) => receiver.notifications().filter((n) => n.campaignId === id).length;
    await receiver.waitFor(() => count(disturbed.plan.id) >= count(calm.plan.id), 30_000).catch(() => {});
    const campaignsOf = (c: Client, store: TestStore) => new Campaigns(c, 'unused', new Updates(c, 10_000, 3_000), store.records, store.views);
    const a = await answered(() => outcome(disturbed, campaignsOf(client, stackStore), stackStore, receiver, disturbedRefusals));
    const b = await answered(() => outcome(calm, campaignsOf(calmEnv.client, calmStore), calmStore, receiver, calmRefusals));
    expect((b.notifications as unknown[]).length).toBeGreaterThan(0);
    expect({ injected, differences: differences(a, b) }).toEqual({ injected, differences: [] });

    // The managers' queries on SQL visibility (PostgreSQL), as the README gives them.
    const id = disturbed.plan.id;
    const ids = async (query: string) => {
      const found: string[] = [];
      for await (const wf of client.workflow.list({ query })) found.push(wf.workflowId);
      return found.sort();
    };
    const forfeited = await answered(async () => {
      const list = await ids(`CampaignId="${id}" AND CampaignStatus="forfeited"`);
      return list.length === 2 ? list : Promise.reject(new Error(`forfeited: ${list.join(', ')}`));
    });
    expect(forfeited).toEqual([expect.stringMatching(/preparation.*community-3$/), expect.stringMatching(/summary.*community-2$/)]);
    expect(await ids(`CampaignId="${id}" AND CampaignPhase="preparation" AND CampaignStatus="forfeited"`)).toEqual([expect.stringMatching(/community-3$/)]);
    expect(await ids(`CampaignId="${id}" AND WorkflowType="phaseWorkflow" AND CampaignStatus="closed"`)).toHaveLength(4);
    expect(await ids(`CampaignId="${id}" AND WorkflowType="campaignWorkflow"`)).toEqual([campaignWorkflowId(id)]);

    // Each API's /metrics: its requests by route and status with their latency, and the campaign
    // figures counted in the same visibility store (the undisturbed run is on another server).
    for (const url of stack.apiUrls) {
      expect((await fetch(`${url}/health`)).status).toBe(200);
      const figures = await answered(async () => {
        const text = await (await fetch(`${url}/metrics`)).text();
        const read = ['relief_campaign_figures_up', 'relief_units_forfeited', 'relief_reviews_overdue', 'relief_notifications_pending'].map((series) => sample(text, series));
        // The last deliveries' workflows may still be closing.
        return read[3] === 0 ? { text, read } : Promise.reject(new Error(`${url}: notifications pending ${read[3]}`));
      });
      expect([url, ...figures.read]).toEqual([url, 1, 2, 0, 0]);
      expect([url, sample(figures.text, 'relief_api_requests_total{method="GET",route="/health",status="200"}')]).toEqual([url, 1]);
      expect([url, sample(figures.text, 'relief_api_request_duration_seconds_count{method="GET",route="/health"}')]).toEqual([url, 1]);
    }
    // Each worker's SDK runtime metrics, for both of its task queues (worker-1 is the restarted one).
    for (const port of stack.ports.workerMetrics) {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const series = (name: string, queue: string) => text.split('\n').some((l) => l.startsWith(`${name}{`) && l.includes(`task_queue="${queue}"`));
      const shown = ['temporal_worker_task_slots_available', 'temporal_num_pollers'].flatMap((name) => [CAMPAIGN_QUEUE, 'relief-notifications'].map((queue) => [name, queue, series(name, queue)]));
      expect([port, shown]).toEqual([port, shown.map(([name, queue]) => [name, queue, true])]);
    }

    // The Web UI server finds the campaign by its CampaignId.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    await page.goto(`${stack.uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(`CampaignId="${id}" AND WorkflowType="campaignWorkflow"`)}`);
    await page.getByRole('link', { name: campaignWorkflowId(id), exact: true }).first().waitFor({ timeout: 20_000 });
  }, 420_000);
});
