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
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

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
  message: string;
  /** Instant (ISO-8601) at which the workflow decided to notify. */
  occurredAt: string;
  data?: Record<string, string | number | boolean | undefined>;
}
