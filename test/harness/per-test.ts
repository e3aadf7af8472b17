import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createTimeSkippingEnv, WEBHOOK_SECRET } from './temporal';
import { WebhookReceiver } from './webhook-receiver';

/**
 * A fresh time-skipping server and webhook receiver for each test of the file: the server's clock
 * is the test's own, and no work a test leaves behind stalls the next one's time skipping.
 */
export function timeSkippingPerTest(): { readonly env: TestWorkflowEnvironment; readonly receiver: WebhookReceiver } {
  const context = {} as { env: TestWorkflowEnvironment; receiver: WebhookReceiver };
  beforeEach(async () => {
    context.env = await createTimeSkippingEnv();
    context.receiver = await new WebhookReceiver(WEBHOOK_SECRET).start();
  });
  afterEach(async () => {
    await context.env?.teardown();
    await context.receiver?.stop();
  });
  return context;
}
