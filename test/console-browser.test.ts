import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { chromiumMissing, launchChromium, screenshotPath, signInToConsole } from './support/browser.ts';
import { eventually } from './support/eventually.ts';
import { answer, type Receiver, startReceiver } from './support/receiver.ts';
import { adminToken, bearer, call, createTenant, type RunningServer, startServer } from './support/server.ts';
import { queryStore } from './support/store.ts';

const ADMIN_USER = 'ops';
const text = async (locator: Locator) => (await locator.textContent()) ?? '';
const ADMIN_PASSWORD = 'correct-horse-battery-staple';

function waitForDeliveryStatus(server: RunningServer, eventId: string, status: string, timeoutMs = 20_000) {
  return eventually(
    async () => queryStore(server.dbPath, 'SELECT id, status FROM deliveries WHERE event_id = ?', eventId).find((row) => row.status === status)?.id as number | undefined,
    timeoutMs,
    `delivery of ${eventId} becomes ${status}`,
    100,
  );
}

describe('console in a real browser: an operator finds a failed delivery and retries it', { skip: chromiumMissing() }, () => {
  let server: RunningServer;
  let receiver: Receiver;
  let browser: Browser;
  let page: Page;
  let tenant: { id: string; apiKey: string };
  let sponsorWebhookId: string;
  let adminWebhookId: string;
  let eventId: string;

  before(async () => {
    receiver = await startReceiver(answer(500, 'receiver is down'));
    server = await startServer({
      HOOKGATE_ADMIN_USER: ADMIN_USER,
      HOOKGATE_ADMIN_PASSWORD: ADMIN_PASSWORD,
      // Two attempts a second apart, then the delivery is failed for good.
      HOOKGATE_RETRY_SCHEDULE: '1',
      HOOKGATE_SWEEP_CRON: '* * * * * *',
    });
    tenant = await createTenant(server, 'Acme Invoicing');
    const sponsor = await call(server, 'POST', '/api/webhooks', { headers: { authorization: tenant.apiKey }, body: { url: `${receiver.url}/sponsor` } });
    assert.equal(sponsor.status, 201);
    sponsorWebhookId = sponsor.body.webhook_id;
    const admin = await call(server, 'POST', '/api/v1/admin/webhooks', {
      headers: bearer(await adminToken()),
      body: { tenant_id: tenant.id, url: `${receiver.url}/admin`, events: ['document.status_changed'] },
    });
    assert.equal(admin.status, 201);
    adminWebhookId = admin.body.id;
    const published = await call(server, 'POST', '/api/v1/events', {
      headers: { authorization: tenant.apiKey },
      body: { type: 'invoice.created', data: { invoice_id: 'inv_console_1' } },
    });
    assert.equal(published.status, 202);
    eventId = published.body.event_id;
    await waitForDeliveryStatus(server, eventId, 'failed');
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await receiver?.close();
  });

  it('signs in with the admin credentials and lists the tenants', async () => {
    await page.goto(`${server.url}/console`);
    assert.match(page.url(), /\/console\/login$/, 'an anonymous visit lands on the sign-in page');
    await signInToConsole(page, server.url, ADMIN_USER, ADMIN_PASSWORD);
    await page.getByRole('link', { name: 'Acme Invoicing' }).waitFor();
    await page.screenshot({ path: screenshotPath('console-tenants'), fullPage: true });
  });

  it('shows the tenant’s endpoints of every surface with state, last delivery and 24 h success rate', async () => {
    await page.getByRole('link', { name: 'Acme Invoicing' }).click();
    const sponsorRow = page.locator('tr', { has: page.getByRole('link', { name: sponsorWebhookId }) });
    const adminRow = page.locator('tr', { has: page.getByRole('link', { name: adminWebhookId }) });
    assert.match(await text(sponsorRow), /Sponsor \(000\)[\s\S]*enabled[\s\S]*failed[\s\S]*0% \(0\/1\)/);
    assert.match(await text(adminRow), /Admin \(001\)[\s\S]*enabled[\s\S]*never/);
    await page.screenshot({ path: screenshotPath('console-tenant-endpoints'), fullPage: true });
  });

  it('filters the endpoint’s deliveries to the failed one and shows its attempts with request and response', async () => {
    await page.getByRole('link', { name: sponsorWebhookId }).click();
    await page.getByRole('link', { name: 'failed', exact: true }).click();
    await page.waitForURL(/status=failed/);
    const rows = page.locator('tbody tr');
    assert.equal(await rows.count(), 1);
    await rows.first().getByRole('link').click();
    await page.getByRole('heading', { name: /Delivery #\d+/ }).waitFor();
    assert.match(await text(page.locator('h1')), /failed/);
    const attempts = page.locator('section.attempt');
    assert.equal(await attempts.count(), 2, 'both failed attempts are listed');
    const attempt = await text(attempts.first());
    assert.match(attempt, /500/);
    assert.match(attempt, /receiver is down/, 'the response body is shown');
    assert.match(attempt, /webhook-id\s*msg_/i, 'the request headers are shown');
    assert.match(await text(page.locator('pre').first()), /inv_console_1/, 'the payload is shown');
    await page.screenshot({ path: screenshotPath('console-failed-delivery'), fullPage: true });
  });

  it('retries the delivery against a receiver that now answers 200 and shows it succeeded', async () => {
    receiver.respond = answer(200, 'ok now');
    await page.getByRole('button', { name: 'Retry now' }).click();
    await page.waitForURL(/notice=retry-succeeded/);
    assert.match(await text(page.getByRole('status')), /accepted the delivery/);
    assert.match(await text(page.locator('h1')), /succeeded/);
    assert.equal(await page.locator('section.attempt').count(), 3);
    assert.match(await text(page.locator('section.attempt').first()), /Attempt 3[\s\S]*succeeded[\s\S]*manual[\s\S]*200/);
    const [row] = queryStore(server.dbPath, 'SELECT status, attempt_count FROM deliveries WHERE event_id = ?', eventId);
    assert.deepEqual(row, { status: 'succeeded', attempt_count: 3 });
    await page.screenshot({ path: screenshotPath('console-retried-delivery'), fullPage: true });
  });

  it('sends a test event, disables the endpoint and rotates its secret (shown once)', async () => {
    await page.getByRole('link', { name: sponsorWebhookId }).click();
    await page.getByRole('button', { name: 'Send test event' }).click();
    await page.waitForURL(/notice=test-succeeded/);
    await page.getByRole('link', { name: sponsorWebhookId }).click();
    await page.getByRole('button', { name: 'Disable' }).click();
    await page.waitForURL(/notice=disabled/);
    assert.match(await text(page.locator('.card').first()), /disabled/);
    await page.getByRole('link', { name: 'Rotate secret…' }).click();
    assert.match(await text(page.locator('h1')), /Rotate the signing secret/, 'rotation asks first');
    await page.screenshot({ path: screenshotPath('console-rotate-confirmation'), fullPage: true });
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    const secret = await text(page.locator('#new-secret'));
    assert.match(secret, /^[0-9a-f]{64}$/, 'a sponsor (page 000) secret keeps its hex format');
    await page.screenshot({ path: screenshotPath('console-rotated-secret'), fullPage: true });
    await page.goBack();
    await page.reload();
    assert.ok(!(await page.content()).includes(secret), 'the secret is never shown again (back on the confirmation)');
    await page.getByRole('link', { name: 'Cancel' }).click();
    assert.ok(!(await page.content()).includes(secret), 'nor on the endpoint page');
    await page.getByRole('button', { name: 'Enable' }).click();
    await page.waitForURL(/notice=enabled/);
  });
});
