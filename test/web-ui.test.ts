import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { lazyTemporalClient } from '../api/temporal-client';
import type { CampaignPlan } from '../domain/plan';
import { campaignStartOptions } from '../domain/campaign-start';
import { POSTMARK_GRACE_MS } from '../domain/unit-phase';
import { campaignWorkflowId, unitPhaseWorkflowId } from '../domain/workflow-ids';
import { planOutline } from '../store/records';
import { review, submit } from '../workflows/unit/messages';
import { createTestStore, type TestStore } from './harness/postgres';
import { apiConfig, eventually, startApi, TOKENS, withPreparationSoon, type RunningApi } from './harness/api';
import { createDevServerEnv, createTestWorker, uniqueId, WEBHOOK_SECRET } from './harness/temporal';
import { unionWinterPlan } from './harness/plans';
import { WebhookReceiver } from './harness/webhook-receiver';
import { freePort } from './harness/ports';
import { wakeUnitWorkflow } from './harness/campaign-driver';

// The managers' view: the dev server's Web UI in Debian's chromium (never a downloaded browser),
// finding a running campaign by its search attributes; and the list queries the README gives managers.

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, '..', 'test-artifacts');
const CUTOFF_IN_MS = 30_000;

describe('the Temporal Web UI (dev server, Debian chromium)', () => {
  let env: TestWorkflowEnvironment;
  let receiver: WebhookReceiver;
  let worker: Worker;
  let running: Promise<void>;
  let browser: Browser;
  let page: Page;
  let uiPort: number;
  let plan: CampaignPlan;
  let codecApi: RunningApi;
  let codecClient: ReturnType<typeof lazyTemporalClient>;
  let store: TestStore;

  const listUrl = (query: string) => `http://127.0.0.1:${uiPort}/namespaces/default/workflows?query=${encodeURIComponent(query)}`;
  const waitForListed = async (query: string, workflowId: string) => {
    // The list is read from visibility, which trails the workflows by a moment, and the UI renders
    // slowly while CI's other suites load both cores: reload until it shows, bounded by time.
    const deadline = Date.now() + 90_000;
    for (;;) {
      await page.goto(listUrl(query));
      try {
        await page.getByRole('link', { name: workflowId, exact: true }).first().waitFor({ timeout: 10_000 });
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
      }
    }
  };
  const count = async (query: string) => (await env.client.workflow.count(query)).count;
  const listIds = async (query: string) => {
    const ids: string[] = [];
    for await (const wf of env.client.workflow.list({ query })) ids.push(wf.workflowId);
    return ids.sort();
  };
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: the browser test drives Debian's chromium. Install it with: sudo bash scripts/install-chromium.sh`);
    }
    uiPort = await freePort();
    // Payloads are encrypted: the UI reads them through the API's codec endpoint (it never needs Temporal itself).
    store = await createTestStore();
    const codecConfig = apiConfig({ address: '127.0.0.1:9', taskQueue: uniqueId('tq'), databaseUrl: store.url, codecCorsOrigins: `http://127.0.0.1:${uiPort}` });
    codecClient = lazyTemporalClient(codecConfig);
    codecApi = await startApi(codecConfig, codecClient.client, store.pool);
    env = await createDevServerEnv({ ui: true, uiPort, extraArgs: ['--ui-codec-endpoint', `${codecApi.url}/codec`] });
    receiver = await new WebhookReceiver(WEBHOOK_SECRET).start();
    const created = await createTestWorker(env, undefined, { store });
    worker = created.worker;
    running = worker.run();
    // Plan 5's preparation phase, open now and closing in seconds; the later phases stay months ahead.
    plan = withPreparationSoon(unionWinterPlan({ id: uniqueId('union'), webhook: (p) => receiver.url(p), units: 2 }), -60_000, CUTOFF_IN_MS);
    // Started the way the API starts a campaign.
    await store.records.startCampaign(plan, { requestId: 'start', actor: plan.coordinator.id });
    await env.client.workflow.start('campaignWorkflow', { ...campaignStartOptions(planOutline(plan)), taskQueue: created.taskQueue });
    // The first unit submits now, before the cutoff, however long the first test takes.
    const submitter = plan.units[0]!;
    await eventually(async () => {
      await wakeUnitWorkflow(env.client, plan, 'preparation', submitter.id);
      await env.client.workflow.getHandle(unitPhaseWorkflowId(plan.id, 'preparation', submitter.id)).executeUpdate(submit, {
        args: [{ requestId: uniqueId('submit'), actor: submitter.id, receivedAt: new Date().toISOString(), kind: 'applicant-roster', report: '困難職工和勞模慰問對象花名冊 (20 人)' }],
      });
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    // The coordinator's token on the codec calls, as the authenticating proxy in front of the UI adds it.
    await page.route(`${codecApi.url}/codec/**`, (route) => route.continue({ headers: { ...route.request().headers(), authorization: `Bearer ${TOKENS.coordinator}` } }));
  });

  afterAll(async () => {
    await browser?.close();
    await env?.client.workflow.getHandle(campaignWorkflowId(plan?.id ?? '')).terminate('test done').catch(() => undefined);
    worker?.shutdown();
    await running;
    await env?.teardown();
    await receiver?.stop();
    await codecApi?.close();
    await codecClient?.connection.close();
    await store?.pool.end();
  });

  test('given a running campaign, when a manager filters the workflow list by its CampaignId and opens it, the page should show its phase', async () => {
    const workflowId = campaignWorkflowId(plan.id);
    await waitForListed(`CampaignId="${plan.id}" AND WorkflowType="campaignWorkflow"`, workflowId);
    await page.getByRole('link', { name: workflowId, exact: true }).first().click();
    await page.waitForURL(/\/workflows\/campaign/);
    mkdirSync(ARTIFACTS, { recursive: true });
    try {
      await page.getByText(plan.title).first().waitFor({ timeout: 15_000 });
      // The title is stored encrypted: the UI could show it only through the codec endpoint.
      expect(codecApi.logs).toContainEqual(expect.objectContaining({ route: '/codec/decode', status: 200 }));
      await page.getByText('Search Attributes', { exact: true }).first().click();
      // The tab shows the attributes as JSON, keys and values in separate highlighted spans.
      await eventually(async () => expect(await page.locator('main').innerText()).toMatch(/"CampaignPhase":\s*"preparation"/), 10_000);
      expect(await page.locator('main').innerText()).toMatch(new RegExp(`"CampaignId":\\s*"${plan.id}"`));
    } finally {
      await page.screenshot({ path: join(ARTIFACTS, 'web-ui.png'), fullPage: true });
    }
  }, 180_000);

  test('given a unit that submitted, one that let the cutoff pass and a closed phase, the managers’ documented queries should find each, in the API and in the UI', async () => {
    const [submitter, latecomer] = plan.units;
    const submitterId = unitPhaseWorkflowId(plan.id, 'preparation', submitter!.id);
    const latecomerId = unitPhaseWorkflowId(plan.id, 'preparation', latecomer!.id);

    // What awaits review
    const awaitingReview = `CampaignId="${plan.id}" AND CampaignStatus="submitted"`;
    await eventually(async () => expect(await listIds(awaitingReview)).toEqual([submitterId]));
    await eventually(async () => expect(await count('CampaignStatus="submitted"')).toBeGreaterThanOrEqual(1));

    // Who is overdue: forfeited in preparation, once the cutoff has passed
    const forfeited = `CampaignId="${plan.id}" AND CampaignPhase="preparation" AND CampaignStatus="forfeited"`;
    await eventually(async () => expect(await listIds(forfeited)).toEqual([latecomerId]), CUTOFF_IN_MS + POSTMARK_GRACE_MS + 30_000);
    await waitForListed(forfeited, latecomerId);

    // What awaits sign-off: the review closes the phase, which needs the coordinator's sign-off
    await env.client.workflow.getHandle(submitterId).executeUpdate(review, {
      args: [{ requestId: uniqueId('review'), actor: submitter!.supervisor, receivedAt: new Date().toISOString(), decision: 'approve' }],
    });
    const awaitingSignOff = 'WorkflowType="campaignWorkflow" AND CampaignStatus="awaiting-sign-off"';
    await eventually(async () => expect(await listIds(`${awaitingSignOff} AND CampaignId="${plan.id}"`)).toEqual([campaignWorkflowId(plan.id)]));
    await waitForListed(awaitingSignOff, campaignWorkflowId(plan.id));
    // The phase itself reads closed
    await eventually(async () => expect(await count(`CampaignId="${plan.id}" AND WorkflowType="phaseWorkflow" AND CampaignStatus="closed"`)).toBe(1));
  }, 300_000);
});
