import { mkdirSync, writeFileSync } from 'node:fs';
import { round } from './stats.ts';

export interface Row {
  figure: string;
  hookgate: string;
  baseline: string;
  ratio: string;
  /** Server CPU time per operation, hookgate / raw baseline. */
  cpu: string;
  target: string;
  met: boolean | null;
}

const MB = 1024 * 1024;
export const mb = (bytes: number | null) => (bytes === null ? 'n/a' : `${round(bytes / MB)} MB`);
export const perSecond = (value: number) => `${value.toLocaleString('en-US')}/s`;

/** A plain-text table, one line per figure; a missed target is marked. */
export function renderTable(rows: readonly Row[]): string {
  const header: Row = { figure: 'figure', hookgate: 'hookgate', baseline: 'raw baseline', ratio: 'ratio', cpu: 'CPU µs/op (raw)', target: 'target', met: null };
  const cells = (row: Row) => [row.figure, row.hookgate, row.baseline, row.ratio, row.cpu, row.target, row === header ? 'met' : row.met === null ? '' : row.met ? 'yes' : 'NO'];
  const all = [header, ...rows].map(cells);
  const widths = all[0]!.map((_, column) => Math.max(...all.map((line) => line[column]!.length)));
  const line = (values: string[]) => values.map((value, column) => value.padEnd(widths[column]!)).join(' | ');
  return [line(all[0]!), widths.map((width) => '-'.repeat(width)).join('-|-'), ...all.slice(1).map(line)].join('\n');
}

/** Writes `bench/results/<date>[-bun][-quick].json` and returns its path. */
export function writeResults(results: object, options: { runtime: string; quick: boolean; date: Date }): string {
  mkdirSync('bench/results', { recursive: true });
  const suffix = `${options.runtime === 'bun' ? '-bun' : ''}${options.quick ? '-quick' : ''}`;
  const path = `bench/results/${options.date.toISOString().slice(0, 10)}${suffix}.json`;
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
  return path;
}
