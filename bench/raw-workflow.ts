import { condition, defineUpdate, setHandler } from '@temporalio/workflow';

// The raw baseline: the least a workflow can be and still take a unit's two updates.

export const bump = defineUpdate<number, [string]>('bump');

/** Takes two updates (a submission and its review, in the app) and ends, as a unit workflow does. */
export async function rawWorkflow(): Promise<number> {
  let count = 0;
  setHandler(bump, () => ++count);
  await condition(() => count >= 2);
  return count;
}
