import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromiumMissing, type FramingApp, launchChromium, signInToConsole, startFramingApp } from './support/browser.ts';
import { eventually } from './support/eventually.ts';
import { allowOnlyLoopback, auditPage, collectRefusals, crawlPages, documentationShot, policyProblems, routeName, seriousAccessibilityProblems } from './support/page-audit.ts';
import { type Receiver, startReceiver } from './support/receiver.ts';
import { adminToken, bearer, call, createTenant, type RunningServer, startServer } from './support/server.ts';
import { queryStore } from './support/store.ts';

const ADMIN_USER = 'ops';
const ADMIN_PASSWORD = 'correct-horse-battery-staple';
/** The crawl's bound: distinct page shapes (route and query keys), far above what the console has today. */
const MAX_PAGES = 80;
/** Crawl starts besides the home page: a search with results and an error page, which no link leads to. */
const EXTRA_STARTS = ['/console/search?status=pending', '/console/not-found'];
/** Links the crawl never follows: they change state (sign-out is a form, but be safe) or are not pages. */
const NOT_PAGES = [/^\/console\/logout/, /^\/console\/assets\//];
/** The portal's links the crawl never follows: sign-out (a form), assets, and the single-use link itself. */
const NOT_PORTAL_PAGES = [/^\/portal\/(logout|assets|open)/];

/**
 * Every page a person sees — the console (crawled from its home page through every same-origin
 * link, so pages added later are covered without listing them), its sign-in and error pages, and
 * /docs — in headless Chromium with every host but 127.0.0.1 blocked: each carries the strict
 * CSP, breaks none of it, and has no serious or critical axe-core violation. With
 * HOOKGATE_SCREENSHOTS=1 each page's screenshot is written to docs/console/.
 */
describe('every page in a real browser: offline, under a strict CSP, accessible', { skip: chromiumMissing(), timeout: 600_000 }, () => {
  let server: RunningServer;
  let receiver: Receiver;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let blocked: string[];
  let refusals: string[];
  let tenant: { id: string; apiKey: string };
  let adminEndpoint: string;
  let customerApp: FramingApp;

  before(async () => {
    receiver = await startReceiver((request, res) => {
      res.writeHead(request.path === '/down' ? 503 : 200).end(request.path === '/down' ? 'maintenance' : 'ok');
    });
    // A failed attempt is retried in an hour: its delivery stays pending and shows under "failing now".
    server = await startServer({ HOOKGATE_ADMIN_USER: ADMIN_USER, HOOKGATE_ADMIN_PASSWORD: ADMIN_PASSWORD, HOOKGATE_RETRY_SCHEDULE: '3600' });
    tenant = await createTenant(server, 'Acme Invoicing');
    const globex = await createTenant(server, 'Globex');
    for (const [owner, path] of [
      [tenant, '/ok'],
      [globex, '/down'],
    ] as const) {
      const created = await call(server, 'POST', '/api/webhooks', { headers: { authorization: owner.apiKey }, body: { url: `${receiver.url}${path}` } });
      assert.equal(created.status, 201, created.text);
      const published = await call(server, 'POST', '/api/v1/events', {
        headers: { authorization: owner.apiKey },
        body: { type: 'invoice.created', data: { invoice_id: 'inv_1' } },
      });
      assert.equal(published.status, 202, published.text);
    }
    const admin = await call(server, 'POST', '/api/v1/admin/webhooks', {
      headers: bearer(await adminToken()),
      body: { tenant_id: tenant.id, url: `${receiver.url}/ok`, events: ['document.status_changed'], is_active: false },
    });
    assert.equal(admin.status, 201, admin.text);
    adminEndpoint = admin.body.id;
    customerApp = await startFramingApp();
    await eventually(
      async () => (queryStore(server.dbPath, 'SELECT COUNT(*) AS n FROM attempts')[0]?.n === 2 ? true : undefined),
      20_000,
      'both endpoints are attempted once',
      100,
    );
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1024, height: 640 }, reducedMotion: 'reduce', colorScheme: 'light' });
    blocked = await allowOnlyLoopback(context);
    page = await context.newPage();
    refusals = collectRefusals(page);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await receiver?.close();
    await customerApp?.close();
  });

  it('/docs renders the API reference from our own origin with the network cut off, naming no other origin', async () => {
    // The reference opens its first tag: that tag's first operation must be visible.
    const spec = (await call(server, 'GET', '/openapi.json')).body as { tags: { name: string }[]; paths: Record<string, Record<string, { summary?: string; tags?: string[] }>> };
    const summary = Object.values(spec.paths)
      .flatMap((operations) => Object.values(operations))
      .find((operation) => operation.summary && operation.tags?.includes(spec.tags[0]!.name))!.summary!;
    const response = await page.goto(`${server.url}/docs`);
    assert.equal(response?.status(), 200);
    assert.doesNotMatch(await response!.text(), /\/\/[a-z0-9.-]+\.[a-z]/i, 'the HTML names no other origin');
    await page.getByText(summary, { exact: true }).first().waitFor({ state: 'visible', timeout: 60_000 });
    assert.deepEqual(policyProblems(response!.headers()), []);
    assert.deepEqual(await seriousAccessibilityProblems(page), [], '/docs: serious or critical accessibility violations');
    await documentationShot(page, 'api-reference');
    assert.deepEqual(blocked, [], 'no request left 127.0.0.1');
    assert.deepEqual(refusals, [], 'nothing refused by the CSP, no script error');
  });

  it('the sign-in page, and its answer to a wrong password', async () => {
    await auditPage(page, `${server.url}/console/login`, { shot: 'console-sign-in' });
    await page.fill('#user', ADMIN_USER);
    await page.fill('#password', 'not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('status').waitFor();
    assert.deepEqual(await seriousAccessibilityProblems(page), [], 'the refused sign-in');
    assert.deepEqual(refusals, []);
  });

  it('crawls every console page reachable from the home page: each strict, accessible, and working offline', async () => {
    await signInToConsole(page, server.url, ADMIN_USER, ADMIN_PASSWORD);
    const visited = await crawlPages(page, server.url, {
      starts: ['/console', ...EXTRA_STARTS],
      within: '/console',
      skip: NOT_PAGES,
      max: MAX_PAGES,
      statusOf: (path) => (path === '/console/not-found' ? 404 : 200),
    });
    assert.ok(!page.url().endsWith('/console/login'), 'the session held through the crawl');
    const routes = new Set(visited.map((path) => routeName(new URL(path, server.url).pathname)));
    for (const expected of [
      'console-home',
      'console-tenants-id',
      'console-endpoints-id',
      'console-endpoints-id-deliveries-id',
      'console-endpoints-id-rotate-secret',
      'console-endpoints-id-charts',
      'console-events-id',
      'console-search',
      'console-failing',
      'console-charts',
      'console-audit',
      'console-not-found',
      'console-tenants-id-endpoints-new',
      'console-endpoints-id-edit',
      'console-endpoints-id-delete',
      'console-endpoints-id-recover',
      'console-users',
    ]) {
      assert.ok(routes.has(expected), `the crawl reached ${expected} (reached: ${[...routes].join(', ')})`);
    }
    assert.deepEqual(blocked, [], 'no request left 127.0.0.1');
    assert.deepEqual(refusals, [], 'nothing refused by the CSP, no script error');
  });

  it('the page only a form leads to: the new secret after a confirmed rotation', async () => {
    await page.goto(`${server.url}/console/failing`);
    await page.locator('#disabled-endpoints a[href^="/console/endpoints/"]').first().click();
    await page.getByRole('link', { name: 'Rotate secret…' }).click();
    const [response] = await Promise.all([page.waitForResponse((answer) => answer.request().method() === 'POST'), page.getByRole('button', { name: 'Rotate secret' }).click()]);
    await page.getByRole('heading', { name: 'New signing secret' }).waitFor();
    assert.deepEqual(policyProblems(response.headers()), []);
    assert.deepEqual(await seriousAccessibilityProblems(page), [], 'the new-secret page');
    await documentationShot(page, 'console-new-secret');
    assert.deepEqual(refusals, []);
  });

  it('the pages only a form leads to: a recovery’s dry-run preview, then its progress', async () => {
    await page.goto(`${server.url}/console/tenants/${tenant.id}`);
    await page.locator('a[href^="/console/endpoints/"]').first().click();
    await page.getByRole('link', { name: 'Recover deliveries…' }).click();
    await page.fill('#since', '2000-01-01T00:00');
    await page.selectOption('#status', 'all');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.locator('#recovery-preview').waitFor();
    assert.deepEqual(await seriousAccessibilityProblems(page), [], 'the recovery preview');
    await documentationShot(page, 'console-recovery-preview');
    const [response] = await Promise.all([page.waitForResponse((answer) => /\/recoveries\/rec_/.test(answer.url())), page.getByRole('button', { name: 'Start recovery' }).click()]);
    await page.locator('#recovery-progress').waitFor();
    assert.deepEqual(policyProblems(response.headers()), []);
    assert.deepEqual(await seriousAccessibilityProblems(page), [], 'the recovery progress');
    await documentationShot(page, 'console-endpoints-id-recoveries-id');
    assert.deepEqual(refusals, []);
  });

  it('issues a portal link from the tenant page, opens it in the customer’s frame, then crawls every portal page: each strict, framed only as the link says, accessible', async () => {
    // A delivery of the tenant's admin webhook, so the crawl reaches a portal delivery page.
    const test = await call(server, 'POST', `/api/v1/admin/webhooks/${adminEndpoint}/test`, { headers: bearer(await adminToken()) });
    assert.equal(test.status, 200, test.text);
    await page.goto(`${server.url}/console/tenants/${tenant.id}`);
    await page.fill('#accent', '#0a5d45');
    await page.fill('#frame_ancestors', customerApp.origin);
    const [created] = await Promise.all([page.waitForResponse((answer) => answer.request().method() === 'POST'), page.getByRole('button', { name: 'Create portal link' }).click()]);
    await page.getByRole('heading', { name: 'Portal link of Acme Invoicing' }).waitFor();
    assert.deepEqual(policyProblems(created.headers()), []);
    const url = (await page.locator('#portal-url').textContent())!;
    assert.match(url, /\/portal\/open\?token=pl_/);
    assert.ok(Date.parse((await page.locator('#portal-expires').getAttribute('datetime'))!) > Date.now(), 'its expiry is shown');
    assert.deepEqual(await seriousAccessibilityProblems(page), [], 'the new portal link');
    await documentationShot(page, 'console-portal-link');

    // The customer's app frames the link (another origin, allowed by the link): that opens the portal's session.
    const embedded = await context.newPage();
    await embedded.goto(`${customerApp.origin}/?src=${encodeURIComponent(url)}`);
    await embedded.frameLocator('iframe').getByRole('heading', { name: 'Endpoints' }).waitFor();
    await documentationShot(embedded, 'portal-embedded');
    await embedded.close();

    const visited = await crawlPages(page, server.url, {
      starts: ['/portal', '/portal/not-found'],
      within: '/portal',
      skip: NOT_PORTAL_PAGES,
      max: MAX_PAGES,
      statusOf: (path) => (path === '/portal/not-found' ? 404 : 200),
      embeddable: true,
    });
    const routes = new Set(visited.map((path) => routeName(new URL(path, server.url).pathname)));
    for (const expected of [
      'portal-home',
      'portal-events',
      'portal-verifying',
      'portal-endpoints-new',
      'portal-endpoints-id',
      'portal-endpoints-id-edit',
      'portal-endpoints-id-rotate-secret',
      'portal-endpoints-id-delete',
      'portal-endpoints-id-deliveries-id',
      'portal-not-found',
    ]) {
      assert.ok(routes.has(expected), `the crawl reached ${expected} (reached: ${[...routes].join(', ')})`);
    }
    const framing = (await page.goto(`${server.url}/portal`))!.headers()['content-security-policy']?.match(/frame-ancestors [^;]+/)?.[0];
    assert.equal(framing, `frame-ancestors ${customerApp.origin}`, 'framed only by the origin the link names');
    assert.deepEqual(blocked, [], 'no request left 127.0.0.1');
    assert.deepEqual(refusals, [], 'nothing refused by the CSP, no script error');
  });
});
