import type { CampaignPlan } from '../domain/plan';
import { unionWinterPlan } from '../test/harness/plans';

const DAY = 24 * 3_600_000;

/** Each phase's window, in days from the start: long enough that no reminder or cutoff fires while a run measures. */
const WINDOWS: [number, number][] = [
  [0, 30],
  [30, 40],
  [40, 60],
  [60, 80],
];

/**
 * The union's winter plan with `units` units whose preparation phase opens at `now`: units are open
 * as soon as their workflows start, so a run measures work, not waiting. Later phases follow.
 */
export function scalePlan({ id, units, webhook, now }: { id: string; units: number; webhook: (path: string) => string; now: number }): CampaignPlan {
  const plan = unionWinterPlan({ id, webhook, units });
  const instant = (days: number) => new Date(now + days * DAY).toISOString();
  return { ...plan, phases: plan.phases.map((phase, i) => ({ ...phase, opensAt: instant(WINDOWS[i]![0]), cutoff: instant(WINDOWS[i]![1]) })) };
}
