import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromiumMissing, type FramingApp, launchChromium, screenshotPath, startFramingApp } from './support/browser.ts';
import { seriousAccessibilityProblems } from './support/page-audit.ts';
import { answer, type Receiver, startReceiver } from './support/receiver.ts';
import { adminToken, bearer, call, createTenant, type RunningServer, startServer } from './support/server.ts';
import { queryStore } from './support/store.ts';

async function assertAccessible(page: Page, name: string) {
  assert.deepEqual(await seriousAccessibilityProblems(page), [], `axe on ${name} (${page.url()})`);
}

describe('tenant portal in a real browser: embedded, single-use, one tenant only, accessible', { skip: chromiumMissing() }, () => {
  let server: RunningServer;
  let receiver: Receiver;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let allowedParent: FramingApp;
  let otherParent: FramingApp;
  let acme: { id: string };
  let globexEndpoint: string;
  let globexDelivery: number;
  let directLink: string;

  async function link(body: unknown = {}) {
    const response = await call(server, 'POST', `/api/v1/admin/tenants/${acme.id}/portal`, { headers: bearer(await adminToken()), body });
    assert.equal(response.status, 201, response.text);
    return response.body.url as string;
  }

  before(async () => {
    receiver = await startReceiver(answer(200, 'ok'));
    server = await startServer();
    allowedParent = await startFramingApp();
    otherParent = await startFramingApp();
    acme = await createTenant(server, 'Acme Invoicing');
    const globex = await createTenant(server, 'Globex');
    const created = await call(server, 'POST', '/api/v1/admin/webhooks', {
      headers: bearer(await adminToken()),
      body: { tenant_id: globex.id, url: `${receiver.url}/globex-private`, events: ['invoice.created'] },
    });
    globexEndpoint = created.body.id;
    await call(server, 'POST', '/api/v1/events', { headers: { authorization: globex.apiKey }, body: { type: 'invoice.created', data: { invoice_id: 'inv_globex' } } });
    await receiver.waitFor((received) => received.some((request) => request.path === '/globex-private'));
    globexDelivery = queryStore(server.dbPath, 'SELECT id FROM deliveries WHERE endpoint_id = ?', globexEndpoint)[0].id;
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await receiver?.close();
    await allowedParent?.close();
    await otherParent?.close();
  });

  it('opens inside the iframe of an allowed origin, themed with the accent colour', async () => {
    const url = await link({ frame_ancestors: [allowedParent.origin], theme: { accent: '#0a5d45' } });
    const embedded = await context.newPage();
    await embedded.goto(`${allowedParent.origin}/?src=${encodeURIComponent(url)}`);
    const frame = embedded.frameLocator('iframe');
    await frame.getByRole('heading', { name: 'Endpoints' }).waitFor();
    const headerBackground = await frame.locator('header').evaluate((header) => getComputedStyle(header).backgroundColor);
    assert.equal(headerBackground, 'rgb(10, 93, 69)');
    await embedded.screenshot({ path: screenshotPath('portal-embedded') });
    await embedded.close();
  });

  it('is refused by the browser inside the iframe of an origin not on the allow-list', async () => {
    const url = await link({ frame_ancestors: [allowedParent.origin] });
    const embedded = await context.newPage();
    const refusals: string[] = [];
    embedded.on('console', (message) => {
      if (/violates the following Content Security Policy directive: "frame-ancestors/.test(message.text())) refusals.push(message.text());
    });
    const portalAnswer = embedded.waitForResponse((response) => response.url().endsWith('/portal'));
    await embedded.goto(`${otherParent.origin}/?src=${encodeURIComponent(url)}`);
    const response = await portalAnswer;
    assert.equal(response.headers()['content-security-policy']?.match(/frame-ancestors [^;]+/)?.[0], `frame-ancestors ${allowedParent.origin}`);
    for (let waited = 0; refusals.length === 0 && waited < 5000; waited += 100) await embedded.waitForTimeout(100);
    assert.equal(refusals.length, 1, 'Chromium reports the frame-ancestors refusal');
    assert.ok(refusals[0]!.includes(`Framing '${server.url}/'`));
    const child = embedded.frames().find((frame) => frame !== embedded.mainFrame())!;
    assert.equal(child.url(), 'chrome-error://chromewebdata/', 'the frame shows the browser’s error page instead');
    assert.ok(!(await child.content()).includes('Endpoints'), 'the portal is not rendered in the frame');
    await embedded.close();
  });

  it('opens the link at the top level: the tenant’s endpoints', async () => {
    directLink = await link();
    await page.goto(directLink);
    assert.equal(page.url(), `${server.url}/portal`, 'the token is gone from the address bar');
    await page.getByRole('heading', { name: 'Endpoints' }).waitFor();
    assert.ok(!(await page.content()).includes('globex'));
    await assertAccessible(page, 'endpoints-empty');
  });

  let endpointId: string;
  let firstSecret: string;

  it('adds an endpoint and shows its secret once', async () => {
    await page.getByRole('link', { name: 'Add endpoint' }).click();
    await page.getByRole('heading', { name: 'Add endpoint' }).waitFor();
    await assertAccessible(page, 'endpoint-new');
    await page.getByLabel('Endpoint URL').fill(`${receiver.url}/acme-portal`);
    await page.getByLabel('invoice.created').check();
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page.getByRole('heading', { name: 'Endpoint added' }).waitFor();
    firstSecret = (await page.locator('#signing-secret').textContent())!;
    assert.match(firstSecret, /^whsec_/);
    await assertAccessible(page, 'endpoint-secret');
    await page.getByRole('link', { name: /Continue to the endpoint/ }).click();
    endpointId = /\/portal\/endpoints\/(wh_[0-9a-f]{24})$/.exec(page.url())![1]!;
    await assertAccessible(page, 'endpoint');
  });

  it('edits it', async () => {
    await page.getByRole('link', { name: 'Edit' }).click();
    await assertAccessible(page, 'endpoint-edit');
    await page.getByLabel('Description').fill('Billing system');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Endpoint saved.').waitFor();
    assert.equal(queryStore(server.dbPath, 'SELECT description FROM endpoints WHERE id = ?', endpointId)[0].description, 'Billing system');
  });

  it('sends a test event that arrives at the receiver, and shows the attempt', async () => {
    await page.getByRole('button', { name: 'Send test event' }).click();
    await page.getByText('Test event sent: your endpoint accepted it.').waitFor();
    const received = await receiver.waitFor((requests) => requests.some((request) => request.path === '/acme-portal'));
    assert.equal(received.find((request) => request.path === '/acme-portal')!.json.tenant_id, acme.id);
    assert.equal((await page.locator('#attempt-1 .status-code').textContent())?.trim(), '200');
    await assertAccessible(page, 'delivery');
  });

  it('rotates the secret after a confirmation', async () => {
    await page.goto(`${server.url}/portal/endpoints/${endpointId}`);
    await page.getByRole('link', { name: 'Rotate secret…' }).click();
    await page.getByRole('heading', { name: 'Rotate the signing secret?' }).waitFor();
    await assertAccessible(page, 'rotate-confirm');
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    const secret = (await page.locator('#signing-secret').textContent())!;
    assert.match(secret, /^whsec_/);
    assert.notEqual(secret, firstSecret);
  });

  it('shows the event catalogue and how to verify signatures', async () => {
    await page.getByRole('link', { name: 'Event catalogue' }).click();
    await page.getByRole('heading', { name: 'invoice.created' }).waitFor();
    await assertAccessible(page, 'events');
    await page.getByRole('link', { name: 'Verifying signatures' }).click();
    await page.getByRole('heading', { name: 'Python' }).waitFor();
    await assertAccessible(page, 'verifying');
  });

  it('answers "not found" for another tenant’s endpoint and delivery, showing none of its data', async () => {
    for (const path of [`/portal/endpoints/${globexEndpoint}`, `/portal/endpoints/${globexEndpoint}/edit`, `/portal/endpoints/${endpointId}/deliveries/${globexDelivery}`]) {
      const response = await page.goto(`${server.url}${path}`);
      assert.equal(response?.status(), 404, path);
      const content = await page.content();
      assert.ok(!content.includes('globex-private') && !content.includes('inv_globex'), path);
    }
    await page.getByText('Endpoint not found').or(page.getByText('Delivery not found')).first().waitFor();
    await assertAccessible(page, 'not-found');
  });

  it('deletes the endpoint after a confirmation', async () => {
    await page.goto(`${server.url}/portal/endpoints/${endpointId}`);
    await page.getByRole('link', { name: 'Delete…' }).click();
    await assertAccessible(page, 'delete-confirm');
    await page.getByRole('button', { name: 'Delete endpoint' }).click();
    await page.getByText('Endpoint deleted').waitFor();
    assert.equal(queryStore(server.dbPath, 'SELECT id FROM endpoints WHERE id = ?', endpointId).length, 0);
  });

  it('refuses the same link a second time, in another browser too', async () => {
    const other = await browser.newContext();
    const second = await other.newPage();
    const response = await second.goto(directLink);
    assert.equal(response?.status(), 410);
    await second.getByRole('heading', { name: 'Link already used or expired' }).waitFor();
    await assertAccessible(second, 'link-used');
    await other.close();
  });
});
