import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { Webhook } from 'standardwebhooks';
import { ConsoleClient } from './support/console-client.ts';
import { type Received, type Receiver, startReceiver } from './support/receiver.ts';
import { sealV1 } from './support/reference-cipher.ts';
import { adminToken, bearer, call, createAs2Partner, createTenant, type RunningServer, startServer, token } from './support/server.ts';
import { queryStore } from './support/store.ts';

const ADMIN = { user: 'ops', password: 'correct-horse-battery-staple' };
const ENV = { HOOKGATE_ADMIN_USER: ADMIN.user, HOOKGATE_ADMIN_PASSWORD: ADMIN.password };

/**
 * An AS2 partner chooses its own `webhook_secret`. This one is a console session as the console
 * seals it: before v2, its stored ciphertext, presented as the session cookie, signed in as admin.
 */
const SESSION_AS_SECRET = JSON.stringify({ kind: 'password', credential: ADMIN.user, csrf: 'forged-csrf', expiresAt: Date.now() + 3_600_000 });

const SECRETS = {
  sponsor: 'a1'.repeat(32),
  admin: `whsec_${Buffer.alloc(32, 1).toString('base64')}`,
  adminPrevious: `whsec_${Buffer.alloc(32, 2).toString('base64')}`,
  subscription: `whsec_${Buffer.alloc(32, 3).toString('base64')}`,
  subscriptionKey: 'partner-key-from-the-previous-release',
  as2: SESSION_AS_SECRET,
};

const headersOf = (request: Received) => Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]));
const standardKey = (secret: string) => (secret.startsWith('whsec_') ? secret : Buffer.from(secret).toString('base64'));
const verifiesWith = (request: Received, secret: string) => new Webhook(standardKey(secret)).verify(request.body, headersOf(request));
const hexHmac = (secret: string, body: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

describe('a store written by the previous release (v1 ciphertexts, one key, no associated data)', () => {
  let server: RunningServer;
  let receiver: Receiver;
  let apiKey: string;
  let partnerId: number;
  let tenantId: string;
  const ids = {} as Record<'sponsor' | 'admin' | 'subscription' | 'as2', string>;
  const subscriber = () => token({ sub: 'svc-legacy', tenantId });

  before(async () => {
    receiver = await startReceiver();
    const first = await startServer(ENV);
    const tenant = await createTenant(first, 'Legacy');
    ({ apiKey } = tenant);
    tenantId = tenant.id;
    partnerId = await createAs2Partner(first, tenant.id, 'Hooli');
    ids.sponsor = (await call(first, 'POST', '/api/webhooks', { headers: { authorization: apiKey }, body: { url: `${receiver.url}/sponsor` } })).body.webhook_id;
    const admin = await call(first, 'POST', '/api/v1/admin/webhooks', {
      headers: bearer(await adminToken()),
      body: { tenant_id: tenant.id, url: `${receiver.url}/admin`, events: ['invoice.status_changed'] },
    });
    ids.admin = admin.body.id;
    const subscription = await call(first, 'POST', '/subscription-management', {
      headers: bearer(await subscriber()),
      body: {
        notificationUrl: `${receiver.url}/subscription`,
        eventType: 'INVOICE_STATUS_CHANGED',
        authentication: { method: 'API_KEY', headerName: 'X-Partner-Key', key: 'replaced-below' },
      },
    });
    ids.subscription = subscription.body.id;
    await call(first, 'POST', '/api/v1/webhooks/configure', {
      headers: { 'x-api-key': apiKey },
      body: { partner_id: partnerId, webhook_url: `${receiver.url}/as2`, webhook_secret: 'replaced-below' },
    });
    ids.as2 = queryStore(first.dbPath, "SELECT id FROM endpoints WHERE surface = 'as2'")[0].id;
    await first.stop();

    // Every encrypted column as the previous release wrote it: v1, under the raw key, unbound.
    const db = new Database(first.dbPath);
    const set = db.prepare('UPDATE endpoints SET secret_enc = ?, previous_secret_enc = ?, previous_secret_expires_at = ?, auth_enc = ? WHERE id = ?');
    set.run(sealV1(SECRETS.sponsor), null, null, null, ids.sponsor);
    set.run(sealV1(SECRETS.admin), sealV1(SECRETS.adminPrevious), Date.now() + 3_600_000, null, ids.admin);
    const auth = { method: 'API_KEY', headerName: 'X-Partner-Key', key: SECRETS.subscriptionKey };
    set.run(sealV1(SECRETS.subscription), null, null, sealV1(JSON.stringify(auth)), ids.subscription);
    set.run(sealV1(SECRETS.as2), null, null, null, ids.as2);
    db.close();

    server = await startServer(ENV, first.dataDir);
  });
  after(async () => {
    await server.stop();
    await receiver.close();
  });

  it('still delivers to every surface, signed with the same secrets and sending the same credentials', async () => {
    const published = [
      await call(server, 'POST', '/api/v1/events', { headers: { authorization: apiKey }, body: { type: 'invoice.status_changed', data: { invoice_id: 'inv_l' } } }),
      await call(server, 'POST', '/api/v1/events', { headers: { authorization: apiKey }, body: { type: 'message.received', partner_id: partnerId, data: {} } }),
    ];
    for (const response of published) assert.equal(response.status, 202, response.text);
    await receiver.waitFor((received) => new Set(received.map((request) => request.path)).size === 4);
    const at = (path: string) => receiver.received.find((request) => request.path === path)!;

    verifiesWith(at('/sponsor'), SECRETS.sponsor);
    assert.equal(at('/sponsor').headers['x-webhook-signature'], hexHmac(SECRETS.sponsor, at('/sponsor').body));
    verifiesWith(at('/admin'), SECRETS.admin);
    verifiesWith(at('/admin'), SECRETS.adminPrevious);
    verifiesWith(at('/subscription'), SECRETS.subscription);
    assert.equal(at('/subscription').headers['x-partner-key'], SECRETS.subscriptionKey);
    assert.equal(at('/as2').headers['x-webhook-signature'], hexHmac(SECRETS.as2, at('/as2').body));

    const shown = await call(server, 'GET', `/subscription-management/${ids.subscription}`, { headers: bearer(await subscriber()) });
    assert.equal(shown.status, 200, shown.text);
    assert.deepEqual(shown.body.authentication, { method: 'API_KEY', headerName: 'X-Partner-Key' });
  });

  it('refuses a stored secret’s ciphertext presented as the console session, in the old form and the new', async () => {
    const signedIn = new ConsoleClient(server.url);
    assert.equal((await signedIn.signIn(ADMIN)).status, 303);
    assert.equal((await signedIn.get('/console')).status, 200, 'a real session cookie works');

    const presented = async (stored: string) => {
      const forger = new ConsoleClient(server.url);
      forger.cookies.set('hookgate_console', encodeURIComponent(stored));
      return forger.get('/console');
    };
    const [legacy] = queryStore(server.dbPath, 'SELECT secret_enc FROM endpoints WHERE id = ?', ids.as2);
    assert.match(legacy.secret_enc, /^v1\./);
    const refusedLegacy = await presented(legacy.secret_enc);
    assert.equal(refusedLegacy.status, 303, 'the v1 ciphertext of a tenant-chosen secret is no session');
    assert.equal(refusedLegacy.location, '/console/login');

    const reconfigured = await call(server, 'POST', '/api/v1/webhooks/configure', {
      headers: { 'x-api-key': apiKey },
      body: { partner_id: partnerId, webhook_secret: SESSION_AS_SECRET },
    });
    assert.equal(reconfigured.status, 200, reconfigured.text);
    const [current] = queryStore(server.dbPath, 'SELECT secret_enc FROM endpoints WHERE id = ?', ids.as2);
    assert.match(current.secret_enc, /^v2\./, 'a rewritten secret is stored in the new form');
    const refusedCurrent = await presented(current.secret_enc);
    assert.equal(refusedCurrent.status, 303, 'nor is its v2 ciphertext');
    assert.equal(refusedCurrent.location, '/console/login');
  });

  it('rotates a v1 secret: the new one is stored as v2, and the v1 one keeps signing through the grace', async () => {
    receiver.received.length = 0;
    const rotated = await call(server, 'POST', `/api/v1/admin/webhooks/${ids.admin}/rotate-secret`, { headers: bearer(await adminToken()) });
    assert.equal(rotated.status, 200, rotated.text);
    const [row] = queryStore(server.dbPath, 'SELECT secret_enc, previous_secret_enc FROM endpoints WHERE id = ?', ids.admin);
    assert.match(row.secret_enc, /^v2\./);
    assert.match(row.previous_secret_enc, /^v1\./);
    const published = await call(server, 'POST', '/api/v1/events', { headers: { authorization: apiKey }, body: { type: 'invoice.status_changed', data: {} } });
    assert.equal(published.status, 202);
    const [request] = await receiver.waitFor((received) => received.some((r) => r.path === '/admin')).then((all) => all.filter((r) => r.path === '/admin'));
    verifiesWith(request!, rotated.body.secret);
    verifiesWith(request!, SECRETS.admin);
  });
});
