/** Why the record refuses an operation: a failure type callers branch on, and words for the person. */
export interface Refusal {
  type: string;
  message: string;
  details?: Record<string, unknown>;
}
