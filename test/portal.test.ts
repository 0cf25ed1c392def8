import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { NODE_VERIFIER, PYTHON_VERIFIER } from '../src/portal/guide.ts';
import { ConsoleClient } from './support/console-client.ts';
import { answer, type Receiver, startReceiver } from './support/receiver.ts';
import { adminToken, bearer, call, createTenant, type RunningServer, startServer, token } from './support/server.ts';
import { queryStore } from './support/store.ts';

const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

describe('tenant portal over HTTP: single-use links, sessions scoped to one tenant', () => {
  let server: RunningServer;
  let receiver: Receiver;
  let acme: { id: string; apiKey: string };
  let globex: { id: string; apiKey: string };
  let acmeEndpoint: string;
  let globexEndpoint: string;
  let globexDelivery: number;
  let globexSponsorEndpoint: string;

  /** Issues a link for `tenantId` with a platform token. */
  async function link(tenantId: string, body?: unknown) {
    const response = await call(server, 'POST', `/api/v1/admin/tenants/${tenantId}/portal`, { headers: bearer(await adminToken()), body });
    assert.equal(response.status, 201, response.text);
    return response.body as { url: string; expires_at: string };
  }

  /** Opens a fresh link in a new cookie jar: a signed-in portal client. */
  async function portalOf(tenantId: string, body?: unknown) {
    const { url } = await link(tenantId, body);
    const client = new ConsoleClient(server.url);
    const opened = await client.get(url.slice(server.url.length));
    assert.equal(opened.status, 303, opened.html);
    assert.equal(opened.location, '/portal');
    return client;
  }

  before(async () => {
    receiver = await startReceiver(answer(200, 'ok'));
    server = await startServer();
    acme = await createTenant(server, 'Acme');
    globex = await createTenant(server, 'Globex', 'org-globex');
    const admin = bearer(await adminToken());
    const make = async (tenantId: string, path: string) => {
      const response = await call(server, 'POST', '/api/v1/admin/webhooks', {
        headers: admin,
        body: { tenant_id: tenantId, url: `${receiver.url}${path}`, events: ['invoice.created'] },
      });
      assert.equal(response.status, 201, response.text);
      return response.body.id as string;
    };
    acmeEndpoint = await make(acme.id, '/acme');
    globexEndpoint = await make(globex.id, '/globex-secret-path');
    const sponsor = await call(server, 'POST', '/api/webhooks', { headers: { authorization: globex.apiKey }, body: { url: `${receiver.url}/globex-sponsor` } });
    globexSponsorEndpoint = sponsor.body.webhook_id;
    const published = await call(server, 'POST', '/api/v1/events', {
      headers: { authorization: globex.apiKey },
      body: { type: 'invoice.created', data: { invoice_id: 'inv_globex' } },
    });
    assert.equal(published.status, 202);
    await receiver.waitFor((received) => received.some((request) => request.path === '/globex-secret-path'));
    globexDelivery = queryStore(server.dbPath, 'SELECT id FROM deliveries WHERE endpoint_id = ?', globexEndpoint)[0].id;
  });
  after(async () => {
    await server?.stop();
    await receiver?.close();
  });

  describe('POST /api/v1/admin/tenants/{tenant_id}/portal', () => {
    it('answers a link and its expiry (15 minutes by default) and records who issued it', async () => {
      const before = Date.now();
      const { url, expires_at } = await link(acme.id);
      assert.match(url, new RegExp(`^${server.url}/portal/open\\?token=pl_[0-9a-f]{24}\\.[A-Za-z0-9_-]{43}$`));
      const expiresIn = Date.parse(expires_at) - before;
      assert.ok(expiresIn > 890_000 && expiresIn < 910_000, `${expiresIn} ms`);
      const [row] = queryStore(server.dbPath, 'SELECT secret_hash, created_by FROM portal_links ORDER BY created_at DESC LIMIT 1');
      assert.equal(row.created_by, 'svc-test');
      assert.ok(!url.includes(row.secret_hash), 'the store keeps a hash of the secret, not the secret');
      const audit = queryStore(server.dbPath, "SELECT actor_kind, actor, tenant_id FROM audit_log WHERE action = 'portal_link.created' ORDER BY id DESC LIMIT 1");
      assert.deepEqual(audit[0], { actor_kind: 'token', actor: 'svc-test', tenant_id: acme.id });
    });

    it('takes a TTL, a theme and a frame-ancestors allow-list', async () => {
      const before = Date.now();
      const { expires_at } = await link(acme.id, {
        ttl_seconds: 60,
        theme: { accent: '#0A7D55', logo_url: 'https://cdn.example.com/logo.svg' },
        frame_ancestors: ['https://App.Example.com', 'https://*.example.org:8443'],
      });
      assert.ok(Date.parse(expires_at) - before < 70_000);
      const [row] = queryStore(server.dbPath, 'SELECT settings FROM portal_links ORDER BY created_at DESC LIMIT 1');
      assert.deepEqual(JSON.parse(row.settings), {
        accent: '#0A7D55',
        logo_url: 'https://cdn.example.com/logo.svg',
        frame_ancestors: ['https://app.example.com', 'https://*.example.org:8443'],
      });
    });

    for (const [name, body, loc] of [
      ['an accent that is not a hex colour', { theme: { accent: 'red; background:url(x)' } }, ['body', 'theme', 'accent']],
      ['a logo over plain http', { theme: { logo_url: 'http://cdn.example.com/logo.svg' } }, ['body', 'theme', 'logo_url']],
      ['a frame ancestor with a path', { frame_ancestors: ['https://app.example.com/embed'] }, ['body', 'frame_ancestors', 0]],
      ['a frame ancestor that would extend the CSP', { frame_ancestors: ["https://app.example.com; script-src 'unsafe-inline'"] }, ['body', 'frame_ancestors', 0]],
      ['a frame ancestor wildcard', { frame_ancestors: ['*'] }, ['body', 'frame_ancestors', 0]],
      ['a TTL under 30 s', { ttl_seconds: 5 }, ['body', 'ttl_seconds']],
      ['a TTL over a day', { ttl_seconds: 86_401 }, ['body', 'ttl_seconds']],
    ] as const) {
      it(`refuses ${name} with a 422 at its field`, async () => {
        const response = await call(server, 'POST', `/api/v1/admin/tenants/${acme.id}/portal`, { headers: bearer(await adminToken()), body });
        assert.equal(response.status, 422, response.text);
        assert.deepEqual(response.body.detail[0].loc, loc);
      });
    }

    it('answers 404 for an unknown tenant and for a tenant outside a bound token’s reach, 401/403 without an admin token', async () => {
      const path = (tenantId: string) => `/api/v1/admin/tenants/${tenantId}/portal`;
      assert.equal((await call(server, 'POST', path('ten_000000000000000000000000'), { headers: bearer(await adminToken()) })).status, 404);
      const outside = await call(server, 'POST', path(globex.id), { headers: bearer(await adminToken({ tenantId: acme.id })) });
      assert.equal(outside.status, 404);
      assert.deepEqual(outside.body, { detail: 'Tenant not found' });
      assert.equal((await call(server, 'POST', path(acme.id), { headers: bearer(await adminToken({ partnerOrgId: 'org-globex' })) })).status, 404);
      assert.equal((await call(server, 'POST', path(globex.id), { headers: bearer(await adminToken({ partnerOrgId: 'org-globex' })) })).status, 201);
      assert.equal((await call(server, 'POST', path(acme.id), { headers: bearer(await adminToken({ tenantId: acme.id })) })).status, 201);
      assert.equal((await call(server, 'POST', path(acme.id))).status, 401);
      assert.equal((await call(server, 'POST', path(acme.id), { headers: bearer(await token({ scope: 'webhooks:read' })) })).status, 403);
    });
  });

  describe('opening a link', () => {
    it('sets an HttpOnly session cookie for /portal and redirects; a second opening says the link was used', async () => {
      const { url } = await link(acme.id);
      const client = new ConsoleClient(server.url);
      const first = await client.get(url.slice(server.url.length));
      assert.equal(first.status, 303);
      const [cookie] = client.lastSetCookies;
      assert.match(cookie!, /^hookgate_portal=[A-Za-z0-9_-]{43}; Max-Age=14400; Path=\/portal; HttpOnly; SameSite=Lax$/, 'plain http: Lax, not Secure');
      assert.equal(first.headers.get('referrer-policy'), 'no-referrer');
      assert.equal((await client.get('/portal')).status, 200);
      const second = await new ConsoleClient(server.url).get(url.slice(server.url.length));
      assert.equal(second.status, 410);
      assert.match(second.html, /Link already used or expired/);
      assert.match(second.html, /already been used/);
    });

    it('is not used up by a HEAD request (link checkers)', async () => {
      const { url } = await link(acme.id);
      const head = await fetch(url, { method: 'HEAD', redirect: 'manual' });
      assert.equal(head.status, 200);
      assert.equal(head.headers.get('set-cookie'), null);
      assert.equal((await fetch(url, { redirect: 'manual' })).status, 303);
    });

    it('opens one session however many requests race with the same link', async () => {
      const { url } = await link(acme.id);
      const answers = await Promise.all(Array.from({ length: 8 }, () => fetch(url, { redirect: 'manual' }).then((response) => response.status)));
      assert.deepEqual(answers.sort(), [303, 410, 410, 410, 410, 410, 410, 410]);
    });

    it('refuses a tampered, an unknown and an expired token the same way, without a session', async () => {
      const { url } = await link(acme.id);
      const tampered = `${url.slice(0, -4)}AAAA`;
      for (const address of [tampered, `${server.url}/portal/open?token=nonsense`, `${server.url}/portal/open`]) {
        const response = await new ConsoleClient(server.url).get(address.slice(server.url.length));
        assert.equal(response.status, 410);
        assert.match(response.html, /not valid/);
      }
      assert.equal((await new ConsoleClient(server.url).get(url.slice(server.url.length))).status, 303, 'the tampering did not use up the real link');
    });

    it('refuses an expired link', async () => {
      const { url } = await link(acme.id, { ttl_seconds: 30 });
      const linkId = /token=(pl_[0-9a-f]{24})/.exec(url)![1];
      const db = new (await import('better-sqlite3')).default(server.dbPath);
      db.prepare('UPDATE portal_links SET expires_at = ? WHERE id = ?').run(Date.now() - 1, linkId);
      db.close();
      const response = await new ConsoleClient(server.url).get(url.slice(server.url.length));
      assert.equal(response.status, 410);
      assert.match(response.html, /has expired/);
    });

    it('without a session, every page says the session ended', async () => {
      for (const path of ['/portal', '/portal/events', `/portal/endpoints/${acmeEndpoint}`]) {
        const response = await new ConsoleClient(server.url).get(path);
        assert.equal(response.status, 401);
        assert.match(response.html, /session has ended/);
      }
      const forged = new ConsoleClient(server.url);
      forged.cookies.set('hookgate_portal', 'A'.repeat(43));
      assert.equal((await forged.get('/portal')).status, 401);
    });
  });

  describe('framing and page headers', () => {
    it('refuses every frame by default', async () => {
      const client = await portalOf(acme.id);
      const page = await client.get('/portal');
      assert.match(page.headers.get('content-security-policy')!, /frame-ancestors 'none'/);
      assert.match(page.headers.get('content-security-policy')!, /script-src 'self';/);
      assert.equal(page.headers.get('x-frame-options'), 'DENY');
      assert.equal(page.headers.get('cache-control'), 'no-store');
    });

    it('allows exactly the link’s origins, drops X-Frame-Options, lets the logo’s origin in and themes the page', async () => {
      const client = await portalOf(acme.id, { frame_ancestors: ['https://app.example.com'], theme: { accent: '#fc0', logo_url: 'https://cdn.example.com/logo.svg' } });
      const page = await client.get('/portal');
      const csp = page.headers.get('content-security-policy')!;
      assert.match(csp, /frame-ancestors https:\/\/app\.example\.com;/);
      assert.match(csp, /img-src 'self' https:\/\/cdn\.example\.com;/);
      assert.equal(page.headers.get('x-frame-options'), null);
      assert.match(page.html, /<img src="https:\/\/cdn\.example\.com\/logo\.svg" alt="">/);
      assert.match(page.html, /href="\/portal\/assets\/theme\.css\?accent=ffcc00"/);
      const theme = await client.get('/portal/assets/theme.css?accent=ffcc00');
      assert.equal(theme.html, ':root { --accent:#ffcc00; --on-accent:#1d2330; }\n', 'dark text on a light accent');
      assert.equal((await client.get('/portal/assets/theme.css?accent=}body{')).html, '');
    });
  });

  describe('isolation: a session reaches its own tenant’s admin webhooks only', () => {
    let client: ConsoleClient;
    before(async () => {
      client = await portalOf(acme.id);
    });

    it('lists its own endpoints and nothing of another tenant', async () => {
      const page = await client.get('/portal');
      assert.equal(page.status, 200);
      assert.ok(page.html.includes(acmeEndpoint));
      assert.ok(!page.html.includes(globexEndpoint) && !page.html.includes('globex'));
    });

    it('answers 404 on every page and action for another tenant’s endpoint, delivery or surface, and changes nothing', async () => {
      const csrf = csrfOf((await client.get('/portal')).html);
      const before = queryStore(server.dbPath, 'SELECT * FROM endpoints WHERE tenant_id = ? ORDER BY id', globex.id);
      const deliveriesBefore = queryStore(server.dbPath, 'SELECT COUNT(*) AS n FROM deliveries')[0].n;
      const probes: [string, string, Record<string, string>?][] = [];
      for (const id of [globexEndpoint, globexSponsorEndpoint, 'wh_000000000000000000000000']) {
        const base = `/portal/endpoints/${id}`;
        probes.push(['GET', base], ['GET', `${base}/edit`], ['GET', `${base}/rotate-secret`], ['GET', `${base}/delete`], ['GET', `${base}/deliveries/${globexDelivery}`]);
        probes.push(['POST', base, { _csrf: csrf, url: 'https://evil.example/x', events: 'invoice.created', active: 'true' }]);
        for (const action of ['test', 'rotate-secret', 'delete']) probes.push(['POST', `${base}/${action}`, { _csrf: csrf, confirm: 'yes' }]);
      }
      probes.push(['GET', `/portal/endpoints/${acmeEndpoint}/deliveries/${globexDelivery}`]);
      for (const [method, path, form] of probes) {
        const response = await client.request(method, path, form);
        assert.equal(response.status, 404, `${method} ${path}`);
        assert.ok(!response.html.includes('globex-secret-path') && !response.html.includes('inv_globex'), `${method} ${path} leaks nothing`);
      }
      assert.deepEqual(queryStore(server.dbPath, 'SELECT * FROM endpoints WHERE tenant_id = ? ORDER BY id', globex.id), before);
      assert.equal(queryStore(server.dbPath, 'SELECT COUNT(*) AS n FROM deliveries')[0].n, deliveriesBefore, 'no test event was sent');
    });

    it('refuses a post without the session’s CSRF token or from another origin', async () => {
      const path = `/portal/endpoints/${acmeEndpoint}/test`;
      assert.equal((await client.post(path, {})).status, 403);
      assert.equal((await client.post(path, { _csrf: 'x'.repeat(32) })).status, 403);
      const csrf = csrfOf((await client.get('/portal')).html);
      assert.equal((await client.post(path, { _csrf: csrf }, { origin: 'https://evil.example' })).status, 403);
    });
  });

  describe('managing endpoints', () => {
    it('adds an endpoint, shows its secret once, sends a test event the receiver can verify with the documented snippets, and audits as the portal', async () => {
      const client = await portalOf(acme.id);
      const csrf = csrfOf((await client.get('/portal/endpoints/new')).html);
      const bad = await client.post('/portal/endpoints', { _csrf: csrf, url: 'not a url', events: 'invoice.created' });
      assert.equal(bad.status, 422);
      assert.match(bad.html, /not a valid URL/);
      assert.match(bad.html, /value="not a url"/, 'the form keeps what was typed');
      assert.match((await client.post('/portal/endpoints', { _csrf: csrf, url: `${receiver.url}/portal-new` })).html, /Choose at least one event/);

      const created = await client.post('/portal/endpoints', { _csrf: csrf, url: `${receiver.url}/portal-new`, events: 'invoice.created' });
      assert.equal(created.status, 200);
      const secret = /id="signing-secret">(whsec_[A-Za-z0-9+/=]+)</.exec(created.html)![1]!;
      const endpointId = /href="\/portal\/endpoints\/(wh_[0-9a-f]{24})"/.exec(created.html)![1]!;
      const [stored] = queryStore(server.dbPath, 'SELECT tenant_id, surface, url FROM endpoints WHERE id = ?', endpointId);
      assert.deepEqual(stored, { tenant_id: acme.id, surface: 'admin', url: `${receiver.url}/portal-new` });
      assert.ok(!(await client.get(`/portal/endpoints/${endpointId}`)).html.includes(secret), 'never shown again');

      const tested = await client.post(`/portal/endpoints/${endpointId}/test`, { _csrf: csrf });
      assert.equal(tested.status, 303);
      assert.match(tested.location!, new RegExp(`^/portal/endpoints/${endpointId}/deliveries/\\d+\\?notice=test-succeeded$`));
      const delivery = await client.get(tested.location!);
      assert.match(delivery.html, /Attempt 1[\s\S]*succeeded[\s\S]*Duration[\s\S]*ms[\s\S]*Response status<\/dt><dd class="status-code">200/);
      const [request] = (await receiver.waitFor((received) => received.some((r) => r.path === '/portal-new'))).filter((r) => r.path === '/portal-new');

      const dir = mkdtempSync(join(tmpdir(), 'hookgate-verify-'));
      writeFileSync(join(dir, 'verify.mjs'), NODE_VERIFIER);
      const { verifyWebhook } = await import(join(dir, 'verify.mjs'));
      assert.equal(verifyWebhook(request!.headers, request!.body, secret), true, 'the Node snippet verifies a real delivery');
      assert.equal(verifyWebhook(request!.headers, `${request!.body} `, secret), false, 'and refuses a changed body');
      writeFileSync(join(dir, 'verify.py'), `${PYTHON_VERIFIER}\nimport json, sys\nh = json.loads(sys.argv[1])\nprint(verify_webhook(h, sys.stdin.buffer.read(), sys.argv[2]))\n`);
      const python = spawnSync('python3', [join(dir, 'verify.py'), JSON.stringify(request!.headers), secret], { input: request!.body });
      if (python.error) assert.fail(`python3 is needed to check the Python snippet: ${python.error.message}`);
      assert.equal(python.stdout.toString().trim(), 'True', python.stderr.toString());

      const audit = queryStore(server.dbPath, 'SELECT actor_kind, actor, action FROM audit_log WHERE target_id = ? ORDER BY id', endpointId);
      const linkId = audit[0]?.actor;
      assert.match(linkId, /^pl_[0-9a-f]{24}$/);
      assert.deepEqual(audit, [
        { actor_kind: 'portal', actor: linkId, action: 'webhook.created' },
        { actor_kind: 'portal', actor: linkId, action: 'webhook.tested' },
      ]);
    });

    it('edits, rotates (after asking) and deletes (after asking) its endpoint', async () => {
      const client = await portalOf(acme.id);
      const csrf = csrfOf((await client.get('/portal')).html);
      const created = await client.post('/portal/endpoints', { _csrf: csrf, url: `${receiver.url}/to-edit`, events: 'invoice.created' });
      const endpointId = /href="\/portal\/endpoints\/(wh_[0-9a-f]{24})"/.exec(created.html)![1]!;
      const base = `/portal/endpoints/${endpointId}`;

      const edited = await client.post(base, { _csrf: csrf, url: `${receiver.url}/edited`, description: 'Billing', events: 'invoice.paid' });
      assert.equal(edited.status, 303);
      assert.deepEqual(queryStore(server.dbPath, 'SELECT url, description, event_types, enabled FROM endpoints WHERE id = ?', endpointId)[0], {
        url: `${receiver.url}/edited`,
        description: 'Billing',
        event_types: '["invoice.paid"]',
        enabled: 0,
      });

      const secretBefore = queryStore(server.dbPath, 'SELECT secret_enc FROM endpoints WHERE id = ?', endpointId)[0].secret_enc;
      const unconfirmed = await client.post(`${base}/rotate-secret`, { _csrf: csrf });
      assert.equal(unconfirmed.status, 303, 'without the confirmation it only asks');
      assert.equal(unconfirmed.location, `${base}/rotate-secret`);
      assert.equal(queryStore(server.dbPath, 'SELECT secret_enc FROM endpoints WHERE id = ?', endpointId)[0].secret_enc, secretBefore);
      const rotated = await client.post(`${base}/rotate-secret`, { _csrf: csrf, confirm: 'yes' });
      assert.match(rotated.html, /id="signing-secret">whsec_/);
      assert.notEqual(queryStore(server.dbPath, 'SELECT secret_enc FROM endpoints WHERE id = ?', endpointId)[0].secret_enc, secretBefore);

      assert.equal((await client.post(`${base}/delete`, { _csrf: csrf })).location, `${base}/delete`);
      const deleted = await client.post(`${base}/delete`, { _csrf: csrf, confirm: 'yes' });
      assert.equal(deleted.location, '/portal?notice=deleted');
      assert.equal(queryStore(server.dbPath, 'SELECT id FROM endpoints WHERE id = ?', endpointId).length, 0);
      assert.deepEqual(
        queryStore(server.dbPath, "SELECT action FROM audit_log WHERE target_id = ? AND actor_kind = 'portal' ORDER BY id", endpointId).map((row) => row.action),
        ['webhook.created', 'webhook.updated', 'webhook.secret_rotated', 'webhook.deleted'],
      );
    });

    it('shows the event catalogue with example bodies and the verification guide', async () => {
      const client = await portalOf(acme.id);
      const catalogue = await client.get('/portal/events');
      assert.match(catalogue.html, /<code>invoice\.created<\/code>/);
      assert.ok(catalogue.html.includes(`&quot;tenant_id&quot;: &quot;${acme.id}&quot;`), 'example bodies carry the tenant’s own id');
      const guide = await client.get('/portal/verifying');
      assert.match(guide.html, /webhook-signature/);
      assert.match(guide.html, /def verify_webhook/);
    });

    it('signs out: the session no longer opens a page', async () => {
      const client = await portalOf(acme.id);
      const csrf = csrfOf((await client.get('/portal')).html);
      const cookie = client.cookies.get('hookgate_portal')!;
      assert.equal((await client.post('/portal/logout', { _csrf: csrf })).status, 200);
      const replay = new ConsoleClient(server.url);
      replay.cookies.set('hookgate_portal', cookie);
      assert.equal((await replay.get('/portal')).status, 401, 'a copy of the cookie is revoked too');
    });

    it('shows an ended session’s page under the link’s own frame allow-list, so it still renders in the customer’s frame', async () => {
      const client = await portalOf(acme.id, { frame_ancestors: ['https://app.example.com'] });
      const csrf = csrfOf((await client.get('/portal')).html);
      const cookie = client.cookies.get('hookgate_portal')!;
      await client.post('/portal/logout', { _csrf: csrf });
      const replay = new ConsoleClient(server.url);
      replay.cookies.set('hookgate_portal', cookie);
      const ended = await replay.get('/portal/events');
      assert.equal(ended.status, 401);
      assert.match(ended.headers.get('content-security-policy')!, /frame-ancestors https:\/\/app\.example\.com;/);
      assert.doesNotMatch(ended.html, /Event catalogue<\/h1>/);
    });
  });
});

describe('tenant portal behind https (HOOKGATE_PUBLIC_URL)', () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer({ HOOKGATE_PUBLIC_URL: 'https://hooks.example.com/' });
  });
  after(() => server?.stop());

  it('hands out links on the public address and sets a cookie a cross-site frame keeps: SameSite=None; Secure; Partitioned', async () => {
    const tenant = await createTenant(server, 'Initech');
    const response = await call(server, 'POST', `/api/v1/admin/tenants/${tenant.id}/portal`, {
      headers: bearer(await adminToken()),
      body: { frame_ancestors: ['https://app.initech.example'] },
    });
    assert.equal(response.status, 201);
    const url: string = response.body.url;
    assert.match(url, /^https:\/\/hooks\.example\.com\/portal\/open\?token=pl_/);
    const client = new ConsoleClient(server.url);
    const opened = await client.get(url.slice('https://hooks.example.com'.length));
    assert.equal(opened.status, 303);
    assert.match(client.lastSetCookies[0]!, /^hookgate_portal=[A-Za-z0-9_-]{43}; Max-Age=14400; Path=\/portal; HttpOnly; Secure; SameSite=None; Partitioned$/);
  });
});
