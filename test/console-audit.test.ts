import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConsoleClient } from './support/console-client.ts';
import { type Receiver, startReceiver } from './support/receiver.ts';
import { adminToken, bearer, call, createTenant, type RunningServer, startServer } from './support/server.ts';

const ADMIN = { user: 'ops', password: 'correct-horse-battery-staple' };

describe('console: the audit log page and the console actions it records', () => {
  let server: RunningServer;
  let receiver: Receiver;
  let tenantA: { id: string; apiKey: string };
  let tenantB: { id: string; apiKey: string };
  let endpointA: string;
  let endpointB: string;

  before(async () => {
    receiver = await startReceiver();
    server = await startServer({ HOOKGATE_ADMIN_USER: ADMIN.user, HOOKGATE_ADMIN_PASSWORD: ADMIN.password });
    tenantA = await createTenant(server, 'Tenant A');
    tenantB = await createTenant(server, 'Tenant B');
    endpointA = (await call(server, 'POST', '/api/webhooks', { headers: { authorization: tenantA.apiKey }, body: { url: `${receiver.url}/a` } })).body.webhook_id;
    endpointB = (await call(server, 'POST', '/api/webhooks', { headers: { authorization: tenantB.apiKey }, body: { url: `${receiver.url}/b` } })).body.webhook_id;
  });
  after(async () => {
    await server.stop();
    await receiver.close();
  });

  it('records a console action with the console user as the actor, and lists it on the page linked from every page', async () => {
    const client = new ConsoleClient(server.url);
    await client.signIn({ user: ADMIN.user, password: ADMIN.password });
    const csrf = await client.csrfOf(`/console/endpoints/${endpointA}`);
    assert.equal((await client.post(`/console/endpoints/${endpointA}/disable`, { _csrf: csrf })).status, 303);
    const rotated = await client.post(`/console/endpoints/${endpointA}/rotate-secret`, { _csrf: csrf, confirm: 'rotate' });
    assert.equal(rotated.status, 200, rotated.html);
    const secret = /<code id="new-secret">([^<]{16,})<\/code>/.exec(rotated.html)?.[1];
    assert.ok(secret, 'the new secret is shown once');

    const home = await client.get('/console');
    assert.match(home.html, /<a href="\/console\/audit">Audit log<\/a>/);
    const audit = await client.get('/console/audit');
    assert.equal(audit.status, 200);
    const rows = audit.html.split('<tr>').slice(2);
    assert.match(rows[0]!, /webhook\.secret_rotated/, 'newest first');
    assert.match(rows[1]!, /webhook\.disabled/);
    for (const row of rows.slice(0, 2)) {
      assert.match(row, /<code>console:ops<\/code> <span class="muted">console_password<\/span>/);
      assert.ok(row.includes(endpointA));
    }
    assert.ok(!audit.html.includes(secret!), 'the rotated secret is not in the log');

    const api = await call(server, 'GET', `/api/v1/admin/audit?actor=console:ops`, { headers: bearer(await adminToken()) });
    assert.deepEqual(
      api.body.items.map((entry: { action: string }) => entry.action),
      ['webhook.secret_rotated', 'webhook.disabled'],
    );
    assert.deepEqual(api.body.items[1].actor, { kind: 'console_password', id: 'console:ops', tenant_id: null, partner_org_id: null });
    assert.deepEqual(api.body.items[1].changes, { is_active: false });
    assert.ok(!api.text.includes(secret!));
  });

  it('names a pasted token by its sub, never the token, and shows a tenant-bound session only its tenant’s entries', async () => {
    const pasted = await adminToken({ tenantId: tenantB.id });
    const client = new ConsoleClient(server.url);
    assert.equal((await client.signIn({ token: pasted })).status, 303);
    const csrf = await client.csrfOf(`/console/endpoints/${endpointB}`);
    assert.equal((await client.post(`/console/endpoints/${endpointB}/disable`, { _csrf: csrf })).status, 303);

    const audit = await client.get('/console/audit');
    assert.ok(audit.html.includes(endpointB));
    assert.ok(!audit.html.includes(endpointA), 'tenant A’s entries are out of reach');
    assert.ok(!audit.html.includes(tenantA.id));
    assert.match(audit.html, /<code>svc-test<\/code> <span class="muted">console_token<\/span>/);
    assert.ok(!audit.html.includes(pasted));
    const foreign = await client.get(`/console/audit?tenant_id=${tenantA.id}`);
    assert.match(foreign.html, /No changes recorded/);
  });

  it('filters by action and tenant', async () => {
    const client = new ConsoleClient(server.url);
    await client.signIn({ user: ADMIN.user, password: ADMIN.password });
    const disabled = await client.get('/console/audit?action=webhook.disabled');
    assert.equal((disabled.html.match(/<code>webhook\.disabled<\/code>/g) ?? []).length, 2);
    assert.doesNotMatch(disabled.html, /<code>webhook\.(secret_rotated|created)<\/code>/);
    const ofB = await client.get(`/console/audit?tenant_id=${tenantB.id}`);
    assert.ok(ofB.html.includes(endpointB) && !ofB.html.includes(endpointA));
  });
});
