import type { LatencyRun } from './phases.ts';

/**
 * The bench's chart of its fixed-rate runs (SVG, no dependency): on the left, events delivered per
 * second against the rate offered (the dashed diagonal is "keeps up"); on the right, p50 and p99
 * latency from the scheduled send (log scale) against the rate offered, the load generator's own
 * p99 lateness beside them. One polyline per series, one point per run.
 */
export function rateChartSvg(title: string, runs: readonly LatencyRun[]): string {
  const points = [...runs].sort((a, b) => a.offered - b.offered);
  const panel = { width: 420, height: 260, left: 60, top: 40, gap: 90 };
  const maxRate = Math.max(...points.map((run) => run.offered)) * 1.1;
  const x = (rate: number, offset: number) => offset + panel.left + (rate / maxRate) * (panel.width - panel.left - 10);
  const delivered = (run: LatencyRun) => run.delivered / Math.max(0.001, run.seconds);
  const yRate = (rate: number) => panel.top + panel.height - (rate / maxRate) * panel.height;
  const lateness = (run: LatencyRun) => run.generatorLateness?.p99; // absent from results written before issue 26
  const latencies = points.flatMap((run) => [run.p50, run.p99, lateness(run) ?? 0]).filter((value) => value > 0);
  const [low, high] = [Math.max(0.1, Math.min(...latencies) / 2), Math.max(...latencies) * 2];
  const yLatency = (ms: number) => panel.top + panel.height - ((Math.log10(Math.max(ms, low)) - Math.log10(low)) / (Math.log10(high) - Math.log10(low))) * panel.height;
  const right = panel.width + panel.gap;
  const line = (values: [number, number][], colour: string, dashed = false) =>
    `<polyline fill="none" stroke="${colour}" stroke-width="2"${dashed ? ' stroke-dasharray="5,4"' : ''} points="${values.map(([px, py]) => `${px.toFixed(1)},${py.toFixed(1)}`).join(' ')}"/>` +
    values.map(([px, py]) => `<circle cx="${px.toFixed(1)}" cy="${py.toFixed(1)}" r="3" fill="${colour}"/>`).join('');
  const axes = (offset: number, label: string) =>
    `<line x1="${offset + panel.left}" y1="${panel.top}" x2="${offset + panel.left}" y2="${panel.top + panel.height}" stroke="#333"/>` +
    `<line x1="${offset + panel.left}" y1="${panel.top + panel.height}" x2="${offset + panel.width}" y2="${panel.top + panel.height}" stroke="#333"/>` +
    `<text x="${offset + panel.left}" y="${panel.top - 8}">${label}</text>` +
    points.map((run) => `<text x="${x(run.offered, offset).toFixed(1)}" y="${panel.top + panel.height + 16}" text-anchor="middle">${run.offered}</text>`).join('') +
    `<text x="${offset + (panel.width + panel.left) / 2}" y="${panel.top + panel.height + 34}" text-anchor="middle">offered events/s</text>`;
  const rateTicks = [0, 0.25, 0.5, 0.75, 1].map((share) => Math.round((maxRate / 1.1) * share));
  const latencyTicks = [0.1, 1, 10, 100, 1000, 10_000].filter((ms) => ms >= low && ms <= high);
  const legend = [
    ['#1f77b4', 'delivered/s'],
    ['#d62728', 'p99 from the scheduled send'],
    ['#2ca02c', 'p50 from the scheduled send'],
    ['#999', "generator's own p99 lateness"],
  ]
    .map(
      ([colour, name], index) =>
        `<rect x="${10 + index * 210}" y="${panel.top + panel.height + 48}" width="12" height="12" fill="${colour}"/><text x="${28 + index * 210}" y="${panel.top + panel.height + 58}">${name}</text>`,
    )
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * panel.width + panel.gap}" height="${panel.top + panel.height + 70}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="#fff"/>
<text x="10" y="16" font-size="13">${title.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</text>
${axes(0, 'delivered events/s')}
${rateTicks.map((rate) => `<text x="${panel.left - 6}" y="${yRate(rate) + 4}" text-anchor="end">${rate}</text>`).join('')}
${line(
  points.map((run) => [x(run.offered, 0), yRate(run.offered)]),
  '#bbb',
  true,
)}
${line(
  points.map((run) => [x(run.offered, 0), yRate(delivered(run))]),
  '#1f77b4',
)}
${axes(right, 'latency, ms (log scale)')}
${latencyTicks.map((ms) => `<text x="${right + panel.left - 6}" y="${yLatency(ms) + 4}" text-anchor="end">${ms}</text><line x1="${right + panel.left}" x2="${right + panel.width}" y1="${yLatency(ms)}" y2="${yLatency(ms)}" stroke="#eee"/>`).join('')}
${line(
  points.map((run) => [x(run.offered, right), yLatency(run.p99)]),
  '#d62728',
)}
${line(
  points.map((run) => [x(run.offered, right), yLatency(run.p50)]),
  '#2ca02c',
)}
${
  points.every((run) => lateness(run) !== undefined)
    ? line(
        points.map((run) => [x(run.offered, right), yLatency(lateness(run)!)]),
        '#999',
        true,
      )
    : ''
}
${legend}
</svg>
`;
}
