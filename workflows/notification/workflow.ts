import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { NotificationDispatcher } from '../../activities/dispatcher';
import type { Notifier } from '../../activities/notifier';
import type { Notification, NotificationCategory } from './messages';

export type { NotificationCategory };

const { deliverNotificationWebhook } = proxyActivities<Notifier>({
  startToCloseTimeout: '30 seconds',
  // A receiver may be down for days in the holidays: keep trying for two weeks, at most hourly.
  scheduleToCloseTimeout: '14 days',
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '1 hour', nonRetryableErrorTypes: ['WebhookRefused'] },
  summary: 'POST the notification to its recipient',
});

const { dispatchNotification } = proxyActivities<NotificationDispatcher>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
  summary: 'hand the notification to its delivery workflow',
});

/** Delivers one notification; its own workflow so a dead webhook never holds up the campaign. */
export async function deliverNotification(notification: Notification): Promise<void> {
  await deliverNotificationWebhook(notification);
}

export type NotificationDraft = Omit<Notification, 'id' | 'occurredAt' | 'campaignId' | 'message'> & {
  /** What makes this notification unique within its workflow (e.g. the reminder offset and cutoff). */
  key: string;
};

/**
 * Hands a notification to its own delivery workflow and returns once that has started. The id is
 * deterministic, so a replayed or repeated send starts nothing new and receivers can drop duplicates.
 */
export async function notify(campaignId: string, draft: NotificationDraft, category: NotificationCategory = 'notice'): Promise<Omit<Notification, 'message'>> {
  const { key, ...rest } = draft;
  const notification: Omit<Notification, 'message'> = {
    ...rest,
    campaignId,
    id: `${workflowInfo().workflowId}:${draft.kind}:${key}:${draft.recipient.role}:${draft.recipient.id}`,
    occurredAt: new Date(Date.now()).toISOString(),
  };
  await dispatchNotification({ notification, category });
  return notification;
}
