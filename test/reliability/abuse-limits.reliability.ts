import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, call, type JsonResponse, type RunningServer, startServer, token } from '../support/server.ts';
import { queryStore } from '../support/store.ts';
import { errorShapeProblem, formatOfPath } from './support/error-shapes.ts';

const PER_MINUTE = 6;
const MAX_ENDPOINTS = 2;
const MAX_EVENT_BYTES = 1024;
const MAX_BODY_BYTES = 8192;

describe('abuse limits: rate limit, body size, endpoints per tenant, event size', () => {
  let server: RunningServer;
  let callers = 0;
  /** Every call gets its own token subject unless told otherwise, so setup never spends a caller's budget. */
  const fresh = (claims: { scope?: string; tenantId?: string } = {}) => token({ sub: `caller-${callers++}`, ...claims });
  const admin = async () => bearer(await fresh({ scope: 'webhooks:admin' }));

  const newTenant = async (name: string) => {
    const created = await call(server, 'POST', '/api/v1/tenants', { headers: await admin(), body: { name } });
    assert.equal(created.status, 201, created.text);
    return { id: created.body.tenant_id as string, apiKey: created.body.api_key as string };
  };
  const newKey = async (tenantId: string) => {
    const issued = await call(server, 'POST', `/api/v1/tenants/${tenantId}/api-keys`, { headers: await admin(), body: { label: 'extra' } });
    assert.equal(issued.status, 201, issued.text);
    return issued.body.api_key as string;
  };
  const newPartner = async (tenantId: string) => {
    const created = await call(server, 'POST', `/api/v1/tenants/${tenantId}/as2-partners`, { headers: await admin(), body: { name: 'P' } });
    assert.equal(created.status, 201, created.text);
    return created.body.partner_id as number;
  };
  const assertFormat = (path: string, response: JsonResponse, status: number) => {
    assert.equal(response.status, status, `${path}: ${response.text}`);
    assert.equal(errorShapeProblem(formatOfPath(path), response), null, `${path}: ${response.text}`);
  };

  before(async () => {
    server = await startServer({
      HOOKGATE_RATE_LIMIT_PER_MINUTE: String(PER_MINUTE),
      HOOKGATE_MAX_ENDPOINTS_PER_TENANT: String(MAX_ENDPOINTS),
      HOOKGATE_MAX_EVENT_BYTES: String(MAX_EVENT_BYTES),
      HOOKGATE_MAX_BODY_BYTES: String(MAX_BODY_BYTES),
      HOOKGATE_ALLOW_PRIVATE_TARGETS: 'false',
    });
  });
  after(() => server.stop());

  it('answers the request after the budget with 429 and Retry-After, per key and per token subject, in each surface’s format', async () => {
    const tenant = await newTenant('Busy');
    const partner = await newPartner(tenant.id);
    const probes: { path: string; method: string; headers: Record<string, string>; body?: unknown }[] = [
      { method: 'GET', path: '/api/webhooks', headers: { authorization: await newKey(tenant.id) } },
      { method: 'POST', path: '/api/v1/webhooks/get', headers: { 'x-api-key': await newKey(tenant.id) }, body: { partner_id: partner } },
      { method: 'GET', path: '/api/v1/admin/webhooks', headers: await admin() },
      { method: 'GET', path: '/api/v1/tenants', headers: await admin() },
      { method: 'GET', path: '/subscription-management', headers: bearer(await fresh({ tenantId: tenant.id })) },
      { method: 'POST', path: '/api/v1/events', headers: { authorization: await newKey(tenant.id) }, body: { type: 'invoice.created', data: {} } },
    ];
    for (const probe of probes) {
      const statuses: number[] = [];
      let limited: JsonResponse | undefined;
      for (let i = 0; i < PER_MINUTE + 2; i++) {
        const response = await call(server, probe.method, probe.path, { headers: probe.headers, body: probe.body });
        statuses.push(response.status);
        if (response.status === 429) limited ??= response;
      }
      assert.ok(
        statuses.slice(0, PER_MINUTE).every((status) => status !== 429),
        `${probe.path}: the first ${PER_MINUTE} pass (${statuses})`,
      );
      assert.ok(limited, `${probe.path}: limited after ${PER_MINUTE} (${statuses})`);
      assertFormat(probe.path, limited, 429);
      const retryAfter = Number(limited.headers.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= 60 / PER_MINUTE, `${probe.path}: Retry-After ${retryAfter}`);
    }
    // Each key has its own bucket: a fresh key of the same tenant is not limited.
    const other = await call(server, 'GET', '/api/webhooks', { headers: { authorization: await newKey(tenant.id) } });
    assert.notEqual(other.status, 429);
    // Failed authentication spends nobody's budget and is still a 401.
    const anonymous = await call(server, 'GET', '/api/webhooks', { headers: { authorization: 'hg_0000000000000000_nope' } });
    assert.equal(anonymous.status, 401);
  });

  it('refuses a body over HOOKGATE_MAX_BODY_BYTES with 413 on every surface, before authentication', async () => {
    const big = { padding: 'x'.repeat(MAX_BODY_BYTES + 1) };
    for (const path of ['/api/webhooks', '/api/v1/admin/webhooks', '/subscription-management', '/api/v1/webhooks/configure', '/api/v1/tenants', '/api/v1/events']) {
      assertFormat(path, await call(server, 'POST', path, { body: big }), 413);
    }
  });

  it('caps the endpoints of a tenant across surfaces with a 409 in each surface’s format, storing nothing', async () => {
    const tenant = await newTenant('Capped');
    const adminCreate = async () =>
      call(server, 'POST', '/api/v1/admin/webhooks', {
        headers: await admin(),
        body: { tenant_id: tenant.id, url: 'https://receiver.example.com/hook', events: ['invoice.created'] },
      });
    for (let i = 0; i < MAX_ENDPOINTS; i++) assert.equal((await adminCreate()).status, 201);

    assertFormat('/api/v1/admin/webhooks', await adminCreate(), 409);
    const sponsor = await call(server, 'POST', '/api/webhooks', { headers: { authorization: await newKey(tenant.id) }, body: { url: 'https://receiver.example.com/s' } });
    assertFormat('/api/webhooks', sponsor, 409);
    const subscription = await call(server, 'POST', '/subscription-management', {
      headers: bearer(await fresh({ tenantId: tenant.id })),
      body: {
        notificationUrl: 'https://receiver.example.com/sub',
        eventType: 'INVOICE_STATUS_CHANGED',
        authentication: { method: 'API_KEY', headerName: 'X-API-Key', key: 'receiver-key' },
      },
    });
    assertFormat('/subscription-management', subscription, 409);
    const as2 = await call(server, 'POST', '/api/v1/webhooks/configure', {
      headers: { 'x-api-key': await newKey(tenant.id) },
      body: { partner_id: await newPartner(tenant.id), webhook_url: 'https://receiver.example.com/as2', webhook_secret: 'secret' },
    });
    assertFormat('/api/v1/webhooks/configure', as2, 409);
    assert.equal(as2.body.msg, 'Límite de webhooks alcanzado');
    assert.equal(queryStore(server.dbPath, 'SELECT count(*) AS n FROM endpoints WHERE tenant_id = ?', tenant.id)[0].n, MAX_ENDPOINTS);
  });

  it('refuses event data over HOOKGATE_MAX_EVENT_BYTES with 413, alone or in a batch, and stores no part of it', async () => {
    const tenant = await newTenant('Chatty');
    const publisher = async () => bearer(await fresh({ scope: 'events:publish' }));
    const data = (bytes: number) => ({ x: 'a'.repeat(bytes - '{"x":""}'.length) });
    const before = queryStore(server.dbPath, 'SELECT count(*) AS n FROM events')[0].n;

    const atLimit = await call(server, 'POST', '/api/v1/events', {
      headers: await publisher(),
      body: { type: 'invoice.created', data: data(MAX_EVENT_BYTES), tenant_id: tenant.id },
    });
    assert.equal(atLimit.status, 202, atLimit.text);
    const over = await call(server, 'POST', '/api/v1/events', {
      headers: await publisher(),
      body: { type: 'invoice.created', data: data(MAX_EVENT_BYTES + 1), tenant_id: tenant.id },
    });
    assertFormat('/api/v1/events', over, 413);
    // Multi-byte characters count as bytes, not characters.
    const unicode = await call(server, 'POST', '/api/v1/events', {
      headers: await publisher(),
      body: { type: 'invoice.created', data: { x: 'é'.repeat(600) }, tenant_id: tenant.id },
    });
    assertFormat('/api/v1/events', unicode, 413);
    const batch = await call(server, 'POST', '/api/v1/events/batch', {
      headers: await publisher(),
      body: {
        events: [
          { type: 'invoice.created', data: {}, tenant_id: tenant.id },
          { type: 'invoice.created', data: data(MAX_EVENT_BYTES + 1), tenant_id: tenant.id },
        ],
      },
    });
    assertFormat('/api/v1/events/batch', batch, 413);
    assert.equal(queryStore(server.dbPath, 'SELECT count(*) AS n FROM events')[0].n, before + 1);
  });
});
