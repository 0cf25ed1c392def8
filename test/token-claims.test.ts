import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { ConsoleClient } from './support/console-client.ts';
import { bearer, call, createTenant, JWT_SECRET, type RunningServer, startServer } from './support/server.ts';

/**
 * `tenant_id` and `partner_id` narrow what a Bearer JWT reaches. Either claim, when present, must be
 * a non-blank string (pages 001 and 002 name tenants and partner organisations by string ids); any
 * other shape is refused with 401 on every surface that takes JWTs, never read as "no claim", which
 * would be a platform-wide token.
 */
const MALFORMED: [string, unknown][] = [
  ['an array', ['ten_1']],
  ['an empty array', []],
  ['an object', { id: 'ten_1' }],
  ['an empty string', ''],
  ['a blank string', '   '],
  ['a number', 42],
  ['zero', 0],
  ['a boolean', true],
  ['false', false],
  ['null', null],
];
const CLAIMS = ['tenant_id', 'partner_id'] as const;

const signed = (claims: Record<string, unknown>) =>
  new SignJWT({ scope: 'webhooks:admin events:publish', ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject('svc-claims')
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(JWT_SECRET));

/** Every surface that takes a Bearer JWT, each answering in its own error format. */
const SURFACES: { name: string; request(server: RunningServer, jwt: string): Promise<{ status: number; body: unknown }> }[] = [
  { name: 'admin (001)', request: (server, jwt) => call(server, 'GET', '/api/v1/admin/webhooks', { headers: bearer(jwt) }) },
  { name: 'subscription management (002)', request: (server, jwt) => call(server, 'GET', '/subscription-management', { headers: bearer(jwt) }) },
  { name: 'operator (tenants)', request: (server, jwt) => call(server, 'GET', '/api/v1/tenants', { headers: bearer(jwt) }) },
  {
    name: 'events ingest',
    request: (server, jwt) => call(server, 'POST', '/api/v1/events', { headers: bearer(jwt), body: { type: 'invoice.created', data: {} } }),
  },
  {
    name: 'console sign-in',
    async request(server, jwt) {
      const response = await new ConsoleClient(server.url).signIn({ token: jwt });
      return { status: response.status, body: response.html };
    },
  },
];

const FORMATS: Record<string, (body: any) => void> = {
  'admin (001)': (body) => assert.deepEqual(body, { detail: 'Invalid or expired token' }),
  'subscription management (002)': (body) => assert.deepEqual(body, { status: 401, error: 'Unauthorized', message: 'Invalid or expired token' }),
  'operator (tenants)': (body) => assert.deepEqual(body, { detail: 'Invalid or expired token' }),
  'events ingest': (body) => assert.deepEqual(body, { detail: 'Invalid or expired token' }),
  'console sign-in': (body) => assert.match(body, /That token is invalid, expired, or lacks the webhooks:admin scope/),
};

describe('scoping claims: present but malformed is refused, never platform-wide', () => {
  let server: RunningServer;
  let tenant: { id: string };

  before(async () => {
    server = await startServer();
    tenant = await createTenant(server, 'Scoped', 'org_scoped');
  });
  after(() => server.stop());

  for (const claim of CLAIMS) {
    for (const [shape, value] of MALFORMED) {
      it(`${claim} as ${shape}: 401 on every JWT surface, in its format`, async () => {
        const jwt = await signed({ [claim]: value });
        for (const surface of SURFACES) {
          const response = await surface.request(server, jwt);
          assert.equal(response.status, 401, `${surface.name}: ${JSON.stringify(response.body).slice(0, 200)}`);
          FORMATS[surface.name]!(response.body);
        }
      });
    }
  }

  it('well-formed claims and a token without them are accepted (the refusals above are about shape, not presence)', async () => {
    for (const claims of [{}, { tenant_id: tenant.id }, { partner_id: 'org_scoped' }, { tenant_id: tenant.id, partner_id: 'org_scoped' }]) {
      const jwt = await signed(claims);
      const admin = await call(server, 'GET', '/api/v1/admin/webhooks', { headers: bearer(jwt) });
      assert.equal(admin.status, 200, `${JSON.stringify(claims)}: ${admin.text}`);
      const tenants = await call(server, 'GET', '/api/v1/tenants', { headers: bearer(jwt) });
      assert.equal(tenants.status, 200);
      assert.ok(tenants.body.items.some((item: { tenant_id: string }) => item.tenant_id === tenant.id));
      assert.equal((await new ConsoleClient(server.url).signIn({ token: jwt })).status, 303);
    }
  });
});
