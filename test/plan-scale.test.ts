import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { loadExample, subjects } from '../examples/example';
import { campaignPlanSchema } from '../domain/plan';
import { MAX_VISITS_PER_BATCH } from '../domain/visits';
import { unitPhaseWorkflowId } from '../domain/workflow-ids';
import { UPDATES_PER_RUN } from '../domain/unit-phase';
import { apiConfig, onceStarted, startApi, type ApiResponse } from './harness/api';
import { realServer } from './harness/per-test';
import { generateHouseholds, rosterXlsx } from './harness/roster-fixtures';
import { createTestWorker, createTimeSkippingEnv, uniqueId } from './harness/temporal';
import { inPool } from '../bench/pool';

// Plan 6's visits past Temporal's 2,000 Updates per run: one unit's roster uploaded as XLSX, every
// household visited in one phase, a batch of 1,000 and then 2,100 one by one (one Update each). The
// unit workflow continues as new before the limit (every 300 Updates); afterwards the unit is still
// given an extension and still hands in its signed roster; every run's history stays small, and so
// does the unit's view. The size that proves the mechanism: 20,000 households per unit in batches
// are `npm run bench -- --scenario county --units 1 --households 20000` (README, Performance).

// More tries than usual for the JVM to start: this suite runs when the machine is busiest.
const t = realServer(() => createTimeSkippingEnv(), 'all');
const HOUR = 3_600_000;
const HOUSEHOLDS = 3_100;
/** Past 2,000 Updates in the phase with these alone. */
const SINGLE_VISITS = 2_100;
/** Single visits sent at once, as a village's clerks with their phones would. */
const CLERKS_AT_ONCE = 8;
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const { EventType } = temporal.api.enums.v1;

test('given a 3,100-household roster, when all are visited in one phase (2,100 of them one Update each), the unit should continue as new with bounded histories, still take an extension and its signed roster, and its view should stay small', async () => {
  const example = loadExample('plan-6-health-outreach');
  const unit = { ...example.plan.units[0]!, quota: HOUSEHOLDS };
  const plan = campaignPlanSchema.parse(JSON.parse(JSON.stringify({ ...example.plan, id: uniqueId('plan6-scale'), units: [unit] }).replaceAll('http://127.0.0.1:8234/', t.receiver.url(''))));
  const tokens = new Map(subjects(plan).map((subject, i) => [subject, `scale-token-${String(i).padStart(4, '0')}-0123456789`]));
  const [coordinator, reviewer, clerk] = [`coordinator:${plan.coordinator.id}`, `reviewer:${unit.supervisor}`, `unit:${unit.id}`].map((s) => tokens.get(s)!);
  const households = generateHouseholds(HOUSEHOLDS, plan, unit.id, 6);
  const roster = await rosterXlsx(households);

  const { worker, taskQueue, store } = await createTestWorker(t.env);
  const config = apiConfig({ address: t.env.address, taskQueue, databaseUrl: store.url, timeoutMs: 20_000, updateWaitMs: 10_000, bodyLimit: '2mb', apiTokens: [...tokens].map(([s, token]) => `${token}=${s}`).join(',') });
  const api = await startApi(config, t.env.client, store.pool);
  const base = `/campaigns/${plan.id}`;
  const unitPath = (phase: string) => `${base}/phases/${phase}/units/${unit.id}`;
  const until = async (instant: string, after = HOUR) => {
    const wait = Date.parse(instant) + after - (await t.env.currentTimeMs());
    if (wait > 0) await t.env.sleep(wait);
  };
  /**
   * A POST as a careful client sends it: with an Idempotency-Key, sent again with it while the
   * answer has no verdict yet (202 pending, 409 key in use). An Update that meets the run continuing
   * as new waits there on the time-skipping server; sent again, it reaches the new run.
   */
  const post = async (path: string, token: string, body: unknown): Promise<ApiResponse> => {
    const key = randomUUID();
    for (;;) {
      const reply = await api.call('POST', path, { token, body, headers: { 'idempotency-key': key } });
      if (!(reply.body?.status === 'pending' || reply.body?.error?.code === 'idempotency-key-in-use')) return reply;
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const ok = async (what: string, reply: Promise<ApiResponse>, status = 201) => {
    const { status: got, body } = await reply;
    expect({ what, status: got, body: got === status ? undefined : body }).toEqual({ what, status, body: undefined });
    return body;
  };
  const approve = (phase: string) => ok(`${phase} approved`, api.call('POST', `${unitPath(phase)}/reviews`, { token: reviewer, body: { decision: 'approve' } }));

  try {
    await worker.runUntil(async () => {
      await ok('campaign started', api.call('POST', '/campaigns', { token: coordinator, body: plan }), 202);
      await until(plan.phases[0]!.opensAt);
      const uploaded = await onceStarted(async () => {
        const response = await fetch(`${api.url}${unitPath('preparation')}/roster-uploads`, { method: 'POST', headers: { authorization: `Bearer ${clerk}`, 'content-type': XLSX }, body: roster });
        return { status: response.status, headers: response.headers, body: await response.json(), ms: 0 };
      });
      expect({ status: uploaded.status, body: uploaded.body }).toMatchObject({ status: 201, body: { submissionNumber: 1, status: 'submitted' } });
      await approve('preparation');

      await until(plan.phases[1]!.opensAt);
      await ok('publicity report', onceStarted(() => api.call('POST', `${unitPath('publicity')}/submissions`, { token: clerk, body: { kind: 'publicity-report', report: '健康便民聯繫卡已發放' } })));
      await approve('publicity');

      const visiting = plan.phases[2]!;
      await until(visiting.opensAt);
      const visitedOn = visiting.opensAt.slice(0, 10);
      const visit = (entry: number) => ({ entry, amount: 0, visitedOn, recipientSigned: true, handler: '家庭醫生簽約團隊' });
      const batched = HOUSEHOLDS - SINGLE_VISITS;
      const batches = Array.from({ length: Math.ceil(batched / MAX_VISITS_PER_BATCH) }, (_, b) => Array.from({ length: Math.min(MAX_VISITS_PER_BATCH, batched - b * MAX_VISITS_PER_BATCH) }, (_, i) => visit(b * MAX_VISITS_PER_BATCH + i + 1)));
      for (const [b, visits] of batches.entries()) await ok(`batch ${b + 1}`, onceStarted(() => api.call('POST', `${unitPath('visiting')}/visit-batches`, { token: clerk, body: { visits } })));
      await inPool(
        Array.from({ length: SINGLE_VISITS }, (_, i) => batched + i + 1),
        CLERKS_AT_ONCE,
        (entry) => ok(`visit ${entry}`, post(`${unitPath('visiting')}/visits`, clerk, visit(entry))),
      );

      // After more Updates than one run may take, the unit is still served.
      await ok('extension', api.call('POST', `${unitPath('visiting')}/cutoff-extensions`, { token: coordinator, body: { cutoff: new Date(Date.parse(visiting.cutoff) + 2 * 24 * HOUR).toISOString(), reason: '山區入戶路途遠,延長兩天' } }));
      await ok('signed roster', api.call('POST', `${unitPath('visiting')}/submissions`, { token: clerk, body: { kind: 'signed-roster', report: '入戶走訪記錄', figures: { households: HOUSEHOLDS } } }));
      await approve('visiting');

      const view = await api.call('GET', `${base}/units/${unit.id}`, { token: coordinator });
      const state = view.body.phases.find((p: { phase: string }) => p.phase === 'visiting').state;
      expect(state).toMatchObject({ status: 'approved', visited: HOUSEHOLDS, rosterSize: HOUSEHOLDS });
      // A 2,000-household roster's view was 1.1 MB when the workflow held it.
      expect(JSON.stringify(view.body).length).toBeLessThan(50_000);

      const runs = await runsOf(unitPhaseWorkflowId(plan.id, 'visiting', unit.id));
      const updates = runs.map((r) => r.updates);
      expect(updates.reduce((a, b) => a + b, 0)).toBeGreaterThan(2_000);
      expect(runs.length).toBeGreaterThanOrEqual(Math.ceil(SINGLE_VISITS / (UPDATES_PER_RUN + CLERKS_AT_ONCE)));
      // Each run far below the Update limit (2,000) and Temporal's history warning (10,240 events):
      // a run drains after its share, taking only the visits already sent to it.
      expect(runs.filter((r) => r.updates > UPDATES_PER_RUN + CLERKS_AT_ONCE || r.events >= 10_240)).toEqual([]);
      console.log(`plan 6, one unit, ${HOUSEHOLDS} households: visiting histories per run ${JSON.stringify(runs)}; unit view ${JSON.stringify(view.body).length} B`);
    });
  } finally {
    await api.close();
  }
}, 600_000);

/** Each run of a workflow that continued as new, first to last: its events, Updates accepted and bytes. */
async function runsOf(workflowId: string): Promise<{ events: number; updates: number; bytes: number }[]> {
  // A run of 1,000 visit Updates is past gRPC's default 4 MB answer, and the test server sends a history in one page.
  const connection = await Connection.connect({ address: t.env.address, channelArgs: { 'grpc.max_receive_message_length': 64 * 1024 * 1024 } });
  const client = new Client({ connection });
  const runs: { events: number; updates: number; bytes: number }[] = [];
  try {
    return await follow();
  } finally {
    await connection.close();
  }
  async function follow() {
    for (let runId: string | undefined; ; ) {
      const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
      const events = history.events ?? [];
      runs.unshift({
        events: events.length,
        updates: events.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED).length,
        bytes: temporal.api.history.v1.History.encode(history).finish().length,
      });
      runId = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId ?? undefined;
      if (!runId) return runs;
    }
  }
}
