import { csvTable } from '../domain/csv';
import type { AuditRow } from '../store/views';

// The audit trail of a campaign for the supervision office (紀檢辦): one row per state change, who
// made it, when, under which request id, written by the same transaction as the change itself
// (store/records.ts). Rosters are counted, never listed: no names, ID numbers, addresses or
// illnesses, and no report texts (they may name households). A submission's row carries the
// instant the API received it (receivedAt, which decided on-time) beside the instant it was recorded.

export type { AuditRow };

/** Actor of the changes the clock makes (phases opening and closing, forfeiture, reminders). */
export { SYSTEM_ACTOR } from '../store/records';

export interface AuditTrail {
  campaignId: string;
  title: string;
  organizer: string;
  rows: AuditRow[];
}

export const AUDIT_CSV_COLUMNS = ['at', 'receivedAt', 'actor', 'requestId', 'action', 'phase', 'unitId', 'detail'] as const;

/** With a byte-order mark, so spreadsheet programs read the Chinese text as UTF-8. */
export const auditCsv = (trail: AuditTrail): string => `\uFEFF${csvTable(AUDIT_CSV_COLUMNS, trail.rows)}`;
