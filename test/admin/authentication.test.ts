import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { signDevToken } from '../../src/auth/sign-token.ts';
import { bearer, call, JWT_SECRET, type RunningServer, token } from '../support/server.ts';
import { BASE, b64url, useAdminApi } from './support.ts';

describe('admin webhooks API (page 001, /api/v1/admin/webhooks)', () => {
  const api = useAdminApi();
  let server: RunningServer;
  before(() => {
    ({ server } = api);
  });

  describe('authentication', () => {
    it('answers 401 with a FastAPI detail without a token, with a bad one, an expired one, a foreign signature or alg none', async () => {
      const now = Math.floor(Date.now() / 1000);
      const unsigned = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ sub: 'x', scope: 'webhooks:admin', iat: now, exp: now + 600 })}.`;
      const headerSets = [
        {},
        bearer('not-a-jwt'),
        bearer(await token({ scope: 'webhooks:admin', ttlSeconds: -60 })),
        bearer(await signDevToken({ secret: `${JWT_SECRET}-but-another-one`, sub: 'x', scope: 'webhooks:admin', ttlSeconds: 600 })),
        bearer(unsigned),
        { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
      ];
      for (const headers of headerSets) {
        for (const [method, path] of [
          ['GET', BASE],
          ['GET', `${BASE}/events`],
          ['DELETE', `${BASE}/wh_x`],
        ] as const) {
          const response = await call(server, method, path, { headers });
          assert.equal(response.status, 401, `${method} ${path} ${JSON.stringify(headers)}`);
          assert.equal(typeof response.body.detail, 'string');
          assert.equal(response.headers.get('www-authenticate'), 'Bearer');
        }
      }
    });

    it('answers 403 to a valid token without the webhooks:admin scope', async () => {
      for (const scope of [undefined, 'webhooks:read', 'webhooks:admin2']) {
        const response = await call(server, 'GET', BASE, { headers: bearer(await token({ scope })) });
        assert.equal(response.status, 403);
        assert.match(response.body.detail, /webhooks:admin/);
      }
    });
  });
});
