import type { RecipientChannel } from '../../domain/channel';
import type { Locale } from '../../domain/notification-text';
import type { PhaseName } from '../../domain/plan';

export const NOTIFICATION_KINDS = [
  'phase-opened',
  'submission-reminder',
  'submission-rejected',
  'entries-struck',
  'coverage-behind',
  'coverage-escalated',
  'objection-filed',
  'objection-reminder',
  'objection-escalated',
  'objection-decided',
  'unit-forfeited',
  'review-overdue',
  'review-escalated',
  'sign-off-needed',
  'sign-off-reminder',
  'campaign-cancelled',
  // Sent by the API, not a workflow: a coordinator's or supervisor's immediate reminder (催办).
  'unit-urged',
  // One message listing a period's notifications about single units (domain/plan.ts contact.digest).
  'digest',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** What a unit's record lists a notification under: a reminder to it, an escalation about it, or a plain notice. */
export type NotificationCategory = 'reminder' | 'escalation' | 'notice';

export type RecipientRole = 'unit' | 'reviewer' | 'coordinator';

export interface Recipient {
  role: RecipientRole;
  id: string;
  webhook: string;
}

/** What a receiver gets, POSTed as JSON. `id` is deterministic, so a receiver drops duplicates by it. */
export interface Notification {
  id: string;
  kind: NotificationKind;
  campaignId: string;
  phase?: PhaseName;
  unitId?: string;
  recipient: Recipient;
  /** The text for people, rendered at dispatch in the campaign's language and time zone (domain/notification-text.ts). */
  message: string;
  /** The campaign's time zone: instants in the text are written in it, as offices write them. */
  timeZone: string;
  /** Instant (ISO-8601) at which the workflow decided to notify. */
  occurredAt: string;
  data?: Record<string, string | number | boolean | undefined>;
  /** A digest's notifications, each with its own id and data, for machines (the text lists them for people). */
  items?: { notificationId: string; kind: string; unitId?: string; occurredAt: string; data: Record<string, string | number | boolean | undefined> }[];
}

/** How one notification reaches its reader, as the dispatcher resolved it from the plan (or a substitute). */
export interface Delivery {
  channel: RecipientChannel;
  locale: Locale;
}

/** What the dispatcher is handed: the notification before its text is rendered, and how the record files it. */
export interface Dispatch {
  notification: Omit<Notification, 'message'>;
  category: NotificationCategory;
}
