import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from './support/eventually.ts';
import { type Received, type Receiver, startReceiver } from './support/receiver.ts';
import { adminToken, bearer, call, createAs2Partner, createTenant, type RunningServer, startServer, token } from './support/server.ts';
import { queryStore } from './support/store.ts';

describe('a receiver answering 410 Gone: the endpoint is disabled at once, on every surface', () => {
  let server: RunningServer;
  let receiver: Receiver;
  let tenant: { id: string; apiKey: string };
  let admin: Record<string, string>;
  let subscriber: Record<string, string>;
  let partnerId: number;
  const ids: Record<string, string> = {};
  /** The status each path answers (200 unless set). */
  const statusOf = new Map<string, number>();
  const at = (path: string) => receiver.received.filter((request) => request.path === path);
  const deliveriesTo = (endpointId: string) => queryStore(server.dbPath, 'SELECT * FROM deliveries WHERE endpoint_id = ? ORDER BY id', endpointId);

  before(async () => {
    receiver = await startReceiver((request: Received, res) => {
      const status = statusOf.get(request.path) ?? 200;
      res.writeHead(status).end(status === 410 ? 'this endpoint is gone' : 'ok');
    });
    // A 2 s first retry: without the rule, a 410 would be attempted again within the test.
    server = await startServer({ HOOKGATE_RETRY_SCHEDULE: '2,2,2', HOOKGATE_SWEEP_CRON: '* * * * * *', HOOKGATE_OPERATOR_WEBHOOK_URL: `${receiver.url}/operator` });
    tenant = await createTenant(server, 'Gone');
    partnerId = await createAs2Partner(server, tenant.id, 'Partner');
    admin = bearer(await adminToken());
    subscriber = bearer(await token({ sub: 'svc-gone', tenantId: tenant.id }));
    const sponsor = await call(server, 'POST', '/api/webhooks', {
      headers: { authorization: tenant.apiKey },
      body: { url: `${receiver.url}/sponsor`, events: ['invoice.status_changed'] },
    });
    ids.sponsor = sponsor.body.webhook_id;
    const adminHook = await call(server, 'POST', '/api/v1/admin/webhooks', {
      headers: admin,
      body: { tenant_id: tenant.id, url: `${receiver.url}/admin`, events: ['invoice.status_changed'] },
    });
    ids.admin = adminHook.body.id;
    const subscription = await call(server, 'POST', '/subscription-management', {
      headers: subscriber,
      body: {
        notificationUrl: `${receiver.url}/subscription`,
        eventType: 'INVOICE_STATUS_CHANGED',
        authentication: { method: 'API_KEY', headerName: 'X-Key', key: 'subscription-key' },
      },
    });
    ids.subscription = subscription.body.id;
    const as2 = await call(server, 'POST', '/api/v1/webhooks/configure', {
      headers: { 'x-api-key': tenant.apiKey },
      body: { socio_id: partnerId, webhook_url: `${receiver.url}/as2`, webhook_secret: 'as2-shared-secret', webhook_eventos: ['mensaje.recibido'] },
    });
    assert.equal(as2.status, 200, as2.text);
    ids.as2 = queryStore(server.dbPath, "SELECT id FROM endpoints WHERE surface = 'as2'")[0].id;
  });
  after(async () => {
    await server.stop();
    await receiver.close();
  });

  it('fails the delivery without a retry, disables the endpoint with the reason "gone", and sends endpoint.disabled', async () => {
    for (const path of ['/sponsor', '/admin', '/subscription', '/as2']) statusOf.set(path, 410);
    const publish = (body: object) => call(server, 'POST', '/api/v1/events', { headers: { authorization: tenant.apiKey }, body });
    assert.equal((await publish({ type: 'invoice.status_changed', data: {} })).body.deliveries, 3);
    assert.equal((await publish({ type: 'message.received', partner_id: partnerId, data: {} })).body.deliveries, 1);

    for (const [surface, id] of Object.entries(ids)) {
      const [delivery] = await eventually(async () => (deliveriesTo(id)[0]?.status === 'failed' ? deliveriesTo(id) : undefined), 5000, `${surface}'s delivery failed`);
      assert.equal(delivery.attempt_count, 1, `${surface}: one attempt, no retry`);
      assert.equal(delivery.last_status_code, 410);
    }
    const disabled = await receiver.waitFor(() => at('/operator').filter((request) => request.json.event_type === 'endpoint.disabled').length === 4, 5000);
    const events = disabled.filter((request) => request.path === '/operator' && request.json.event_type === 'endpoint.disabled');
    assert.deepEqual(events.map((request) => request.json.data.endpoint_id).sort(), Object.values(ids).sort());
    assert.ok(events.every((request) => request.json.data.reason === 'gone' && request.json.data.tenant_id === tenant.id));

    await new Promise((resolve) => setTimeout(resolve, 2500)); // past the first retry's time: a fixed wait, nothing must happen within it
    for (const path of ['/sponsor', '/admin', '/subscription', '/as2']) assert.equal(at(path).length, 1, `${path} was not attempted again`);
  });

  it('shows the endpoint disabled, with the reason, in each surface’s API', async () => {
    const sponsor = await call(server, 'GET', '/api/webhooks', { headers: { authorization: tenant.apiKey } });
    assert.deepEqual([sponsor.body.is_active, sponsor.body.disabled_reason], [false, 'gone']);
    const adminHook = await call(server, 'GET', `/api/v1/admin/webhooks/${ids.admin}`, { headers: admin });
    assert.deepEqual([adminHook.body.is_active, adminHook.body.disabled_reason], [false, 'gone']);
    const subscription = await call(server, 'GET', `/subscription-management/${ids.subscription}`, { headers: subscriber });
    assert.deepEqual([subscription.body.enabled, subscription.body.disabledReason], [false, 'gone']);
    const as2 = await call(server, 'POST', '/api/v1/webhooks/get', { headers: { 'x-api-key': tenant.apiKey }, body: { socio_id: partnerId } });
    assert.deepEqual([as2.body.data.webhook_enabled, as2.body.data.webhook_activo, as2.body.data.disabled_reason], [false, false, 'gone']);
  });

  it('fails the pending deliveries of a gone endpoint without attempting them, like those of any disabled endpoint', async () => {
    statusOf.set('/later', 503);
    const later = await call(server, 'POST', '/api/v1/admin/webhooks', {
      headers: admin,
      body: { tenant_id: tenant.id, url: `${receiver.url}/later`, events: ['invoice.created'] },
    });
    const publish = () => call(server, 'POST', '/api/v1/events', { headers: { authorization: tenant.apiKey }, body: { type: 'invoice.created', data: {} } });
    await publish();
    const [waiting] = await eventually(async () => (deliveriesTo(later.body.id)[0]?.attempt_count === 1 ? deliveriesTo(later.body.id) : undefined), 5000, 'the 503 recorded');
    assert.equal(waiting.status, 'pending', 'a 503 is retried');
    statusOf.set('/later', 410);
    await publish();
    await eventually(async () => (deliveriesTo(later.body.id).every((row) => row.status === 'failed') ? true : undefined), 8000, 'both deliveries failed');
    const [first, second] = deliveriesTo(later.body.id);
    assert.deepEqual([first.attempt_count, first.last_error], [1, 'endpoint disabled: gone'], 'the pending one was failed without a second attempt');
    assert.deepEqual([second.attempt_count, second.last_status_code], [1, 410]);
    assert.equal(at('/later').length, 2);
    assert.equal((await publish()).body.deliveries, 0, 'a disabled endpoint takes no new events');
  });
});
