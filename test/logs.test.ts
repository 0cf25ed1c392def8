import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from './support/eventually.ts';
import { type Receiver, startReceiver } from './support/receiver.ts';
import { adminToken, bearer, call, createTenant, type RunningServer, startServer } from './support/server.ts';

describe('structured logs: one JSON line per request and per attempt, no secrets or payloads', () => {
  let server: RunningServer;
  let receiver: Receiver;
  let tenant: { id: string; apiKey: string };
  let secret: string;
  let webhookId: string;
  let eventId: string;
  const lines = () => server.logs.flatMap((line) => (line.startsWith('{') ? [JSON.parse(line) as Record<string, unknown>] : []));
  /** The first log line matching, waiting up to 5 s for it to be written. */
  const logLine = (matches: (entry: Record<string, unknown>) => boolean) => eventually(async () => lines().find(matches), 5000, `a log line ${String(matches)}`, 50);

  before(async () => {
    receiver = await startReceiver();
    server = await startServer();
    tenant = await createTenant(server, 'Logs');
    const created = await call(server, 'POST', '/api/v1/admin/webhooks', {
      headers: bearer(await adminToken()),
      body: { tenant_id: tenant.id, url: `${receiver.url}/logs`, events: ['invoice.created'] },
    });
    secret = created.body.secret;
    webhookId = created.body.id;
    const published = await call(server, 'POST', '/api/v1/events', {
      headers: { authorization: tenant.apiKey, 'x-request-id': 'req-logs-1' },
      body: { type: 'invoice.created', data: { invoice_id: 'inv_private_payload_marker' } },
    });
    eventId = published.body.event_id;
    await receiver.waitFor((received) => received.length === 1);
  });
  after(async () => {
    await server.stop();
    await receiver.close();
  });

  it('logs the request with its request id, tenant, status and duration', async () => {
    const line = await logLine((entry) => entry.msg === 'request' && entry.request_id === 'req-logs-1');
    assert.ok(line, 'request line present');
    assert.equal(line.tenant_id, tenant.id);
    assert.equal(line.status, 202);
    assert.equal(line.method, 'POST');
    assert.equal(line.path, '/api/v1/events');
    assert.equal(typeof line.duration_ms, 'number');
  });

  it('echoes a safe X-Request-Id and replaces any other (characters outside [A-Za-z0-9._:-], longer than 64) with a fresh one', async () => {
    const safe = 'Trace-1.2_3:abc';
    assert.equal((await call(server, 'GET', '/health', { headers: { 'x-request-id': safe } })).headers.get('x-request-id'), safe);
    assert.equal((await call(server, 'GET', '/health', { headers: { 'x-request-id': 'a'.repeat(64) } })).headers.get('x-request-id'), 'a'.repeat(64));
    for (const unsafe of ['a'.repeat(65), 'two words', '"quoted"', '<script>', 'id;drop', 'x{y}', 'tab\there']) {
      const echoed = (await call(server, 'GET', '/health', { headers: { 'x-request-id': unsafe } })).headers.get('x-request-id') ?? '';
      assert.match(echoed, /^[0-9a-f]{16}$/, `${JSON.stringify(unsafe)} is replaced by a fresh id`);
      const line = await logLine((entry) => entry.msg === 'request' && entry.request_id === echoed);
      assert.ok(line, 'the request is logged under the fresh id');
    }
  });

  it('logs the attempt with tenant, endpoint, delivery, status and duration', async () => {
    const line = await logLine((entry) => entry.msg === 'delivery attempt' && entry.endpoint_id === webhookId);
    assert.ok(line, 'attempt line present');
    assert.equal(line.tenant_id, tenant.id);
    assert.equal(typeof line.delivery_id, 'number');
    assert.equal(line.status, 200);
    assert.equal(line.outcome, 'succeeded');
    assert.equal(typeof line.duration_ms, 'number');
  });

  it('never writes a secret, credential or payload body', () => {
    const text = server.logs.join('\n');
    assert.ok(text.length > 0);
    for (const secretValue of [secret, tenant.apiKey, 'inv_private_payload_marker']) assert.ok(!text.includes(secretValue), `logs must not contain ${secretValue.slice(0, 12)}…`);
    assert.ok(text.includes(eventId) || text.includes(webhookId), 'ids are logged, values are not');
  });
});
