/**
 * The cost of the "find anything" queries on a large store: 200,000 deliveries (a quarter pending,
 * half of those failing), 500 endpoints, 50 tenants, better-sqlite3. `node bench/find-lookups.ts`.
 * Each figure is the mean of 5 runs after one warm-up.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { openBetterSqlite } from '../src/db/dialects/better-sqlite3.ts';
import { searchDeliveries } from '../src/db/repo/delivery-search.ts';
import { eventDeliveries, failingNow } from '../src/db/repo/event-lookup.ts';
import { migrateStore } from '../src/db/store.ts';

const path = join(mkdtempSync(join(tmpdir(), 'hookgate-find-')), 'bench.db');
const store = openBetterSqlite(path);
await migrateStore(store, () => {});
await store.close();
const raw = new SQLite(path);
const N = 200_000,
  T = 50,
  E = 500;
raw.exec('BEGIN');
const now = Date.now();
for (let t = 0; t < T; t++) raw.prepare('INSERT INTO tenants (id,name,partner_org_id,created_at) VALUES (?,?,?,?)').run(`ten_${t}`, `T${t}`, t < 10 ? 'org' : null, now);
for (let e = 0; e < E; e++)
  raw
    .prepare('INSERT INTO endpoints (id,tenant_id,surface,url,created_at,updated_at,enabled,disabled_reason,circuit_state) VALUES (?,?,?,?,?,?,?,?,?)')
    .run(`ep_${e}`, `ten_${e % T}`, 'admin', `https://r${e}.example/hook`, now, now, e % 50 === 0 ? 0 : 1, e % 50 === 0 ? 'gone' : null, e % 60 === 1 ? 'open' : 'closed');
const ev = raw.prepare('INSERT INTO events (id,tenant_id,type,requested_type,data,delivery_count,occurred_at,created_at) VALUES (?,?,?,?,?,?,?,?)');
const de = raw.prepare('INSERT INTO deliveries (event_id,endpoint_id,message_id,status,attempt_count,next_attempt_at,last_error,created_at,updated_at) VALUES (?,?,?,?,?,?,?,?,?)');
for (let i = 0; i < N; i++) {
  const e = i % E;
  ev.run(`evt_${i}`, `ten_${e % T}`, 'invoice.paid', 'invoice.paid', '{}', 1, now - (N - i) * 1000, now - (N - i) * 1000);
  const pending = i % 4 === 0;
  de.run(
    `evt_${i}`,
    `ep_${e}`,
    `msg_${i}`,
    pending ? 'pending' : 'succeeded',
    pending && i % 8 === 0 ? 2 : 1,
    pending ? now + 3600_000 : null,
    pending && i % 8 === 0 ? 'HTTP 500' : null,
    now - (N - i) * 1000,
    now - (N - i) * 1000,
  );
}
raw.exec('COMMIT');
raw.close();
const s = openBetterSqlite(path);
const time = async (label: string, f: () => Promise<unknown>) => {
  await f();
  const t0 = performance.now();
  for (let i = 0; i < 5; i++) await f();
  console.log(label, ((performance.now() - t0) / 5).toFixed(1), 'ms');
};
await time('event lookup', () => eventDeliveries(s.db, 'evt_12345'));
await time('search by event id', () => searchDeliveries(s.db, { eventId: 'evt_12345', limit: 50, offset: 0 }));
await time('search unfiltered (platform)', () => searchDeliveries(s.db, { limit: 50, offset: 0 }));
await time('search by url part', () => searchDeliveries(s.db, { url: 'r17.example', limit: 50, offset: 0 }));
await time('search partner reach + status + time', () =>
  searchDeliveries(s.db, { tenantIds: Array.from({ length: 10 }, (_, t) => `ten_${t}`), status: 'pending', since: now - 86400_000, limit: 50, offset: 0 }),
);
await time('failing now (platform)', () => failingNow(s.db, { limit: 100 }));
await time('failing now (one tenant)', () => failingNow(s.db, { tenantIds: ['ten_3'], limit: 100 }));
await s.close();
