import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { EVENT_TYPES } from '../../src/catalogue.ts';
import { adminToken, bearer, call, createTenant, type RunningServer } from '../support/server.ts';
import { BASE, itNeverShowsASecret, useAdminApi, WEBHOOK_KEYS } from './support.ts';

describe('admin webhooks API (page 001, /api/v1/admin/webhooks)', () => {
  const api = useAdminApi();
  const { t, create, withDb } = api;
  let server: RunningServer;
  let admin: Record<string, string>;
  before(() => {
    ({ server, admin } = api);
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
      assert.deepEqual(
        listed.body.items.map((item: { id: string }) => item.id),
        [created.body.id],
      );
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
      for (const [query, field] of [
        ['per_page=0', 'per_page'],
        ['per_page=101', 'per_page'],
        ['page=0', 'page'],
        ['page=-1', 'page'],
        ['page=x', 'page'],
        ['per_page=2.5', 'per_page'],
      ] as const) {
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
      for (const [headers, outside] of [
        [tenantBound, [foreign, ownOfB]],
        [partnerBound, [foreign]],
      ] as const) {
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
      await new Promise((resolve) => setTimeout(resolve, 5)); // the clock moves on, so updated_at can grow
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
      assert.equal(
        withDb((db) => (db.prepare('SELECT failing_since FROM endpoints WHERE id = ?').get(id) as { failing_since: number | null }).failing_since),
        null,
      );
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

  itNeverShowsASecret(api);
});
