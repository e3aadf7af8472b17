import type { PhaseName } from '../../domain/plan';
import { phaseWord, type Locale } from '../../domain/notification-text';
import type { UpwardReport } from '../../domain/report';
import type { Cell } from './pdf';
import { WORDS } from './words';

// The upward report (汇总上报) as the tables a finance or civil-affairs office files: by funding
// source and level, by category, by unit, and the visits' coverage against the plan's milestones.
// The figures are domain/report.ts's; these are only their headings and rows, one set for both the
// workbook and the printable PDF.

export type ColumnKind = 'text' | 'count' | 'yuan' | 'share';

export interface ReportColumn {
  heading: string;
  kind: ColumnKind;
  /** A share of the page's width, and the sheet's column width in characters. */
  width: number;
}

export interface ReportTable {
  /** The sheet's name and the PDF section's title. */
  name: string;
  columns: ReportColumn[];
  rows: Cell[][];
  /** The last rows: totals (合计) and each level's share of all sources. */
  totals: Cell[][];
}

export interface ReportDocument {
  title: string;
  subtitle: string;
  tables: ReportTable[];
}

export interface ReportContext {
  timeZone: string;
  generatedAt: number;
  /** The visiting phase's coverage milestones (plan 6: 30% by 10/31, all by 11/30). */
  milestones: { at: string; coverage: number }[];
}

const percent = (share: number) => `${Math.round(share * 100)}%`;

export function reportTables(report: UpwardReport, context: ReportContext, locale: Locale): ReportDocument {
  const words = WORDS[locale];
  const r = words.report;
  const c = r.columns;
  const col = (heading: string, kind: ColumnKind, width = kind === 'text' ? 24 : 14): ReportColumn => ({ heading, kind, width });
  const figures = [col(c.households, 'count'), col(c.approved, 'yuan'), col(c.visited, 'count'), col(c.paid, 'yuan')];
  const t = report.totals;
  const total = [t.households, t.approved, t.visited, t.paid];
  const phase = (p: PhaseName) => phaseWord(p, locale);

  const summary: ReportTable = {
    name: r.sheets.summary,
    columns: [col(c.budget, 'yuan'), ...figures, col(c.undisbursed, 'yuan')],
    rows: [[t.budget, ...total, t.undisbursed]],
    totals: [],
  };
  const fundingSources: ReportTable = {
    name: r.sheets.fundingSources,
    columns: [col(c.fundingSource, 'text', 30), col(c.level, 'text', 12), col(c.budget, 'yuan'), ...figures, col(c.undisbursed, 'yuan')],
    rows: report.byFundingSource.flatMap((s): Cell[][] => [
      [s.name, r.allLevels, s.budget, s.households, s.approved, s.visited, s.paid, s.undisbursed],
      ...s.split.map((l): Cell[] => [s.name, l.level, null, null, l.approved, null, l.paid, null]),
    ]),
    totals: [[words.total, r.allLevels, t.budget, ...total, t.undisbursed], ...report.costSplit.map((l): Cell[] => [r.levelTotal(l.level), l.level, null, null, l.approved, null, l.paid, null])],
  };
  const categories: ReportTable = {
    name: r.sheets.categories,
    columns: [col(c.category, 'text'), ...figures],
    rows: report.byCategory.map((k) => [k.name, k.households, k.approved, k.visited, k.paid]),
    totals: [[words.total, ...total]],
  };
  const units: ReportTable = {
    name: r.sheets.units,
    columns: [col(c.unit, 'text'), col(c.unitId, 'text', 16), ...figures, col(c.status, 'text')],
    rows: report.byUnit.map((u) => [u.name, u.unitId, u.households, u.approved, u.visited, u.paid, u.forfeitedIn ? r.forfeited(phase(u.forfeitedIn)) : r.taking]),
    totals: [[words.total, null, ...total, null]],
  };
  const due = context.milestones.map((m) => c.milestone(words.time(Date.parse(m.at), context.timeZone, true), percent(m.coverage)));
  // As the visiting workflow counts a milestone (workflows/unit/visits.ts): a share of the approved households, rounded up.
  const required = (households: number) => context.milestones.map((m) => Math.ceil(m.coverage * households));
  const coverage: ReportTable = {
    name: r.sheets.coverage,
    columns: [col(c.unit, 'text'), col(c.households, 'count'), col(c.visited, 'count'), col(c.coverage, 'share'), ...due.map((heading) => col(heading, 'count', 20))],
    rows: report.byUnit.map((u) => [u.name, u.households, u.visited, u.households ? u.visited / u.households : null, ...required(u.households)]),
    totals: [[words.total, t.households, t.visited, t.households ? t.visited / t.households : null, ...report.byUnit.map((u) => required(u.households)).reduce((sum, row) => sum.map((n, i) => n + row[i]!), required(0))]],
  };
  return {
    title: r.title(report.title),
    subtitle: r.subtitle(report.organizer, words.time(context.generatedAt, context.timeZone)),
    tables: [summary, fundingSources, categories, units, coverage],
  };
}

/** How a cell of a column reads in print: amounts with separators, shares as percentages. */
export function formatCell(cell: Cell, kind: ColumnKind, locale: Locale): Cell {
  if (typeof cell !== 'number') return cell;
  if (kind === 'share') return percent(cell);
  return kind === 'yuan' ? WORDS[locale].yuan(cell) : cell;
}
