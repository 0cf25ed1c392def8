import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { adminToken, bearer, call, createAs2Partner, type JsonResponse, token } from '../support/server.ts';
import { queryStore } from '../support/store.ts';
import { BASE, useAdminApi } from './support.ts';

const AUDIT = '/api/v1/admin/audit';

interface Entry {
  id: number;
  created_at: string;
  actor: { kind: string; id: string; tenant_id: string | null; partner_org_id: string | null };
  action: string;
  target: { type: string; id: string; tenant_id: string | null };
  ip: string | null;
  request_id: string | null;
  changes: Record<string, unknown> | null;
}

describe('audit log (GET /api/v1/admin/audit)', () => {
  const api = useAdminApi();
  let platform: Record<string, string>;
  /** alice: a platform admin; every change below is hers unless a tenant key or a subscriber made it. */
  let alice: Record<string, string>;
  /** Every credential and secret handed out or sent: none may appear in an entry. */
  const secrets: string[] = [];

  const list = async (query = '', headers = platform): Promise<JsonResponse<{ items: Entry[]; total: number; page: number; per_page: number; pages: number }>> =>
    call(api.server, 'GET', `${AUDIT}${query}`, { headers });
  const newest = async () => (await list('?per_page=1')).body.items[0]!;
  /** Makes a change, checks that exactly one entry was added, and returns it. */
  const change = async (work: () => Promise<JsonResponse>, status: number): Promise<Entry> => {
    const before = (await list()).body.total;
    const response = await work();
    assert.equal(response.status, status, response.text);
    assert.equal((await list()).body.total, before + 1, 'one entry per change');
    return newest();
  };
  const aliceDid = (entry: Entry) => assert.deepEqual(entry.actor, { kind: 'token', id: 'alice', tenant_id: null, partner_org_id: null });

  before(async () => {
    const aliceToken = await token({ sub: 'alice', scope: 'webhooks:admin' });
    platform = bearer(await adminToken());
    alice = bearer(aliceToken);
    secrets.push(aliceToken, platform.authorization!.slice(7));
  });

  it('records each operator change: tenant, API keys, AS2 partner', async () => {
    let tenantId = '';
    const created = await change(async () => {
      const response = await call(api.server, 'POST', '/api/v1/tenants', {
        headers: { ...alice, 'x-request-id': 'audit-req-1' },
        body: { name: 'Audited', partner_org_id: 'org-1' },
      });
      tenantId = response.body.tenant_id;
      secrets.push(response.body.api_key);
      return response;
    }, 201);
    aliceDid(created);
    assert.equal(created.action, 'tenant.created');
    assert.deepEqual(created.target, { type: 'tenant', id: tenantId, tenant_id: tenantId });
    assert.equal(created.request_id, 'audit-req-1');
    assert.equal(created.ip, '127.0.0.1');
    assert.equal(created.changes?.name, 'Audited');
    assert.ok(Date.now() - Date.parse(created.created_at) < 60_000);

    let keyId = '';
    const issued = await change(async () => {
      const response = await call(api.server, 'POST', `/api/v1/tenants/${tenantId}/api-keys`, { headers: alice, body: { label: 'ci' } });
      keyId = response.body.key_id;
      secrets.push(response.body.api_key);
      return response;
    }, 201);
    assert.equal(issued.action, 'api_key.issued');
    assert.deepEqual(issued.target, { type: 'api_key', id: `hg_${keyId}`, tenant_id: tenantId });
    assert.deepEqual(issued.changes, { label: 'ci' });

    const revoked = await change(() => call(api.server, 'DELETE', `/api/v1/tenants/${tenantId}/api-keys/${keyId}`, { headers: alice }), 204);
    assert.equal(revoked.action, 'api_key.revoked');
    assert.deepEqual(revoked.target, { type: 'api_key', id: `hg_${keyId}`, tenant_id: tenantId });

    const partner = await change(() => call(api.server, 'POST', `/api/v1/tenants/${tenantId}/as2-partners`, { headers: alice, body: { name: 'Globex' } }), 201);
    assert.equal(partner.action, 'as2_partner.created');
    assert.equal(partner.target.type, 'as2_partner');
    assert.deepEqual(partner.changes, { name: 'Globex' });
  });

  it('records each admin webhook change: create, update, rotate, test, retry, recover, delete', async () => {
    const ownSecret = 'my-own-signing-secret-0123456789';
    secrets.push(ownSecret);
    let id = '';
    const created = await change(async () => {
      const response = await api.create(api.t.a.id, { secret: ownSecret, description: 'orders' }, alice);
      id = response.body.id;
      return response;
    }, 201);
    aliceDid(created);
    assert.equal(created.action, 'webhook.created');
    assert.deepEqual(created.target, { type: 'webhook', id, tenant_id: api.t.a.id });
    assert.equal(created.changes?.secret, '(set)', 'the field is named, its value is not');
    assert.equal(created.changes?.description, 'orders');
    assert.deepEqual(created.changes?.events, ['invoice.created']);

    const updated = await change(() => call(api.server, 'PATCH', `${BASE}/${id}`, { headers: alice, body: { description: 'renamed', rate_limit: 5 } }), 200);
    assert.equal(updated.action, 'webhook.updated');
    assert.deepEqual(updated.changes, { description: 'renamed', rate_limit: 5 });

    const rotated = await change(async () => {
      const response = await call(api.server, 'POST', `${BASE}/${id}/rotate-secret`, { headers: alice });
      secrets.push(response.body.secret);
      return response;
    }, 200);
    assert.equal(rotated.action, 'webhook.secret_rotated');
    assert.deepEqual(rotated.target, { type: 'webhook', id, tenant_id: api.t.a.id });

    const tested = await change(() => call(api.server, 'POST', `${BASE}/${id}/test`, { headers: alice }), 200);
    assert.equal(tested.action, 'webhook.tested');

    const deliveryId = api.withDb((db) => api.seedDelivery(db, id, { status: 'failed', createdAt: Date.now() - 60_000 }));
    const retried = await change(() => call(api.server, 'POST', `${BASE}/${id}/deliveries/${deliveryId}/retry`, { headers: alice }), 200);
    assert.equal(retried.action, 'delivery.retried');
    assert.deepEqual(retried.target, { type: 'delivery', id: String(deliveryId), tenant_id: api.t.a.id });

    const since = new Date(Date.now() - 3_600_000).toISOString();
    const dryRun = await call(api.server, 'POST', `${BASE}/${id}/recover`, { headers: alice, body: { since, dry_run: true } });
    assert.equal(dryRun.status, 200);
    assert.notEqual((await newest()).action, 'recovery.started', 'a dry run changes nothing and is not recorded');
    const recovered = await change(() => call(api.server, 'POST', `${BASE}/${id}/recover`, { headers: alice, body: { since, status: 'all' } }), 202);
    assert.equal(recovered.action, 'recovery.started');
    assert.equal(recovered.target.type, 'recovery');
    assert.equal(recovered.changes?.webhook_id, id);

    const deleted = await change(() => call(api.server, 'DELETE', `${BASE}/${id}`, { headers: alice }), 204);
    assert.equal(deleted.action, 'webhook.deleted');
    assert.deepEqual(deleted.target, { type: 'webhook', id, tenant_id: api.t.a.id });
  });

  it('records the configuration changes of the sponsor, AS2 and subscription surfaces, as the key id or the token’s sub', async () => {
    const tenant = await call(api.server, 'POST', '/api/v1/tenants', { headers: platform, body: { name: 'Surfaces', partner_org_id: 'org-2' } });
    const key: string = tenant.body.api_key;
    const tenantId: string = tenant.body.tenant_id;
    secrets.push(key);
    const keyActor = { kind: 'api_key', id: key.slice(0, 19), tenant_id: tenantId, partner_org_id: 'org-2' };
    assert.match(keyActor.id, /^hg_[0-9a-f]{16}$/);

    const sponsor = await change(() => call(api.server, 'POST', '/api/webhooks', { headers: { authorization: key }, body: { url: `${api.receiver.url}/ok` } }), 201);
    assert.deepEqual(sponsor.actor, keyActor);
    assert.equal(sponsor.action, 'webhook.created');
    assert.equal(sponsor.target.tenant_id, tenantId);
    const sponsorGone = await change(() => call(api.server, 'DELETE', '/api/webhooks', { headers: { authorization: key } }), 204);
    assert.equal(sponsorGone.action, 'webhook.deleted');

    const partner = await createAs2Partner(api.server, tenantId);
    const as2Secret = 'shared-as2-secret-value';
    secrets.push(as2Secret);
    const as2 = await change(
      () =>
        call(api.server, 'POST', '/api/v1/webhooks/configure', {
          headers: { 'x-api-key': key },
          body: { socio_id: partner, webhook_url: `${api.receiver.url}/ok`, webhook_secret: as2Secret },
        }),
      200,
    );
    assert.deepEqual(as2.actor, keyActor);
    assert.equal(as2.action, 'webhook.configured');
    assert.equal(as2.changes?.webhook_secret, '(set)');

    const subscriberToken = await token({ sub: 'svc-billing', tenantId });
    secrets.push(subscriberToken, 'my-secret-api-key', 'basic-pass-word');
    const subscriber = bearer(subscriberToken);
    const body = {
      notificationUrl: `${api.receiver.url}/ok`,
      eventType: 'INVOICE_STATUS_CHANGED',
      authentication: { method: 'API_KEY', headerName: 'X-Key', key: 'my-secret-api-key' },
    };
    let id = '';
    const subscribed = await change(async () => {
      const response = await call(api.server, 'POST', '/subscription-management', { headers: subscriber, body });
      id = response.body.id;
      return response;
    }, 201);
    assert.deepEqual(subscribed.actor, { kind: 'token', id: 'svc-billing', tenant_id: tenantId, partner_org_id: null });
    assert.deepEqual(subscribed.target, { type: 'webhook', id, tenant_id: tenantId });
    assert.equal(subscribed.changes?.authentication, '(set)');
    const replaced = await change(
      () =>
        call(api.server, 'PUT', `/subscription-management/${id}`, {
          headers: subscriber,
          body: { ...body, authentication: { method: 'BASIC_AUTH', username: 'u', password: 'basic-pass-word' } },
        }),
      200,
    );
    assert.equal(replaced.action, 'webhook.updated');
    const removed = await change(() => call(api.server, 'DELETE', `/subscription-management/${id}`, { headers: subscriber }), 204);
    assert.equal(removed.action, 'webhook.deleted');
  });

  it('records nothing for reads and refused changes', async () => {
    const before = (await list()).body.total;
    assert.equal(typeof before, 'number');
    await call(api.server, 'GET', BASE, { headers: alice });
    await call(api.server, 'GET', '/api/v1/tenants', { headers: alice });
    assert.equal((await call(api.server, 'POST', BASE, { headers: alice, body: { tenant_id: api.t.a.id, url: 'not a url', events: ['invoice.created'] } })).status, 422);
    assert.equal((await call(api.server, 'DELETE', `${BASE}/wh_unknown`, { headers: alice })).status, 404);
    assert.equal((await list()).body.total, before);
  });

  it('keeps every secret out of the entries, as served and as stored', async () => {
    const all = await list('?per_page=100');
    assert.ok(all.body.total >= 20 && all.body.total <= 100, String(all.body.total));
    const stored = JSON.stringify(queryStore(api.server.dbPath, 'SELECT * FROM audit_log'));
    assert.ok(secrets.length >= 10);
    for (const secret of secrets) {
      assert.ok(!all.text.includes(secret), `served: ${secret.slice(0, 6)}…`);
      assert.ok(!stored.includes(secret), `stored: ${secret.slice(0, 6)}…`);
    }
  });

  it('shows a tenant-bound token only its tenant’s entries, a partner-bound one its organisation’s, never platform-wide ones', async () => {
    const all = (await list('?per_page=100')).body.items;
    const tenantOfB = await list('?per_page=100', bearer(await adminToken({ tenantId: api.t.a.id })));
    assert.equal(tenantOfB.status, 200);
    assert.ok(tenantOfB.body.items.length > 0);
    assert.ok(tenantOfB.body.items.every((entry) => entry.target.tenant_id === api.t.a.id));
    assert.equal(tenantOfB.body.total, all.filter((entry) => entry.target.tenant_id === api.t.a.id).length);
    const foreign = await list(`?tenant_id=${api.t.c.id}`, bearer(await adminToken({ tenantId: api.t.a.id })));
    assert.deepEqual(foreign.body.items, [], 'another tenant’s filter reads as empty');

    const org1 = (await list('?per_page=100', bearer(await adminToken({ partnerOrgId: 'org-1' })))).body.items;
    const org1Tenants = new Set(queryStore(api.server.dbPath, "SELECT id FROM tenants WHERE partner_org_id = 'org-1'").map((row) => row.id));
    assert.ok(org1.length > 0);
    assert.ok(org1.every((entry) => org1Tenants.has(entry.target.tenant_id)));

    // A platform-wide entry (no tenant) is read by platform tokens alone.
    api.withDb((db) =>
      db
        .prepare(
          "INSERT INTO audit_log (created_at, actor_kind, actor, action, target_type, target_id, tenant_id) VALUES (?, 'token', 'root', 'platform.changed', 'platform', 'p', NULL)",
        )
        .run(Date.now()),
    );
    assert.equal((await list('?action=platform.changed')).body.total, 1);
    assert.equal((await list('?action=platform.changed', bearer(await adminToken({ partnerOrgId: 'org-1' })))).body.total, 0);
    assert.equal((await list('?action=platform.changed', bearer(await adminToken({ tenantId: api.t.a.id })))).body.total, 0);
  });

  it('filters by tenant, actor, action and time, newest first, page by page', async () => {
    const byAlice = (await list('?actor=alice&per_page=100')).body;
    assert.ok(byAlice.total >= 11);
    assert.ok(byAlice.items.every((entry) => entry.actor.id === 'alice'));
    const times = byAlice.items.map((entry) => Date.parse(entry.created_at));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => b - a),
      'newest first',
    );

    const created = (await list('?action=webhook.created&per_page=100')).body.items;
    assert.ok(created.length >= 3);
    assert.ok(created.every((entry) => entry.action === 'webhook.created'));

    const ofA = (await list(`?tenant_id=${api.t.a.id}&per_page=100`)).body.items;
    assert.ok(ofA.length > 0 && ofA.every((entry) => entry.target.tenant_id === api.t.a.id));

    const future = new Date(Date.now() + 3_600_000).toISOString();
    assert.equal((await list(`?since=${encodeURIComponent(future)}`)).body.total, 0);
    assert.equal((await list(`?until=${encodeURIComponent(future)}`)).body.total, (await list()).body.total);
    assert.equal((await list('?until=2000-01-01T00:00:00Z')).body.total, 0);

    const page2 = (await list('?actor=alice&per_page=2&page=2')).body;
    assert.deepEqual(
      page2.items.map((entry) => entry.id),
      byAlice.items.slice(2, 4).map((entry) => entry.id),
    );
    assert.equal(page2.pages, Math.ceil(byAlice.total / 2));
  });

  it('answers bad filters with a FastAPI 422, and refuses tokens without the admin scope', async () => {
    for (const query of ['?since=yesterday', '?until=2026-13-01', '?action=DROP%20TABLE', '?per_page=0', '?per_page=101', '?page=abc', '?actor=']) {
      const response = await call(api.server, 'GET', `${AUDIT}${query}`, { headers: platform });
      assert.equal(response.status, 422, query);
      assert.ok(Array.isArray(response.body.detail) && response.body.detail[0].loc[0] === 'query', `${query}: ${response.text}`);
    }
    assert.equal((await call(api.server, 'GET', AUDIT)).status, 401);
    assert.equal((await list('', bearer(await token({ scope: 'webhooks:read' })))).status, 403);
  });
});
