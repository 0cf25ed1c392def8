import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { consoleApp } from '../src/console/index.ts';
import { ConsoleClient } from './support/console-client.ts';
import { type RunningServer, startServer } from './support/server.ts';

const ADMIN = { user: 'ops', password: 'correct-horse-battery-staple' };
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS', 'ALL']);

/**
 * Every state-changing route of the console, read from the console app's own route table (so a
 * route added later is covered without listing it), with its parameters filled in: a path
 * parameter need not name anything real, since the token is checked before any handler runs.
 */
const unsafeRoutes = () => {
  const routes = consoleApp()
    .routes.filter((route) => !SAFE.has(route.method))
    .map((route) => ({ method: route.method, path: `/console${route.path.replace(/:\w+(\{(?:[^{}]|\{[^{}]*\})*\})?/g, '1')}` }));
  return [...new Map(routes.map((route) => [`${route.method} ${route.path}`, route])).values()];
};

describe('console: every form post without the session’s CSRF token is refused', () => {
  let server: RunningServer;
  let client: ConsoleClient;
  let csrf: string;
  const routes = unsafeRoutes();

  before(async () => {
    server = await startServer({ HOOKGATE_ADMIN_USER: ADMIN.user, HOOKGATE_ADMIN_PASSWORD: ADMIN.password });
    client = new ConsoleClient(server.url);
    assert.equal((await client.signIn(ADMIN)).status, 303);
    csrf = await client.csrfOf('/console');
  });
  after(() => server?.stop());

  it('finds the routes (a check over none would pass anything)', () => {
    const paths = routes.map((route) => `${route.method} ${route.path}`);
    for (const expected of ['POST /console/login', 'POST /console/logout', 'POST /console/endpoints/1/test', 'POST /console/endpoints/1/deliveries/1/retry']) {
      assert.ok(paths.includes(expected), `${expected} in ${paths.join(', ')}`);
    }
  });

  it('answers 403 to a post with no token, a wrong token, or the right token from another origin, and changes nothing', async () => {
    const refused: string[] = [];
    for (const { method, path } of routes) {
      for (const [why, form, headers] of [
        ['no token', {}, {}],
        ['a wrong token', { _csrf: 'x'.repeat(csrf.length) }, {}],
        ['a token of another length', { _csrf: `${csrf}x` }, {}],
        ['another origin', { _csrf: csrf }, { origin: 'https://evil.example' }],
      ] as const) {
        const response = await client.request(method, path, form, headers);
        if (response.status !== 403) refused.push(`${method} ${path} with ${why}: ${response.status}`);
      }
    }
    assert.deepEqual(refused, [], 'every unsafe console route refuses a post without the session’s token');
    assert.equal((await client.get('/console')).status, 200, 'the session survived (sign-out without a token did nothing)');
  });

  it('lets the same posts through with the session’s token (the 403s above come from the token, not the route)', async () => {
    const routesButSession = routes.filter((route) => !/\/console\/(login|logout)$/.test(route.path));
    for (const { method, path } of routesButSession) {
      const response = await client.request(method, path, { _csrf: csrf });
      assert.notEqual(response.status, 403, `${method} ${path} with the token`);
    }
    assert.equal((await client.post('/console/logout', { _csrf: csrf })).status, 303);
  });
});
