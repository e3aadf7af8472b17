import { WorkflowNotFoundError } from '@temporalio/common';
import { createChannelSender } from '../activities/channels';
import { createNotificationDispatcher } from '../activities/dispatcher';
import type { Dispatch } from '../workflows/notification/messages';
import { realServer } from './harness/per-test';
import { createTestStore, type TestStore } from './harness/postgres';
import { createDevServerEnv, uniqueId, WEBHOOK_SECRET } from './harness/temporal';

// The dispatcher tries each notification once as it is dispatched: one that arrives needs no
// delivery workflow, and a dispatch retried after it (its first answer lost) sends nothing again;
// one that does not arrive goes to its delivery workflow, which retries it. Real dev server, real
// record, a real receiver.

const dev = realServer(createDevServerEnv, 'all');
let store: TestStore;
beforeAll(async () => {
  store = await createTestStore();
});
afterAll(() => store?.pool.end());

const dispatcher = (taskQueue: string) =>
  createNotificationDispatcher({ client: dev.env.client, taskQueue, records: store.records, firstAttempt: createChannelSender({ signingSecret: WEBHOOK_SECRET, log: () => {}, requestTimeoutMs: 2_000 }) });

const phaseOpened = (id: string): Dispatch => ({
  category: 'notice',
  notification: {
    id,
    kind: 'phase-opened',
    campaignId: uniqueId('dispatch'),
    phase: 'preparation',
    unitId: 'union-1',
    recipient: { role: 'unit', id: 'union-1', webhook: dev.receiver.url(`/${id}`) },
    timeZone: 'Asia/Shanghai',
    occurredAt: new Date().toISOString(),
    data: { campaignTitle: '元旦春节送温暖', unitName: '第一工会', phase: 'preparation', cutoff: '2027-01-10T09:00:00.000Z', submission: 'applicant-roster' },
  },
});

const deliveryWorkflow = (id: string) => dev.env.client.workflow.getHandle(id).describe();

test('given a receiver that answers, when a notice is dispatched and the dispatch is retried, it should arrive once, at dispatch, with no delivery workflow', async () => {
  const id = uniqueId('notice');
  const { dispatchNotification } = dispatcher(uniqueId('tq'));
  await dispatchNotification(phaseOpened(id));
  await dispatchNotification(phaseOpened(id));
  expect(dev.receiver.received.filter((r) => r.notification.id === id)).toHaveLength(1);
  expect(dev.receiver.received.find((r) => r.notification.id === id)?.notification.message).toContain('元旦春节送温暖');
  await expect(deliveryWorkflow(id)).rejects.toBeInstanceOf(WorkflowNotFoundError);
});

test('given a receiver that answers 503, when a notice is dispatched, its delivery workflow should take it over under the notification id', async () => {
  const id = uniqueId('notice');
  dev.receiver.failWith = 503;
  try {
    await dispatcher(uniqueId('tq')).dispatchNotification(phaseOpened(id));
  } finally {
    dev.receiver.failWith = undefined;
  }
  expect(dev.receiver.refused.some((r) => r.notificationId === id)).toBe(true);
  expect(dev.receiver.received.filter((r) => r.notification.id === id)).toEqual([]);
  expect((await deliveryWorkflow(id)).type).toBe('deliverNotification');
});
