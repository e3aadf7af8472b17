import type { LoadResult } from './load';
import { quantile } from './stats';

// The bench's plot: throughput and submission latency over time, app against raw Temporal, as one
// SVG with no dependencies (the README shows it beside the table).

export interface Series {
  name: string;
  colour: string;
  load: LoadResult;
}

const WIDTH = 900;
const PANEL = 260;
const MARGIN = { left: 70, right: 150, top: 50, bottom: 40 };

/** Per bucket of `width` seconds: operations per second, and the first operation's (the submission's) p50 and p99 latency. */
function buckets(load: LoadResult, width: number): { at: number; perSecond: number; p50: number; p99: number }[] {
  const count = Math.max(1, Math.ceil(load.seconds / width));
  return Array.from({ length: count }, (_, i) => {
    const inBucket = load.timeline.filter((o) => o.at >= i * width && o.at < (i + 1) * width);
    const firsts = inBucket.filter((o) => o.first).map((o) => o.ms);
    const span = Math.min(width, load.seconds - i * width);
    return { at: i * width + span / 2, perSecond: inBucket.length / span, p50: quantile(firsts, 0.5), p99: quantile(firsts, 0.99) };
  });
}

/** The axis for values up to n: a round step (1, 2 or 5 × 10^k) giving about four ticks, and the top tick at or above n. */
function axis(n: number): { step: number; max: number } {
  const rough = Math.max(n, 1) / 4;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= rough)!;
  return { step, max: Math.ceil(Math.max(n, 1) / step) * step };
}

export function plotLoad(title: string, subtitle: string, series: Series[]): string {
  const time = axis(Math.max(...series.map((s) => s.load.seconds)));
  // About 60 points across the longest run, whole seconds each.
  const width = Math.max(1, Math.round(time.max / 60));
  const data = series.map((s) => ({ ...s, points: buckets(s.load, width) }));
  const rate = axis(Math.max(...data.flatMap((d) => d.points.map((p) => p.perSecond))));
  const latency = axis(Math.max(...data.flatMap((d) => d.points.map((p) => p.p99)).filter(Number.isFinite)));
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const x = (seconds: number) => MARGIN.left + (seconds / time.max) * plotWidth;
  const panels = [
    { top: MARGIN.top, label: `operations / s (${width} s buckets)`, ...rate, lines: data.map((d) => ({ colour: d.colour, dash: '', legend: d.name, values: d.points.map((p) => [p.at, p.perSecond] as const) })) },
    {
      top: MARGIN.top + PANEL + MARGIN.bottom,
      label: 'submission latency, ms',
      ...latency,
      lines: data.flatMap((d) => [
        { colour: d.colour, dash: '', legend: `${d.name} p50`, values: d.points.map((p) => [p.at, p.p50] as const) },
        { colour: d.colour, dash: '6 4', legend: `${d.name} p99`, values: d.points.map((p) => [p.at, p.p99] as const) },
      ]),
    },
  ];
  const height = MARGIN.top + 2 * (PANEL + MARGIN.bottom) + 10;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${MARGIN.left}" y="16" font-size="14">${escapeXml(title)}</text>`,
    `<text x="${MARGIN.left}" y="32" fill="#555">${escapeXml(subtitle)}</text>`,
  ];
  for (const panel of panels) {
    const y = (value: number) => panel.top + PANEL - (value / panel.max) * PANEL;
    parts.push(`<rect x="${MARGIN.left}" y="${panel.top}" width="${plotWidth}" height="${PANEL}" fill="none" stroke="#999"/>`);
    for (let value = 0; value <= panel.max; value += panel.step) {
      parts.push(`<text x="${MARGIN.left - 6}" y="${y(value) + 4}" text-anchor="end">${value}</text>`);
      if (value > 0 && value < panel.max) parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${y(value)}" y2="${y(value)}" stroke="#eee"/>`);
    }
    for (let seconds = 0; seconds <= time.max; seconds += time.step) parts.push(`<text x="${x(seconds)}" y="${panel.top + PANEL + 16}" text-anchor="middle">${seconds} s</text>`);
    parts.push(`<text x="14" y="${panel.top + PANEL / 2}" transform="rotate(-90 14 ${panel.top + PANEL / 2})" text-anchor="middle">${panel.label}</text>`);
    panel.lines.forEach((line, i) => {
      const points = line.values.filter(([, v]) => Number.isFinite(v)).map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`);
      parts.push(`<polyline points="${points.join(' ')}" fill="none" stroke="${line.colour}" stroke-width="1.5" stroke-dasharray="${line.dash}"/>`);
      const legendY = panel.top + 14 + i * 18;
      parts.push(`<line x1="${WIDTH - MARGIN.right + 10}" x2="${WIDTH - MARGIN.right + 34}" y1="${legendY - 4}" y2="${legendY - 4}" stroke="${line.colour}" stroke-width="1.5" stroke-dasharray="${line.dash}"/>`);
      parts.push(`<text x="${WIDTH - MARGIN.right + 40}" y="${legendY}">${escapeXml(line.legend)}</text>`);
    });
  }
  parts.push('</svg>');
  return parts.join('\n');
}

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
