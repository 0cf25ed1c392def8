import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { call, createTenant, type RunningServer, startServer } from './support/server.ts';

describe('sponsor webhook API (page 000, /api/webhooks)', () => {
  let server: RunningServer;
  let tenant: { id: string; apiKey: string };
  let other: { id: string; apiKey: string };
  const auth = (key: string) => ({ authorization: key });

  before(async () => {
    // A small body limit keeps the oversize case small enough that the client finishes sending it
    // before the 413 closes the connection (a 2 MB upload raced the close with EPIPE on a busy machine).
    server = await startServer({ HOOKGATE_MAX_BODY_BYTES: '65536' });
    tenant = await createTenant(server, 'Sponsor A');
    other = await createTenant(server, 'Sponsor B');
  });
  after(() => server.stop());

  it('answers GET /health without credentials', async () => {
    const response = await call(server, 'GET', '/health');
    assert.equal(response.status, 200);
  });

  it('refuses a missing, malformed or revoked-looking API key with 401 and a FastAPI detail', async () => {
    for (const headers of [{}, auth('nope'), auth(`${tenant.apiKey}x`), { authorization: `Bearer ${tenant.apiKey}` }]) {
      const response = await call(server, 'GET', '/api/webhooks', { headers });
      assert.equal(response.status, 401);
      assert.equal(typeof response.body.detail, 'string');
    }
  });

  it('lists the event catalogue with an example payload per type', async () => {
    const response = await call(server, 'GET', '/api/webhooks/event-types', { headers: auth(tenant.apiKey) });
    assert.equal(response.status, 200);
    const created = response.body.event_types.find((type: { event_type: string }) => type.event_type === 'invoice.created');
    assert.ok(created, 'invoice.created is listed');
    assert.equal(created.description, 'Triggered when a new invoice is created');
    assert.deepEqual(Object.keys(created.example_payload).sort(), ['data', 'event_id', 'event_type', 'sponsor_id', 'timestamp']);
    assert.equal(created.example_payload.sponsor_id, tenant.id);
    assert.ok(!response.body.event_types.some((type: { event_type: string }) => type.event_type === 'message.received'), 'AS2 events are not sponsor events');
  });

  it('answers 404 before a webhook exists', async () => {
    const response = await call(server, 'GET', '/api/webhooks', { headers: auth(tenant.apiKey) });
    assert.equal(response.status, 404);
  });

  it('creates one webhook, returns its 64-hex secret once, and refuses a second with 409', async () => {
    const created = await call(server, 'POST', '/api/webhooks', {
      headers: auth(tenant.apiKey),
      body: { url: 'https://api.example.com/webhooks/pdp', events: ['invoice.created'] },
    });
    assert.equal(created.status, 201);
    assert.match(created.body.webhook_id, /^webhook_[0-9a-f]+$/);
    assert.match(created.body.secret, /^[0-9a-f]{64}$/);
    assert.deepEqual(created.body.events, ['invoice.created']);
    assert.equal(created.body.message, 'Webhook created successfully');
    assert.ok(!Number.isNaN(Date.parse(created.body.created_at)));

    const fetched = await call(server, 'GET', '/api/webhooks', { headers: auth(tenant.apiKey) });
    assert.equal(fetched.status, 200);
    assert.deepEqual(Object.keys(fetched.body).sort(), ['created_at', 'disabled_reason', 'events', 'is_active', 'last_triggered_at', 'url', 'webhook_id']);
    assert.equal(fetched.body.webhook_id, created.body.webhook_id);
    assert.equal(fetched.body.is_active, true);
    assert.equal(fetched.body.last_triggered_at, null);
    assert.ok(!fetched.text.includes(created.body.secret), 'the secret is never returned again');

    const second = await call(server, 'POST', '/api/webhooks', { headers: auth(tenant.apiKey), body: { url: 'https://other.example.com/hook' } });
    assert.equal(second.status, 409);
    assert.match(second.body.detail, /already exists/);

    const raw = readFileSync(server.dbPath).toString('latin1') + readFileSync(`${server.dbPath}-wal`).toString('latin1');
    assert.ok(!raw.includes(created.body.secret), 'the SQLite file holds no plaintext secret');
  });

  it('subscribes to every event when events is null or absent', async () => {
    const created = await call(server, 'POST', '/api/webhooks', { headers: auth(other.apiKey), body: { url: 'https://b.example.com/hook', events: null } });
    assert.equal(created.status, 201);
    assert.ok(created.body.events.includes('invoice.created'));
    assert.ok(created.body.events.includes('invoice.paid'));
  });

  it('keeps tenants apart: B sees its own webhook, never A’s', async () => {
    const mine = await call(server, 'GET', '/api/webhooks', { headers: auth(tenant.apiKey) });
    const theirs = await call(server, 'GET', '/api/webhooks', { headers: auth(other.apiKey) });
    assert.notEqual(mine.body.webhook_id, theirs.body.webhook_id);
    assert.equal(theirs.body.url, 'https://b.example.com/hook');
  });

  it('answers bad input with a FastAPI 422 and stores nothing', async () => {
    const fresh = await createTenant(server, 'Sponsor C');
    const cases: { body?: unknown; raw?: string; headers?: Record<string, string>; loc?: unknown[] }[] = [
      { body: {}, loc: ['body', 'url'] },
      { body: { url: 'not a url' }, loc: ['body', 'url'] },
      { body: { url: 42 }, loc: ['body', 'url'] },
      { body: { url: `https://example.com/${'a'.repeat(2100)}` }, loc: ['body', 'url'] },
      { body: { url: 'https://example.com/x', events: ['invoice.exploded'] }, loc: ['body', 'events', 0] },
      { body: { url: 'https://example.com/x', events: 'invoice.created' }, loc: ['body', 'events'] },
      { body: { url: 'ftp://example.com/x' }, loc: ['body', 'url'] },
      { raw: '{"url":', headers: { 'content-type': 'application/json' } },
      { raw: 'url=https://example.com', headers: { 'content-type': 'text/plain' } },
    ];
    for (const testCase of cases) {
      const response = await call(server, 'POST', '/api/webhooks', {
        headers: { ...auth(fresh.apiKey), ...testCase.headers },
        body: testCase.body,
        raw: testCase.raw,
      });
      assert.equal(response.status, 422, `${JSON.stringify(testCase)} → ${response.text}`);
      assert.ok(Array.isArray(response.body.detail));
      if (testCase.loc) assert.deepEqual(response.body.detail[0].loc, testCase.loc);
    }
    const after = await call(server, 'GET', '/api/webhooks', { headers: auth(fresh.apiKey) });
    assert.equal(after.status, 404);
  });

  it('refuses an oversize body with 413', async () => {
    const response = await call(server, 'POST', '/api/webhooks', {
      headers: auth(tenant.apiKey),
      body: { url: 'https://example.com', padding: 'x'.repeat(100 * 1024) },
    });
    assert.equal(response.status, 413);
    assert.equal(typeof response.body.detail, 'string');
  });

  it('refuses an oversize chunked body (no Content-Length) with 413, and takes a small chunked one', async () => {
    const streaming = await createTenant(server, 'Sponsor C');
    const chunked = (text: string) =>
      fetch(`${server.url}/api/webhooks`, {
        method: 'POST',
        headers: { ...auth(streaming.apiKey), 'content-type': 'application/json' },
        body: new Blob([text]).stream(),
        duplex: 'half',
      } as RequestInit);
    const large = await chunked(JSON.stringify({ url: 'https://example.com', padding: 'x'.repeat(100 * 1024) }));
    assert.equal(large.status, 413);
    const small = await chunked(JSON.stringify({ url: 'https://example.com/chunked' }));
    assert.equal(small.status, 201, await small.text());
  });

  it('deletes the webhook with 204, then answers 404', async () => {
    const deleted = await call(server, 'DELETE', '/api/webhooks', { headers: auth(other.apiKey) });
    assert.equal(deleted.status, 204);
    assert.equal((await call(server, 'DELETE', '/api/webhooks', { headers: auth(other.apiKey) })).status, 404);
    assert.equal((await call(server, 'GET', '/api/webhooks', { headers: auth(tenant.apiKey) })).status, 200, 'A’s webhook is untouched');
  });
});
