// Regenerates domain/calendar/cn-workdays.json from the npm package chinese-days (a devDependency):
// per year the public holidays and the make-up working days (调休), each year with its source,
// the State Council notice the package cites. The JSON file is the project's own data and ships;
// run this after upgrading chinese-days, review the diff, commit both.
//
//   npx tsx scripts/calendar-data.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const packageDir = join(__dirname, '..', 'node_modules', 'chinese-days');
const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string };
const data = JSON.parse(readFileSync(join(packageDir, 'dist', 'chinese-days.json'), 'utf8')) as Record<'holidays' | 'workdays', Record<string, string>>;

// The package's own source names the notice of each year in a comment: "* 2026\n * https://www.gov.cn/…".
const generator = readFileSync(join(packageDir, 'src', 'holidays', 'generate.ts'), 'utf8');
const notices = new Map<string, string>();
for (const match of generator.matchAll(/\*\s*(\d{4})\s*\n\s*\*\s*(https?:\/\/\S+)/g)) notices.set(match[1]!, match[2]!);

interface YearData {
  source: { package: string; notice?: string };
  holidays: Record<string, string>;
  workdays: Record<string, string>;
}

/** "Spring Festival,春节,4" → "春节" */
const festival = (entry: string) => entry.split(',')[1] ?? entry;

const years: Record<string, YearData> = {};
for (const kind of ['holidays', 'workdays'] as const) {
  for (const [date, entry] of Object.entries(data[kind]).sort(([a], [b]) => a.localeCompare(b))) {
    const year = date.slice(0, 4);
    years[year] ??= { source: { package: `chinese-days@${version}`, notice: notices.get(year) }, holidays: {}, workdays: {} };
    years[year][kind][date] = festival(entry);
  }
}

const sorted = Object.fromEntries(Object.entries(years).sort(([a], [b]) => a.localeCompare(b)));
const file = join(__dirname, '..', 'domain', 'calendar', 'cn-workdays.json');
writeFileSync(file, `${JSON.stringify({ about: 'Chinese public holidays (放假) and make-up working days (调休上班) per year; regenerate with scripts/calendar-data.ts', years: sorted }, null, 1)}\n`);
console.log(`${file}: ${Object.keys(sorted).join(', ')} (chinese-days@${version}; ${[...notices.keys()].length} years name their notice)`);
