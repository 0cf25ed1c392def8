import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Receiver, startReceiver } from '../../support/receiver.ts';
import {
  adminToken,
  bearer,
  call,
  createAs2Partner,
  createTenant,
  ENCRYPTION_KEY,
  type JsonResponse,
  JWT_SECRET,
  type RunningServer,
  startServer,
  token,
} from '../../support/server.ts';
import { queryStore } from '../../support/store.ts';

/** The objects of one tenant on every surface, and the credentials that reach them. */
export interface TenantWorld {
  id: string;
  apiKey: string;
  keyId: string;
  sponsorWebhookId: string;
  adminWebhookId: string;
  deliveryId: number;
  jobId: string;
  subscriptionId: string;
  partnerId: number;
  /** Page 002's subscriber in this tenant. */
  subscriber: string;
}

export interface World {
  server: RunningServer;
  receiver: Receiver;
  jwks: Server;
  rsa: { privateKey: KeyObject; publicPem: string; kid: string };
  a: TenantWorld;
  b: TenantWorld;
  /** Every secret, password, API key, client secret and token handed out or configured during the run. */
  secrets: Set<string>;
  /** Every response body after the one that created a secret; the creating responses are kept apart. */
  responses: string[];
  /** Calls the server and files the body under `responses` (or `creations` when it hands out a secret). */
  request(method: string, path: string, options?: Parameters<typeof call>[3], creates?: boolean): Promise<JsonResponse>;
  close(): Promise<void>;
}

export const METRICS_TOKEN = 'metrics-token-for-the-reliability-suite';
const OAUTH_ACCESS_TOKEN = 'oauth-access-token-issued-by-the-receiver-7f3a';

/** A JWKS server publishing one RSA key, so RS256 tokens are accepted and HS/RS confusion can be tried. */
async function startJwks() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = 'reliability-key';
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
  const jwks = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
  return { jwks, url, rsa: { privateKey, publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(), kid } };
}

/** Starts a server and builds two tenants with an object on every surface, a delivered event and a recovery job each. */
export async function buildWorld(extraEnv: Record<string, string> = {}): Promise<World> {
  const { jwks, url, rsa } = await startJwks();
  const receiver = await startReceiver((request, res) => {
    if (request.path === '/token') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: OAUTH_ACCESS_TOKEN, token_type: 'Bearer', expires_in: 3600 }));
    } else res.writeHead(200).end('ok');
  });
  const server = await startServer({
    JWT_JWKS_URL: url,
    HOOKGATE_METRICS_TOKEN: METRICS_TOKEN,
    HOOKGATE_RATE_LIMIT_PER_MINUTE: '0',
    HOOKGATE_RETRY_SCHEDULE: '1',
    HOOKGATE_SWEEP_CRON: '* * * * * *',
    ...extraEnv,
  });
  const secrets = new Set<string>([JWT_SECRET, ENCRYPTION_KEY, METRICS_TOKEN, OAUTH_ACCESS_TOKEN]);
  const responses: string[] = [];
  const world = { server, receiver, jwks, rsa, secrets, responses } as World;
  world.request = async (method, path, options = {}, creates = false) => {
    const response = await call(server, method, path, options);
    if (!creates) responses.push(response.text);
    return response;
  };
  world.close = async () => {
    await server.stop();
    await receiver.close();
    await new Promise((resolve) => jwks.close(resolve));
  };
  try {
    world.a = await buildTenant(world, 'Tenant A', 'alice');
    world.b = await buildTenant(world, 'Tenant B', 'bob');
  } catch (error) {
    await world.close();
    throw error;
  }
  return world;
}

async function buildTenant(world: World, name: string, subscriber: string): Promise<TenantWorld> {
  const { server, receiver, secrets } = world;
  const tenant = await createTenant(server, name);
  secrets.add(tenant.apiKey);
  const admin = bearer(await adminToken());
  const expect201 = (response: JsonResponse, what: string) => assert.ok(response.status === 201 || response.status === 202, `${what}: ${response.status} ${response.text}`);

  const issued = await world.request('POST', `/api/v1/tenants/${tenant.id}/api-keys`, { headers: admin, body: { label: 'second' } }, true);
  expect201(issued, 'api key');
  secrets.add(issued.body.api_key);

  const sponsor = await world.request('POST', '/api/webhooks', { headers: { authorization: tenant.apiKey }, body: { url: `${receiver.url}/sponsor` } }, true);
  expect201(sponsor, 'sponsor webhook');
  secrets.add(sponsor.body.secret);

  const customSecret = `whsec_${Buffer.from(`${name} chosen admin secret!!`.padEnd(32, '!')).toString('base64')}`;
  secrets.add(customSecret);
  const adminHook = await world.request(
    'POST',
    '/api/v1/admin/webhooks',
    { headers: admin, body: { tenant_id: tenant.id, url: `${receiver.url}/admin`, events: ['invoice.created'], secret: customSecret } },
    true,
  );
  expect201(adminHook, 'admin webhook');
  const generated = await world.request(
    'POST',
    '/api/v1/admin/webhooks',
    { headers: admin, body: { tenant_id: tenant.id, url: `${receiver.url}/admin2`, events: ['invoice.paid'] } },
    true,
  );
  expect201(generated, 'second admin webhook');
  secrets.add(generated.body.secret);
  const rotated = await world.request('POST', `/api/v1/admin/webhooks/${generated.body.id}/rotate-secret`, { headers: admin }, true);
  assert.equal(rotated.status, 200, rotated.text);
  secrets.add(rotated.body.secret);

  const credentials = { clientSecret: `${name} client secret`, password: `${name} basic password`, key: `${name} outbound api key` };
  for (const value of Object.values(credentials)) secrets.add(value);
  const subscriberHeaders = bearer(await token({ sub: subscriber, tenantId: tenant.id }));
  const subscriptions = [
    { method: 'OAUTH2', clientId: `${name}-client`, clientSecret: credentials.clientSecret, tokenUrl: `${receiver.url}/token` },
    { method: 'BASIC_AUTH', username: `${name}-user`, password: credentials.password },
    { method: 'API_KEY', headerName: 'X-Receiver-Key', key: credentials.key },
  ];
  const subscriptionIds: string[] = [];
  for (const authentication of subscriptions) {
    const created = await world.request('POST', '/subscription-management', {
      headers: subscriberHeaders,
      body: { notificationUrl: `${receiver.url}/subscription`, eventType: 'INVOICE_STATUS_CHANGED', authentication },
    });
    expect201(created, 'subscription');
    subscriptionIds.push(created.body.id);
  }

  const partnerId = await createAs2Partner(server, tenant.id);
  const as2Secret = `${name} as2 shared secret`;
  secrets.add(as2Secret);
  const configured = await world.request('POST', '/api/v1/webhooks/configure', {
    headers: { authorization: `Bearer ${tenant.apiKey}` },
    body: { partner_id: partnerId, webhook_url: `${receiver.url}/as2`, webhook_secret: as2Secret },
  });
  assert.equal(configured.status, 200, configured.text);

  const published = await world.request('POST', '/api/v1/events/batch', {
    headers: { authorization: tenant.apiKey },
    body: {
      events: [
        { type: 'invoice.created', data: { n: 1 } },
        { type: 'INVOICE_STATUS_CHANGED', data: { n: 2 } },
        { type: 'mensaje.recibido', data: {}, partner_id: partnerId },
      ],
    },
  });
  expect201(published, 'events');
  await receiver.waitFor((received) => received.filter((request) => request.headers['x-receiver-key'] === credentials.key).length >= 1, 15_000);
  const [delivery] = queryStore(server.dbPath, 'SELECT id FROM deliveries WHERE endpoint_id = ? ORDER BY id LIMIT 1', adminHook.body.id);
  const job = await world.request('POST', `/api/v1/admin/webhooks/${adminHook.body.id}/recover`, {
    headers: admin,
    body: { since: new Date(Date.now() - 3600_000).toISOString(), status: 'all' },
  });
  expect201(job, 'recovery job');

  return {
    id: tenant.id,
    apiKey: tenant.apiKey,
    keyId: issued.body.key_id,
    sponsorWebhookId: sponsor.body.webhook_id,
    adminWebhookId: adminHook.body.id,
    deliveryId: delivery.id,
    jobId: job.body.id ?? job.body.job_id,
    subscriptionId: subscriptionIds[0]!,
    partnerId,
    subscriber,
  };
}
