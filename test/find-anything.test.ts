import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCli } from './support/cli.ts';
import { ConsoleClient } from './support/console-client.ts';
import { eventually } from './support/eventually.ts';
import { type Receiver, startReceiver } from './support/receiver.ts';
import { adminToken, bearer, call, createTenant, type RunningServer, startServer, token } from './support/server.ts';
import { queryStore } from './support/store.ts';

/** What a receiver path answers: /ok succeeds, /gone is gone for good (the endpoint is disabled), /down fails (retried in an hour). */
const ANSWERS: Record<string, [number, string]> = { '/ok': [200, 'fine, thanks'], '/gone': [410, 'this endpoint is gone'], '/down': [500, 'down for maintenance'] };

describe('find anything: an event with every endpoint it reached, and what is failing now (admin API and CLI)', () => {
  let server: RunningServer;
  let receiver: Receiver;
  let acme: { id: string; apiKey: string };
  let other: { id: string; apiKey: string };
  let sponsorId: string;
  let adminId: string;
  let acmeEvent: string;
  let otherEvent: string;
  const run = (...args: string[]) => {
    const { HOOKGATE_ALLOW_PRIVATE_TARGETS: _, ...cliEnv } = server.env;
    return runCli(args, { env: { ...cliEnv, LOG_LEVEL: 'error' } });
  };
  const getEvent = async (eventId: string, claims: { tenantId?: string; partnerOrgId?: string } = {}) =>
    call(server, 'GET', `/api/v1/admin/events/${encodeURIComponent(eventId)}`, { headers: bearer(await adminToken(claims)) });

  before(async () => {
    receiver = await startReceiver((request, res) => {
      const [status, body] = ANSWERS[request.path] ?? [404, 'no such path'];
      res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
    });
    server = await startServer({ HOOKGATE_RETRY_SCHEDULE: '3600', HOOKGATE_SWEEP_CRON: '* * * * * *' });
    acme = await createTenant(server, 'Acme', 'org-acme');
    other = await createTenant(server, 'Other');
    const sponsor = await call(server, 'POST', '/api/webhooks', { headers: { authorization: acme.apiKey }, body: { url: `${receiver.url}/ok` } });
    assert.equal(sponsor.status, 201, sponsor.text);
    sponsorId = sponsor.body.webhook_id;
    const admin = await call(server, 'POST', '/api/v1/admin/webhooks', {
      headers: bearer(await adminToken()),
      body: { tenant_id: acme.id, url: `${receiver.url}/gone`, events: ['invoice.paid'] },
    });
    assert.equal(admin.status, 201, admin.text);
    adminId = admin.body.id;
    assert.equal((await call(server, 'POST', '/api/webhooks', { headers: { authorization: other.apiKey }, body: { url: `${receiver.url}/down` } })).status, 201);
    const publish = async (tenant: { apiKey: string }) => {
      const published = await call(server, 'POST', '/api/v1/events', {
        headers: { authorization: tenant.apiKey },
        body: { type: 'invoice.paid', data: { invoice_id: 'inv_find' } },
      });
      assert.equal(published.status, 202, published.text);
      return published.body.event_id as string;
    };
    acmeEvent = await publish(acme);
    otherEvent = await publish(other);
    await eventually(
      async () => {
        const rows = queryStore(server.dbPath, 'SELECT status, attempt_count FROM deliveries');
        return rows.length === 3 && rows.every((row) => row.attempt_count === 1) && rows.filter((row) => row.status !== 'pending').length === 2 ? rows : undefined;
      },
      30_000,
      'every delivery is attempted once',
      100,
    );
  });
  after(async () => {
    await server.stop();
    await receiver.close();
  });

  it('GET /api/v1/admin/events/{event_id} answers every endpoint the event fanned out to, with each attempt’s status, latency and response', async () => {
    const response = await getEvent(acmeEvent);
    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.id, acmeEvent);
    assert.equal(response.body.tenant_id, acme.id);
    assert.equal(response.body.event_type, 'invoice.paid');
    assert.deepEqual(response.body.data, { invoice_id: 'inv_find' });
    const bySurface = Object.fromEntries(response.body.deliveries.map((delivery: any) => [delivery.surface, delivery]));
    assert.deepEqual(Object.keys(bySurface).sort(), ['admin', 'sponsor']);
    assert.deepEqual(
      [bySurface.sponsor.endpoint_id, bySurface.sponsor.tenant_id, bySurface.sponsor.url, bySurface.sponsor.status],
      [sponsorId, acme.id, `${receiver.url}/ok`, 'succeeded'],
    );
    assert.deepEqual([bySurface.admin.endpoint_id, bySurface.admin.status, bySurface.admin.last_status_code], [adminId, 'failed', 410]);
    const [ok] = bySurface.sponsor.attempts;
    assert.deepEqual([ok.attempt_number, ok.succeeded, ok.status_code, ok.response_body], [1, true, 200, 'fine, thanks']);
    assert.equal(typeof ok.duration_ms, 'number');
    const [gone] = bySurface.admin.attempts;
    assert.deepEqual([gone.succeeded, gone.status_code, gone.response_body], [false, 410, 'this endpoint is gone']);
  });

  it('reaches only the token’s tenants: a tenant- or partner-bound token gets 404 for another tenant’s event, as for an unknown id', async () => {
    const notFound = { detail: 'Event not found' };
    assert.equal((await getEvent(acmeEvent, { tenantId: acme.id })).status, 200);
    assert.equal((await getEvent(acmeEvent, { partnerOrgId: 'org-acme' })).status, 200);
    for (const [eventId, claims] of [
      [acmeEvent, { tenantId: other.id }],
      [otherEvent, { tenantId: acme.id }],
      [otherEvent, { partnerOrgId: 'org-acme' }],
      [acmeEvent, { partnerOrgId: 'org-elsewhere' }],
      ['evt_0123456789abcdef01234567', {}],
    ] as const) {
      const response = await getEvent(eventId, claims);
      assert.deepEqual([response.status, response.body], [404, notFound], `${eventId} with ${JSON.stringify(claims)}`);
    }
  });

  it('asks for a Bearer token with the webhooks:admin scope', async () => {
    const anonymous = await call(server, 'GET', `/api/v1/admin/events/${acmeEvent}`);
    assert.equal(anonymous.status, 401);
    assert.equal(typeof anonymous.body.detail, 'string');
    const unscoped = await call(server, 'GET', `/api/v1/admin/events/${acmeEvent}`, { headers: bearer(await token({ scope: 'webhooks:read' })) });
    assert.equal(unscoped.status, 403);
  });

  it('hookgate events show EVENT_ID prints the same JSON as the admin API; an unknown id is a usage error', async () => {
    const shown = await run('events', 'show', acmeEvent);
    assert.equal(shown.code, 0, shown.stderr);
    assert.deepEqual(shown.json, (await getEvent(acmeEvent)).body);
    const unknown = await run('events', 'show', 'evt_nope');
    assert.equal(unknown.code, 2);
    assert.match(JSON.parse(unknown.stderr).error, /event evt_nope does not exist/);
  });

  it('hookgate deliveries list finds deliveries by event, a part of the endpoint URL and a time range', async () => {
    const ids = async (...args: string[]) => {
      const listed = await run('deliveries', 'list', ...args);
      assert.equal(listed.code, 0, listed.stderr);
      return listed.json.items.map((item: any) => [item.event_id, item.endpoint_id]);
    };
    assert.deepEqual(
      (await ids('--event', acmeEvent)).sort(),
      [
        [acmeEvent, adminId],
        [acmeEvent, sponsorId],
      ].sort(),
    );
    assert.deepEqual(await ids('--url', '/gone'), [[acmeEvent, adminId]]);
    assert.equal((await ids('--since', new Date(Date.now() - 3_600_000).toISOString())).length, 3);
    assert.deepEqual(await ids('--until', '2020-01-01T00:00:00Z'), []);
    assert.equal((await run('deliveries', 'list', '--since', 'yesterday')).code, 2);
  });

  it('hookgate endpoints failing lists the disabled endpoint with its reason and the delivery failing right now, across tenants or for one', async () => {
    const failing = await run('endpoints', 'failing');
    assert.equal(failing.code, 0, failing.stderr);
    assert.deepEqual(
      failing.json.disabled.map((endpoint: any) => [endpoint.endpoint_id, endpoint.tenant_id, endpoint.surface, endpoint.disabled_reason]),
      [[adminId, acme.id, 'admin', 'gone']],
    );
    assert.deepEqual(
      failing.json.failing_deliveries.map((delivery: any) => [delivery.event_id, delivery.tenant_id, delivery.attempt_count, delivery.last_status_code]),
      [[otherEvent, other.id, 1, 500]],
    );
    const acmeOnly = await run('endpoints', 'failing', '--tenant', acme.id);
    assert.deepEqual([acmeOnly.json.disabled.length, acmeOnly.json.failing_deliveries.length], [1, 0]);
    assert.equal((await run('endpoints', 'failing', '--limit', 'many')).code, 2);
  });

  it('the console refuses, with a 400 asking for a tenant, a reach too large to bind in one query (D1: 100 parameters), and searches one tenant of it', async () => {
    const tenants: { id: string }[] = [];
    for (let start = 0; start < 81; start += 27) {
      tenants.push(...(await Promise.all(Array.from({ length: 27 }, (_, index) => createTenant(server, `Big ${start + index}`, 'org-big')))));
    }
    const session = new ConsoleClient(server.url);
    assert.equal((await session.signIn({ token: await adminToken({ partnerOrgId: 'org-big' }) })).status, 303);
    const failing = await session.get('/console/failing');
    assert.equal(failing.status, 400);
    assert.match(failing.html, /You reach 81 tenants, more than one query can search \(80\): choose a tenant/);
    const searched = await session.get(`/console/search?tenant=${tenants[0]!.id}`);
    assert.equal(searched.status, 200);
    assert.match(searched.html, /No delivery matches/);
  });
});
