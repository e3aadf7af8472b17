import { patched } from '@temporalio/workflow';

/**
 * Whether the short database round trips a message or a timer brings (the record's writes, a
 * notification's dispatch) run as local activities, inside the workflow task that asks for them.
 * An activity costs the task that schedules it, a task on the activity queue and the task its
 * result wakes; a local activity costs neither of the last two and leaves one marker. Histories
 * recorded before replay with the activities they were recorded with.
 */
export const inTask = (): boolean => patched('in-task-activities');
