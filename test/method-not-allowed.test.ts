import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, type RunningServer, startServer } from './support/server.ts';

/** FastAPI routes before it authenticates: a known path with the wrong method is a 405 with `Allow`, credentials or not. */
describe('a wrong method on a known path', () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.stop());

  it('answers 405 with Allow in the format of the surface it hit, before authentication', async () => {
    const cases = [
      { method: 'PUT', path: '/api/webhooks', allow: 'GET, POST, DELETE', body: { detail: 'Method Not Allowed' } },
      { method: 'POST', path: '/api/webhooks/event-types', allow: 'GET', body: { detail: 'Method Not Allowed' } },
      { method: 'PUT', path: '/api/v1/admin/webhooks', allow: 'GET, POST', body: { detail: 'Method Not Allowed' } },
      { method: 'DELETE', path: '/api/v1/admin/webhooks/', allow: 'GET, POST', body: { detail: 'Method Not Allowed' } },
      { method: 'PUT', path: '/api/v1/admin/webhooks/wh_1/deliveries/7/retry', allow: 'POST', body: { detail: 'Method Not Allowed' } },
      { method: 'GET', path: '/api/v1/events', allow: 'POST', body: { detail: 'Method Not Allowed' } },
      { method: 'PATCH', path: '/subscription-management', allow: 'GET, POST', body: { status: 405, error: 'Method Not Allowed', message: 'Method Not Allowed' } },
      { method: 'GET', path: '/api/v1/webhooks/get', allow: 'POST', body: { status: 'error', msg: 'Método no permitido' } },
    ];
    for (const { method, path, allow, body } of cases) {
      const response = await call(server, method, path);
      assert.equal(response.status, 405, `${method} ${path}`);
      assert.equal(response.headers.get('allow'), allow, `${method} ${path}`);
      assert.deepEqual(response.body, body, `${method} ${path}`);
    }
  });

  it('leaves unknown paths a 404 and the right method to authentication', async () => {
    assert.equal((await call(server, 'GET', '/nothing-here')).status, 404);
    assert.equal((await call(server, 'GET', '/api/v1/admin/webhooks')).status, 401);
    assert.equal((await call(server, 'HEAD', '/health')).status, 200);
  });
});
