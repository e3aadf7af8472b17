import type { Client } from '@temporalio/client';
import { apiConfig, eventually, startApi, type RunningApi } from './harness/api';
import { realServer } from './harness/per-test';
import { household, subDistrictSpringPlan } from './harness/plans';
import type { TestStore } from './harness/postgres';
import { createDevServerEnv, createTestWorker, uniqueId } from './harness/temporal';
import type { CampaignPlan } from '../domain/plan';
import type { Worker } from '@temporalio/worker';

// Retention deletes closed workflows (24 h on the dev server): nothing may be read back from one.
// A campaign runs through its four phases on the dev server, in real time, through the API; its
// closed workflows are deleted as retention would delete them, twice; every read is unchanged, and
// the visiting phase pays against the roster approved by workflows that no longer exist.

const dev = realServer(createDevServerEnv, 'all');
/** Each phase's window: visiting has the most to do (visits, a signed roster), and the machine may be busy. */
const PHASE_MS = [18_000, 18_000, 45_000, 20_000];
const UNITS = ['community-1', 'community-2'] as const;
const tokens = {
  coordinator: 'retention-coordinator-token-01',
  'civil-affairs-review': 'retention-reviewer-civil-0001',
  'discipline-office': 'retention-reviewer-discipline1',
  'community-1': 'retention-unit-community-1-01',
  'community-2': 'retention-unit-community-2-01',
} as const;

function shortPlan(now: number): CampaignPlan {
  const plan = subDistrictSpringPlan({ id: uniqueId('retention'), webhook: (p) => dev.receiver.url(p), units: UNITS.length });
  const iso = (ms: number) => new Date(ms).toISOString();
  let opensAt = now + 3_000;
  const phases = plan.phases.map((p, i) => {
    const phase = { ...p, opensAt: iso(opensAt), cutoff: iso(opensAt + PHASE_MS[i]!), reminders: [], reviewWithin: 'PT1H', advance: 'automatic' as const };
    opensAt += PHASE_MS[i]! + 2_000;
    return phase;
  });
  return { ...plan, phases };
}

/** Deletes every closed workflow of the campaign (its phases, groups, units and notification deliveries), as retention does, until none is left. */
async function deleteClosedWorkflows(client: Client, campaignId: string): Promise<number> {
  const query = `WorkflowId STARTS_WITH "campaign:${campaignId}" AND ExecutionStatus != "Running"`;
  let deleted = 0;
  // Visibility lags deletion, and deliveries still closing appear later: list again until nothing listed still exists.
  await eventually(async () => {
    let deletedNow = 0;
    for await (const wf of client.workflow.list({ query })) {
      const exists = await client.workflow.getHandle(wf.workflowId, wf.runId).describe().then(() => true, () => false);
      if (!exists) continue;
      await client.workflowService.deleteWorkflowExecution({ namespace: 'default', workflowExecution: { workflowId: wf.workflowId, runId: wf.runId } });
      deletedNow++;
    }
    deleted += deletedNow;
    if (deletedNow) throw new Error(`deleted ${deletedNow}; listing again`);
  }, 60_000);
  return deleted;
}

describe('reads after retention (dev server, real time, through the API)', () => {
  let api: RunningApi;
  let store: TestStore;
  let worker: Worker;
  let running: Promise<void>;

  beforeAll(async () => {
    const created = await createTestWorker(dev.env);
    ({ worker, store } = created);
    running = worker.run();
    const grants = Object.entries(tokens).map(([subject, token]) => `${token}=${subject === 'coordinator' ? 'coordinator:civil-affairs-office' : subject.startsWith('community') ? `unit:${subject}` : `reviewer:${subject}`}`);
    api = await startApi(apiConfig({ address: dev.env.address, taskQueue: created.taskQueue, databaseUrl: store.url, apiTokens: grants.join(',') }), dev.env.client, store.pool);
  });

  afterAll(async () => {
    await api?.close();
    worker?.shutdown();
    await running;
    await store?.pool.end();
  });

  test('given a campaign whose preparation and then every workflow has closed, when they are deleted as retention deletes them, every view, the audit export, the report and the next phase’s roster should be unchanged', async () => {
    const plan = shortPlan(Date.now());
    const id = plan.id;
    const post = async (token: string, path: string, body: unknown, expected = 201) => {
      const res = await api.call('POST', path, { token, body });
      expect({ path, status: res.status, body: res.status === expected ? undefined : res.body }).toEqual({ path, status: expected, body: undefined });
      return res.body;
    };
    const supervisor = (unit: (typeof UNITS)[number]) => plan.units.find((u) => u.id === unit)!.supervisor as keyof typeof tokens;
    const whenOpen = (phase: string, unit: string) => eventually(async () => expect((await api.call('GET', `/campaigns/${id}/units/${unit}`, { token: tokens[unit as keyof typeof tokens] })).body.phases.find((p: { phase: string }) => p.phase === phase)?.state?.status).toBe('open'), 60_000);
    const submitAndApprove = async (phase: string, body: (unit: (typeof UNITS)[number]) => object) => {
      for (const unit of UNITS) {
        await whenOpen(phase, unit);
        await post(tokens[unit], `/campaigns/${id}/phases/${phase}/units/${unit}/submissions`, body(unit));
        await post(tokens[supervisor(unit)], `/campaigns/${id}/phases/${phase}/units/${unit}/reviews`, { decision: 'approve' });
      }
    };
    const reads = async () => {
      const get = async (path: string) => {
        const res = await api.call('GET', path, { token: tokens.coordinator });
        expect({ path, status: res.status }).toEqual({ path, status: 200 });
        return res.body;
      };
      return {
        campaign: await get(`/campaigns/${id}`),
        phases: await Promise.all(plan.phases.map((p) => get(`/campaigns/${id}/phases/${p.name}`))),
        units: await Promise.all(UNITS.map((u) => get(`/campaigns/${id}/units/${u}`))),
        audit: await get(`/campaigns/${id}/audit`),
        report: await get(`/campaigns/${id}/report`),
      };
    };

    await post(tokens.coordinator, '/campaigns', plan, 202);
    await submitAndApprove('preparation', (unit) => ({ kind: 'applicant-roster', report: '慰問對象申報名冊', households: [1, 2, 3].map((n) => household(n + (unit === 'community-1' ? 0 : 10))) }));
    await submitAndApprove('publicity', () => ({ kind: 'publicity-report', report: '已張榜公示七天,無異議' }));

    // Preparation's and publicity's workflows have closed (retention takes them); visiting waits for its opening.
    await eventually(async () => {
      const visiting = (await api.call('GET', `/campaigns/${id}/phases/visiting`, { token: tokens.coordinator })).body;
      expect(visiting.units.map((u: { status: string }) => u.status)).toEqual(['scheduled', 'scheduled']);
    }, 30_000);
    // What the closed phases hold; visiting may open meanwhile, so its own parts are left out.
    const closedPhases = (r: Awaited<ReturnType<typeof reads>>) => ({
      phases: r.phases.slice(0, 2),
      campaign: r.campaign.phases.slice(0, 2),
      units: r.units.map((u: { phases: unknown[] }) => u.phases.slice(0, 2)),
      audit: r.audit,
      report: r.report,
    });
    const before = await reads();
    expect(await deleteClosedWorkflows(dev.env.client, id)).toBeGreaterThanOrEqual(1 + 1 + UNITS.length);
    expect(closedPhases(await reads())).toEqual(closedPhases(before));
    expect(before.units[0].phases[0].state.status).toBe('approved');
    expect(before.report.totals).toMatchObject({ households: 6, approved: 2_400 });

    // Visiting pays against the roster approved by workflows that no longer exist.
    for (const unit of UNITS) {
      await whenOpen('visiting', unit);
      const visited = await post(tokens[unit], `/campaigns/${id}/phases/visiting/units/${unit}/visit-batches`, {
        visits: [1, 2, 3].map((entry) => ({ entry, amount: 400, visitedOn: '2027-02-09', recipientSigned: true, handler: '王幹事' })),
      });
      expect(visited).toMatchObject({ recorded: 3, visited: 3, paid: 1_200 });
    }
    await submitAndApprove('visiting', () => ({ kind: 'signed-roster', report: '已簽字名冊已上交' }));
    await submitAndApprove('summary', () => ({ kind: 'summary-report', report: '走訪慰問活動總結' }));
    await eventually(async () => expect((await api.call('GET', `/campaigns/${id}`, { token: tokens.coordinator })).body.status).toBe('completed'), 60_000);

    // Every workflow of the campaign has closed: retention takes them all.
    const after = await reads();
    expect(after.report.totals).toMatchObject({ households: 6, approved: 2_400, visited: 6, paid: 2_400 });
    expect(after.audit.rows.length).toBeGreaterThan(before.audit.rows.length);
    expect(await deleteClosedWorkflows(dev.env.client, id)).toBeGreaterThan(0);
    expect(await reads()).toEqual(after);
  }, 300_000);
});
