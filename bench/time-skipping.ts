import { performance } from 'node:perf_hooks';
import { UnitPhaseFailure } from '../workflows/unit/messages';
import { CampaignDriver } from '../test/harness/campaign-driver';
import { createTestWorker, createTimeSkippingEnv, uniqueId, WEBHOOK_SECRET } from '../test/harness/temporal';
import { WebhookReceiver } from '../test/harness/webhook-receiver';
import { scalePlan } from './plan';
import { inPool } from './pool';

/**
 * Wall time of a whole campaign on the Java time-skipping server: every unit of every phase
 * submits and is approved (`clients` at a time), phases that need it are signed off, and the
 * campaign completes. The worker runs in this process (RELIEF_WORKFLOW_BUNDLE must be set).
 */
export async function campaignWallTime(units: number, clients: number): Promise<{ seconds: number }> {
  const env = await createTimeSkippingEnv();
  const receiver = await new WebhookReceiver(WEBHOOK_SECRET).start();
  try {
    const { worker, taskQueue, store } = await createTestWorker(env);
    return await worker.runUntil(async () => {
      const started = performance.now();
      const plan = scalePlan({ id: uniqueId(`bench-ts-${units}`), units, webhook: (p) => receiver.url(p), now: await env.currentTimeMs() });
      const driver = await CampaignDriver.start(env, taskQueue, plan, store);
      for (const [i, phase] of plan.phases.entries()) {
        await driver.until(phase.opensAt);
        await inPool(plan.units, clients, async ({ id }) => {
          await submitOnceOpen(driver, phase.name, id);
          await driver.approve(phase.name, id);
        });
        if (phase.advance === 'sign-off') {
          await driver.waitForState((s) => s.phases[i]!.status === 'awaiting-sign-off', 600_000);
          await driver.signOff(phase.name);
        }
      }
      await driver.campaign.result();
      return { seconds: (performance.now() - started) / 1000 };
    });
  } finally {
    await env.teardown();
    await receiver.stop();
  }
}

/** Right after its phase opens a unit may still be waking from its opening timer: retry until it takes the submission. */
async function submitOnceOpen(driver: CampaignDriver, phase: Parameters<CampaignDriver['submit']>[0], unitId: string) {
  for (;;) {
    try {
      return await driver.submit(phase, unitId);
    } catch (err) {
      const type = (err as { cause?: { type?: string } }).cause?.type;
      if (type !== UnitPhaseFailure.NotOpenYet) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
