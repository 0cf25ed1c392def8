import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseEnv, toConfig } from '../src/config.ts';
import { migrate } from '../src/db/migrate.ts';
import type { Store } from '../src/db/store.ts';
import { createDeliveryEngine, type RunningEngine } from '../src/delivery/engine/index.ts';
import { createUndiciTransport } from '../src/delivery/transports/undici.ts';
import { createTenantWithKey } from '../src/domain/tenants.ts';
import { createSecretCipher, signingSecretOf } from '../src/lib/cipher.ts';
import { silentLogger } from '../src/lib/logger.ts';
import { median, round } from './lib/stats.ts';

/**
 * Sweep cost against history, in-process on the server core: sweeps of an empty store alternate
 * with sweeps of a store holding `BENCH_HISTORY` delivered deliveries (each with its event and
 * attempt, written by bulk inserts straight into the file); then one sweep of that store finds
 * `BENCH_DUE` due deliveries and sends them to the receiver at BENCH_RECEIVER (the sweep and the
 * claims that follow as attempts finish, until all are sent). Prints one JSON line.
 * Node: better-sqlite3 and undici; Bun: bun:sqlite and fetch, as each runtime's server uses.
 */
interface RawDb {
  exec(sql: string): void;
  prepare(sql: string): { run(...parameters: (string | number | null)[]): unknown };
  close(): void;
}

const isBun = 'Bun' in globalThis;
const history = Number(process.env.BENCH_HISTORY ?? 1_000_000);
const due = Number(process.env.BENCH_DUE ?? 10_000);
const repetitions = Number(process.env.BENCH_REPETITIONS ?? 200);
const receiver = process.env.BENCH_RECEIVER!;
const key = Buffer.alloc(32, 9).toString('base64');
const config = toConfig(parseEnv({ HOOKGATE_ALLOW_PRIVATE_TARGETS: 'true', HOOKGATE_ENCRYPTION_KEY: key }));
const cipher = await createSecretCipher(key);
const now = Date.now();
const endpointId = 'wh_sweep';

type BenchStore = Store & { close(): Promise<void>; raw: RawDb; tenantId: string; path: string };

async function openStore(): Promise<BenchStore> {
  const path = join(mkdtempSync(join(tmpdir(), 'hookgate-sweep-')), 'sweep.db');
  let store: Omit<BenchStore, 'tenantId' | 'path'>;
  if (isBun) {
    const { openBunSqlite } = await import('../src/db/dialects/bun-sqlite.ts');
    const { Database } = await import('bun:sqlite');
    store = { ...openBunSqlite(path), raw: new Database(path) as unknown as RawDb };
  } else {
    const { openBetterSqlite } = await import('../src/db/dialects/better-sqlite3.ts');
    const { default: Database } = await import('better-sqlite3');
    store = { ...openBetterSqlite(path), raw: new Database(path) as unknown as RawDb };
  }
  await migrate(store.db, store.runBatch);
  const { tenant } = await createTenantWithKey(store.db, { name: 'sweep', partnerOrgId: null, now });
  await store.db
    .insertInto('endpoints')
    .values({
      id: endpointId,
      tenant_id: tenant.id,
      surface: 'admin',
      url: `${receiver}/hook/sweep`,
      secret_enc: await cipher.encrypt('s'.repeat(32), signingSecretOf(endpointId)),
      created_at: now,
      updated_at: now,
    })
    .execute();
  return { ...store, tenantId: tenant.id, path };
}

const newEngine = (store: BenchStore): RunningEngine =>
  createDeliveryEngine({
    db: store.db,
    atomic: store.atomic,
    now: () => Date.now(),
    config,
    cipher,
    log: silentLogger,
    transport: createUndiciTransport({ allowPrivateTargets: true }),
  });

/** One sweep and every attempt it took on (a sweep itself resolves once it has claimed). */
async function timed(engine: RunningEngine): Promise<number> {
  const started = performance.now();
  await engine.sweep();
  await engine.settled();
  return performance.now() - started;
}

/** Bulk-inserts `count` events, each with one delivery in status `status` (and one attempt when delivered). */
function bulkInsert(store: BenchStore, count: number, status: 'succeeded' | 'pending', offset: number): void {
  const raw = store.raw;
  const event = raw.prepare(
    "INSERT INTO events (id, tenant_id, type, requested_type, data, delivery_count, occurred_at, created_at) VALUES (?, ?, 'invoice.created', 'invoice.created', ?, 1, ?, ?)",
  );
  const delivery = raw.prepare(
    'INSERT INTO deliveries (id, event_id, endpoint_id, message_id, status, attempt_count, next_attempt_at, last_status_code, created_at, updated_at, completed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const attempt = raw.prepare(
    "INSERT INTO attempts (delivery_id, attempt_number, trigger, started_at, duration_ms, succeeded, status_code, request_url, request_headers, response_headers, response_body) VALUES (?, 1, 'fast_path', ?, 2, 1, 200, ?, '{}', '{}', 'ok')",
  );
  const url = `${receiver}/hook/sweep`;
  const CHUNK = 50_000;
  for (let start = 0; start < count; start += CHUNK) {
    raw.exec('BEGIN');
    for (let index = start; index < Math.min(count, start + CHUNK); index++) {
      const id = offset + index + 1;
      // History spreads over the last 7 days (inside the 30-day retention, so nothing is pruned).
      const at = status === 'pending' ? now : now - 7 * 86_400_000 + Math.floor((index / count) * 7 * 86_400_000);
      const eventId = `evt_${id.toString(16).padStart(24, '0')}`;
      event.run(eventId, store.tenantId, `{"seq":${id}}`, at, at);
      if (status === 'succeeded') {
        delivery.run(id, eventId, endpointId, `msg_${id}`, 'succeeded', 1, null, 200, at, at, at);
        attempt.run(id, at, url);
      } else {
        delivery.run(id, eventId, endpointId, `msg_${id}`, 'pending', 0, now, null, now, now, null);
      }
    }
    raw.exec('COMMIT');
  }
}

// Two stores, one empty and one with the history; their sweeps alternate, so a change in the
// machine's load during the measurement hits both sides alike.
const empty = await openStore();
const full = await openStore();
const started = performance.now();
bulkInsert(full, history, 'succeeded', 0);
const buildSeconds = (performance.now() - started) / 1000;
const emptyEngine = newEngine(empty);
const fullEngine = newEngine(full);
// The first sweep of an engine also prunes expired history (then once an hour).
const firstEmpty = await timed(emptyEngine);
const firstFull = await timed(fullEngine);
const emptyTimes: number[] = [];
const fullTimes: number[] = [];
for (let index = 0; index < repetitions; index++) {
  emptyTimes.push(await timed(emptyEngine));
  fullTimes.push(await timed(fullEngine));
}
await emptyEngine.shutdown(1000);

bulkInsert(full, due, 'pending', history);
const dueMs = await timed(fullEngine);
const claimed = due;
await fullEngine.shutdown(1000);
for (const store of [empty, full]) {
  store.raw.close();
  await store.close();
  rmSync(dirname(store.path), { recursive: true, force: true });
}
const emptyMedian = median(emptyTimes);
const fullMedian = median(fullTimes);
process.stdout.write(
  `${JSON.stringify({
    history,
    due,
    repetitions,
    buildSeconds: round(buildSeconds),
    empty: { firstMs: round(firstEmpty, 3), medianMs: round(emptyMedian, 3) },
    withHistory: { firstMs: round(firstFull, 3), medianMs: round(fullMedian, 3) },
    ratio: round(fullMedian / emptyMedian, 2),
    dueSweep: { ms: round(dueMs), claimed, perSecond: Math.round(claimed / (dueMs / 1000)) },
  })}\n`,
);
process.exit(0);
