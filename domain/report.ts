import { csvTable } from './csv';
import type { CampaignPlan, PhaseName } from './plan';

// The upward report (匯總上報): what each unit was approved and paid, totalled by funding source,
// category and unit, with forfeited units, undisbursed funds and each level's share where the
// plan splits costs (plan 8: half district, half town). Figures only: no household data.

/** One unit's approved and paid figures in one category from one funding source (the record's report lines). */
export interface ReportLine {
  unitId: string;
  category: string;
  fundingSource: string;
  households: number;
  approved: number;
  visited: number;
  paid: number;
}

export interface Figures {
  /** Households on approved rosters, and their approved amounts. */
  households: number;
  approved: number;
  /** Households visited or paid, and the amounts paid. */
  visited: number;
  paid: number;
}

export interface UpwardReport {
  campaignId: string;
  title: string;
  organizer: string;
  totals: Figures & { budget: number; undisbursed: number };
  /** `split`: what each level pays of this source's approved and paid amounts; empty when the plan does not split it. */
  byFundingSource: (Figures & { id: string; name: string; budget: number; undisbursed: number; split: LevelShare[] })[];
  byCategory: (Figures & { category: string; name: string })[];
  byUnit: (Figures & { unitId: string; name: string; forfeitedIn?: PhaseName })[];
  forfeited: { unitId: string; name: string; phase: PhaseName }[];
  /** What each level pays of the sources the plan splits, all sources together; empty when it splits none. */
  costSplit: LevelShare[];
}

export interface LevelShare {
  level: string;
  approved: number;
  paid: number;
}

const none = (): Figures => ({ households: 0, approved: 0, visited: 0, paid: 0 });

function add(into: Figures, line: Figures) {
  into.households += line.households;
  into.approved += line.approved;
  into.visited += line.visited;
  into.paid += line.paid;
}

/** The report from the plan, the record's lines and the units that left the campaign (with the phase they forfeited). */
export function compileReport(plan: Pick<CampaignPlan, 'id' | 'title' | 'organizer' | 'units' | 'rules'>, lines: ReportLine[], forfeitedIn: ReadonlyMap<string, PhaseName>): UpwardReport {
  const sources = plan.rules?.fundingSources ?? [];
  const standards = plan.rules?.standards ?? [];
  const bySource = new Map(sources.map((s) => [s.id, none()]));
  const byCategory = new Map(standards.map((s) => [s.category, none()]));
  const byUnitId = new Map(plan.units.map((u) => [u.id, none()]));
  const byLevel = new Map<string, LevelShare>();
  const bySourceLevel = new Map(sources.map((s) => [s.id, new Map<string, LevelShare>()]));
  const totals = none();

  for (const line of lines) {
    for (const into of [totals, byUnitId.get(line.unitId), bySource.get(line.fundingSource), byCategory.get(line.category)]) if (into) add(into, line);
    const split = sources.find((s) => s.id === line.fundingSource)?.split ?? {};
    for (const [level, share] of Object.entries(split)) {
      for (const levels of [byLevel, bySourceLevel.get(line.fundingSource)!]) {
        const sum = levels.get(level) ?? { level, approved: 0, paid: 0 };
        sum.approved += line.approved * share;
        sum.paid += line.paid * share;
        levels.set(level, sum);
      }
    }
  }

  const byUnit = plan.units.map((u) => {
    const phase = forfeitedIn.get(u.id);
    return { unitId: u.id, name: u.name, ...byUnitId.get(u.id)!, ...(phase ? { forfeitedIn: phase } : {}) };
  });
  const budget = sources.reduce((sum, s) => sum + s.budget, 0);
  return {
    campaignId: plan.id,
    title: plan.title,
    organizer: plan.organizer,
    totals: { ...totals, budget, undisbursed: budget - totals.paid },
    byFundingSource: sources.map((s) => {
      const figures = bySource.get(s.id)!;
      // Every level the plan names for the source, also before anything is approved.
      const levels = bySourceLevel.get(s.id)!;
      const split = Object.keys(s.split ?? {}).map((level) => levels.get(level) ?? { level, approved: 0, paid: 0 });
      return { id: s.id, name: s.name, budget: s.budget, ...figures, undisbursed: s.budget - figures.paid, split };
    }),
    byCategory: standards.map((s) => ({ category: s.category, name: s.name, ...byCategory.get(s.category)! })),
    byUnit,
    forfeited: byUnit.flatMap((u) => (u.forfeitedIn ? [{ unitId: u.unitId, name: u.name, phase: u.forfeitedIn }] : [])),
    costSplit: [...byLevel.values()],
  };
}

const CSV_COLUMNS = ['section', 'id', 'name', 'budget', 'households', 'approved', 'visited', 'paid', 'undisbursed', 'level'] as const;

/**
 * The report as one CSV table, a `section` column telling totals, funding sources, each source's
 * share per level (`funding-source-level`), categories, units, levels and forfeitures apart.
 */
export function reportCsv(report: UpwardReport): string {
  type Row = Partial<Record<(typeof CSV_COLUMNS)[number], string | number>>;
  const rows: Row[] = [
    { section: 'total', id: report.campaignId, name: report.title, ...report.totals },
    ...report.byFundingSource.flatMap((s): Row[] => [
      { section: 'funding-source', ...s },
      ...s.split.map((l): Row => ({ section: 'funding-source-level', id: s.id, name: s.name, approved: l.approved, paid: l.paid, level: l.level })),
    ]),
    ...report.byCategory.map((c): Row => ({ section: 'category', id: c.category, ...c })),
    ...report.byUnit.map((u): Row => ({ section: 'unit', id: u.unitId, ...u })),
    ...report.costSplit.map((l): Row => ({ section: 'level', id: l.level, approved: l.approved, paid: l.paid, level: l.level })),
    ...report.forfeited.map((f): Row => ({ section: 'forfeited', id: f.unitId, name: `${f.name} (${f.phase})` })),
  ];
  return csvTable(CSV_COLUMNS, rows);
}
