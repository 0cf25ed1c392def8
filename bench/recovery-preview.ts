/**
 * The cost of the console's bulk-recovery preview on a large endpoint: BENCH_DELIVERIES (default
 * 200,000) deliveries of one endpoint over 30 days (a seventh failed), better-sqlite3. The preview
 * of "failed or succeeded" is two `countRecoverable` calls (one per status), as the console makes
 * them; a one-day range is timed too. `node bench/recovery-preview.ts`; mean of 5 runs after one warm-up.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { openBetterSqlite } from '../src/db/dialects/better-sqlite3.ts';
import { migrateStore } from '../src/db/store.ts';
import { countRecoverable, type RecoveryRange } from '../src/domain/recovery.ts';

const N = Number(process.env.BENCH_DELIVERIES ?? 200_000);
const DAY = 86_400_000;
const path = join(mkdtempSync(join(tmpdir(), 'hookgate-recovery-')), 'bench.db');
const store = openBetterSqlite(path);
await migrateStore(store, () => {});
await store.close();
const raw = new SQLite(path);
const now = Date.now();
raw.exec('BEGIN');
raw.prepare('INSERT INTO tenants (id,name,partner_org_id,created_at) VALUES (?,?,?,?)').run('ten_1', 'T', null, now);
for (const id of ['ep_big', 'ep_other'])
  raw.prepare('INSERT INTO endpoints (id,tenant_id,surface,url,created_at,updated_at) VALUES (?,?,?,?,?,?)').run(id, 'ten_1', 'admin', 'https://r.example/', now, now);
const ev = raw.prepare('INSERT INTO events (id,tenant_id,type,requested_type,data,delivery_count,occurred_at,created_at) VALUES (?,?,?,?,?,?,?,?)');
const de = raw.prepare('INSERT INTO deliveries (event_id,endpoint_id,message_id,status,attempt_count,created_at,updated_at) VALUES (?,?,?,?,1,?,?)');
for (let i = 0; i < N; i++) {
  const createdAt = now - 30 * DAY + Math.floor((i / N) * 30 * DAY);
  ev.run(`evt_${i}`, 'ten_1', 'invoice.paid', 'invoice.paid', '{}', 2, createdAt, createdAt);
  de.run(`evt_${i}`, 'ep_big', `msg_${i}`, i % 7 === 0 ? 'failed' : 'succeeded', createdAt, createdAt);
  de.run(`evt_${i}`, 'ep_other', `msg_o${i}`, 'succeeded', createdAt, createdAt);
}
raw.exec('COMMIT');
raw.close();

const s = openBetterSqlite(path);
const preview = (range: Omit<RecoveryRange, 'status'>) => Promise.all((['failed', 'succeeded'] as const).map((status) => countRecoverable(s.db, 'ep_big', { ...range, status })));
const time = async (label: string, run: () => Promise<number[]>) => {
  const counts = await run();
  const t0 = performance.now();
  for (let i = 0; i < 5; i++) await run();
  console.log(label.padEnd(28), ((performance.now() - t0) / 5).toFixed(1).padStart(7), 'ms', `(failed ${counts[0]}, succeeded ${counts[1]})`);
};
console.log(`${N} deliveries of one endpoint (and as many of another), better-sqlite3, Node ${process.version}`);
await time('preview, 30 days', () => preview({ since: now - 31 * DAY, until: null }));
await time('preview, last day', () => preview({ since: now - DAY, until: null }));
await s.close();
