import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'hookgate/client';
import { type Receiver, startReceiver } from './support/receiver.ts';
import { adminToken, type RunningServer, startServer } from './support/server.ts';

/** `hookgate/client`: openapi-fetch over the types generated from /openapi.json, against the real server. */
describe('the typed client (hookgate/client)', () => {
  let server: RunningServer;
  let receiver: Receiver;
  let operator: ReturnType<typeof createClient>;

  before(async () => {
    server = await startServer();
    receiver = await startReceiver();
    operator = createClient({ baseUrl: server.url, token: await adminToken() });
  });
  after(async () => {
    await server.stop();
    await receiver.close();
  });

  it('creates a tenant, configures its sponsor webhook with the tenant’s key and delivers a published event', async () => {
    const tenant = await operator.POST('/api/v1/tenants', { body: { name: 'Client Co' } });
    assert.equal(tenant.response.status, 201);
    const { tenant_id, api_key } = tenant.data!;
    const sponsor = createClient({ baseUrl: server.url, apiKey: api_key });

    const created = await sponsor.POST('/api/webhooks', { body: { url: `${receiver.url}/hook`, events: ['invoice.created'] } });
    assert.equal(created.response.status, 201);
    assert.equal(created.data!.url, `${receiver.url}/hook`);

    const published = await sponsor.POST('/api/v1/events', { body: { type: 'invoice.created', data: { invoice_id: 'inv_1' } } });
    assert.equal(published.response.status, 202);
    assert.equal(published.data!.deliveries, 1);
    const [delivered] = await receiver.waitFor((received) => received.length === 1);
    assert.equal(delivered!.json.data.invoice_id, 'inv_1');

    const read = await sponsor.GET('/api/webhooks');
    assert.equal(read.response.status, 200);
    assert.deepEqual(read.data!.events, ['invoice.created']);
    assert.equal(typeof tenant_id, 'string');
  });

  it('sends page 003’s Spanish aliases, which the types list', async () => {
    const tenant = await operator.POST('/api/v1/tenants', { body: { name: 'AS2 Co' } });
    const partner = await operator.POST('/api/v1/tenants/{tenant_id}/as2-partners', { params: { path: { tenant_id: tenant.data!.tenant_id } }, body: { name: 'Socio' } });
    const as2 = createClient({ baseUrl: server.url, apiKey: tenant.data!.api_key });
    const configured = await as2.POST('/api/v1/webhooks/configure', {
      body: { socio_id: String(partner.data!.partner_id), webhook_url: `${receiver.url}/as2`, webhook_secret: 'partner-secret', webhook_activo: 1 },
    });
    assert.equal(configured.response.status, 200, JSON.stringify(configured.error));
    const read = await as2.POST('/api/v1/webhooks/get', { body: { partner_id: partner.data!.partner_id } });
    assert.equal(read.data!.data.webhook_url, `${receiver.url}/as2`);
    assert.equal(read.data!.data.webhook_enabled, true);
  });

  it('gives each surface’s error body, typed, beside the status', async () => {
    const anonymous = createClient({ baseUrl: server.url });
    const refused = await anonymous.GET('/api/v1/admin/webhooks');
    assert.equal(refused.response.status, 401);
    assert.equal(refused.data, undefined);
    assert.deepEqual(refused.error, { detail: 'Not authenticated' });
  });
});

// The types are checked by `npm run typecheck`: unknown paths and wrong bodies do not compile.
export async function notCalled(client: ReturnType<typeof createClient>) {
  // @ts-expect-error: no such path
  await client.GET('/api/v1/no-such-path');
  // @ts-expect-error: `url` must be a string
  await client.POST('/api/webhooks', { body: { url: 42 } });
}
