import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * CPU time per SQL statement in a Node server, for finding where a delivery's store time goes (the
 * stacks of a CPU profile lose the caller of a statement run after an `await`). Load it into the
 * bench's processes:
 *   BENCH_NODE_OPTIONS="--import ./bench/sql-probe.ts" node bench/delivery-probe.ts
 * Each better-sqlite3 statement's `run`/`all`/`get` is timed with `process.threadCpuUsage()` (CPU
 * time of the main thread, so not inflated by other load on the machine); at exit the process writes
 * `/tmp/hookgate-sql-<pid>.txt`: total CPU, count and CPU per call of each SQL text (first 140
 * characters), largest first.
 * On Postgres (node-postgres) a statement's CPU cannot be told apart from the rest of the process
 * (it waits for the server), so each `Client#query` is counted instead, with its wall time from
 * send to answer: every call is one network round trip (`BEGIN` and `COMMIT` included). The same
 * file then lists round trips per SQL text, and their total.
 */
interface Statement {
  source: string;
  run(...parameters: unknown[]): unknown;
  all(...parameters: unknown[]): unknown;
  get(...parameters: unknown[]): unknown;
}
const require = createRequire(`${process.cwd()}/package.json`);
const Database = require('better-sqlite3') as new (path: string) => { prepare(sql: string): Statement };
const prototype = Object.getPrototypeOf(new Database(':memory:').prepare('SELECT 1')) as Statement;
const spent = new Map<string, { micros: number; calls: number }>();
for (const method of ['run', 'all', 'get'] as const) {
  const original = prototype[method];
  prototype[method] = function (this: Statement, ...parameters: unknown[]) {
    const before = process.threadCpuUsage();
    try {
      return original.apply(this, parameters);
    } finally {
      const { user, system } = process.threadCpuUsage(before);
      const key = this.source.replace(/\s+/g, ' ').slice(0, 140);
      const entry = spent.get(key) ?? { micros: 0, calls: 0 };
      entry.micros += user + system;
      entry.calls++;
      spent.set(key, entry);
    }
  };
}
const roundTrips = new Map<string, { micros: number; calls: number }>();
try {
  const pg = require('pg') as { Client: { prototype: { query(...args: unknown[]): unknown } } };
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: unknown, ...args: unknown[]) {
    const text = typeof args[0] === 'string' ? args[0] : ((args[0] as { text?: string } | null)?.text ?? '');
    const key = text.replace(/\s+/g, ' ').slice(0, 140);
    const started = process.hrtime.bigint();
    const note = () => {
      const entry = roundTrips.get(key) ?? { micros: 0, calls: 0 };
      entry.micros += Number(process.hrtime.bigint() - started) / 1000;
      entry.calls++;
      roundTrips.set(key, entry);
    };
    const result = query.apply(this, args);
    if (result instanceof Promise) result.then(note, note);
    return result;
  };
} catch {
  // No node-postgres here: SQLite statements only.
}
process.on('exit', () => {
  if (roundTrips.size > 0) {
    const total = [...roundTrips.values()].reduce((sum, entry) => sum + entry.calls, 0);
    const lines = [...roundTrips]
      .sort((a, b) => b[1].calls - a[1].calls)
      .map(([sql, { micros, calls }]) => `${String(calls).padStart(8)}× ${(micros / calls / 1000).toFixed(2).padStart(8)} ms wall  ${sql}`);
    writeFileSync(`/tmp/hookgate-pg-${process.pid}.txt`, `${total} round trips\n${lines.join('\n')}\n`);
  }
  if (spent.size === 0) return;
  const lines = [...spent]
    .sort((a, b) => b[1].micros - a[1].micros)
    .map(([sql, { micros, calls }]) => `${(micros / 1000).toFixed(0).padStart(7)} ms ${String(calls).padStart(8)}× ${(micros / calls).toFixed(1).padStart(8)} µs  ${sql}`);
  writeFileSync(`/tmp/hookgate-sql-${process.pid}.txt`, `${lines.join('\n')}\n`);
});
