import type { Household } from './household';
import type { CampaignPlan, RosterRules, Unit } from './plan';

// Applicant rosters (申報名冊): the households a unit puts forward, and the checks one roster can
// be held to on its own (quota, category standards, funding sources). The campaign-wide checks
// (budgets, one listing per household) need every unit's roster: see workflows/registry.
// Node-free and zod-free on purpose: the unit workflow's validator runs these, and zod's schemas
// would be built again in every workflow's context (the household schema is in ./household).

export type { Household };

/** An approved roster entry as the later phases see it: only what paying needs, no personal data. */
export interface ApprovedEntry {
  entry: number;
  category: string;
  amount: number;
  goods?: string;
  fundingSource: string;
}

/**
 * A roster entry as the public notice (公示) shows it: the approved entry and the name masked to
 * its first character (張** for 張三豐), as notices put up on a board do. Never an ID number or address.
 */
export interface PublishedEntry extends ApprovedEntry {
  maskedName: string;
}

export const maskName = (name: string): string => {
  const [first = '', ...rest] = [...name.trim()];
  return first + '*'.repeat(Math.max(1, rest.length));
};

export const approvedEntry = ({ entry, household: { category, amount, goods, fundingSource } }: { entry: number; household: Household }): ApprovedEntry => ({ entry, category, amount, goods, fundingSource });

export const publishedEntry = (r: { entry: number; household: Household }): PublishedEntry => ({ ...approvedEntry(r), maskedName: maskName(r.household.name) });

/** At 30 households a roster is some 10 KB; this cap keeps one far below Temporal's 2 MB payload limit. */
export const MAX_ROSTER_ENTRIES = 2_000;

export const RosterFailure = {
  RosterRequired: 'RosterRequired',
  QuotaExceeded: 'QuotaExceeded',
  UnknownCategory: 'UnknownCategory',
  AmountOutsideStandard: 'AmountOutsideStandard',
  UnknownFundingSource: 'UnknownFundingSource',
  DuplicateInRoster: 'DuplicateInRoster',
  /** Campaign-wide: another unit already lists the household (避免重複慰問). */
  DuplicateHousehold: 'DuplicateHousehold',
  /** Campaign-wide: the amounts listed against a funding source would exceed its budget. */
  BudgetExceeded: 'BudgetExceeded',
} as const;
export type RosterFailureType = (typeof RosterFailure)[keyof typeof RosterFailure];

export interface RosterProblem {
  type: RosterFailureType;
  /** 1-based, as the unit clerk counts the lines of the roster; absent for the roster as a whole. */
  entry?: number;
  message: string;
}

/** 1200 → "1,200", without Intl (same text in every runtime). */
export const yuan = (amount: number): string => String(amount).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

const standardText = (min: number, max: number | undefined) => (max === undefined ? `${yuan(min)} or more` : `${yuan(min)}–${yuan(max)}`);

/** Everything wrong with one unit's roster on its own, entry by entry; empty when it may be submitted. */
export function rosterProblems(rules: RosterRules, unit: Unit, households: readonly Household[] | undefined): RosterProblem[] {
  if (!households?.length) return [{ type: RosterFailure.RosterRequired, message: 'an applicant roster lists its households (households[])' }];
  const problems: RosterProblem[] = [];
  if (households.length > unit.quota) {
    problems.push({ type: RosterFailure.QuotaExceeded, message: `the roster lists ${households.length} households; unit ${unit.id}'s quota (名額) is ${unit.quota}` });
  }
  const standards = new Map(rules.standards.map((s) => [s.category, s]));
  const sources = new Set(rules.fundingSources.map((s) => s.id));
  const firstEntryOf = new Map<string, number>();
  households.forEach((household, i) => {
    const entry = i + 1;
    const standard = standards.get(household.category);
    if (!standard) {
      problems.push({ type: RosterFailure.UnknownCategory, entry, message: `entry ${entry}: category "${household.category}" is not in the plan (${[...standards.keys()].join(', ')})` });
    } else if (household.amount < standard.min || (standard.max !== undefined && household.amount > standard.max)) {
      problems.push({
        type: RosterFailure.AmountOutsideStandard,
        entry,
        message: `entry ${entry} (${household.category}): ${yuan(household.amount)} is outside the standard ${standardText(standard.min, standard.max)}`,
      });
    }
    if (!sources.has(household.fundingSource)) {
      problems.push({ type: RosterFailure.UnknownFundingSource, entry, message: `entry ${entry}: funding source "${household.fundingSource}" is not in the plan (${[...sources].join(', ')})` });
    }
    const first = firstEntryOf.get(household.idNumber);
    if (first !== undefined) {
      problems.push({ type: RosterFailure.DuplicateInRoster, entry, message: `entry ${entry} lists the same household (ID number) as entry ${first}` });
    } else firstEntryOf.set(household.idNumber, entry);
  });
  return problems;
}

/** Amounts per funding source. */
export function totalsBySource(households: readonly Pick<Household, 'fundingSource' | 'amount'>[]): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const { fundingSource, amount } of households) totals[fundingSource] = (totals[fundingSource] ?? 0) + amount;
  return totals;
}

/**
 * Households per registry shard the design aims at: at some 40 bytes a keyed hash and unit id,
 * a shard's state stays near 100 KB, and the updates it takes per run stay far below 2,000.
 */
export const HOUSEHOLDS_PER_SHARD = 2_500;
export const MAX_REGISTRY_SHARDS = 256;

/** How the campaign-wide registry of a plan is laid out; fixed by the plan, so every unit agrees. */
export interface RegistryLayout {
  shards: number;
  /** The registry keeps its reservations until then (the last cutoff plus a margin for late sign-offs). */
  retainUntil: string;
  budgets: Record<string, number>;
}

const RETAIN_AFTER_LAST_CUTOFF_MS = 90 * 86_400_000;

export function registryLayout(plan: CampaignPlan): RegistryLayout | undefined {
  if (!plan.rules) return undefined;
  const households = plan.units.reduce((sum, u) => sum + u.quota, 0);
  const lastCutoff = Math.max(...plan.phases.map((p) => Date.parse(p.cutoff)));
  return {
    shards: Math.min(MAX_REGISTRY_SHARDS, Math.max(1, Math.ceil(households / HOUSEHOLDS_PER_SHARD))),
    retainUntil: new Date(lastCutoff + RETAIN_AFTER_LAST_CUTOFF_MS).toISOString(),
    budgets: Object.fromEntries(plan.rules.fundingSources.map((s) => [s.id, s.budget])),
  };
}
