import { html } from 'hono/html';
import type { Html } from './layout.ts';

export interface ChartSeries {
  name: string;
  /** One value per x position; null leaves a gap. */
  values: readonly (number | null)[];
}

export interface LineChart {
  /** The chart's id, for aria references. */
  id: string;
  title: string;
  description: string;
  xLabel: string;
  yLabel: string;
  /** The x positions' labels (bucket start times), one per value. */
  labels: readonly string[];
  series: readonly ChartSeries[];
  /** Fixes the top of the y axis (100 for a percentage); else the largest value, rounded up. */
  yMax?: number;
}

const WIDTH = 720;
const HEIGHT = 220;
const LEFT = 56;
const RIGHT = 12;
const TOP = 12;
const BOTTOM = 40;
const PLOT_W = WIDTH - LEFT - RIGHT;
const PLOT_H = HEIGHT - TOP - BOTTOM;
/** Line colours (presentation attributes: the CSP forbids inline styles), dark enough on white for contrast. */
const COLOURS = ['#1f5fbf', '#9a6700', '#b42318'];

/** A line chart drawn as inline SVG on the server: a title, a `<desc>`, axis labels, and one polyline per run of values. */
export function lineChart(chart: LineChart): Html {
  const values = chart.series.flatMap((series) => series.values.filter((value): value is number => value !== null));
  const yMax = chart.yMax ?? niceCeiling(Math.max(0, ...values));
  const n = chart.labels.length;
  const x = (index: number) => LEFT + (n <= 1 ? PLOT_W / 2 : (index * PLOT_W) / (n - 1));
  const y = (value: number) => TOP + PLOT_H - (yMax === 0 ? 0 : (value / yMax) * PLOT_H);
  const fmt = (value: number) => value.toFixed(1);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((share) => share * yMax);
  return html`<figure class="chart">
<svg role="img" aria-labelledby="${chart.id}-title ${chart.id}-desc" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="100%" xmlns="http://www.w3.org/2000/svg">
<title id="${chart.id}-title">${chart.title}</title>
<desc id="${chart.id}-desc">${chart.description}</desc>
<g class="axis" stroke="#5d6678" fill="#1d2330" font-size="11">
<line x1="${LEFT}" y1="${TOP + PLOT_H}" x2="${LEFT + PLOT_W}" y2="${TOP + PLOT_H}"></line>
<line x1="${LEFT}" y1="${TOP}" x2="${LEFT}" y2="${TOP + PLOT_H}"></line>
${ticks.map((tick) => html`<text stroke="none" x="${LEFT - 6}" y="${fmt(y(tick) + 4)}" text-anchor="end">${formatNumber(tick)}</text>`)}
<text stroke="none" x="${LEFT}" y="${HEIGHT - 22}" text-anchor="start">${chart.labels[0] ?? ''}</text>
<text stroke="none" x="${LEFT + PLOT_W}" y="${HEIGHT - 22}" text-anchor="end">${chart.labels[n - 1] ?? ''}</text>
<text stroke="none" class="axis-label" x="${LEFT + PLOT_W / 2}" y="${HEIGHT - 4}" text-anchor="middle">${chart.xLabel}</text>
<text stroke="none" class="axis-label" x="12" y="${TOP + PLOT_H / 2}" text-anchor="middle" transform="rotate(-90 12 ${TOP + PLOT_H / 2})">${chart.yLabel}</text>
</g>
${chart.series.map(
  (series, index) =>
    html`<g class="series" data-series="${series.name}" fill="none" stroke="${COLOURS[index % COLOURS.length]}" stroke-width="2">${runs(series.values).map(
      (run) => html`<polyline points="${run.map(([at, value]) => `${fmt(x(at))},${fmt(y(value))}`).join(' ')}"></polyline>`,
    )}</g>`,
)}
</svg>
<figcaption>${chart.series.length > 1 ? chart.series.map((series, index) => html`<span class="legend"><svg width="14" height="4" aria-hidden="true"><rect width="14" height="4" fill="${COLOURS[index % COLOURS.length]}"></rect></svg> ${series.name}</span> `) : ''}</figcaption>
<details><summary>${chart.title}: data table</summary>
<table class="chart-data"><thead><tr><th scope="col">${chart.xLabel}</th>${chart.series.map((series) => html`<th scope="col">${series.name}</th>`)}</tr></thead>
<tbody>${chart.labels.map(
    (label, index) => html`<tr><th scope="row">${label}</th>${chart.series.map((series) => html`<td>${formatValue(series.values[index] ?? null)}</td>`)}</tr>`,
  )}</tbody></table></details>
</figure>`;
}

/** The runs of consecutive non-null values, as [index, value] pairs (a lone value is a run of one). */
function runs(values: readonly (number | null)[]): [number, number][][] {
  const result: [number, number][][] = [];
  let current: [number, number][] = [];
  values.forEach((value, index) => {
    if (value === null) {
      if (current.length) result.push(current);
      current = [];
    } else current.push([index, value]);
  });
  if (current.length) result.push(current);
  return result;
}

function niceCeiling(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 2.5, 5, 10].find((factor) => factor * magnitude >= value) ?? 10;
  return step * magnitude;
}

const formatNumber = (value: number) => (Number.isInteger(value) ? String(value) : value.toPrecision(3).replace(/\.?0+$/, ''));
const formatValue = (value: number | null) => (value === null ? '—' : formatNumber(value));
