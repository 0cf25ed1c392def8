import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { eventually } from './support/eventually.ts';
import { answer, type Receiver, startReceiver } from './support/receiver.ts';
import { call, createTenant, type RunningServer, startServer, token } from './support/server.ts';
import { queryStore } from './support/store.ts';

const key = (apiKey: string) => ({ authorization: apiKey });

describe('delivery engine: ingest, fan out, sign, deliver, retry', () => {
  let server: RunningServer;
  let receiver: Receiver;
  let tenant: { id: string; apiKey: string };
  let secret: string;

  before(async () => {
    receiver = await startReceiver();
    server = await startServer({ HOOKGATE_RETRY_SCHEDULE: '1,1', HOOKGATE_SWEEP_CRON: '* * * * * *' });
    tenant = await createTenant(server, 'Deliveries');
    const created = await call(server, 'POST', '/api/webhooks', { headers: key(tenant.apiKey), body: { url: `${receiver.url}/sponsor` } });
    assert.equal(created.status, 201);
    secret = created.body.secret;
  });
  after(async () => {
    await server.stop();
    await receiver.close();
  });

  it('accepts an event with 202 and delivers page 000’s payload, signed, right away', async () => {
    receiver.received.length = 0;
    const published = await call(server, 'POST', '/api/v1/events', {
      headers: key(tenant.apiKey),
      body: { type: 'invoice.created', data: { invoice_id: 'inv_1' } },
    });
    assert.equal(published.status, 202);
    assert.match(published.body.event_id, /^evt_[0-9a-f]{24}$/);
    assert.equal(published.body.deliveries, 1);

    const [request] = await receiver.waitFor((received) => received.length === 1, 3000);
    assert.deepEqual(Object.keys(request!.json).sort(), ['data', 'event_id', 'event_type', 'sponsor_id', 'timestamp']);
    assert.equal(request!.json.event_id, published.body.event_id);
    assert.equal(request!.json.sponsor_id, tenant.id);
    assert.deepEqual(request!.json.data, { invoice_id: 'inv_1' });

    const headers = Object.fromEntries(Object.entries(request!.headers).map(([name, value]) => [name, String(value)]));
    const verified = new Webhook(Buffer.from(secret).toString('base64')).verify(request!.body, headers);
    assert.equal((verified as { event_id: string }).event_id, published.body.event_id);
    const expected = `sha256=${createHmac('sha256', secret).update(request!.body).digest('hex')}`;
    assert.equal(request!.headers['x-webhook-signature'], expected);
  });

  it('gives events ids in creation order: the millisecond of the publish, then 48 random bits', async () => {
    receiver.received.length = 0;
    const ids: string[] = [];
    for (let index = 0; index < 5; index++) {
      const before = Date.now();
      const published = await call(server, 'POST', '/api/v1/events', { headers: key(tenant.apiKey), body: { type: 'invoice.created', data: { index } } });
      const after = Date.now();
      assert.equal(published.status, 202);
      const id: string = published.body.event_id;
      assert.match(id, /^evt_[0-9a-f]{24}$/);
      const created = Number.parseInt(id.slice(4, 16), 16);
      assert.ok(created >= before && created <= after, `${id}: created at ${created}, published between ${before} and ${after}`);
      ids.push(id);
    }
    assert.deepEqual(
      ids.map((id) => id.slice(0, 16)),
      ids.map((id) => id.slice(0, 16)).sort(),
      'later events sort after earlier ones',
    );
    assert.equal(new Set(ids).size, ids.length);
    // Their deliveries arrive before the next test counts what its receiver gets.
    await receiver.waitFor((received) => received.length === ids.length, 5000);
  });

  it('keeps last_triggered_at on the sponsor webhook', async () => {
    const triggeredAt = await eventually(
      async () => (await call(server, 'GET', '/api/webhooks', { headers: key(tenant.apiKey) })).body.last_triggered_at ?? undefined,
      2000,
      'last_triggered_at set after a delivery',
    );
    assert.ok(Date.parse(triggeredAt) > Date.now() - 60_000);
  });

  it('retries after a 500 with the same webhook-id, and records both attempts', async () => {
    receiver.received.length = 0;
    let calls = 0;
    receiver.respond = (_request, res) => {
      calls++;
      res.writeHead(calls === 1 ? 500 : 200).end(calls === 1 ? 'boom' : 'ok');
    };
    const published = await call(server, 'POST', '/api/v1/events', { headers: key(tenant.apiKey), body: { type: 'invoice.paid', data: {} } });
    const received = await receiver.waitFor((list) => list.length === 2, 8000);
    assert.equal(received[0]!.headers['webhook-id'], received[1]!.headers['webhook-id']);
    await waitForStatus(server, published.body.event_id, 'succeeded');
    const attempts = queryStore(
      server.dbPath,
      `SELECT a.attempt_number, a.status_code, a.succeeded, a.error_class, a.response_body, a.trigger FROM attempts a
       JOIN deliveries d ON d.id = a.delivery_id WHERE d.event_id = ? ORDER BY a.id`,
      published.body.event_id,
    );
    assert.deepEqual(
      attempts.map((a) => [a.attempt_number, a.status_code, a.succeeded, a.error_class]),
      [
        [1, 500, 0, 'http_status'],
        [2, 200, 1, null],
      ],
    );
    assert.equal(attempts[0].response_body, 'boom');
    assert.equal(attempts[1].trigger, 'sweep');
    receiver.respond = answer(200, 'ok');
  });

  it('marks a delivery failed when the schedule is exhausted, and it stays visible', async () => {
    receiver.respond = answer(503, 'down');
    const published = await call(server, 'POST', '/api/v1/events', { headers: key(tenant.apiKey), body: { type: 'invoice.rejected', data: {} } });
    const delivery = await waitForStatus(server, published.body.event_id, 'failed', 10_000);
    assert.equal(delivery.attempt_count, 3, 'one attempt plus the two scheduled retries');
    assert.equal(delivery.last_status_code, 503);
    receiver.respond = answer(200, 'ok');
  });

  it('answers a repeated idempotency key with the first answer and fans out nothing new', async () => {
    receiver.received.length = 0;
    const body = { type: 'invoice.submitted', data: { n: 1 }, idempotency_key: 'order-42' };
    const first = await call(server, 'POST', '/api/v1/events', { headers: key(tenant.apiKey), body });
    const second = await call(server, 'POST', '/api/v1/events', { headers: key(tenant.apiKey), body: { ...body, data: { n: 2 } } });
    assert.equal(second.status, 202);
    assert.deepEqual(second.body, first.body);
    assert.equal(second.headers.get('idempotent-replayed'), 'true');
    await receiver.waitFor((list) => list.length >= 1, 3000);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // a fixed wait: nothing more must arrive within it
    assert.equal(receiver.received.filter((r) => r.json?.event_id === first.body.event_id).length, 1);
    assert.equal(queryStore(server.dbPath, 'SELECT count(*) AS n FROM events WHERE idempotency_key = ?', 'order-42')[0].n, 1);
  });

  it('publishes a batch in one request, resolving aliases', async () => {
    receiver.received.length = 0;
    const response = await call(server, 'POST', '/api/v1/events/batch', {
      headers: key(tenant.apiKey),
      body: {
        events: [
          { type: 'invoice.created', data: {} },
          { type: 'INVOICE_STATUS_CHANGED', data: {} },
          { type: 'mensaje.recibido', data: {} },
        ],
      },
    });
    assert.equal(response.status, 202);
    assert.equal(response.body.events.length, 3);
    assert.deepEqual(
      response.body.events.map((event: { deliveries: number }) => event.deliveries),
      [1, 1, 0],
      'the sponsor webhook takes invoice events, not AS2 ones',
    );
    await receiver.waitFor((list) => list.length === 2, 3000);
    assert.deepEqual(receiver.received.map((r) => r.json.event_type).sort(), ['invoice.created', 'invoice.status_changed']);
  });

  it('refuses a bad event, a bad batch and a foreign tenant, storing nothing', async () => {
    const before = queryStore(server.dbPath, 'SELECT count(*) AS n FROM events')[0].n;
    const cases: [unknown, number][] = [
      [{ type: 'invoice.exploded', data: {} }, 422],
      [{ data: {} }, 422],
      [{ type: 'invoice.created' }, 422],
      [{ type: 'invoice.created', data: [] }, 422],
      [{ type: 'invoice.created', data: {}, occurred_at: 'yesterday' }, 422],
      [{ type: 'invoice.created', data: {}, partner_id: 999999 }, 422],
      [{ type: 'invoice.created', data: {}, tenant_id: 'ten_someoneelse' }, 403],
    ];
    for (const [body, status] of cases) {
      const response = await call(server, 'POST', '/api/v1/events', { headers: key(tenant.apiKey), body });
      assert.equal(response.status, status, `${JSON.stringify(body)} → ${response.text}`);
    }
    const batch = await call(server, 'POST', '/api/v1/events/batch', {
      headers: key(tenant.apiKey),
      body: {
        events: [
          { type: 'invoice.created', data: {} },
          { type: 'nope', data: {} },
        ],
      },
    });
    assert.equal(batch.status, 422);
    assert.deepEqual(batch.body.detail[0].loc, ['body', 'events', 1, 'type']);
    const tooMany = await call(server, 'POST', '/api/v1/events/batch', {
      headers: key(tenant.apiKey),
      body: { events: Array.from({ length: 1001 }, () => ({ type: 'invoice.created', data: {} })) },
    });
    assert.equal(tooMany.status, 422);
    assert.equal(queryStore(server.dbPath, 'SELECT count(*) AS n FROM events')[0].n, before);
  });

  it('accepts a platform token with events:publish for a named tenant, and refuses one without the scope', async () => {
    const publisher = await token({ scope: 'events:publish' });
    const ok = await call(server, 'POST', '/api/v1/events', {
      headers: { authorization: `Bearer ${publisher}` },
      body: { type: 'invoice.created', data: {}, tenant_id: tenant.id },
    });
    assert.equal(ok.status, 202);
    const missingTenant = await call(server, 'POST', '/api/v1/events', { headers: { authorization: `Bearer ${publisher}` }, body: { type: 'invoice.created', data: {} } });
    assert.equal(missingTenant.status, 422);
    const reader = await token({ scope: 'webhooks:read' });
    const refused = await call(server, 'POST', '/api/v1/events', {
      headers: { authorization: `Bearer ${reader}` },
      body: { type: 'invoice.created', data: {}, tenant_id: tenant.id },
    });
    assert.equal(refused.status, 403);
    const bound = await token({ scope: 'events:publish', tenantId: 'ten_other' });
    const foreign = await call(server, 'POST', '/api/v1/events', {
      headers: { authorization: `Bearer ${bound}` },
      body: { type: 'invoice.created', data: {}, tenant_id: tenant.id },
    });
    assert.equal(foreign.status, 404);
  });
});

function waitForStatus(server: RunningServer, eventId: string, status: string, timeoutMs = 8000) {
  return eventually(
    async () => queryStore(server.dbPath, 'SELECT * FROM deliveries WHERE event_id = ?', eventId).find((delivery) => delivery.status === status),
    timeoutMs,
    `delivery of ${eventId} is ${status}`,
    50,
  );
}
