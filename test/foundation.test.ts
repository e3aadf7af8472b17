import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serverExecutable, temporalServerPath } from '../config/temporal-servers';
import { CampaignId } from '../domain/search-attributes';
import { POSTMARK_GRACE_MS } from '../domain/unit-phase';
import { unitPhaseWorkflow } from '../workflows/unit/workflow';
import { getUnitPhaseState } from '../workflows/unit/messages';
import { createDevServerEnv, createTestWorker, createTimeSkippingEnv, uniqueId } from './harness/temporal';
import { realServer } from './harness/per-test';
import { unionWinterPlan } from './harness/plans';
import type { UnitPhaseInput } from '../workflows/unit/messages';

const DAY = 86_400_000;

function thirtyDayPhase(webhook: (path: string) => string, now: number): UnitPhaseInput {
  const plan = unionWinterPlan({ id: uniqueId('c'), webhook });
  const phase = { ...plan.phases[0]!, opensAt: new Date(now + DAY).toISOString(), cutoff: new Date(now + 31 * DAY).toISOString(), reminders: [] };
  return { campaignId: plan.id, campaignTitle: plan.title, timeZone: plan.timezone, phase, unit: plan.units[0]!, supervisor: plan.reviewers[0]!, coordinator: plan.coordinator };
}

describe('finding the installed servers', () => {
  test('given an empty cache on a machine with Go and Java, when a server is looked up, it should fail saying how to install it', () => {
    const cache = mkdtempSync(join(tmpdir(), 'relief-empty-cache-'));
    const saved = process.env.RELIEF_TEMPORAL_CACHE;
    process.env.RELIEF_TEMPORAL_CACHE = cache;
    try {
      expect(() => serverExecutable('cli')).toThrow(/npm run temporal:install/);
      expect(() => serverExecutable('test-server')).toThrow(/npm run temporal:install/);
    } finally {
      if (saved === undefined) delete process.env.RELIEF_TEMPORAL_CACHE;
      else process.env.RELIEF_TEMPORAL_CACHE = saved;
    }
  });

  test('given the installed cache, when a server is looked up, it should be an existing executable path', () => {
    expect(serverExecutable('cli')).toEqual({ type: 'existing-path', path: temporalServerPath('cli') });
    expect(serverExecutable('test-server')).toEqual({ type: 'existing-path', path: temporalServerPath('test-server') });
  });
});

describe('the time-skipping test server (Java, from Maven)', () => {
  const t = realServer(createTimeSkippingEnv, 'all');

  test('given a unit with a 30-day cutoff and no submission, when time is skipped, the unit should forfeit within seconds of real time', async () => {
    const { worker, taskQueue } = await createTestWorker(t.env);
    const input = thirtyDayPhase((p) => t.receiver.url(p), Date.now());
    const started = Date.now();
    const outcome = await worker.runUntil(async () => {
      const handle = await t.env.client.workflow.start(unitPhaseWorkflow, { taskQueue, workflowId: uniqueId('unit'), args: [input] });
      const result = await handle.result();
      const { forfeitedAt } = await handle.query(getUnitPhaseState);
      const lateByMs = Date.parse(forfeitedAt!) - Date.parse(input.phase.cutoff);
      // A unit forfeits once the postmark grace after its cutoff has passed, not before.
      expect(lateByMs).toBeGreaterThanOrEqual(POSTMARK_GRACE_MS);
      expect(lateByMs).toBeLessThan(60_000);
      return result;
    });
    expect(outcome).toBe('forfeited');
    expect(Date.now() - started).toBeLessThan(60_000);
  });
});

describe('the dev server (Temporal CLI, built with go install)', () => {
  const t = realServer(createDevServerEnv, 'all');

  test('given a running unit workflow with a CampaignId search attribute, a visibility query should find it', async () => {
    const { worker, taskQueue } = await createTestWorker(t.env);
    const input = thirtyDayPhase((p) => t.receiver.url(p), Date.now());
    await worker.runUntil(async () => {
      const handle = await t.env.client.workflow.start(unitPhaseWorkflow, {
        taskQueue,
        workflowId: uniqueId('unit'),
        args: [input],
        typedSearchAttributes: [{ key: CampaignId, value: input.campaignId }],
      });
      let found: string[] = [];
      for (let attempt = 0; attempt < 50 && found.length === 0; attempt++) {
        found = [];
        for await (const wf of t.env.client.workflow.list({ query: `CampaignId = '${input.campaignId}'` })) found.push(wf.workflowId);
        if (!found.length) await new Promise((r) => setTimeout(r, 100));
      }
      expect(found).toEqual([handle.workflowId]);
      await handle.terminate('test done');
    });
  });
});
