/**
 * The cost of the console's charts on a large store: 200,000 attempts over the last day (a tenth
 * of them in the last hour), 500 endpoints of 50 tenants, better-sqlite3. `node bench/chart-queries.ts`.
 * Each figure is the mean of 5 runs after one warm-up; `rows` is what the GROUP BY hands back.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { openBetterSqlite } from '../src/db/dialects/better-sqlite3.ts';
import { attemptSeries } from '../src/db/repo/delivery-charts.ts';
import { migrateStore } from '../src/db/store.ts';

const N = Number(process.env.BENCH_ATTEMPTS ?? 200_000);
const T = 50;
const E = 500;
const DAY = 86_400_000;
const path = join(mkdtempSync(join(tmpdir(), 'hookgate-charts-')), 'bench.db');
const store = openBetterSqlite(path);
await migrateStore(store, () => {});
await store.close();
const raw = new SQLite(path);
const now = Date.now();
raw.exec('BEGIN');
for (let t = 0; t < T; t++) raw.prepare('INSERT INTO tenants (id,name,partner_org_id,created_at) VALUES (?,?,?,?)').run(`ten_${t}`, `T${t}`, null, now);
for (let e = 0; e < E; e++)
  raw
    .prepare('INSERT INTO endpoints (id,tenant_id,surface,url,created_at,updated_at) VALUES (?,?,?,?,?,?)')
    .run(`ep_${e}`, `ten_${e % T}`, 'admin', `https://r${e}.example/`, now, now);
const ev = raw.prepare('INSERT INTO events (id,tenant_id,type,requested_type,data,delivery_count,occurred_at,created_at) VALUES (?,?,?,?,?,?,?,?)');
const de = raw.prepare('INSERT INTO deliveries (event_id,endpoint_id,message_id,status,attempt_count,created_at,updated_at) VALUES (?,?,?,?,1,?,?)');
const at = raw.prepare(
  "INSERT INTO attempts (delivery_id,attempt_number,trigger,started_at,duration_ms,succeeded,request_url,request_headers) VALUES (?,1,'sweep',?,?,?,'https://r.example/','{}')",
);
for (let i = 0; i < N; i++) {
  const e = i % E;
  const startedAt = i % 10 === 0 ? now - Math.floor(Math.random() * 3_600_000) : now - Math.floor(Math.random() * DAY);
  ev.run(`evt_${i}`, `ten_${e % T}`, 'invoice.paid', 'invoice.paid', '{}', 1, startedAt, startedAt);
  const { lastInsertRowid } = de.run(`evt_${i}`, `ep_${e}`, `msg_${i}`, i % 7 === 0 ? 'failed' : 'succeeded', startedAt, startedAt);
  at.run(lastInsertRowid, startedAt, Math.floor(Math.random() ** 3 * 3000), i % 7 === 0 ? 0 : 1);
}
raw.exec('COMMIT');
raw.close();

const s = openBetterSqlite(path);
const hour = { from: now - 3_600_000, bucketMs: 60_000, buckets: 60 };
const day = { from: now - DAY, bucketMs: 900_000, buckets: 96 };
const time = async (label: string, run: () => ReturnType<typeof attemptSeries>) => {
  const first = await run();
  const t0 = performance.now();
  for (let i = 0; i < 5; i++) await run();
  console.log(label.padEnd(36), ((performance.now() - t0) / 5).toFixed(1).padStart(7), 'ms', `(${first.attempts} attempts)`);
};
console.log(`${N} attempts, better-sqlite3, Node ${process.version}`);
await time('global, last hour', () => attemptSeries(s.db, {}, hour));
await time('global, last day', () => attemptSeries(s.db, {}, day));
await time('one tenant (10 endpoints), last day', () => attemptSeries(s.db, { tenantIds: ['ten_3'] }, day));
await time('one endpoint, last day', () => attemptSeries(s.db, { endpointId: 'ep_17' }, day));
await s.close();
