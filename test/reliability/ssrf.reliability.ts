import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { eventually } from '../support/eventually.ts';
import { type Receiver, startReceiver } from '../support/receiver.ts';
import { adminToken, bearer, call, createAs2Partner, createTenant, type RunningServer, startServer, token } from '../support/server.ts';
import { REFUSED_TARGETS as REFUSED, RESERVED_ADDRESSES } from '../support/ssrf-targets.ts';
import { queryStore } from '../support/store.ts';
import { errorShapeProblem, formatOfPath } from './support/error-shapes.ts';

const FAKE_DNS = fileURLToPath(new URL('./support/fake-dns.ts', import.meta.url));

// Node and Bun share the undici transport and its connect-time guard; the fake resolver is
// preloaded with each runtime's own option.
const preload = { node: { NODE_OPTIONS: `--import ${FAKE_DNS}` }, bun: { BUN_OPTIONS: `--preload ${FAKE_DNS}` } };

for (const runtime of ['node', 'bun'] as const)
  describe(`SSRF on ${runtime}: private targets refused on every surface, at configuration and at connect time`, () => {
    let server: RunningServer;
    let receiver: Receiver;
    let tenant: { id: string; apiKey: string };

    before(async () => {
      receiver = await startReceiver();
      server = await startServer(
        {
          HOOKGATE_ALLOW_PRIVATE_TARGETS: 'false',
          HOOKGATE_RETRY_SCHEDULE: '1',
          HOOKGATE_SWEEP_CRON: '* * * * * *',
          HOOKGATE_RATE_LIMIT_PER_MINUTE: '0',
          // Bounds an attempt that wrongly connects to an unroutable reserved address.
          HOOKGATE_ATTEMPT_TIMEOUT_MS: '3000',
          ...preload[runtime],
        },
        undefined,
        runtime,
      );
      tenant = await createTenant(server, 'Targets');
    });
    after(async () => {
      await server.stop();
      await receiver.close();
    });

    it(`refuses all ${REFUSED.length} URLs of the matrix on each of the four surfaces, in the surface’s format, storing nothing`, async () => {
      const admin = bearer(await adminToken());
      const subscriber = bearer(await token({ sub: 'ssrf-subscriber', tenantId: tenant.id }));
      const partner = await createAs2Partner(server, tenant.id);
      const attempts: [string, Record<string, string>, (url: string) => unknown][] = [
        ['/api/webhooks', { authorization: tenant.apiKey }, (url) => ({ url })],
        ['/api/v1/admin/webhooks', admin, (url) => ({ tenant_id: tenant.id, url, events: ['invoice.created'] })],
        [
          '/subscription-management',
          subscriber,
          (url) => ({ notificationUrl: url, eventType: 'INVOICE_STATUS_CHANGED', authentication: { method: 'API_KEY', headerName: 'X-Key', key: 'k' } }),
        ],
        [
          '/subscription-management',
          subscriber,
          (url) => ({
            notificationUrl: 'https://receiver.example.com/hook',
            eventType: 'INVOICE_STATUS_CHANGED',
            authentication: { method: 'OAUTH2', clientId: 'id', clientSecret: 'secret', tokenUrl: url },
          }),
        ],
        ['/api/v1/webhooks/configure', { authorization: `Bearer ${tenant.apiKey}` }, (url) => ({ partner_id: partner, webhook_url: url, webhook_secret: 's' })],
      ];
      let requests = 0;
      for (const [path, headers, body] of attempts) {
        for (const url of REFUSED) {
          const response = await call(server, 'POST', path, { headers, body: body(url) });
          requests++;
          assert.ok(response.status === 400 || response.status === 422, `${path} ${url}: ${response.status} ${response.text}`);
          assert.equal(errorShapeProblem(formatOfPath(path), response), null, `${path} ${url}: ${response.text}`);
        }
      }
      assert.equal(queryStore(server.dbPath, 'SELECT count(*) AS n FROM endpoints')[0].n, 0);
      console.log(`# ssrf (${runtime}): ${requests} configuration requests with ${REFUSED.length} URLs refused on ${attempts.length} target fields; 0 endpoints stored`);
    });

    it('refuses at connect time a name that passed configuration but resolves to a loopback address (DNS rebinding)', async () => {
      // `hook.rebind.test` looks public to the configuration-time check (which never resolves names);
      // the server's resolver answers 127.0.0.1, and only the connect-time lookup can catch it.
      const port = new URL(receiver.url).port;
      const created = await call(server, 'POST', '/api/v1/admin/webhooks', {
        headers: bearer(await adminToken()),
        body: { tenant_id: tenant.id, url: `http://hook.rebind.test:${port}/rebound`, events: ['invoice.created'] },
      });
      assert.equal(created.status, 201, 'the name passes the configuration-time check');
      const published = await call(server, 'POST', '/api/v1/events', { headers: { authorization: tenant.apiKey }, body: { type: 'invoice.created', data: {} } });
      assert.equal(published.status, 202);
      const attempts = await eventually(
        async () => {
          const rows = queryStore<{ error_class: string; error_message: string }>(
            server.dbPath,
            'SELECT a.error_class, a.error_message FROM attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.endpoint_id = ?',
            created.body.id,
          );
          return rows.length >= 2 ? rows : undefined;
        },
        15_000,
        'the first attempt and its retry',
        200,
      );
      assert.equal(attempts.length, 2, 'the first attempt and its retry were both made');
      for (const attempt of attempts) {
        assert.equal(attempt.error_class, 'blocked_address', attempt.error_message);
        assert.match(attempt.error_message, /hook\.rebind\.test resolves only to private/, 'refused by the connect-time lookup');
      }
      assert.equal(receiver.received.length, 0, 'nothing reached the loopback receiver');
    });

    it(`refuses at connect time a name resolving into any of the ${RESERVED_ADDRESSES.length} reserved addresses of the table, IPv4 and IPv6`, async () => {
      const resolving = await createTenant(server, 'Resolving');
      const admin = bearer(await adminToken());
      const port = new URL(receiver.url).port;
      const reservedOf = new Map<string, (typeof RESERVED_ADDRESSES)[number]>();
      for (const reserved of RESERVED_ADDRESSES) {
        const created = await call(server, 'POST', '/api/v1/admin/webhooks', {
          headers: admin,
          body: { tenant_id: resolving.id, url: `http://${reserved.name}:${port}/${reserved.name}`, events: ['invoice.created'] },
        });
        assert.equal(created.status, 201, `${reserved.name} passes the configuration-time check: ${created.text}`);
        reservedOf.set(created.body.id, reserved);
      }
      const published = await call(server, 'POST', '/api/v1/events', { headers: { authorization: resolving.apiKey }, body: { type: 'invoice.created', data: {} } });
      assert.equal(published.body.deliveries, RESERVED_ADDRESSES.length);
      const firstAttempts = () =>
        queryStore(
          server.dbPath,
          'SELECT d.endpoint_id, a.error_class, a.error_message FROM attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.event_id = ? AND a.attempt_number = 1',
          published.body.event_id,
        ) as { endpoint_id: string; error_class: string; error_message: string }[];
      await eventually(async () => (firstAttempts().length >= RESERVED_ADDRESSES.length ? true : undefined), 20_000, 'every endpoint’s first attempt', 200);
      const attempts = firstAttempts();
      assert.equal(attempts.length, RESERVED_ADDRESSES.length, 'every endpoint had its first attempt');
      const notRefused = attempts
        .filter((attempt) => attempt.error_class !== 'blocked_address' || !/resolves only to private or reserved/.test(attempt.error_message))
        .map((attempt) => `${reservedOf.get(attempt.endpoint_id)!.range} (${reservedOf.get(attempt.endpoint_id)!.address}): ${attempt.error_class} ${attempt.error_message}`);
      assert.deepEqual(notRefused, [], 'every reserved address was refused by the connect-time lookup');
      assert.equal(receiver.received.length, 0, 'nothing reached the loopback receiver');
    });
  });

for (const runtime of ['node', 'bun'] as const)
  describe(`SSRF on ${runtime}: OAuth2 token requests meet the address guard of deliveries`, () => {
    let receiver: Receiver;
    let server: RunningServer | undefined;
    const tokenAnswer = JSON.stringify({ access_token: 'issued-token', token_type: 'Bearer', expires_in: 3600 });

    before(async () => {
      receiver = await startReceiver((_request, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(tokenAnswer);
      });
    });
    after(async () => {
      await server?.stop();
      await receiver.close();
    });

    it('sends no token request to a private token URL configured while private targets were allowed, once they are not', async () => {
      const port = new URL(receiver.url).port;
      const tokenUrls = [`${receiver.url}/token`, `http://localhost.:${port}/token`, `http://[::ffff:127.0.0.1]:${port}/token`, `http://token.rebind.test:${port}/token`];
      const allowing = await startServer({ HOOKGATE_ALLOW_PRIVATE_TARGETS: 'true', ...preload[runtime] }, undefined, runtime);
      const tenant = await createTenant(allowing, 'Tokens');
      const subscriber = bearer(await token({ sub: 'token-subscriber', tenantId: tenant.id }));
      for (const tokenUrl of tokenUrls) {
        const created = await call(allowing, 'POST', '/subscription-management', {
          headers: subscriber,
          body: {
            // A name that looks public: the delivery itself is refused only at connect time, after the token request.
            notificationUrl: `http://hook.rebind.test:${port}/hook`,
            eventType: 'INVOICE_STATUS_CHANGED',
            authentication: { method: 'OAUTH2', clientId: 'client', clientSecret: 'client-secret', tokenUrl },
          },
        });
        assert.equal(created.status, 201, created.text);
      }
      await allowing.stop();

      server = await startServer(
        { HOOKGATE_ALLOW_PRIVATE_TARGETS: 'false', HOOKGATE_RETRY_SCHEDULE: '1', HOOKGATE_SWEEP_CRON: '* * * * * *', ...preload[runtime] },
        allowing.dataDir,
        runtime,
      );
      const published = await call(server, 'POST', '/api/v1/events', { headers: { authorization: tenant.apiKey }, body: { type: 'INVOICE_STATUS_CHANGED', data: {} } });
      assert.equal(published.body.deliveries, tokenUrls.length, published.text);
      const attempts = () =>
        queryStore(
          server!.dbPath,
          'SELECT a.error_class, a.error_message FROM attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.event_id = ?',
          published.body.event_id,
        ) as {
          error_class: string;
          error_message: string;
        }[];
      await eventually(async () => (attempts().length >= 2 * tokenUrls.length ? true : undefined), 15_000, 'each delivery attempted and retried', 200);
      assert.equal(attempts().length, 2 * tokenUrls.length, 'each delivery was attempted and retried');
      assert.deepEqual(
        receiver.received.map((request) => `${request.path} ${request.headers.authorization}`),
        [],
        'no token request (and so no client credential) reached the loopback token endpoint',
      );
      for (const attempt of attempts()) assert.equal(attempt.error_class, 'blocked_address', attempt.error_message);
    });
  });
