import { readFileSync, writeFileSync } from 'node:fs';
import { rateChartSvg } from './lib/chart.ts';
import type { LatencyResults } from './lib/phases.ts';

/**
 * The chart `npm run bench` draws beside its results (throughput and latency against the offered
 * rate), drawn again from a results file, older ones included:
 *   node bench/rates-chart.ts bench/results/2026-11-27.json docs/performance/rates-node.svg
 */
const [input, output] = process.argv.slice(2);
if (!input || !output) throw new Error('usage: node bench/rates-chart.ts <results.json> <out.svg>');
const results = JSON.parse(readFileSync(input, 'utf8')) as { date: string; runtime: string; latency: LatencyResults; machine: { loadAverageBefore: number[] } };
const title = `hookgate ${results.runtime}, ${results.date.slice(0, 16).replace('T', ' ')} UTC: fixed-rate runs, one endpoint (load average ${results.machine.loadAverageBefore.join(' ')})`;
writeFileSync(output, rateChartSvg(title, results.latency.runs));
