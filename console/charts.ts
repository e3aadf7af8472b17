import { html, type Html } from './html';

// Charts drawn on the server as SVG: numbers become coordinates, texts are escaped like any other,
// and each chart carries a table of the same figures for a screen reader (and for print).

export interface Bar {
  label: string;
  values: number[];
}

const COLOURS = ['#0b4f9c', '#a4161a', '#2e7d32'];
const fmt = (n: number) => n.toLocaleString('zh-CN');
/** A long name (a category with its examples) cut for the axis; the table beside has it whole. */
const short = (label: string) => (label.length > 16 ? `${label.slice(0, 15)}…` : label);

/** Horizontal bars, one group per label, one bar per series. */
export function barChart(o: { title: string; series: string[]; bars: Bar[]; unit: string }): Html {
  const labelWidth = 230;
  const width = 760;
  const barHeight = 14;
  const groupHeight = o.series.length * barHeight + 10;
  const height = 30 + o.bars.length * groupHeight;
  const max = Math.max(1, ...o.bars.flatMap((b) => b.values));
  const scale = (n: number) => ((width - labelWidth - 90) * n) / max;
  return html`<figure>
<svg class="chart" role="img" aria-label="${o.title}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">
${o.series.map((s, i) => html`<rect x="${labelWidth + i * 140}" y="6" width="12" height="12" fill="${COLOURS[i]}"></rect><text x="${labelWidth + i * 140 + 16}" y="17">${s}</text>`)}
${o.bars.map((b, gi) => {
  const y = 28 + gi * groupHeight;
  return html`<text x="${labelWidth - 6}" y="${y + groupHeight / 2}" text-anchor="end">${short(b.label)}</text>
${b.values.map((v, i) => html`<rect x="${labelWidth}" y="${y + i * barHeight}" width="${scale(v).toFixed(1)}" height="${barHeight - 2}" fill="${COLOURS[i]}"></rect><text x="${labelWidth + scale(v) + 4}" y="${y + i * barHeight + 11}">${fmt(v)}</text>`)}`;
})}
</svg>
<figcaption>${o.title} (${o.unit})</figcaption>
</figure>
<table><caption class="hint">${o.title}</caption><thead><tr><th scope="col"></th>${o.series.map((s) => html`<th scope="col" class="num">${s}</th>`)}</tr></thead>
<tbody>${o.bars.map((b) => html`<tr><th scope="row">${b.label}</th>${b.values.map((v) => html`<td class="num">${fmt(v)}</td>`)}</tr>`)}</tbody></table>`;
}

export interface CoveragePoint {
  /** Milliseconds since the epoch. */
  at: number;
  coverage: number;
}

/** Coverage over time (0–1) as a step line, with the plan's milestones as targets to be above. */
export function coverageChart(o: { title: string; from: number; to: number; actual: CoveragePoint[]; milestones: CoveragePoint[]; labels: { actual: string; milestone: string }; dayLabel: (ms: number) => string }): Html {
  const width = 640;
  const height = 260;
  const left = 50;
  const bottom = height - 30;
  const span = Math.max(1, o.to - o.from);
  const x = (ms: number) => (left + ((width - left - 20) * (Math.min(Math.max(ms, o.from), o.to) - o.from)) / span).toFixed(1);
  const y = (c: number) => (bottom - (bottom - 20) * Math.min(c, 1)).toFixed(1);
  const steps = [{ at: o.from, coverage: 0 }, ...o.actual];
  const path = steps.map((p, i) => `${i ? 'L' : 'M'}${x(p.at)} ${y(i ? steps[i - 1]!.coverage : 0)} L${x(p.at)} ${y(p.coverage)}`).join(' ');
  return html`<figure>
<svg class="chart" role="img" aria-label="${o.title}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">
${[0, 0.25, 0.5, 0.75, 1].map((c) => html`<line x1="${left}" x2="${width - 20}" y1="${y(c)}" y2="${y(c)}" stroke="#ddd"></line><text x="${left - 6}" y="${Number(y(c)) + 4}" text-anchor="end">${Math.round(c * 100)}%</text>`)}
<text x="${left}" y="${height - 8}">${o.dayLabel(o.from)}</text><text x="${width - 20}" y="${height - 8}" text-anchor="end">${o.dayLabel(o.to)}</text>
<path d="${path} L${x(o.to)} ${y(steps[steps.length - 1]!.coverage)}" fill="none" stroke="${COLOURS[0]}" stroke-width="2"></path>
${o.milestones.map((m) => html`<circle cx="${x(m.at)}" cy="${y(m.coverage)}" r="5" fill="${COLOURS[1]}"></circle><text x="${Number(x(m.at)) - 4}" y="${Number(y(m.coverage)) - 8}" text-anchor="end">${Math.round(m.coverage * 100)}% · ${o.dayLabel(m.at)}</text>`)}
<rect x="${left + 4}" y="6" width="12" height="4" fill="${COLOURS[0]}"></rect><text x="${left + 20}" y="12">${o.labels.actual}</text>
<circle cx="${left + 180}" cy="8" r="5" fill="${COLOURS[1]}"></circle><text x="${left + 190}" y="12">${o.labels.milestone}</text>
</svg>
<figcaption>${o.title}</figcaption>
</figure>
<table><caption class="hint">${o.title}</caption><thead><tr><th scope="col">${o.labels.actual}</th><th scope="col" class="num">%</th></tr></thead>
<tbody>${o.actual.map((p) => html`<tr><td>${o.dayLabel(p.at)}</td><td class="num">${Math.round(p.coverage * 100)}%</td></tr>`)}${o.milestones.map((m) => html`<tr><td>${o.labels.milestone} ${o.dayLabel(m.at)}</td><td class="num">${Math.round(m.coverage * 100)}%</td></tr>`)}</tbody></table>`;
}
