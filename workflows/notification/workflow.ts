import { patched, proxyActivities, proxyLocalActivities, sleep, workflowInfo, type ActivityOptions, type LocalActivityOptions } from '@temporalio/workflow';
import { inTask } from '../in-task';
import type { NotificationDispatcher } from '../../activities/dispatcher';
import type { Notifier } from '../../activities/notifier';
import type { Delivery, Notification, NotificationCategory } from './messages';

export type { NotificationCategory };

const delivering: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  // A receiver may be down for days in the holidays: keep trying for two weeks, at most hourly.
  scheduleToCloseTimeout: '14 days',
  // Every channel's "<Channel>Refused" is non-retryable where it is thrown (activities/channels/failures.ts).
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '1 hour', nonRetryableErrorTypes: ['WebhookRefused'] },
};

const { deliverNotificationWebhook } = proxyActivities<Notifier>({ ...delivering, summary: 'POST the notification to its recipient' });
const { deliverNotificationToChannel, deliverDigestToChannel } = proxyActivities<Notifier>({ ...delivering, summary: 'tell the recipient on its channel' });

const dispatching: LocalActivityOptions = { startToCloseTimeout: '10 seconds', retry: { initialInterval: '1 second', maximumInterval: '30 seconds' }, summary: 'send the notification, or hand it to its delivery workflow' };
const dispatchAsActivity = proxyActivities<NotificationDispatcher>(dispatching).dispatchNotification;
const dispatchInTask = proxyLocalActivities<NotificationDispatcher>(dispatching).dispatchNotification;

/**
 * Delivers one notification that did not arrive as it was dispatched (activities/dispatcher.ts),
 * retrying for days; its own workflow so a dead receiver never holds up the campaign. A
 * delivery started before channels existed carries no `delivery` and still goes to the webhook.
 */
export async function deliverNotification(notification: Notification, delivery?: Delivery): Promise<void> {
  if (delivery && patched('channel-delivery')) await deliverNotificationToChannel({ notification, channel: delivery.channel, locale: delivery.locale, timeZone: notification.timeZone });
  else await deliverNotificationWebhook(notification);
}

/** One digest per recipient and period: waits for the period's end, then sends everything the record gathered for it. */
export async function deliverDigest({ digestId, sendAt }: { digestId: string; sendAt: string }): Promise<void> {
  const wait = Date.parse(sendAt) - Date.now();
  if (wait > 0) await sleep(wait, { summary: 'the digest period ends' });
  await deliverDigestToChannel(digestId);
}

export type NotificationDraft = Omit<Notification, 'id' | 'occurredAt' | 'campaignId' | 'message'> & {
  /** What makes this notification unique within its workflow (e.g. the reminder offset and cutoff). */
  key: string;
};

/**
 * Dispatches a notification: sent at once, or handed to its own delivery workflow when that
 * attempt fails (activities/dispatcher.ts). The id is deterministic, so a replayed or repeated send
 * sends and starts nothing new, and receivers can drop duplicates. `sender` is the workflow the
 * notice is of: a group sends its units' opening notices under their units' workflow ids, the ids
 * those notices had while each unit opened itself.
 */
export async function notify(campaignId: string, draft: NotificationDraft, category: NotificationCategory = 'notice', sender = workflowInfo().workflowId): Promise<Omit<Notification, 'message'>> {
  const { key, ...rest } = draft;
  const notification: Omit<Notification, 'message'> = {
    ...rest,
    campaignId,
    id: `${sender}:${draft.kind}:${key}:${draft.recipient.role}:${draft.recipient.id}`,
    occurredAt: new Date(Date.now()).toISOString(),
  };
  await (inTask() ? dispatchInTask : dispatchAsActivity)({ notification, category });
  return notification;
}
