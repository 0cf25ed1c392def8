import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConsoleClient } from './support/console-client.ts';
import { type Receiver, startReceiver } from './support/receiver.ts';
import { adminToken, bearer, call, createAs2Partner, createTenant, type RunningServer, startServer, token } from './support/server.ts';
import { queryStore } from './support/store.ts';

const ADMIN = { user: 'ops', password: 'correct-horse-battery-staple' };

describe('console: sessions, CSRF, reach, every surface', () => {
  let server: RunningServer;
  let receiver: Receiver;
  let tenantA: { id: string; apiKey: string };
  let tenantB: { id: string; apiKey: string };
  let sponsorB: string;

  before(async () => {
    receiver = await startReceiver();
    server = await startServer({ HOOKGATE_ADMIN_USER: ADMIN.user, HOOKGATE_ADMIN_PASSWORD: ADMIN.password });
    tenantA = await createTenant(server, 'Tenant A');
    tenantB = await createTenant(server, 'Tenant B');
    const partner = await createAs2Partner(server, tenantA.id, 'Globex');
    const key = { authorization: tenantA.apiKey };
    assert.equal((await call(server, 'POST', '/api/webhooks', { headers: key, body: { url: `${receiver.url}/sponsor` } })).status, 201);
    const admin = await call(server, 'POST', '/api/v1/admin/webhooks', {
      headers: bearer(await adminToken()),
      body: { tenant_id: tenantA.id, url: `${receiver.url}/admin`, events: ['invoice.status_changed'] },
    });
    assert.equal(admin.status, 201);
    const subscription = await call(server, 'POST', '/subscription-management', {
      headers: bearer(await token({ sub: 'svc-billing', tenantId: tenantA.id })),
      body: {
        notificationUrl: `${receiver.url}/subscription`,
        eventType: 'INVOICE_STATUS_CHANGED',
        authentication: { method: 'API_KEY', headerName: 'X-Partner-Key', key: 'my-secret-api-key' },
      },
    });
    assert.equal(subscription.status, 201, subscription.text);
    const as2 = await call(server, 'POST', '/api/v1/webhooks/configure', {
      headers: { 'x-api-key': tenantA.apiKey },
      body: { socio_id: partner, webhook_url: `${receiver.url}/as2`, webhook_secret: 'shared-as2-secret', webhook_eventos: ['mensaje.recibido'] },
    });
    assert.equal(as2.status, 200, as2.text);
    const published = await call(server, 'POST', '/api/v1/events', { headers: key, body: { type: 'invoice.status_changed', data: { invoice_id: 'inv_9' } } });
    assert.equal(published.body.deliveries, 3);
    await receiver.waitFor((received) => received.length === 3);
    const sponsor = await call(server, 'POST', '/api/webhooks', { headers: { authorization: tenantB.apiKey }, body: { url: `${receiver.url}/b` } });
    sponsorB = sponsor.body.webhook_id;
  });
  after(async () => {
    await server.stop();
    await receiver.close();
  });

  it('signs in with the credentials into an HttpOnly, SameSite=Strict session cookie (not Secure in development)', async () => {
    const client = new ConsoleClient(server.url);
    const wrong = await client.signIn({ user: ADMIN.user, password: 'not-the-password' });
    assert.equal(wrong.status, 401);
    assert.match(wrong.html, /Wrong user or password/);
    assert.equal(client.cookies.has('hookgate_console'), false);

    const signedIn = await client.signIn({ user: ADMIN.user, password: ADMIN.password });
    assert.equal(signedIn.status, 303);
    assert.equal(signedIn.location, '/console');
    const cookie = client.lastSetCookies.find((value) => value.startsWith('hookgate_console='))!;
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    assert.match(cookie, /Path=\/console/);
    assert.doesNotMatch(cookie, /Secure/);
    assert.ok(!cookie.includes(ADMIN.user), 'the session is encrypted');
    const home = await client.get('/console');
    assert.equal(home.status, 200);
    assert.match(home.html, /Tenant A/);
    assert.match(home.html, /Tenant B/);
  });

  it('refuses an oversize form before reading it', async () => {
    const client = new ConsoleClient(server.url);
    const response = await client.signIn({ token: 'x'.repeat(64 * 1024) });
    assert.equal(response.status, 413);
  });

  it('rejects a sign-in form without its CSRF value, and a token lacking the admin scope', async () => {
    const client = new ConsoleClient(server.url);
    await client.get('/console/login');
    assert.equal((await client.post('/console/login', { user: ADMIN.user, password: ADMIN.password })).status, 403);
    const noScope = await client.signIn({ token: await token({ sub: 'reader' }) });
    assert.equal(noScope.status, 401);
    assert.match(noScope.html, /lacks the webhooks:admin scope/);
  });

  it('lists the endpoints of all four surfaces of a tenant', async () => {
    const client = new ConsoleClient(server.url);
    await client.signIn({ user: ADMIN.user, password: ADMIN.password });
    const page = await client.get(`/console/tenants/${tenantA.id}`);
    for (const surface of ['Sponsor (000)', 'Admin (001)', 'Subscription (002)', 'AS2 (003)']) assert.ok(page.html.includes(surface), surface);
    assert.equal((page.html.match(/badge succeeded/g) ?? []).length, 3, 'three endpoints took the event; AS2 did not subscribe to it');
  });

  it('masks outbound credentials in the attempt’s request headers', async () => {
    const client = new ConsoleClient(server.url);
    await client.signIn({ user: ADMIN.user, password: ADMIN.password });
    const [row] = queryStore(server.dbPath, "SELECT d.id, d.endpoint_id FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id WHERE e.surface = 'subscription'");
    const page = await client.get(`/console/endpoints/${row.endpoint_id}/deliveries/${row.id}`);
    assert.equal(page.status, 200);
    assert.match(page.html, /<th>x-partner-key<\/th><td><code>\*\*\*\*<\/code>/i);
    assert.ok(!page.html.includes('my-secret-api-key'));
    assert.match(page.html, /&quot;eventType&quot;: &quot;INVOICE_STATUS_CHANGED&quot;/, 'the payload is the body page 002 receives');
  });

  it('refuses actions without the session’s CSRF token or from another origin', async () => {
    const client = new ConsoleClient(server.url);
    await client.signIn({ user: ADMIN.user, password: ADMIN.password });
    const path = `/console/endpoints/${sponsorB}/disable`;
    assert.equal((await client.post(path, {})).status, 403);
    assert.equal((await client.post(path, { _csrf: 'guessed' })).status, 403);
    const csrf = await client.csrfOf(`/console/endpoints/${sponsorB}`);
    assert.equal((await client.post(path, { _csrf: csrf }, { origin: 'https://evil.example' })).status, 403);
    assert.deepEqual(queryStore(server.dbPath, 'SELECT enabled FROM endpoints WHERE id = ?', sponsorB), [{ enabled: 1 }]);
    const done = await client.post(path, { _csrf: csrf });
    assert.equal(done.status, 303);
    assert.deepEqual(queryStore(server.dbPath, 'SELECT enabled FROM endpoints WHERE id = ?', sponsorB), [{ enabled: 0 }]);
    await client.post(`/console/endpoints/${sponsorB}/enable`, { _csrf: csrf });
  });

  it('gives a tenant-bound token only its own tenant; other ids read as not found', async () => {
    const client = new ConsoleClient(server.url);
    assert.equal((await client.signIn({ token: await adminToken({ tenantId: tenantB.id }) })).status, 303);
    const home = await client.get('/console');
    assert.match(home.html, /Tenant B/);
    assert.doesNotMatch(home.html, /Tenant A/);
    assert.equal((await client.get(`/console/tenants/${tenantA.id}`)).status, 404);
    const [endpointOfA] = queryStore(server.dbPath, 'SELECT id FROM endpoints WHERE tenant_id = ? LIMIT 1', tenantA.id);
    const foreign = await client.get(`/console/endpoints/${endpointOfA.id}`);
    assert.equal(foreign.status, 404);
    assert.match(foreign.html, /Endpoint not found/);
  });

  it('revokes a pasted-token session on sign-out: a copy of the cookie no longer opens a page', async () => {
    const client = new ConsoleClient(server.url);
    assert.equal((await client.signIn({ token: await adminToken() })).status, 303);
    const copy = new ConsoleClient(server.url);
    for (const [name, value] of client.cookies) copy.cookies.set(name, value);
    assert.equal((await copy.get('/console')).status, 200);
    assert.equal((await client.post('/console/logout', { _csrf: await client.csrfOf('/console') })).status, 303);
    const replayed = await copy.get('/console');
    assert.equal(replayed.status, 303);
    assert.equal(replayed.location, '/console/login');
  });

  it('sends a tampered or missing session back to the sign-in page', async () => {
    const client = new ConsoleClient(server.url);
    await client.signIn({ user: ADMIN.user, password: ADMIN.password });
    const sealed = client.cookies.get('hookgate_console')!;
    client.cookies.set('hookgate_console', `${sealed.slice(0, -6)}AAAAAA`);
    const tampered = await client.get('/console');
    assert.equal(tampered.status, 303);
    assert.equal(tampered.location, '/console/login');
    client.cookies.delete('hookgate_console');
    assert.equal((await client.get(`/console/tenants/${tenantA.id}`)).location, '/console/login');
  });

  it('marks the session cookie Secure in production, and throttles credential sign-ins', async () => {
    const production = await startServer({ HOOKGATE_ENV: 'production', HOOKGATE_ADMIN_USER: ADMIN.user, HOOKGATE_ADMIN_PASSWORD: ADMIN.password });
    try {
      const client = new ConsoleClient(production.url);
      assert.equal((await client.signIn({ user: ADMIN.user, password: ADMIN.password })).status, 303);
      assert.match(client.lastSetCookies.find((value) => value.startsWith('hookgate_console='))!, /; Secure/);
      // Credential sign-ins are throttled (10 a minute); the first one above used one of them.
      const guesser = new ConsoleClient(production.url);
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 10; attempt++) statuses.push((await guesser.signIn({ user: ADMIN.user, password: 'guess-guess-guess' })).status);
      assert.deepEqual(statuses, [...Array(9).fill(401), 429]);
      const throttled = await guesser.signIn({ user: ADMIN.user, password: ADMIN.password });
      assert.equal(throttled.status, 429, 'even the right password waits');
      assert.ok(Number(throttled.headers.get('retry-after')) > 0);
    } finally {
      await production.stop();
    }
  });
});
