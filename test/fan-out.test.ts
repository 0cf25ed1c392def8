import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import Provider from 'oidc-provider';
import { Webhook } from 'standardwebhooks';
import { eventually } from './support/eventually.ts';
import { type Received, type Receiver, startReceiver } from './support/receiver.ts';
import { adminToken, bearer, call, createAs2Partner, createTenant, type RunningServer, startServer, token } from './support/server.ts';

const CLIENT_ID = 'hookgate-client';
const CLIENT_SECRET = 'oauth-client-secret-value';

/** A real OAuth2 authorization server (panva's oidc-provider) issuing client-credentials tokens. */
async function startAuthorizationServer() {
  const probe = (await import('node:net')).createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    features: { clientCredentials: { enabled: true }, introspection: { enabled: true }, devInteractions: { enabled: false } },
  });
  let issued = 0;
  provider.on('grant.success', () => issued++);
  const server: Server = provider.listen(port);
  const basic = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`;
  return {
    tokenUrl: `${issuer}/token`,
    issued: () => issued,
    async isActive(accessToken: string): Promise<boolean> {
      const response = await fetch(`${issuer}/token/introspection`, {
        method: 'POST',
        headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
        body: `token=${encodeURIComponent(accessToken)}`,
      });
      return ((await response.json()) as { active: boolean }).active;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('fan-out: one event reaches every matching endpoint of every surface', () => {
  let server: RunningServer;
  let receiver: Receiver;
  let auth: Awaited<ReturnType<typeof startAuthorizationServer>>;
  let tenant: { id: string; apiKey: string };
  let partnerId: number;
  let adminHookId: string;
  const secrets: Record<string, string> = {};
  const at = (path: string) => (received: Received[]) => received.filter((request) => request.path === path);

  before(async () => {
    receiver = await startReceiver();
    auth = await startAuthorizationServer();
    server = await startServer({ HOOKGATE_RETRY_SCHEDULE: '1', HOOKGATE_SWEEP_CRON: '* * * * * *' });
    tenant = await createTenant(server, 'Everything');
    partnerId = await createAs2Partner(server, tenant.id, 'Globex');
    const admin = bearer(await adminToken());
    const subscriber = bearer(await token({ sub: 'svc-billing', tenantId: tenant.id }));

    secrets.sponsor = (await call(server, 'POST', '/api/webhooks', { headers: { authorization: tenant.apiKey }, body: { url: `${receiver.url}/sponsor` } })).body.secret;
    const adminHook = await call(server, 'POST', '/api/v1/admin/webhooks', {
      headers: admin,
      body: { tenant_id: tenant.id, url: `${receiver.url}/admin`, events: ['invoice.status_changed', 'message.received'] },
    });
    assert.equal(adminHook.status, 201, adminHook.text);
    secrets.admin = adminHook.body.secret;
    adminHookId = adminHook.body.id;
    const subscriptions = [
      { path: '/oauth', authentication: { method: 'OAUTH2', clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, tokenUrl: auth.tokenUrl } },
      { path: '/basic', authentication: { method: 'BASIC_AUTH', username: 'webhook-user', password: 's3cr3t' } },
      { path: '/apikey', authentication: { method: 'API_KEY', headerName: 'X-Partner-Key', key: 'my-secret-api-key' } },
    ];
    for (const { path, authentication } of subscriptions) {
      const created = await call(server, 'POST', '/subscription-management', {
        headers: subscriber,
        body: { notificationUrl: `${receiver.url}${path}`, eventType: 'INVOICE_STATUS_CHANGED', authentication },
      });
      assert.equal(created.status, 201, created.text);
    }
    secrets.as2 = 'shared-as2-secret';
    const configured = await call(server, 'POST', '/api/v1/webhooks/configure', {
      headers: { 'x-api-key': tenant.apiKey },
      body: { socio_id: partnerId, webhook_url: `${receiver.url}/as2`, webhook_secret: secrets.as2, webhook_eventos: ['mensaje.recibido'] },
    });
    assert.equal(configured.status, 200, configured.text);
  });
  after(async () => {
    await server.stop();
    await receiver.close();
    await auth.close();
  });

  it('delivers an invoice status change to the sponsor, admin and all three subscriptions, each in its own envelope', async () => {
    const published = await call(server, 'POST', '/api/v1/events', {
      headers: { authorization: tenant.apiKey },
      body: { type: 'INVOICE_STATUS_CHANGED', data: { invoice_id: 'inv_7', status: 'approved' } },
    });
    assert.equal(published.status, 202);
    assert.equal(published.body.deliveries, 5);
    await receiver.waitFor((received) => received.length >= 5, 8000);

    const [sponsor] = at('/sponsor')(receiver.received);
    assert.deepEqual(sponsor!.json, {
      event_id: published.body.event_id,
      event_type: 'invoice.status_changed',
      timestamp: sponsor!.json.timestamp,
      sponsor_id: tenant.id,
      data: { invoice_id: 'inv_7', status: 'approved' },
    });
    const [admin] = at('/admin')(receiver.received);
    assert.equal(admin!.json.event_type, 'invoice.status_changed');
    assert.equal(admin!.json.tenant_id, tenant.id);
    verify(admin!, secrets.admin!);
    verify(sponsor!, Buffer.from(secrets.sponsor!).toString('base64'));

    const [oauth] = at('/oauth')(receiver.received);
    assert.deepEqual(Object.keys(oauth!.json).sort(), ['data', 'eventId', 'eventType', 'timestamp']);
    assert.equal(oauth!.json.eventType, 'INVOICE_STATUS_CHANGED');
    const accessToken = /^Bearer (.+)$/.exec(String(oauth!.headers.authorization))![1]!;
    assert.equal(await auth.isActive(accessToken), true, 'the bearer token was issued by the authorization server');

    const [basic] = at('/basic')(receiver.received);
    assert.equal(basic!.headers.authorization, `Basic ${Buffer.from('webhook-user:s3cr3t').toString('base64')}`);
    const [apiKey] = at('/apikey')(receiver.received);
    assert.equal(apiKey!.headers['x-partner-key'], 'my-secret-api-key');
  });

  it('caches the OAuth2 token across deliveries', async () => {
    const before = auth.issued();
    receiver.received.length = 0;
    await call(server, 'POST', '/api/v1/events', { headers: { authorization: tenant.apiKey }, body: { type: 'invoice.status_changed', data: {} } });
    await receiver.waitFor((received) => at('/oauth')(received).length === 1, 8000);
    assert.equal(auth.issued(), before, 'no new token was fetched');
  });

  it('fetches a new token once when the receiver answers 401', async () => {
    receiver.received.length = 0;
    let rejected = 0;
    receiver.respond = (request, res) => {
      if (request.path === '/oauth' && rejected === 0) {
        rejected++;
        res.writeHead(401).end('expired');
        return;
      }
      res.writeHead(200).end('ok');
    };
    const before = auth.issued();
    await call(server, 'POST', '/api/v1/events', { headers: { authorization: tenant.apiKey }, body: { type: 'invoice.status_changed', data: {} } });
    const calls = await receiver.waitFor((received) => at('/oauth')(received).length === 2, 8000);
    const [first, second] = at('/oauth')(calls);
    assert.notEqual(first!.headers.authorization, second!.headers.authorization);
    assert.equal(auth.issued(), before + 1);
  });

  it('delivers an AS2 event only to its partner’s webhook, with English and Spanish names', async () => {
    receiver.received.length = 0;
    const published = await call(server, 'POST', '/api/v1/events', {
      headers: { authorization: tenant.apiKey },
      body: { type: 'message.received', partner_id: partnerId, data: { message_id: '<m1@as2>' } },
    });
    assert.equal(published.body.deliveries, 2, 'the AS2 webhook and the admin webhook');
    await receiver.waitFor((received) => received.length === 2, 8000);
    const [as2] = at('/as2')(receiver.received);
    assert.equal(as2!.json.event, 'message.received');
    assert.equal(as2!.json.event_name, 'mensaje.recibido');
    assert.equal(as2!.json.partner_id, partnerId);
    verify(as2!, Buffer.from(secrets.as2!).toString('base64'));
    const other = await createAs2Partner(server, tenant.id, 'Initech');
    const elsewhere = await call(server, 'POST', '/api/v1/events', {
      headers: { authorization: tenant.apiKey },
      body: { type: 'message.received', partner_id: other, data: {} },
    });
    assert.equal(elsewhere.body.deliveries, 1, 'another partner’s event reaches only the admin webhook');
  });

  it('says why an AS2 event without partner_id reached no endpoint, instead of a silent 0', async () => {
    const publish = (body: Record<string, unknown>) => call(server, 'POST', '/api/v1/events', { headers: { authorization: tenant.apiKey }, body });
    const unaddressed = await publish({ type: 'mdn.received', data: {} });
    assert.equal(unaddressed.status, 202);
    assert.equal(unaddressed.body.deliveries, 0);
    assert.match(unaddressed.body.warning, /partner_id/);
    const addressed = await publish({ type: 'mdn.received', partner_id: partnerId, data: {} });
    assert.deepEqual(Object.keys(addressed.body).sort(), ['deliveries', 'event_id'], 'no warning once the partner is named');
    const batch = await call(server, 'POST', '/api/v1/events/batch', { headers: { authorization: tenant.apiKey }, body: { events: [{ type: 'mdn.received', data: {} }] } });
    assert.match(batch.body.events[0].warning, /partner_id/);
  });

  it('never puts a subscription credential in the stored attempt log', async () => {
    const { queryStore } = await import('./support/store.ts');
    const headers = queryStore(server.dbPath, 'SELECT request_headers FROM attempts')
      .map((row) => row.request_headers as string)
      .join('\n');
    for (const secret of ['s3cr3t', 'my-secret-api-key', CLIENT_SECRET]) assert.ok(!headers.includes(secret), secret);
    assert.match(headers, /"authorization":"Basic \*\*\*\*"/);
    assert.match(headers, /"x-partner-key":"\*\*\*\*"/);
  });

  it('masks its own credentials and secrets that a receiver echoes back, in the stored response and the history API', async () => {
    const { queryStore } = await import('./support/store.ts');
    const lastAttempt = queryStore(server.dbPath, 'SELECT coalesce(max(id), 0) AS id FROM attempts')[0].id as number;
    receiver.received.length = 0;
    // A receiver that echoes what it got: the request headers in its body and the credential in a header, plus its signing secret.
    const signingSecretAt: Record<string, string | undefined> = { '/sponsor': secrets.sponsor, '/admin': secrets.admin, '/as2': secrets.as2 };
    receiver.respond = (request, res) => {
      const credential = String(request.headers.authorization ?? request.headers['x-partner-key'] ?? 'none');
      res.writeHead(200, { 'content-type': 'application/json', 'x-echo-credential': credential });
      res.end(JSON.stringify({ received: request.headers, secret: signingSecretAt[request.path] ?? null }));
    };
    const events = [
      { type: 'invoice.status_changed', data: {} },
      { type: 'message.received', partner_id: partnerId, data: {} },
    ];
    const published = await call(server, 'POST', '/api/v1/events/batch', { headers: { authorization: tenant.apiKey }, body: { events } });
    assert.equal(published.body.deliveries, 7, 'sponsor, admin and three subscriptions; AS2 and admin');
    const ids: string[] = published.body.events.map((event: { event_id: string }) => event.event_id);
    const ours = (received: Received[]) => received.filter((request) => ids.includes(request.json?.event_id ?? request.json?.eventId));
    const requests = ours(await receiver.waitFor((received) => ours(received).length === 7, 8000));
    const attempts = () =>
      queryStore(server.dbPath, 'SELECT a.*, d.endpoint_id FROM attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE a.id > ? AND d.event_id IN (?, ?)', lastAttempt, ...ids);
    await eventually(async () => (attempts().length >= 7 ? true : undefined), 10_000, 'the seven attempts are recorded', 50);

    const sent = requests.flatMap((request) => [String(request.headers.authorization ?? ''), String(request.headers['x-partner-key'] ?? '')]).filter(Boolean);
    const bearerToken = sent.find((value) => value.startsWith('Bearer '))!.slice(7);
    const basicBlob = Buffer.from('webhook-user:s3cr3t').toString('base64');
    const leaks = [bearerToken, basicBlob, 's3cr3t', 'my-secret-api-key', CLIENT_SECRET, secrets.sponsor!, secrets.admin!, secrets.as2!];
    const stored = attempts();
    assert.equal(stored.length, 7);
    for (const attempt of stored) {
      const text = `${attempt.response_headers}\n${attempt.response_body}`;
      for (const secret of leaks) assert.ok(!text.includes(secret), `${attempt.request_url} stored ${secret}`);
      assert.ok(JSON.parse(attempt.response_body).received['webhook-id'], 'the rest of the echo is kept');
      if (signingSecretAt[new URL(attempt.request_url).pathname]) assert.equal(JSON.parse(attempt.response_body).secret, '****', 'its signing secret');
    }
    const echoed = Object.fromEntries(stored.map((attempt) => [new URL(attempt.request_url).pathname, JSON.parse(attempt.response_headers)['x-echo-credential']]));
    assert.deepEqual(echoed, { '/sponsor': 'none', '/admin': 'none', '/as2': 'none', '/oauth': 'Bearer ****', '/basic': 'Basic ****', '/apikey': '****' });

    const adminAttempt = stored.find((attempt) => attempt.endpoint_id === adminHookId)!;
    const history = await call(server, 'GET', `/api/v1/admin/webhooks/${adminHookId}/deliveries/${adminAttempt.delivery_id}`, { headers: bearer(await adminToken()) });
    assert.equal(history.status, 200);
    for (const secret of leaks) assert.ok(!history.text.includes(secret), `the history API served ${secret}`);
    assert.match(history.text, /\\"secret\\":\\"\*\*\*\*\\"/);
  });
});

/** Verifies the Standard Webhooks signature with the reference package (`whsec_…` or base64 of a plain secret). */
function verify(request: Received, verifierSecret: string) {
  const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]));
  assert.ok(new Webhook(verifierSecret).verify(request.body, headers));
}
