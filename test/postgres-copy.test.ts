import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import { runCli } from './support/cli.ts';
import { ConsoleClient } from './support/console-client.ts';
import { type PostgresCluster, postgresUnavailable, sharedPostgres } from './support/postgres.ts';
import { type Received, type Receiver, startReceiver } from './support/receiver.ts';
import { adminToken, bearer, call, createAs2Partner, createTenant, type RunningServer, startServer, token } from './support/server.ts';
import { queryStore } from './support/store.ts';

const CLIENT_ID = 'copy-client';
const CLIENT_SECRET = 'copy-client-secret-value';
const SETTINGS = { HOOKGATE_RETRY_SCHEDULE: '3,3,3,3,3', HOOKGATE_SWEEP_CRON: '* * * * * *' };

/** Every table of a SQLite store with its row count (read from sqlite_master, so a table added later is covered too). */
function sqliteCounts(dbPath: string): Record<string, number> {
  const tables = queryStore<{ name: string }>(dbPath, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('d1_migrations', 'sqlite_sequence') ORDER BY name");
  return Object.fromEntries(tables.map(({ name }) => [name, queryStore<{ n: number }>(dbPath, `SELECT count(*) AS n FROM ${name}`)[0]!.n]));
}

async function postgresQuery<T = any>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

/** What the APIs of every surface show a tenant and an operator: the same on the copy as on the original. */
async function reads(server: { url: string }, tenant: { id: string; apiKey: string }, adminHookId: string) {
  const admin = bearer(await adminToken());
  const subscriber = bearer(await token({ sub: 'svc-billing', tenantId: tenant.id }));
  const bodies = await Promise.all([
    call(server, 'GET', '/api/webhooks', { headers: { authorization: tenant.apiKey } }),
    call(server, 'GET', `/api/v1/admin/webhooks?tenant_id=${tenant.id}`, { headers: admin }),
    call(server, 'GET', `/api/v1/admin/webhooks/${adminHookId}/deliveries`, { headers: admin }),
    call(server, 'GET', '/subscription-management', { headers: subscriber }),
  ]);
  for (const response of bodies) assert.equal(response.status, 200, response.text);
  return bodies.map((response) => response.body);
}

describe('hookgate copy: a SQLite store moved to Postgres', { skip: postgresUnavailable() ?? false, timeout: 180_000 }, () => {
  let cluster: PostgresCluster;
  let receiver: Receiver;
  let sqlite: RunningServer;
  let copy: RunningServer | undefined;
  let worker: RunningServer | undefined;
  let tenant: { id: string; apiKey: string };
  let adminHookId: string;
  let pending: string;
  let before503 = 0;
  const secrets: Record<string, string> = {};
  let failing = false;
  const tokenRequests: Received[] = [];

  before(async () => {
    cluster = await sharedPostgres();
    receiver = await startReceiver((request, res) => {
      if (request.path === '/token') {
        tokenRequests.push(request);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ access_token: `token-${tokenRequests.length}`, token_type: 'Bearer', expires_in: 3600 }));
        return;
      }
      res.writeHead(failing ? 503 : 200);
      res.end(failing ? 'down' : 'ok');
    });
    sqlite = await startServer(SETTINGS);
    tenant = await createTenant(sqlite, 'Moving');
    const partnerId = await createAs2Partner(sqlite, tenant.id, 'Globex');
    const admin = bearer(await adminToken());
    secrets.sponsor = (await call(sqlite, 'POST', '/api/webhooks', { headers: { authorization: tenant.apiKey }, body: { url: `${receiver.url}/sponsor` } })).body.secret;
    const adminHook = await call(sqlite, 'POST', '/api/v1/admin/webhooks', {
      headers: admin,
      body: { tenant_id: tenant.id, url: `${receiver.url}/admin`, events: ['invoice.status_changed'] },
    });
    assert.equal(adminHook.status, 201, adminHook.text);
    secrets.admin = adminHook.body.secret;
    adminHookId = adminHook.body.id;
    const subscription = await call(sqlite, 'POST', '/subscription-management', {
      headers: bearer(await token({ sub: 'svc-billing', tenantId: tenant.id })),
      body: {
        notificationUrl: `${receiver.url}/oauth`,
        eventType: 'INVOICE_STATUS_CHANGED',
        authentication: { method: 'OAUTH2', clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, tokenUrl: `${receiver.url}/token` },
      },
    });
    assert.equal(subscription.status, 201, subscription.text);
    const as2 = await call(sqlite, 'POST', '/api/v1/webhooks/configure', {
      headers: { 'x-api-key': tenant.apiKey },
      body: { socio_id: partnerId, webhook_url: `${receiver.url}/as2`, webhook_secret: 'shared-as2-secret', webhook_eventos: ['mensaje.recibido'] },
    });
    assert.equal(as2.status, 200, as2.text);

    // History: one event delivered to the three endpoints that take it, a recovery job over it.
    const delivered = await call(sqlite, 'POST', '/api/v1/events', { headers: { authorization: tenant.apiKey }, body: { type: 'INVOICE_STATUS_CHANGED', data: { n: 1 } } });
    assert.equal(delivered.body.deliveries, 3);
    await receiver.waitFor((received) => received.filter((request) => request.path !== '/token').length >= 3, 15_000);
    const job = await call(sqlite, 'POST', `/api/v1/admin/webhooks/${adminHookId}/recover`, {
      headers: admin,
      body: { since: new Date(Date.now() - 3600_000).toISOString(), status: 'all' },
    });
    assert.equal(job.status, 202, job.text);

    // The console and the portal: a user and a session of each.
    const user = await runCli(['user', 'create', '--name', 'mover', '--role', 'admin', '--password-stdin'], { env: sqlite.env, input: 'a-long-admin-password\n' });
    assert.equal(user.code, 0, user.stderr);
    assert.equal((await new ConsoleClient(sqlite.url).signIn({ user: 'mover', password: 'a-long-admin-password' })).status, 303);
    const link = await call(sqlite, 'POST', `/api/v1/admin/tenants/${tenant.id}/portal`, { headers: admin, body: {} });
    assert.equal(link.status, 201, link.text);
    assert.equal((await new ConsoleClient(sqlite.url).get(link.body.url.slice(sqlite.url.length))).status, 303);

    // Pending: an event whose three deliveries failed once and wait for their retry.
    failing = true;
    before503 = receiver.received.length;
    const owed = await call(sqlite, 'POST', '/api/v1/events', { headers: { authorization: tenant.apiKey }, body: { type: 'INVOICE_STATUS_CHANGED', data: { n: 2 } } });
    pending = owed.body.event_id;
    await receiver.waitFor((received) => received.slice(before503).filter((request) => request.path !== '/token').length >= 3, 15_000);
  });
  after(async () => {
    await worker?.stop();
    await copy?.stop();
    await sqlite?.stop();
    await receiver?.close();
  });

  it('copies every table row for row, secrets as the same ciphertext; refuses a target that is not empty', async () => {
    await sqlite.stop();
    // Read through an api-only process (no sweeps), so nothing changes between the two reads.
    const reader = await startServer({ ...SETTINGS, HOOKGATE_ROLE: 'api' }, sqlite.dataDir);
    const shown = await reads(reader, tenant, adminHookId);
    await reader.stop();
    const counts = sqliteCounts(sqlite.dbPath);
    for (const [table, rows] of Object.entries(counts)) if (table !== 'store_probe') assert.ok(rows > 0, `the source has ${table} rows to copy`);
    assert.ok(queryStore(sqlite.dbPath, "SELECT count(*) AS n FROM deliveries WHERE status = 'pending'")[0].n >= 3);

    const url = await cluster.createDatabase();
    const copied = await runCli(['copy', '--from', sqlite.dbPath, '--to', url, '--batch-size', '2', '--json'], { env: { LOG_LEVEL: 'error' } });
    assert.equal(copied.code, 0, copied.stderr);
    assert.equal(copied.json.status, 'ok');
    assert.deepEqual(copied.json.tables, counts, 'the summary names every table with the rows copied');
    assert.match(copied.stderr, /copy: deliveries done, \d+ rows/);
    for (const [table, rows] of Object.entries(counts)) {
      assert.equal(Number((await postgresQuery(url, `SELECT count(*) AS n FROM ${table}`))[0].n), rows, `${table} on Postgres`);
    }
    const ciphertext = 'SELECT id, secret_enc, previous_secret_enc, auth_enc FROM endpoints ORDER BY id';
    assert.deepEqual(await postgresQuery(url, ciphertext), queryStore(sqlite.dbPath, ciphertext));

    const again = await runCli(['copy', '--from', sqlite.dbPath, '--to', url], { env: { LOG_LEVEL: 'error' } });
    assert.equal(again.code, 2);
    assert.equal(again.stderr.trim().split('\n').length, 1, again.stderr);
    assert.match(JSON.parse(again.stderr).error, /^the target postgres@127\.0\.0\.1:\d+\/\w+ is not empty \(tenants: 1, /);

    // A server on the copy: the same answers on every surface, and the owed deliveries go out signed with the same secrets.
    failing = false;
    copy = await startServer({ ...SETTINGS, DATABASE_URL: url, HOOKGATE_ROLE: 'api' });
    assert.deepEqual(await reads(copy, tenant, adminHookId), shown);
    worker = await startServer({ ...SETTINGS, DATABASE_URL: url, HOOKGATE_ROLE: 'worker' });
    const owed = (received: Received[]) => received.slice(before503).filter((request) => request.path !== '/token' && JSON.stringify(request.json).includes(pending));
    const redelivered = await receiver.waitFor(
      (received) =>
        new Set(
          owed(received)
            .filter((request) => request.at > Date.now() - 60_000)
            .map((r) => r.path),
        ).size === 3,
      20_000,
    );
    const last = (path: string) =>
      owed(redelivered)
        .filter((request) => request.path === path)
        .at(-1)!;
    const sponsor = last('/sponsor');
    assert.equal(sponsor.headers['x-webhook-signature'], `sha256=${createHmac('sha256', secrets.sponsor!).update(sponsor.body).digest('hex')}`);
    const adminDelivery = last('/admin');
    const headers = Object.fromEntries(Object.entries(adminDelivery.headers).map(([name, value]) => [name, String(value)]));
    assert.doesNotThrow(() => new Webhook(secrets.admin!).verify(adminDelivery.body, headers));
    assert.match(String(last('/oauth').headers.authorization), /^Bearer token-\d+$/);
    assert.equal(tokenRequests.at(-1)!.headers.authorization, `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`, 'the client secret decrypts on the copy');
    const stillPending = async () =>
      Number((await postgresQuery(url, `SELECT count(*) AS n FROM deliveries d JOIN events e ON e.id = d.event_id WHERE e.id = '${pending}' AND d.status = 'pending'`))[0].n);
    for (let tries = 0; (await stillPending()) > 0 && tries < 50; tries++) await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(await stillPending(), 0);

    // New rows take ids after the copied ones (the identity sequences were moved past them).
    const next = await call(copy, 'POST', '/api/v1/events', { headers: { authorization: tenant.apiKey }, body: { type: 'INVOICE_STATUS_CHANGED', data: { n: 3 } } });
    assert.equal(next.status, 202, next.text);
    const [ids] = await postgresQuery(url, `SELECT min(d.id) AS first FROM deliveries d WHERE d.event_id = '${next.body.event_id}'`);
    assert.ok(Number(ids.first) > queryStore(sqlite.dbPath, 'SELECT max(id) AS m FROM deliveries')[0].m);
  });

  it('refuses a source that does not exist, in one line', async () => {
    const refused = await runCli(['copy', '--from', '/nonexistent/hookgate.db', '--to', cluster.url()], { env: { LOG_LEVEL: 'error' } });
    assert.equal(refused.code, 2);
    assert.match(JSON.parse(refused.stderr.trim()).error, /^no hookgate database at \/nonexistent\/hookgate\.db/);
  });
});
