import { randomBytes } from 'node:crypto';
import { Hono } from 'hono';

/**
 * The ingestion baseline: a raw Hono handler that stores what hookgate stores for a single event
 * with fan-out 1 (one `events` row and one `deliveries` row, in one transaction, same schema, same
 * pragmas: WAL, synchronous=NORMAL), with none of hookgate's work around it (auth, validation,
 * catalogue, endpoint matching, logging). Node: better-sqlite3 and @hono/node-server; Bun:
 * bun:sqlite and Bun.serve. Env: BENCH_DB, PORT, BENCH_TENANT, BENCH_ENDPOINT.
 */
interface Runner {
  insert(event: unknown[], delivery: unknown[]): void;
}

const isBun = 'Bun' in globalThis;
const path = process.env.BENCH_DB!;
const tenant = process.env.BENCH_TENANT!;
const endpoint = process.env.BENCH_ENDPOINT!;
const EVENT_SQL =
  'INSERT INTO events (id, tenant_id, type, requested_type, data, as2_partner_id, idempotency_key, delivery_count, occurred_at, created_at) VALUES (?, ?, ?, ?, ?, NULL, NULL, 1, ?, ?)';
const DELIVERY_SQL = "INSERT INTO deliveries (event_id, endpoint_id, message_id, status, next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, 'pending', ?, ?, ?)";
const PRAGMAS = ['journal_mode = WAL', 'busy_timeout = 5000', 'foreign_keys = ON', 'synchronous = NORMAL', 'temp_store = MEMORY'];

async function openRunner(): Promise<Runner> {
  if (isBun) {
    const { Database } = await import('bun:sqlite');
    const db = new Database(path);
    for (const pragma of PRAGMAS) db.exec(`PRAGMA ${pragma}`);
    const event = db.prepare(EVENT_SQL);
    const delivery = db.prepare(DELIVERY_SQL);
    let rows: [unknown[], unknown[]] = [[], []];
    const insert = db.transaction(() => {
      event.run(...(rows[0] as string[]));
      delivery.run(...(rows[1] as string[]));
    });
    return {
      insert: (e, d) => {
        rows = [e, d];
        insert();
      },
    };
  }
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(path);
  for (const pragma of PRAGMAS) db.pragma(pragma);
  const event = db.prepare(EVENT_SQL);
  const delivery = db.prepare(DELIVERY_SQL);
  const insert = db.transaction((e: unknown[], d: unknown[]) => {
    event.run(...e);
    delivery.run(...d);
  });
  return { insert: (e, d) => insert(e, d) };
}

const runner = await openRunner();
const app = new Hono();
app.get('/health', (c) => c.json({ status: 'ok' }));
app.post('/api/v1/events', async (c) => {
  const body = (await c.req.json()) as { type: string; data: unknown };
  const now = Date.now();
  const id = `evt_${randomBytes(12).toString('hex')}`;
  runner.insert([id, tenant, body.type, body.type, JSON.stringify(body.data), now, now], [id, endpoint, `msg_${randomBytes(12).toString('hex')}`, now, now, now]);
  return c.json({ event_id: id, deliveries: 1 }, 202);
});

const port = Number(process.env.PORT);
if (isBun) {
  Bun.serve({ port, hostname: '127.0.0.1', fetch: app.fetch });
} else {
  const { serve } = await import('@hono/node-server');
  serve({ fetch: app.fetch, port, hostname: '127.0.0.1' });
}
