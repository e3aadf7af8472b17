import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createTimeSkippingEnv, WEBHOOK_SECRET } from './temporal';
import { WebhookReceiver } from './webhook-receiver';

export interface RealServer {
  readonly env: TestWorkflowEnvironment;
  readonly receiver: WebhookReceiver;
}

/**
 * A real Temporal server and a webhook receiver, made before and torn down after each test
 * ('each') or the tests of the enclosing file or describe block ('all').
 */
export function realServer(create: () => Promise<TestWorkflowEnvironment>, scope: 'each' | 'all'): RealServer {
  const context = {} as { env: TestWorkflowEnvironment; receiver: WebhookReceiver };
  const setUp = async () => {
    context.env = await create();
    context.receiver = await new WebhookReceiver(WEBHOOK_SECRET).start();
  };
  const tearDown = async () => {
    await context.env?.teardown();
    await context.receiver?.stop();
  };
  scoped(scope, setUp, tearDown);
  return context;
}

/** Registers set-up and tear-down around each test ('each') or around the file or describe block ('all'). */
export function scoped(scope: 'each' | 'all', setUp: () => Promise<unknown>, tearDown: () => Promise<unknown>): void {
  if (scope === 'each') {
    beforeEach(setUp);
    afterEach(tearDown);
  } else {
    beforeAll(setUp);
    afterAll(tearDown);
  }
}

/**
 * A fresh time-skipping server and webhook receiver for each test of the file: the server's clock
 * is the test's own, and no work a test leaves behind stalls the next one's time skipping.
 */
export const timeSkippingPerTest = (): RealServer => realServer(createTimeSkippingEnv, 'each');
