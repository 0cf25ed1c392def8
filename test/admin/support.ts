import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { adminToken, bearer, call, createTenant, type JsonResponse, type RunningServer, startServer } from '../support/server.ts';

export const BASE = '/api/v1/admin/webhooks';
export const WEBHOOK_KEYS = ['created_at', 'description', 'disabled_reason', 'events', 'id', 'is_active', 'ordering', 'partner_id', 'rate_limit', 'tenant_id', 'updated_at', 'url'];
export const DELIVERY_KEYS = [
  'attempt_count',
  'completed_at',
  'created_at',
  'event_id',
  'event_type',
  'id',
  'last_error',
  'last_status_code',
  'next_attempt_at',
  'status',
  'updated_at',
  'webhook_id',
];

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A receiver: `/ok` answers 200, anything else 500. */
async function startReceiver(): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      received.push({ path: request.url ?? '', headers: request.headers, body });
      response.writeHead(request.url === '/ok' ? 200 : 500, { 'content-type': 'text/plain' }).end(request.url === '/ok' ? 'thanks' : 'boom');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

export const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** One admin API server per file, its receiver, four tenants, and the helpers every admin test file uses. */
export interface AdminApi {
  server: RunningServer;
  receiver: Awaited<ReturnType<typeof startReceiver>>;
  admin: Record<string, string>;
  /** A and B are in partner organisation org-1, C in org-2, D in none. */
  t: Record<'a' | 'b' | 'c' | 'd', { id: string }>;
  /** Every secret the API handed out. */
  secrets: string[];
  create(tenantId: string, extra?: Record<string, unknown>, headers?: Record<string, string>): Promise<JsonResponse>;
  /** Writes rows the API only reads (deliveries, attempts, engine-set endpoint state) straight into the store. */
  withDb<T>(work: (db: SQLite.Database) => T): T;
  seedDelivery(db: SQLite.Database, webhookId: string, fields: { status: string; createdAt: number; lease?: boolean }): number;
  seedAttempt(db: SQLite.Database, deliveryId: number, fields: { n: number; ok: boolean; ms: number; at: number }): unknown;
}

/** Registers the file's before/after hooks (call it first in the describe) and returns the API, filled in before the tests run. */
export function useAdminApi(): AdminApi {
  let server: RunningServer;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let admin: Record<string, string>;
  const t: Record<'a' | 'b' | 'c' | 'd', { id: string }> = {} as never;
  const secrets: string[] = [];

  const create = async (tenantId: string, extra: Record<string, unknown> = {}, headers = admin) => {
    const response = await call(server, 'POST', BASE, {
      headers,
      body: { tenant_id: tenantId, url: `${receiver.url}/ok`, events: ['invoice.created'], ...extra },
    });
    if (response.body?.secret) secrets.push(response.body.secret);
    return response;
  };

  /** Writes rows the API only reads (deliveries, attempts, engine-set endpoint state) straight into the store. */
  const withDb = <T>(work: (db: SQLite.Database) => T): T => {
    const db = new SQLite(server.dbPath);
    db.pragma('busy_timeout = 5000');
    try {
      return work(db);
    } finally {
      db.close();
    }
  };

  const seedDelivery = (db: SQLite.Database, webhookId: string, fields: { status: string; createdAt: number; lease?: boolean }) => {
    const eventId = `evt_seed_${Math.random().toString(16).slice(2)}`;
    const tenantId = (db.prepare('SELECT tenant_id FROM endpoints WHERE id = ?').get(webhookId) as { tenant_id: string }).tenant_id;
    db.prepare(`INSERT INTO events (id, tenant_id, type, requested_type, data, delivery_count, occurred_at, created_at)
      VALUES (?, ?, 'invoice.paid', 'invoice.paid', '{"invoice_id":"inv_1"}', 1, ?, ?)`).run(eventId, tenantId, fields.createdAt, fields.createdAt);
    // Pending seeds are not due for an hour, so the sweeper leaves them alone.
    const next = fields.status === 'pending' ? Date.now() + 3_600_000 : null;
    const { lastInsertRowid } = db
      .prepare(`INSERT INTO deliveries (event_id, endpoint_id, message_id, status, attempt_count, next_attempt_at, lease_owner, created_at, updated_at, completed_at)
        VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?, ?)`)
      .run(eventId, webhookId, `msg_${eventId}`, fields.status, next, fields.lease ? 'someone-else' : null, fields.createdAt, fields.createdAt, next ? null : fields.createdAt);
    return Number(lastInsertRowid);
  };

  const seedAttempt = (db: SQLite.Database, deliveryId: number, fields: { n: number; ok: boolean; ms: number; at: number }) =>
    db
      .prepare(`INSERT INTO attempts (delivery_id, attempt_number, trigger, started_at, duration_ms, succeeded, status_code, request_url, request_headers)
        VALUES (?, ?, 'sweep', ?, ?, ?, ?, 'https://x.example/h', '{"webhook-id":"msg_1"}')`)
      .run(deliveryId, fields.n, fields.at, fields.ms, fields.ok ? 1 : 0, fields.ok ? 200 : 500);

  before(async () => {
    [server, receiver] = await Promise.all([startServer(), startReceiver()]);
    admin = bearer(await adminToken());
    t.a = await createTenant(server, 'A', 'org-1');
    t.b = await createTenant(server, 'B', 'org-1');
    t.c = await createTenant(server, 'C', 'org-2');
    t.d = await createTenant(server, 'D');
  });
  after(async () => {
    await server.stop();
    receiver.server.close();
  });

  return {
    get server() {
      return server;
    },
    get receiver() {
      return receiver;
    },
    get admin() {
      return admin;
    },
    t,
    secrets,
    create,
    withDb,
    seedDelivery,
    seedAttempt,
  };
}

/** The last test of a file: no secret the file was handed is shown again, nor stored in plaintext. */
export function itNeverShowsASecret(api: AdminApi) {
  it('never shows a secret after creation or rotation, nor stores one in plaintext', async () => {
    const { server, admin, secrets } = api;
    assert.ok(secrets.length > 5);
    const list = await call(server, 'GET', `${BASE}?per_page=100`, { headers: admin });
    const pages = [list.text];
    for (let page = 2; page <= list.body.pages; page++) pages.push((await call(server, 'GET', `${BASE}?per_page=100&page=${page}`, { headers: admin })).text);
    const raw = readFileSync(server.dbPath).toString('latin1') + readFileSync(`${server.dbPath}-wal`).toString('latin1');
    for (const secret of secrets) {
      assert.ok(!pages.some((text) => text.includes(secret)), 'no secret in the list');
      assert.ok(!raw.includes(secret), 'no plaintext secret in the SQLite file');
    }
  });
}
