import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { SignJWT } from 'jose';
import { signDevToken } from '../src/auth/sign-token.ts';
import { readOutboundAuth } from '../src/domain/subscriptions.ts';
import { createSecretCipher, signingSecretOf } from '../src/lib/cipher.ts';
import { bearer, call, createTenant, ENCRYPTION_KEY, JWT_SECRET, type RunningServer, startServer, token } from './support/server.ts';

const BASE = '/subscription-management';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const UNKNOWN_ID = 'a3f1c2d4-1234-5678-abcd-ef0123456789';

// The page's example bodies.
const oauth2Body = {
  notificationUrl: 'https://your-server.com/webhook',
  eventType: 'DOCUMENT_STATUS_CHANGED',
  description: 'Production listener',
  authentication: { method: 'OAUTH2', clientId: 'my-client-id', clientSecret: 'my-client-secret', tokenUrl: 'https://auth.your-server.com/oauth/token' },
};
const apiKeyBody = {
  notificationUrl: 'https://your-server.com/webhook',
  eventType: 'INVOICE_STATUS_CHANGED',
  description: 'Invoice status listener',
  authentication: { method: 'API_KEY', headerName: 'X-API-Key', key: 'my-secret-api-key' },
};
const basicBody = {
  notificationUrl: 'https://your-server.com/webhook-v2',
  eventType: 'DOCUMENT_STATUS_CHANGED',
  description: 'Updated production listener',
  authentication: { method: 'BASIC_AUTH', username: 'webhook-user', password: 's3cr3t' },
};
const SECRETS = ['my-client-secret', 's3cr3t', 'my-secret-api-key'];
const IDENTITIES = ['my-client-id', 'webhook-user'];

const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const ids = (list: { id: string }[]) => list.map((item) => item.id);

describe('subscription management API (page 002, /subscription-management)', () => {
  let server: RunningServer;
  let tenantA: string;
  let tenantB: string;
  let alice: Record<string, string>;
  let bob: Record<string, string>;
  let aliceInB: Record<string, string>;
  /** Every response body seen, checked at the end for leaked credentials. */
  const seen: string[] = [];
  const api = async (method: string, path: string, options: Parameters<typeof call>[3] = {}) => {
    const response = await call(server, method, `${BASE}${path}`, options);
    seen.push(response.text);
    return response;
  };
  const create = async (headers: Record<string, string>, body: unknown) => {
    const response = await api('POST', '', { headers, body });
    assert.equal(response.status, 201, response.text);
    return response.body;
  };
  const storedRow = (id: string) => {
    const db = new Database(server.dbPath, { readonly: true });
    try {
      return db.prepare('SELECT * FROM endpoints WHERE id = ?').get(id) as Record<string, string | number | null> | undefined;
    } finally {
      db.close();
    }
  };

  before(async () => {
    // A small body limit keeps the oversize case small enough that the client finishes sending it
    // before the 413 closes the connection (a 2 MB upload raced the close with EPIPE on a busy machine).
    server = await startServer({ HOOKGATE_MAX_BODY_BYTES: '65536' });
    tenantA = (await createTenant(server, 'Tenant A')).id;
    tenantB = (await createTenant(server, 'Tenant B')).id;
    alice = bearer(await token({ sub: 'svc-alice', tenantId: tenantA }));
    bob = bearer(await token({ sub: 'svc-bob', tenantId: tenantA }));
    aliceInB = bearer(await token({ sub: 'svc-alice', tenantId: tenantB }));
  });
  after(() => server.stop());

  describe('authentication', () => {
    it('answers 401 with the error body for a missing, malformed, expired, forged or unsigned token', async () => {
      const forged = await signDevToken({ secret: 'another-secret-that-is-at-least-32-chars', sub: 'svc-alice', tenantId: tenantA, ttlSeconds: 600 });
      const now = Math.floor(Date.now() / 1000);
      const unsigned = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ sub: 'svc-alice', tenant_id: tenantA, iat: now, exp: now + 600 })}.`;
      const cases: Record<string, Record<string, string>> = {
        none: {},
        'not bearer': { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
        malformed: bearer('not.a.jwt'),
        expired: bearer(await token({ sub: 'svc-alice', tenantId: tenantA, ttlSeconds: -60 })),
        'wrong signature': bearer(forged),
        'alg none': bearer(unsigned),
      };
      for (const [name, headers] of Object.entries(cases)) {
        const probes = [
          ['GET', ''],
          ['GET', `/${UNKNOWN_ID}`],
          ['DELETE', `/${UNKNOWN_ID}`],
        ] as const;
        for (const [method, path] of probes) {
          const response = await api(method, path, { headers });
          assert.equal(response.status, 401, `${name} ${method} ${path}`);
          assert.equal(response.body.status, 401);
          assert.equal(response.body.error, 'Unauthorized');
          assert.equal(typeof response.body.message, 'string');
        }
        const post = await api('POST', '', { headers, body: oauth2Body });
        assert.equal(post.status, 401, `${name} POST`);
      }
    });

    it('answers 401 for a valid token without a tenant_id claim, naming the claim', async () => {
      const response = await api('GET', '', { headers: bearer(await token({ sub: 'svc-alice' })) });
      assert.equal(response.status, 401);
      assert.match(response.body.message, /tenant_id/);
    });

    it('answers 401 for a valid token without a sub claim, naming the claim', async () => {
      const noSub = await new SignJWT({ tenant_id: tenantA })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(new TextEncoder().encode(JWT_SECRET));
      const response = await api('GET', '', { headers: bearer(noSub) });
      assert.equal(response.status, 401);
      assert.match(response.body.message, /sub/);
    });

    it('answers 401 for a tenant_id that names no tenant', async () => {
      const response = await api('POST', '', { headers: bearer(await token({ sub: 'svc-alice', tenantId: 'ten_doesnotexist' })), body: oauth2Body });
      assert.equal(response.status, 401);
    });

    it('checks the token before the id format', async () => {
      const response = await api('GET', '/not-a-uuid');
      assert.equal(response.status, 401);
    });
  });

  describe('lifecycle', () => {
    type Created = { id: string; createdAt: string };
    let oauthSub: Created;
    let apiKeySub: Created;
    let basicSub: Created;

    it('lists nothing before any subscription exists', async () => {
      const response = await api('GET', '', { headers: alice });
      assert.equal(response.status, 200);
      assert.deepEqual(response.body, []);
    });

    it('creates an OAUTH2 subscription: 201, UUID id, no client secret in the answer', async () => {
      const response = await api('POST', '', { headers: alice, body: oauth2Body });
      assert.equal(response.status, 201);
      oauthSub = response.body;
      assert.match(response.body.id, UUID);
      assert.deepEqual(Object.keys(response.body).sort(), [
        'authentication',
        'createdAt',
        'description',
        'disabledReason',
        'enabled',
        'eventType',
        'id',
        'notificationUrl',
        'updatedAt',
      ]);
      assert.equal(response.body.notificationUrl, 'https://your-server.com/webhook');
      assert.equal(response.body.eventType, 'DOCUMENT_STATUS_CHANGED');
      assert.equal(response.body.description, 'Production listener');
      assert.deepEqual(response.body.authentication, { method: 'OAUTH2', clientId: 'my-client-id', tokenUrl: 'https://auth.your-server.com/oauth/token' });
      assert.equal(new Date(response.body.createdAt).toISOString(), response.body.createdAt);
      assert.equal(response.body.updatedAt, response.body.createdAt);
    });

    it('creates an API_KEY subscription showing only the header name', async () => {
      const response = await api('POST', '', { headers: alice, body: apiKeyBody });
      assert.equal(response.status, 201);
      apiKeySub = response.body;
      assert.equal(response.body.eventType, 'INVOICE_STATUS_CHANGED');
      assert.equal(response.body.description, 'Invoice status listener');
      assert.deepEqual(response.body.authentication, { method: 'API_KEY', headerName: 'X-API-Key' });
    });

    it('creates a BASIC_AUTH subscription showing only the username, description defaulting to null', async () => {
      const { description: _, ...withoutDescription } = basicBody;
      const response = await api('POST', '', { headers: alice, body: withoutDescription });
      assert.equal(response.status, 201);
      basicSub = response.body;
      assert.equal(response.body.description, null);
      assert.deepEqual(response.body.authentication, { method: 'BASIC_AUTH', username: 'webhook-user' });
    });

    it('reads each subscription back by id, also given in upper case', async () => {
      for (const created of [oauthSub, apiKeySub, basicSub]) {
        const response = await api('GET', `/${created.id}`, { headers: alice });
        assert.equal(response.status, 200);
        assert.deepEqual(response.body, created);
      }
      const upper = await api('GET', `/${oauthSub.id.toUpperCase()}`, { headers: alice });
      assert.equal(upper.status, 200);
      assert.equal(upper.body.id, oauthSub.id);
    });

    it('lists the full set as a JSON array, oldest first', async () => {
      const response = await api('GET', '', { headers: alice });
      assert.equal(response.status, 200);
      assert.deepEqual(response.body, [oauthSub, apiKeySub, basicSub]);
    });

    it('stores a canonical event name, the method in plaintext, the whole auth object encrypted and a signing secret', async () => {
      const row = storedRow(oauthSub.id)!;
      assert.equal(row.surface, 'subscription');
      assert.equal(row.tenant_id, tenantA);
      assert.equal(row.subscriber, 'svc-alice');
      assert.equal(row.event_types, '["document.status_changed"]');
      assert.equal(storedRow(apiKeySub.id)!.event_types, '["invoice.status_changed"]');
      assert.equal(row.auth_method, 'OAUTH2');
      assert.match(String(row.auth_enc), /^v2\./);
      assert.match(String(row.secret_enc), /^v2\./);
      const cipher = await createSecretCipher(ENCRYPTION_KEY);
      assert.match(await cipher.decrypt(String(row.secret_enc), signingSecretOf(oauthSub.id)), /^whsec_/);
      assert.deepEqual(await readOutboundAuth({ cipher }, { id: oauthSub.id, auth_enc: row.auth_enc as string }), oauth2Body.authentication);
      assert.equal(await readOutboundAuth({ cipher }, { id: oauthSub.id, auth_enc: null }), null);
      await assert.rejects(readOutboundAuth({ cipher }, { id: apiKeySub.id, auth_enc: row.auth_enc as string }), 'bound to its own row');
    });

    it('PUT replaces every field, including a different auth method and its credentials', async () => {
      const response = await api('PUT', `/${oauthSub.id}`, { headers: alice, body: basicBody });
      assert.equal(response.status, 200);
      assert.equal(response.body.id, oauthSub.id);
      assert.equal(response.body.notificationUrl, 'https://your-server.com/webhook-v2');
      assert.equal(response.body.description, 'Updated production listener');
      assert.deepEqual(response.body.authentication, { method: 'BASIC_AUTH', username: 'webhook-user' });
      assert.equal(response.body.createdAt, oauthSub.createdAt);
      assert.ok(Date.parse(response.body.updatedAt) >= Date.parse(response.body.createdAt));

      const fetched = await api('GET', `/${oauthSub.id}`, { headers: alice });
      assert.deepEqual(fetched.body, response.body);
      const row = storedRow(oauthSub.id)!;
      assert.equal(row.auth_method, 'BASIC_AUTH');
      const cipher = await createSecretCipher(ENCRYPTION_KEY);
      assert.deepEqual(await readOutboundAuth({ cipher }, { id: oauthSub.id, auth_enc: row.auth_enc as string }), basicBody.authentication, 'OAuth2 credentials are gone');
    });

    it('PUT without description clears it, and can switch the event type', async () => {
      const { description: _, ...body } = { ...apiKeyBody, eventType: 'DOCUMENT_STATUS_CHANGED' };
      const response = await api('PUT', `/${apiKeySub.id}`, { headers: alice, body });
      assert.equal(response.status, 200);
      assert.equal(response.body.description, null);
      assert.equal(response.body.eventType, 'DOCUMENT_STATUS_CHANGED');
      assert.equal(storedRow(apiKeySub.id)!.event_types, '["document.status_changed"]');
    });

    it('PUT with a missing required field answers 400 and changes nothing', async () => {
      const before = await api('GET', `/${basicSub.id}`, { headers: alice });
      const { authentication: _, ...partial } = oauth2Body;
      const response = await api('PUT', `/${basicSub.id}`, { headers: alice, body: partial });
      assert.equal(response.status, 400);
      assert.deepEqual(response.body.violations, [{ field: 'authentication', message: 'Field required' }]);
      assert.deepEqual((await api('GET', `/${basicSub.id}`, { headers: alice })).body, before.body);
    });

    it('answers 404 for a well-formed unknown id on GET, PUT and DELETE', async () => {
      for (const method of ['GET', 'PUT', 'DELETE']) {
        const response = await api(method, `/${UNKNOWN_ID}`, { headers: alice, body: method === 'PUT' ? apiKeyBody : undefined });
        assert.equal(response.status, 404, method);
        assert.deepEqual(response.body, { status: 404, error: 'Not Found', message: 'Subscription not found' });
      }
    });

    it('DELETE answers 204, then the subscription is gone', async () => {
      const response = await api('DELETE', `/${basicSub.id}`, { headers: alice });
      assert.equal(response.status, 204);
      assert.equal(response.text, '');
      assert.equal((await api('GET', `/${basicSub.id}`, { headers: alice })).status, 404);
      assert.equal((await api('DELETE', `/${basicSub.id}`, { headers: alice })).status, 404);
      assert.equal(storedRow(basicSub.id), undefined);
      const list = await api('GET', '', { headers: alice });
      assert.deepEqual(ids(list.body), [oauthSub.id, apiKeySub.id]);
    });
  });

  describe('isolation', () => {
    let mine: { id: string };

    before(async () => {
      mine = await create(alice, apiKeyBody);
    });

    for (const [who, headers] of [
      ['another subscriber of the same tenant', () => bob],
      ['the same sub in another tenant', () => aliceInB],
    ] as const) {
      it(`${who} gets 404 on GET, PUT and DELETE and an empty list`, async () => {
        for (const method of ['GET', 'PUT', 'DELETE']) {
          const response = await api(method, `/${mine.id}`, { headers: headers(), body: method === 'PUT' ? basicBody : undefined });
          assert.equal(response.status, 404, method);
          assert.equal(response.body.message, 'Subscription not found');
        }
        const list = await api('GET', '', { headers: headers() });
        assert.equal(list.status, 200);
        assert.ok(!ids(list.body).includes(mine.id));
      });
    }

    it('leaves the owner’s subscription untouched and keeps each subscriber’s list separate', async () => {
      const fetched = await api('GET', `/${mine.id}`, { headers: alice });
      assert.equal(fetched.status, 200);
      assert.deepEqual(fetched.body.authentication, { method: 'API_KEY', headerName: 'X-API-Key' });
      const bobs = await create(bob, oauth2Body);
      const bobList = await api('GET', '', { headers: bob });
      assert.deepEqual(ids(bobList.body), [bobs.id]);
      const aliceList = await api('GET', '', { headers: alice });
      assert.ok(!ids(aliceList.body).includes(bobs.id));
      assert.equal((await api('GET', `/${bobs.id}`, { headers: alice })).status, 404);
    });
  });

  describe('bad input', () => {
    it('answers 400 "Invalid subscription ID format" for a non-UUID id on GET, PUT and DELETE', async () => {
      for (const id of ['not-a-uuid', '123', `${UNKNOWN_ID}0`, 'a3f1c2d4-1234-5678-abcd-ef012345678g', 'a3f1c2d412345678abcdef0123456789']) {
        for (const method of ['GET', 'PUT', 'DELETE']) {
          const response = await api(method, `/${id}`, { headers: alice, body: method === 'PUT' ? oauth2Body : undefined });
          assert.equal(response.status, 400, `${method} ${id}`);
          assert.equal(response.body.error, 'Bad Request');
          assert.equal(response.body.message, 'Invalid subscription ID format');
        }
      }
    });

    const withAuth = (authentication: unknown) => ({ ...oauth2Body, authentication });
    const without = (key: string) => Object.fromEntries(Object.entries(oauth2Body).filter(([name]) => name !== key));
    const authWithout = (body: { authentication: object }, key: string) => withAuth(Object.fromEntries(Object.entries(body.authentication).filter(([name]) => name !== key)));
    const cases: [string, unknown, string?][] = [
      ['empty object', {}, 'notificationUrl'],
      ['missing notificationUrl', without('notificationUrl'), 'notificationUrl'],
      ['missing eventType', without('eventType'), 'eventType'],
      ['null eventType', { ...oauth2Body, eventType: null }, 'eventType'],
      ['missing authentication', without('authentication'), 'authentication'],
      ['unknown eventType', { ...oauth2Body, eventType: 'INVOICE_CREATED' }, 'eventType'],
      ['canonical instead of page name', { ...oauth2Body, eventType: 'document.status_changed' }, 'eventType'],
      ['lower-case eventType', { ...oauth2Body, eventType: 'document_status_changed' }, 'eventType'],
      ['eventType as array', { ...oauth2Body, eventType: ['DOCUMENT_STATUS_CHANGED'] }, 'eventType'],
      ['not a URL', { ...oauth2Body, notificationUrl: 'not a url' }, 'notificationUrl'],
      ['ftp URL', { ...oauth2Body, notificationUrl: 'ftp://your-server.com/webhook' }, 'notificationUrl'],
      ['URL as number', { ...oauth2Body, notificationUrl: 42 }, 'notificationUrl'],
      ['URL longer than 2083 characters', { ...oauth2Body, notificationUrl: `https://x.com/${'a'.repeat(2100)}` }, 'notificationUrl'],
      ['description too long', { ...oauth2Body, description: 'x'.repeat(501) }, 'description'],
      ['description as number', { ...oauth2Body, description: 7 }, 'description'],
      ['extra field', { ...oauth2Body, subscriber: 'svc-bob' }],
      ['authentication as string', withAuth('OAUTH2'), 'authentication'],
      ['missing method', authWithout(oauth2Body, 'method'), 'authentication.method'],
      ['unknown method', withAuth({ method: 'HMAC', secret: 'x' }), 'authentication.method'],
      ['lower-case method', withAuth({ ...oauth2Body.authentication, method: 'oauth2' }), 'authentication.method'],
      ['OAUTH2 without clientId', authWithout(oauth2Body, 'clientId'), 'authentication.clientId'],
      ['OAUTH2 without clientSecret', authWithout(oauth2Body, 'clientSecret'), 'authentication.clientSecret'],
      ['OAUTH2 without tokenUrl', authWithout(oauth2Body, 'tokenUrl'), 'authentication.tokenUrl'],
      ['OAUTH2 with a bad tokenUrl', withAuth({ ...oauth2Body.authentication, tokenUrl: 'token-endpoint' }), 'authentication.tokenUrl'],
      ['OAUTH2 with an empty clientSecret', withAuth({ ...oauth2Body.authentication, clientSecret: '' }), 'authentication.clientSecret'],
      ['BASIC_AUTH without username', authWithout(basicBody, 'username'), 'authentication.username'],
      ['BASIC_AUTH without password', authWithout(basicBody, 'password'), 'authentication.password'],
      ['BASIC_AUTH username with a colon', withAuth({ ...basicBody.authentication, username: 'a:b' }), 'authentication.username'],
      ['BASIC_AUTH with a number password', withAuth({ ...basicBody.authentication, password: 1234 }), 'authentication.password'],
      ['BASIC_AUTH carrying OAUTH2 fields', withAuth({ ...basicBody.authentication, clientId: 'x' }), 'authentication'],
      ['API_KEY without headerName', authWithout(apiKeyBody, 'headerName'), 'authentication.headerName'],
      ['API_KEY without key', authWithout(apiKeyBody, 'key'), 'authentication.key'],
      ['API_KEY with a header name containing a space', withAuth({ ...apiKeyBody.authentication, headerName: 'X API Key' }), 'authentication.headerName'],
      ['API_KEY on Content-Type', withAuth({ ...apiKeyBody.authentication, headerName: 'Content-Type' }), 'authentication.headerName'],
      ['API_KEY on webhook-signature', withAuth({ ...apiKeyBody.authentication, headerName: 'Webhook-Signature' }), 'authentication.headerName'],
      ['API_KEY on Host', withAuth({ ...apiKeyBody.authentication, headerName: 'host' }), 'authentication.headerName'],
      ['API_KEY with a CRLF in the key', withAuth({ ...apiKeyBody.authentication, key: 'abc\r\nX-Evil: 1' }), 'authentication.key'],
      ['body is an array', [oauth2Body]],
    ];
    for (const [name, body, field] of cases) {
      it(`answers 400 on POST and PUT for ${name}`, async () => {
        const existing = await create(alice, apiKeyBody);
        const targets = [
          ['POST', ''],
          ['PUT', `/${existing.id}`],
        ] as const;
        for (const [method, path] of targets) {
          const response = await api(method, path, { headers: alice, body });
          assert.equal(response.status, 400, `${method}: ${response.text}`);
          assert.equal(response.body.status, 400);
          assert.equal(response.body.error, 'Bad Request');
          assert.equal(typeof response.body.message, 'string');
          if (field)
            assert.ok(
              response.body.violations.some((v: { field: string }) => v.field === field),
              `${method}: ${response.text}`,
            );
        }
        assert.deepEqual((await api('GET', `/${existing.id}`, { headers: alice })).body, existing, 'the PUT changed nothing');
        await api('DELETE', `/${existing.id}`, { headers: alice });
      });
    }

    it('names every missing required field as "Field required"', async () => {
      const response = await api('POST', '', { headers: alice, body: {} });
      assert.equal(response.status, 400);
      assert.deepEqual(response.body.violations, [
        { field: 'notificationUrl', message: 'Field required' },
        { field: 'eventType', message: 'Field required' },
        { field: 'authentication', message: 'Field required' },
      ]);
    });

    it('answers 400 for malformed JSON, a non-JSON content type and a missing body, and creates nothing', async () => {
      const fresh = bearer(await token({ sub: 'svc-fresh', tenantId: tenantA }));
      const raws: [string, Record<string, string>][] = [
        ['{"notificationUrl":', { 'content-type': 'application/json' }],
        [JSON.stringify(oauth2Body), { 'content-type': 'text/plain' }],
        ['notificationUrl=https://your-server.com/webhook', { 'content-type': 'application/x-www-form-urlencoded' }],
        [JSON.stringify(oauth2Body), {}],
      ];
      for (const [raw, headers] of raws) {
        const response = await api('POST', '', { headers: { ...fresh, ...headers }, raw });
        assert.equal(response.status, 400, `${JSON.stringify(headers)} → ${response.text}`);
        assert.equal(response.body.error, 'Bad Request');
      }
      const empty = await api('POST', '', { headers: fresh });
      assert.equal(empty.status, 400);
      assert.deepEqual((await api('GET', '', { headers: fresh })).body, []);
    });

    it('refuses an oversize body with 413 in the same error shape', async () => {
      const response = await api('POST', '', { headers: alice, body: { ...oauth2Body, description: 'x'.repeat(100 * 1024) } });
      assert.equal(response.status, 413);
      assert.equal(response.body.status, 413);
    });
  });

  describe('credentials', () => {
    it('never returns a secret in any response body', () => {
      assert.ok(seen.length > 50, 'the other tests ran first');
      for (const text of seen) {
        for (const secret of SECRETS) assert.ok(!text.includes(secret), `${secret} leaked in ${text.slice(0, 200)}`);
      }
    });

    it('keeps secrets, usernames and client ids out of the SQLite file in plaintext', () => {
      const raw = readFileSync(server.dbPath).toString('latin1') + readFileSync(`${server.dbPath}-wal`).toString('latin1');
      assert.ok(raw.includes('your-server.com/webhook'), 'the file is readable and holds the subscriptions');
      for (const value of [...SECRETS, ...IDENTITIES, 'whsec_']) assert.ok(!raw.includes(value), `${value} is stored in plaintext`);
    });
  });
});
