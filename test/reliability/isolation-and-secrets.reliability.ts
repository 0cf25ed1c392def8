import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { adminToken, bearer, type JsonResponse, token } from '../support/server.ts';
import { queryStore } from '../support/store.ts';
import { claimsFor, credentialsFor } from './support/callers.ts';
import { type Caller, MISSING, ROUTES, type Route } from './support/catalogue.ts';
import { errorShapeProblem, formatOfPath } from './support/error-shapes.ts';
import { forgedTokens, MALFORMED, rsToken } from './support/forged-credentials.ts';
import { buildWorld, METRICS_TOKEN, type TenantWorld, type World } from './support/world.ts';

const JWT_CALLERS: readonly Caller[] = ['admin', 'operator', 'subscriber', 'publisher'];
const KEY_CALLERS: readonly Caller[] = ['sponsor-key', 'as2-key', 'publisher'];

describe('isolation, authentication and secrets across every endpoint of every surface', () => {
  let world: World;
  const counts = { refused: 0, foreign: 0, scanned: 0 };
  const send = (route: Route, t: TenantWorld, headers: Record<string, string>) =>
    world.request(route.method, route.path(t), { headers, body: route.body?.(t, world.receiver.url) });
  const assertRefused = (route: Route, response: JsonResponse, status: number, what: string) => {
    counts.refused++;
    const label = `${route.method} ${route.template} with ${what}`;
    assert.equal(response.status, status, `${label}: ${response.text}`);
    assert.equal(errorShapeProblem(formatOfPath(route.template), response), null, `${label}: ${response.text}`);
  };
  const storeCounts = () =>
    queryStore(
      world.server.dbPath,
      'SELECT (SELECT count(*) FROM endpoints) AS e, (SELECT count(*) FROM api_keys WHERE revoked_at IS NULL) AS k, (SELECT count(*) FROM events) AS v, (SELECT count(*) FROM tenants) AS t',
    )[0];

  before(async () => {
    world = await buildWorld();
  });
  after(() => world?.close());

  it('accepts a correctly signed RS256 token from the JWKS (the control for the confusion cases)', async () => {
    const rs = await rsToken({ sub: 'rs-admin', scope: 'webhooks:admin' }, world.rsa.privateKey, world.rsa.kid);
    const response = await world.request('GET', '/api/v1/admin/webhooks', { headers: bearer(rs) });
    assert.equal(response.status, 200, response.text);
  });

  it('refuses missing, malformed, expired, forged, alg:none and HS/RS-confused credentials on every endpoint with 401', async () => {
    const before = storeCounts();
    const a = world.a;
    const revoked = await world.request('POST', `/api/v1/tenants/${a.id}/api-keys`, { headers: bearer(await adminToken()), body: { label: 'to revoke' } }, true);
    world.secrets.add(revoked.body.api_key);
    assert.equal((await world.request('DELETE', `/api/v1/tenants/${a.id}/api-keys/${revoked.body.key_id}`, { headers: bearer(await adminToken()) })).status, 204);
    const wrongSecretKey = `${a.apiKey.slice(0, 20)}${'A'.repeat(43)}`;
    const validJwt = await token({ sub: 'someone', scope: 'webhooks:admin events:publish', tenantId: a.id });

    for (const route of ROUTES) {
      assertRefused(route, await send(route, a, {}), 401, 'no credentials');
      for (const value of MALFORMED) assertRefused(route, await send(route, a, { authorization: value }), 401, `Authorization: ${value.slice(0, 20)}`);
      if (JWT_CALLERS.includes(route.caller)) {
        for (const [name, forged] of Object.entries(await forgedTokens(claimsFor(route.caller, a), world.rsa))) {
          assertRefused(route, await send(route, a, bearer(forged)), 401, name);
        }
      }
      if (KEY_CALLERS.includes(route.caller)) {
        const asKey = (key: string): Record<string, string> => (route.caller === 'as2-key' ? { 'x-api-key': key } : { authorization: key });
        assertRefused(route, await send(route, a, asKey(revoked.body.api_key)), 401, 'a revoked API key');
        assertRefused(route, await send(route, a, asKey(wrongSecretKey)), 401, 'an API key with the right id and a wrong secret');
        if (route.caller !== 'publisher') assertRefused(route, await send(route, a, { authorization: `Bearer ${validJwt}` }), 401, 'a JWT instead of an API key');
      }
    }
    assert.deepEqual(storeCounts(), before, 'no refused request changed the store');
  });

  it('answers a token without the required scope with 403 on admin, operator and ingestion routes', async () => {
    const plain = bearer(await token({ sub: 'reader', scope: 'webhooks:read', tenantId: world.a.id }));
    for (const route of ROUTES.filter((candidate) => ['admin', 'operator', 'publisher'].includes(candidate.caller))) {
      assertRefused(route, await send(route, world.a, plain), 403, 'a token without webhooks:admin / events:publish');
    }
  });

  it('answers another tenant’s ids exactly like ids that do not exist, on every route that takes one', async () => {
    const { a, b } = world;
    const before = storeCounts();
    const idsOf = (t: TenantWorld) => [t.id, t.keyId, t.sponsorWebhookId, t.adminWebhookId, String(t.deliveryId), t.jobId, t.subscriptionId, String(t.partnerId)];
    const normalise = (text: string) => [...idsOf(a), ...idsOf(MISSING)].reduce((out, id) => out.split(id).join('<id>'), text);
    const sameSubscriberOtherTenant = { ...b, subscriber: a.subscriber };
    const otherSubscriberSameTenant = { ...a, subscriber: 'mallory' };

    for (const route of ROUTES) {
      const takesId = route.path(a) !== route.path(MISSING) || JSON.stringify(route.body?.(a, '')) !== JSON.stringify(route.body?.(MISSING, ''));
      if (!takesId) continue;
      const callers: TenantWorld[] = route.caller === 'subscriber' ? [b, sameSubscriberOtherTenant, otherSubscriberSameTenant] : [b];
      for (const caller of callers) {
        const headers = await credentialsFor(route.caller, caller);
        const foreign = await send(route, a, headers);
        const missing = await send(route, MISSING, headers);
        counts.foreign++;
        const label = `${route.method} ${route.template} as ${caller.subscriber}@${caller.id}`;
        assert.ok(foreign.status >= 400 && foreign.status < 500, `${label}: foreign id answered ${foreign.status} ${foreign.text}`);
        assert.equal(foreign.status, missing.status, label);
        assert.equal(normalise(foreign.text), normalise(missing.text), label);
      }
    }
    assert.deepEqual(storeCounts(), before, 'no foreign request changed the store');
  });

  it('lists only the caller’s own objects', async () => {
    const { a, b } = world;
    const views = [
      await world.request('GET', '/api/webhooks', { headers: { authorization: b.apiKey } }),
      await world.request('GET', '/api/v1/admin/webhooks', { headers: await credentialsFor('admin', b) }),
      await world.request('GET', '/subscription-management', { headers: await credentialsFor('subscriber', b) }),
      await world.request('GET', '/api/v1/tenants', { headers: await credentialsFor('operator', b) }),
      await world.request('POST', '/api/v1/webhooks/logs', { headers: { authorization: `Bearer ${b.apiKey}` }, body: { partner_id: b.partnerId } }),
    ];
    for (const view of views) {
      assert.equal(view.status, 200, view.text);
      for (const id of [a.id, a.sponsorWebhookId, a.adminWebhookId, a.subscriptionId]) assert.ok(!view.text.includes(id), `${id} leaked into ${view.text.slice(0, 200)}`);
    }
  });

  it('never returns, logs, exports as a metric or stores in plaintext any secret after its creation', async () => {
    const { a } = world;
    for (const route of ROUTES.filter((candidate) => candidate.method === 'GET')) {
      const response = await send(route, a, await credentialsFor(route.caller, a));
      assert.ok(response.status < 500, `${route.template}: ${response.status}`);
    }
    for (const path of ['/health', '/ready', '/openapi.json']) await world.request('GET', path);
    const metrics = await world.request('GET', '/metrics', { headers: bearer(METRICS_TOKEN) });
    assert.equal(metrics.status, 200);
    await world.server.stop();

    const files = ['', '-wal', '-shm'].map((suffix) => `${world.server.dbPath}${suffix}`).filter((file) => existsSync(file));
    const stored = files.map((file) => readFileSync(file).toString('latin1'));
    const places: [string, string[]][] = [
      ['a response body', world.responses],
      ['a log line', world.server.logs],
      ['the SQLite files', stored],
    ];
    for (const secret of world.secrets) {
      for (const [where, texts] of places) {
        const hit = texts.find((text) => text.includes(secret));
        assert.equal(hit, undefined, `secret ${secret.slice(0, 12)}… found in ${where}: ${hit?.slice(0, 200)}`);
      }
    }
    const apiKeys = [...world.secrets].filter((secret) => secret.startsWith('hg_'));
    const hashes = new Set(queryStore(world.server.dbPath, 'SELECT key_hash FROM api_keys').map((row) => row.key_hash as string));
    for (const key of apiKeys) assert.ok(hashes.has(createHash('sha256').update(key).digest('hex')), 'every API key is stored as its SHA-256');
    counts.scanned = world.responses.length + world.server.logs.length;
    console.log(
      `# isolation-and-secrets: routes=${ROUTES.length} refused=${counts.refused} foreign_vs_missing=${counts.foreign} ` +
        `secrets=${world.secrets.size} responses=${world.responses.length} log_lines=${world.server.logs.length} sqlite_bytes=${stored.reduce((sum, text) => sum + text.length, 0)}`,
    );
  });
});
