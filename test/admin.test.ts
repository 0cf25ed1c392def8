import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { signDevToken } from '../src/auth/sign-token.ts';
import { EVENT_TYPES } from '../src/catalogue.ts';
import { adminToken, bearer, call, createTenant, JWT_SECRET, type RunningServer, startServer, token } from './support/server.ts';

const BASE = '/api/v1/admin/webhooks';
const WEBHOOK_KEYS = ['created_at', 'description', 'disabled_reason', 'events', 'id', 'is_active', 'ordering', 'partner_id', 'rate_limit', 'tenant_id', 'updated_at', 'url'];
const DELIVERY_KEYS = ['attempt_count', 'completed_at', 'created_at', 'event_id', 'event_type', 'id', 'last_error', 'last_status_code', 'next_attempt_at', 'status', 'updated_at', 'webhook_id'];

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

const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('admin webhooks API (page 001, /api/v1/admin/webhooks)', () => {
  let server: RunningServer;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let admin: Record<string, string>;
  // A and B are in partner organisation org-1, C in org-2, D in none.
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

  describe('authentication', () => {
    it('answers 401 with a FastAPI detail without a token, with a bad one, an expired one, a foreign signature or alg none', async () => {
      const now = Math.floor(Date.now() / 1000);
      const unsigned = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ sub: 'x', scope: 'webhooks:admin', iat: now, exp: now + 600 })}.`;
      const headerSets = [
        {},
        bearer('not-a-jwt'),
        bearer(await token({ scope: 'webhooks:admin', ttlSeconds: -60 })),
        bearer(await signDevToken({ secret: `${JWT_SECRET}-but-another-one`, sub: 'x', scope: 'webhooks:admin', ttlSeconds: 600 })),
        bearer(unsigned),
        { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
      ];
      for (const headers of headerSets) {
        for (const [method, path] of [['GET', BASE], ['GET', `${BASE}/events`], ['DELETE', `${BASE}/wh_x`]] as const) {
          const response = await call(server, method, path, { headers });
          assert.equal(response.status, 401, `${method} ${path} ${JSON.stringify(headers)}`);
          assert.equal(typeof response.body.detail, 'string');
          assert.equal(response.headers.get('www-authenticate'), 'Bearer');
        }
      }
    });

    it('answers 403 to a valid token without the webhooks:admin scope', async () => {
      for (const scope of [undefined, 'webhooks:read', 'webhooks:admin2']) {
        const response = await call(server, 'GET', BASE, { headers: bearer(await token({ scope })) });
        assert.equal(response.status, 403);
        assert.match(response.body.detail, /webhooks:admin/);
      }
    });
  });

  describe('supported events', () => {
    it('lists every catalogue event with its aliases, and is not taken for a webhook id', async () => {
      const response = await call(server, 'GET', `${BASE}/events`, { headers: admin });
      assert.equal(response.status, 200);
      assert.equal(response.body.events.length, EVENT_TYPES.length);
      const byName = new Map(response.body.events.map((event: { event_type: string }) => [event.event_type, event]));
      assert.deepEqual(byName.get('invoice.status_changed'), {
        event_type: 'invoice.status_changed',
        description: 'Triggered on any change of an invoice lifecycle status',
        aliases: ['INVOICE_STATUS_CHANGED'],
      });
      assert.deepEqual((byName.get('message.received') as { aliases: string[] }).aliases, ['mensaje.recibido']);
      assert.deepEqual((byName.get('invoice.created') as { aliases: string[] }).aliases, []);
    });
  });

  describe('create', () => {
    it('creates a webhook (201) with canonical, de-duplicated events and a whsec_ secret shown once', async () => {
      const response = await create(t.a.id, { events: ['INVOICE_STATUS_CHANGED', 'mensaje.recibido', 'invoice.status_changed'], description: 'ERP', ignored: 1 });
      assert.equal(response.status, 201);
      assert.deepEqual(Object.keys(response.body).sort(), [...WEBHOOK_KEYS, 'secret'].sort());
      assert.match(response.body.id, /^wh_[0-9a-f]{24}$/);
      assert.match(response.body.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
      assert.deepEqual(response.body.events, ['invoice.status_changed', 'message.received']);
      assert.equal(response.body.tenant_id, t.a.id);
      assert.equal(response.body.partner_id, 'org-1');
      assert.equal(response.body.description, 'ERP');
      assert.equal(response.body.is_active, true);
      assert.equal(response.body.disabled_reason, null);
      assert.equal(response.body.created_at, response.body.updated_at);
      assert.ok(!Number.isNaN(Date.parse(response.body.created_at)));
    });

    it('serves the collection with and without the trailing slash, and documents both forms (page 001 lists the slashed one)', async () => {
      const created = await call(server, 'POST', `${BASE}/`, { headers: admin, body: { tenant_id: t.d.id, url: 'https://d.example.com/h', events: ['invoice.paid'] } });
      assert.equal(created.status, 201);
      assert.equal(created.body.partner_id, null);
      const listed = await call(server, 'GET', `${BASE}/?tenant_id=${t.d.id}`, { headers: admin });
      assert.equal(listed.status, 200);
      assert.deepEqual(listed.body.items.map((item: { id: string }) => item.id), [created.body.id]);
      const spec = await call(server, 'GET', '/openapi.json');
      const paths = Object.keys(spec.body.paths).filter((path) => path.startsWith(BASE));
      assert.ok(paths.includes(BASE) && paths.includes(`${BASE}/`) && !paths.some((path) => path.includes('trailing')), paths.join());
      assert.equal(paths.length, 12, 'the 12 endpoints of page 001 on 9 paths and the slashed collection, plus recover and recovery progress');
    });

    it('keeps a caller-chosen secret and honours is_active false', async () => {
      const response = await create(t.d.id, { secret: 'my-own-signing-secret-123', is_active: false, description: null });
      assert.equal(response.status, 201);
      assert.equal(response.body.secret, 'my-own-signing-secret-123');
      assert.equal(response.body.is_active, false);
      assert.equal(response.body.description, null);
    });

    it('answers bad input with a FastAPI 422 at the offending field and stores nothing', async () => {
      const fresh = await createTenant(server, 'E');
      const valid = { tenant_id: fresh.id, url: 'https://e.example.com/h', events: ['invoice.created'] };
      const cases: { body?: unknown; raw?: string; headers?: Record<string, string>; loc: unknown[] }[] = [
        { body: { url: valid.url, events: valid.events }, loc: ['body', 'tenant_id'] },
        { body: { ...valid, url: undefined }, loc: ['body', 'url'] },
        { body: { ...valid, events: undefined }, loc: ['body', 'events'] },
        { body: { ...valid, events: [] }, loc: ['body', 'events'] },
        { body: { ...valid, events: 'invoice.created' }, loc: ['body', 'events'] },
        { body: { ...valid, events: ['invoice.created', 'invoice.exploded'] }, loc: ['body', 'events', 1] },
        { body: { ...valid, events: [7] }, loc: ['body', 'events', 0] },
        { body: { ...valid, url: 'not a url' }, loc: ['body', 'url'] },
        { body: { ...valid, url: `https://e.example.com/${'a'.repeat(2100)}` }, loc: ['body', 'url'] },
        { body: { ...valid, url: 'ftp://e.example.com/h' }, loc: ['body', 'url'] },
        { body: { ...valid, secret: 'x'.repeat(15) }, loc: ['body', 'secret'] },
        { body: { ...valid, secret: 'x'.repeat(257) }, loc: ['body', 'secret'] },
        { body: { ...valid, is_active: 'yes' }, loc: ['body', 'is_active'] },
        { body: { ...valid, description: 42 }, loc: ['body', 'description'] },
        { body: [valid], loc: ['body'] },
        { raw: '{"tenant_id":', headers: { 'content-type': 'application/json' }, loc: ['body'] },
        { raw: JSON.stringify(valid), headers: { 'content-type': 'text/plain' }, loc: ['body'] },
      ];
      for (const testCase of cases) {
        const response = await call(server, 'POST', BASE, { headers: { ...admin, ...testCase.headers }, body: testCase.body, raw: testCase.raw });
        assert.equal(response.status, 422, `${JSON.stringify(testCase).slice(0, 200)} → ${response.text}`);
        assert.deepEqual(response.body.detail[0].loc, testCase.loc, response.text);
        assert.equal(typeof response.body.detail[0].msg, 'string');
        assert.equal(typeof response.body.detail[0].type, 'string');
      }
      const listed = await call(server, 'GET', `${BASE}?tenant_id=${fresh.id}`, { headers: admin });
      assert.equal(listed.body.total, 0);
    });

    it('answers 404 "Tenant not found" for an unknown tenant or one outside the token’s reach', async () => {
      const unknown = await create('ten_doesnotexist');
      assert.deepEqual([unknown.status, unknown.body], [404, { detail: 'Tenant not found' }]);
      for (const claims of [{ tenantId: t.a.id }, { partnerOrgId: 'org-1' }]) {
        const outside = await create(t.c.id, {}, bearer(await adminToken(claims)));
        assert.deepEqual([outside.status, outside.body], [404, { detail: 'Tenant not found' }]);
      }
      const inside = await create(t.b.id, {}, bearer(await adminToken({ partnerOrgId: 'org-1' })));
      assert.equal(inside.status, 201);
    });
  });

  describe('read, list and filters', () => {
    it('gets a webhook by id without its secret, and answers 404 for an unknown id', async () => {
      const created = await create(t.a.id);
      const fetched = await call(server, 'GET', `${BASE}/${created.body.id}`, { headers: admin });
      assert.equal(fetched.status, 200);
      assert.deepEqual(Object.keys(fetched.body).sort(), WEBHOOK_KEYS);
      const { secret: _, ...withoutSecret } = created.body;
      assert.deepEqual(fetched.body, withoutSecret);
      const missing = await call(server, 'GET', `${BASE}/wh_000000000000000000000000`, { headers: admin });
      assert.deepEqual([missing.status, missing.body], [404, { detail: 'Webhook not found' }]);
    });

    it('paginates with page/per_page and reports total and pages', async () => {
      const tenant = await createTenant(server, 'Paged');
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await create(tenant.id, { description: `n${i}` })).body.id);
      const page2 = await call(server, 'GET', `${BASE}?tenant_id=${tenant.id}&page=2&per_page=2`, { headers: admin });
      assert.equal(page2.status, 200);
      assert.deepEqual(Object.keys(page2.body).sort(), ['items', 'page', 'pages', 'per_page', 'total']);
      assert.deepEqual({ ...page2.body, items: page2.body.items.map((item: { id: string }) => item.id) }, { items: ids.slice(2, 4), total: 5, page: 2, per_page: 2, pages: 3 });
      const beyond = await call(server, 'GET', `${BASE}?tenant_id=${tenant.id}&page=9&per_page=2`, { headers: admin });
      assert.deepEqual([beyond.body.items, beyond.body.total], [[], 5]);
      const defaults = await call(server, 'GET', `${BASE}?tenant_id=${tenant.id}`, { headers: admin });
      assert.deepEqual([defaults.body.page, defaults.body.per_page, defaults.body.pages, defaults.body.items.length], [1, 20, 1, 5]);
      const max = await call(server, 'GET', `${BASE}?per_page=100`, { headers: admin });
      assert.equal(max.status, 200);
    });

    it('answers 422 for out-of-range or non-integer paging', async () => {
      for (const [query, field] of [['per_page=0', 'per_page'], ['per_page=101', 'per_page'], ['page=0', 'page'], ['page=-1', 'page'], ['page=x', 'page'], ['per_page=2.5', 'per_page']] as const) {
        const response = await call(server, 'GET', `${BASE}?${query}`, { headers: admin });
        assert.equal(response.status, 422, query);
        assert.deepEqual(response.body.detail[0].loc, ['query', field]);
      }
    });

    it('filters by tenant_id and by partner_id (every tenant of the partner organisation)', async () => {
      const tenantIds = async (query: string, headers = admin) =>
        new Set((await call(server, 'GET', `${BASE}?per_page=100&${query}`, { headers })).body.items.map((item: { tenant_id: string }) => item.tenant_id));
      await create(t.c.id);
      assert.deepEqual(await tenantIds(`tenant_id=${t.a.id}`), new Set([t.a.id]));
      assert.deepEqual(await tenantIds('partner_id=org-1'), new Set([t.a.id, t.b.id]));
      assert.deepEqual(await tenantIds('partner_id=org-2'), new Set([t.c.id]));
      assert.deepEqual(await tenantIds(`partner_id=org-2&tenant_id=${t.a.id}`), new Set());
      assert.deepEqual(await tenantIds('partner_id=org-none'), new Set());
    });
  });

  describe('tenant isolation', () => {
    it('a tenant-bound and a partner-bound token see only their tenants and get 404 for any other webhook', async () => {
      const foreign = (await create(t.c.id)).body.id as string;
      const ownOfA = (await create(t.a.id)).body.id as string;
      const ownOfB = (await create(t.b.id)).body.id as string;
      const tenantBound = bearer(await adminToken({ tenantId: t.a.id }));
      const partnerBound = bearer(await adminToken({ partnerOrgId: 'org-1' }));
      const listed = async (headers: Record<string, string>, query = '') =>
        new Set((await call(server, 'GET', `${BASE}?per_page=100${query}`, { headers })).body.items.map((item: { tenant_id: string }) => item.tenant_id));
      assert.deepEqual(await listed(tenantBound), new Set([t.a.id]));
      assert.deepEqual(await listed(tenantBound, `&tenant_id=${t.b.id}`), new Set());
      assert.deepEqual(await listed(partnerBound), new Set([t.a.id, t.b.id]));
      assert.deepEqual(await listed(partnerBound, '&partner_id=org-2'), new Set());

      const operations: [string, string, unknown?][] = [
        ['GET', ''],
        ['PATCH', '', { description: 'taken over' }],
        ['DELETE', ''],
        ['GET', '/deliveries'],
        ['GET', '/deliveries/1'],
        ['POST', '/deliveries/1/retry'],
        ['POST', '/rotate-secret'],
        ['GET', '/stats'],
        ['POST', '/test'],
      ];
      for (const [headers, outside] of [[tenantBound, [foreign, ownOfB]], [partnerBound, [foreign]]] as const) {
        for (const id of outside) {
          for (const [method, suffix, body] of operations) {
            const response = await call(server, method, `${BASE}/${id}${suffix}`, { headers, body });
            assert.deepEqual([response.status, response.body], [404, { detail: 'Webhook not found' }], `${method} ${suffix}`);
          }
        }
      }
      assert.equal((await call(server, 'GET', `${BASE}/${ownOfA}`, { headers: tenantBound })).status, 200);
      assert.equal((await call(server, 'GET', `${BASE}/${ownOfB}`, { headers: partnerBound })).status, 200);
      const untouched = await call(server, 'GET', `${BASE}/${foreign}`, { headers: admin });
      assert.deepEqual([untouched.status, untouched.body.description], [200, null]);
    });
  });

  describe('update and delete', () => {
    it('updates only the given fields, canonicalising events; the secret is neither changed nor shown', async () => {
      const created = await create(t.a.id, { description: 'before' });
      await new Promise((resolve) => setTimeout(resolve, 5));
      const response = await call(server, 'PATCH', `${BASE}/${created.body.id}`, {
        headers: admin,
        body: { events: ['DOCUMENT_STATUS_CHANGED', 'envio.error'], secret: 'should-be-ignored-1234', tenant_id: t.c.id },
      });
      assert.equal(response.status, 200);
      assert.deepEqual(Object.keys(response.body).sort(), WEBHOOK_KEYS);
      assert.deepEqual(response.body.events, ['document.status_changed', 'send.error']);
      assert.deepEqual([response.body.description, response.body.url, response.body.tenant_id], ['before', created.body.url, t.a.id]);
      assert.ok(response.body.updated_at > created.body.updated_at);
      const cleared = await call(server, 'PATCH', `${BASE}/${created.body.id}`, { headers: admin, body: { description: null, url: 'https://new.example.com/h' } });
      assert.deepEqual([cleared.body.description, cleared.body.url], [null, 'https://new.example.com/h']);
      assert.ok(!JSON.stringify([response.body, cleared.body]).includes(created.body.secret));
    });

    it('re-enables an auto-disabled webhook with is_active true, clearing disabled_reason and failing_since', async () => {
      const { id } = (await create(t.a.id)).body;
      withDb((db) => db.prepare("UPDATE endpoints SET enabled = 0, disabled_reason = 'failing for 5 days', failing_since = 1 WHERE id = ?").run(id));
      const disabled = await call(server, 'GET', `${BASE}/${id}`, { headers: admin });
      assert.deepEqual([disabled.body.is_active, disabled.body.disabled_reason], [false, 'failing for 5 days']);
      const enabled = await call(server, 'PATCH', `${BASE}/${id}`, { headers: admin, body: { is_active: true } });
      assert.deepEqual([enabled.status, enabled.body.is_active, enabled.body.disabled_reason], [200, true, null]);
      assert.equal(withDb((db) => (db.prepare('SELECT failing_since FROM endpoints WHERE id = ?').get(id) as { failing_since: number | null }).failing_since), null);
      const off = await call(server, 'PATCH', `${BASE}/${id}`, { headers: admin, body: { is_active: false } });
      assert.equal(off.body.is_active, false);
    });

    it('answers 422 for invalid fields and 404 for an unknown webhook', async () => {
      const { id } = (await create(t.a.id)).body;
      for (const [body, loc] of [
        [{ events: [] }, ['body', 'events']],
        [{ events: ['nope'] }, ['body', 'events', 0]],
        [{ events: null }, ['body', 'events']],
        [{ url: 'nope' }, ['body', 'url']],
        [{ url: 'ftp://x.example.com' }, ['body', 'url']],
        [{ is_active: 'no' }, ['body', 'is_active']],
      ] as const) {
        const response = await call(server, 'PATCH', `${BASE}/${id}`, { headers: admin, body });
        assert.equal(response.status, 422, JSON.stringify(body));
        assert.deepEqual(response.body.detail[0].loc, loc);
      }
      const malformed = await call(server, 'PATCH', `${BASE}/${id}`, { headers: { ...admin, 'content-type': 'application/json' }, raw: '{' });
      assert.equal(malformed.status, 422);
      const unknown = await call(server, 'PATCH', `${BASE}/wh_nope`, { headers: admin, body: { description: 'x' } });
      assert.deepEqual([unknown.status, unknown.body], [404, { detail: 'Webhook not found' }]);
    });

    it('deletes with 204, after which the webhook answers 404', async () => {
      const { id } = (await create(t.a.id)).body;
      const deleted = await call(server, 'DELETE', `${BASE}/${id}`, { headers: admin });
      assert.deepEqual([deleted.status, deleted.text], [204, '']);
      assert.equal((await call(server, 'GET', `${BASE}/${id}`, { headers: admin })).status, 404);
      assert.equal((await call(server, 'DELETE', `${BASE}/${id}`, { headers: admin })).status, 404);
    });
  });

  describe('deliveries and stats', () => {
    it('lists deliveries newest first, filtered by status and paginated; 422 on a bad status or paging', async () => {
      const { id } = (await create(t.b.id)).body;
      const now = Date.now();
      const ids = withDb((db) => ['succeeded', 'failed', 'succeeded', 'pending'].map((status, i) => seedDelivery(db, id, { status, createdAt: now - 1000 + i })));
      const all = await call(server, 'GET', `${BASE}/${id}/deliveries`, { headers: admin });
      assert.equal(all.status, 200);
      assert.deepEqual(all.body.items.map((item: { id: number }) => item.id), [...ids].reverse());
      assert.deepEqual([all.body.total, all.body.page, all.body.per_page, all.body.pages], [4, 1, 20, 1]);
      assert.deepEqual(Object.keys(all.body.items[0]).sort(), DELIVERY_KEYS);
      assert.deepEqual([all.body.items[0].webhook_id, all.body.items[0].event_type, all.body.items[0].status], [id, 'invoice.paid', 'pending']);
      const succeeded = await call(server, 'GET', `${BASE}/${id}/deliveries?status=succeeded&per_page=1&page=2`, { headers: admin });
      assert.deepEqual([succeeded.body.items.map((item: { id: number }) => item.id), succeeded.body.total, succeeded.body.pages], [[ids[0]], 2, 2]);
      for (const [query, loc] of [['status=done', ['query', 'status']], ['per_page=101', ['query', 'per_page']], ['page=0', ['query', 'page']]]) {
        const response = await call(server, 'GET', `${BASE}/${id}/deliveries?${query}`, { headers: admin });
        assert.equal(response.status, 422, query as string);
        assert.deepEqual(response.body.detail[0].loc, loc);
      }
    });

    it('shows one delivery with its payload and attempts; 404 for another webhook’s delivery, 422 for a non-integer id', async () => {
      const { id } = (await create(t.b.id)).body;
      const other = (await create(t.b.id)).body.id;
      const now = Date.now();
      const deliveryId = withDb((db) => {
        const delivery = seedDelivery(db, id, { status: 'succeeded', createdAt: now });
        seedAttempt(db, delivery, { n: 1, ok: false, ms: 30, at: now });
        seedAttempt(db, delivery, { n: 2, ok: true, ms: 20, at: now + 10 });
        return delivery;
      });
      const response = await call(server, 'GET', `${BASE}/${id}/deliveries/${deliveryId}`, { headers: admin });
      assert.equal(response.status, 200);
      assert.deepEqual(Object.keys(response.body).sort(), [...DELIVERY_KEYS, 'attempts', 'payload'].sort());
      assert.deepEqual(response.body.payload, { invoice_id: 'inv_1' });
      assert.deepEqual(response.body.attempts.map((attempt: { attempt_number: number; succeeded: boolean }) => [attempt.attempt_number, attempt.succeeded]), [[1, false], [2, true]]);
      assert.deepEqual(response.body.attempts[0].request_headers, { 'webhook-id': 'msg_1' });
      assert.deepEqual(Object.keys(response.body.attempts[0]).sort(), [
        'attempt_number', 'duration_ms', 'error_class', 'error_message', 'id', 'request_headers', 'request_url', 'response_body', 'response_headers', 'started_at', 'status_code', 'succeeded', 'trigger',
      ]);
      const elsewhere = await call(server, 'GET', `${BASE}/${other}/deliveries/${deliveryId}`, { headers: admin });
      assert.deepEqual([elsewhere.status, elsewhere.body], [404, { detail: 'Delivery not found' }]);
      for (const bad of ['abc', '1.5']) {
        const response = await call(server, 'GET', `${BASE}/${id}/deliveries/${bad}`, { headers: admin });
        assert.equal(response.status, 422);
        assert.deepEqual(response.body.detail[0].loc, ['path', 'delivery_id']);
      }
    });

    it('reports statistics: counts by status, success rate, attempts, nearest-rank latency percentiles, last success/failure', async () => {
      const { id } = (await create(t.b.id)).body;
      const empty = await call(server, 'GET', `${BASE}/${id}/stats`, { headers: admin });
      assert.deepEqual(empty.body, {
        webhook_id: id,
        total: 0,
        by_status: { pending: 0, succeeded: 0, failed: 0 },
        success_rate: null,
        attempts: 0,
        latency_ms: { p50: null, p95: null, p99: null },
        last_success_at: null,
        last_failure_at: null,
        circuit: { state: 'closed', consecutive_failures: 0, opened_at: null, retry_at: null },
        ordering: 'none',
        blocked_by: null,
        rate_limit: null,
      });
      const base = Date.now() - 60_000;
      withDb((db) => {
        const ok = [seedDelivery(db, id, { status: 'succeeded', createdAt: base }), seedDelivery(db, id, { status: 'succeeded', createdAt: base }), seedDelivery(db, id, { status: 'succeeded', createdAt: base })];
        const failed = seedDelivery(db, id, { status: 'failed', createdAt: base });
        seedDelivery(db, id, { status: 'pending', createdAt: base });
        // 100 attempts of 1..100 ms: 97 successes spread over the three, 3 failures last.
        for (let ms = 1; ms <= 100; ms++) {
          const failure = ms > 97;
          seedAttempt(db, failure ? failed : ok[ms % 3]!, { n: ms, ok: !failure, ms: 101 - ms, at: base + ms * 100 });
        }
      });
      const stats = await call(server, 'GET', `${BASE}/${id}/stats`, { headers: admin });
      assert.equal(stats.status, 200);
      assert.deepEqual(stats.body, {
        webhook_id: id,
        total: 5,
        by_status: { pending: 1, succeeded: 3, failed: 1 },
        success_rate: 0.75,
        attempts: 100,
        latency_ms: { p50: 50, p95: 95, p99: 99 },
        last_success_at: new Date(base + 9700).toISOString(),
        last_failure_at: new Date(base + 10_000).toISOString(),
        circuit: { state: 'closed', consecutive_failures: 0, opened_at: null, retry_at: null },
        ordering: 'none',
        blocked_by: null,
        rate_limit: null,
      });
    });
  });

  describe('test events, retries and secret rotation (these go through the delivery engine)', () => {
    it('sends a signed test event and reports success; the delivery appears in the history', async () => {
      const created = await create(t.a.id, { events: ['invoice.approved', 'invoice.paid'] });
      const response = await call(server, 'POST', `${BASE}/${created.body.id}/test`, { headers: admin });
      assert.equal(response.status, 200, response.text);
      assert.deepEqual(Object.keys(response.body).sort(), ['delivery_id', 'duration_ms', 'error', 'event_id', 'event_type', 'status_code', 'success']);
      assert.deepEqual([response.body.success, response.body.status_code, response.body.error, response.body.event_type], [true, 200, null, 'invoice.approved']);
      const request = receiver.received.at(-1)!;
      const verified = new StandardWebhook(created.body.secret).verify(request.body, request.headers as Record<string, string>) as { type?: string };
      assert.ok(verified, 'the request is signed with the secret returned at creation');
      const history = await call(server, 'GET', `${BASE}/${created.body.id}/deliveries`, { headers: admin });
      assert.deepEqual(history.body.items.map((item: { id: number; status: string }) => [item.id, item.status]), [[response.body.delivery_id, 'succeeded']]);
      const detail = await call(server, 'GET', `${BASE}/${created.body.id}/deliveries/${response.body.delivery_id}`, { headers: admin });
      assert.deepEqual([detail.body.attempts.length, detail.body.attempts[0].trigger, detail.body.attempts[0].status_code], [1, 'test', 200]);
      assert.equal(detail.body.attempts[0].response_body, 'thanks');
    });

    it('reports a failing test send, then retries the failed delivery manually (200) with the attempt outcome', async () => {
      const { id } = (await create(t.a.id, { url: `${receiver.url}/fail` })).body;
      const sent = await call(server, 'POST', `${BASE}/${id}/test`, { headers: admin });
      assert.equal(sent.status, 200, sent.text);
      assert.deepEqual([sent.body.success, sent.body.status_code, typeof sent.body.error], [false, 500, 'string']);
      const retried = await call(server, 'POST', `${BASE}/${id}/deliveries/${sent.body.delivery_id}/retry`, { headers: admin });
      assert.equal(retried.status, 200, retried.text);
      assert.equal(retried.body.delivery_id, sent.body.delivery_id);
      assert.equal(retried.body.retried, true);
      assert.deepEqual([retried.body.attempt.attempt_number, retried.body.attempt.succeeded, retried.body.attempt.status_code], [2, false, 500]);
      const detail = await call(server, 'GET', `${BASE}/${id}/deliveries/${sent.body.delivery_id}`, { headers: admin });
      assert.deepEqual(detail.body.attempts.map((attempt: { trigger: string }) => attempt.trigger), ['test', 'manual']);
    });

    it('answers 409 to a retry of a delivery in flight, 404 to an unknown one and 422 to a non-integer id', async () => {
      const { id } = (await create(t.a.id)).body;
      const leased = withDb((db) => seedDelivery(db, id, { status: 'pending', createdAt: Date.now(), lease: true }));
      const busy = await call(server, 'POST', `${BASE}/${id}/deliveries/${leased}/retry`, { headers: admin });
      assert.deepEqual([busy.status, busy.body], [409, { detail: 'Delivery is already in flight' }]);
      const unknown = await call(server, 'POST', `${BASE}/${id}/deliveries/999999/retry`, { headers: admin });
      assert.deepEqual([unknown.status, unknown.body], [404, { detail: 'Delivery not found' }]);
      const bad = await call(server, 'POST', `${BASE}/${id}/deliveries/x/retry`, { headers: admin });
      assert.deepEqual([bad.status, bad.body.detail[0].loc], [422, ['path', 'delivery_id']]);
    });

    it('rotates the secret: a new whsec_ secret, the old one still signing until the grace period ends', async () => {
      const created = await create(t.a.id);
      const before = Date.now();
      const rotated = await call(server, 'POST', `${BASE}/${created.body.id}/rotate-secret`, { headers: admin });
      assert.equal(rotated.status, 200);
      secrets.push(rotated.body.secret);
      assert.deepEqual(Object.keys(rotated.body).sort(), ['id', 'previous_secret_expires_at', 'secret']);
      assert.equal(rotated.body.id, created.body.id);
      assert.match(rotated.body.secret, /^whsec_/);
      assert.notEqual(rotated.body.secret, created.body.secret);
      const expires = Date.parse(rotated.body.previous_secret_expires_at);
      assert.ok(Math.abs(expires - (before + 86_400_000)) < 60_000, rotated.body.previous_secret_expires_at);
      const fetched = await call(server, 'GET', `${BASE}/${created.body.id}`, { headers: admin });
      assert.ok(!fetched.text.includes(rotated.body.secret));

      const sent = await call(server, 'POST', `${BASE}/${created.body.id}/test`, { headers: admin });
      assert.equal(sent.body.success, true, sent.text);
      const request = receiver.received.at(-1)!;
      for (const secret of [rotated.body.secret, created.body.secret]) {
        assert.ok(new StandardWebhook(secret).verify(request.body, request.headers as Record<string, string>));
      }
    });
  });

  it('never shows a secret after creation or rotation, nor stores one in plaintext', async () => {
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
});
