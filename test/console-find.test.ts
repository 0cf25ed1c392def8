import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { chromiumMissing, launchChromium, screenshotPath, signInToConsole } from './support/browser.ts';
import { eventually } from './support/eventually.ts';
import { type Receiver, startReceiver } from './support/receiver.ts';
import { adminToken, bearer, call, createTenant, type RunningServer, startServer } from './support/server.ts';
import { queryStore } from './support/store.ts';

const ADMIN_USER = 'ops';
const ADMIN_PASSWORD = 'correct-horse-battery-staple';
const text = async (locator: Locator) => (await locator.textContent()) ?? '';
/** /ok succeeds; /gone answers 410 (its endpoint is disabled, reason `gone`); /down fails and is retried in an hour. */
const ANSWERS: Record<string, [number, string]> = { '/ok': [200, 'fine, thanks'], '/gone': [410, 'this endpoint is gone'], '/down': [500, 'down for maintenance'] };

describe('console in a real browser: find an event, see who received it, and what is failing now', { skip: chromiumMissing() }, () => {
  let server: RunningServer;
  let receiver: Receiver;
  let browser: Browser;
  let page: Page;
  let acme: { id: string; apiKey: string };
  let other: { id: string; apiKey: string };
  let sponsorId: string;
  let adminId: string;
  let acmeEvent: string;
  let otherEvent: string;

  before(async () => {
    receiver = await startReceiver((request, res) => {
      const [status, body] = ANSWERS[request.path] ?? [404, 'no such path'];
      res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
    });
    server = await startServer({ HOOKGATE_ADMIN_USER: ADMIN_USER, HOOKGATE_ADMIN_PASSWORD: ADMIN_PASSWORD, HOOKGATE_RETRY_SCHEDULE: '3600', HOOKGATE_SWEEP_CRON: '* * * * * *' });
    acme = await createTenant(server, 'Acme Invoicing');
    other = await createTenant(server, 'Other Corp');
    sponsorId = (await call(server, 'POST', '/api/webhooks', { headers: { authorization: acme.apiKey }, body: { url: `${receiver.url}/ok` } })).body.webhook_id;
    const admin = await call(server, 'POST', '/api/v1/admin/webhooks', {
      headers: bearer(await adminToken()),
      body: { tenant_id: acme.id, url: `${receiver.url}/gone`, events: ['invoice.paid'] },
    });
    assert.equal(admin.status, 201, admin.text);
    adminId = admin.body.id;
    assert.equal((await call(server, 'POST', '/api/webhooks', { headers: { authorization: other.apiKey }, body: { url: `${receiver.url}/down` } })).status, 201);
    const publish = async (tenant: { apiKey: string }) =>
      (await call(server, 'POST', '/api/v1/events', { headers: { authorization: tenant.apiKey }, body: { type: 'invoice.paid', data: { invoice_id: 'inv_find' } } })).body
        .event_id as string;
    acmeEvent = await publish(acme);
    otherEvent = await publish(other);
    await eventually(
      async () => {
        const rows = queryStore(server.dbPath, 'SELECT status, attempt_count FROM deliveries');
        return rows.length === 3 && rows.every((row) => row.attempt_count === 1) && rows.filter((row) => row.status !== 'pending').length === 2 ? rows : undefined;
      },
      30_000,
      'every delivery is attempted once',
      100,
    );
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signInToConsole(page, server.url, ADMIN_USER, ADMIN_PASSWORD);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await receiver?.close();
  });

  it('searches by event id and opens the event’s page: both endpoints, each attempt’s status and response', async () => {
    await page.getByRole('link', { name: 'Search' }).click();
    await page.getByLabel('Event id').fill(acmeEvent);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/\/console\/search\?/);
    const rows = page.locator('table.results tbody tr');
    assert.equal(await rows.count(), 2, 'one delivery per endpoint the event fanned out to');
    await page.screenshot({ path: screenshotPath('console-search'), fullPage: true });
    await rows.first().getByRole('link', { name: acmeEvent }).click();
    await page.getByRole('heading', { name: `Event ${acmeEvent}` }).waitFor();
    const sponsor = page.locator('section.delivery', { has: page.getByRole('link', { name: sponsorId }) });
    const admin = page.locator('section.delivery', { has: page.getByRole('link', { name: adminId }) });
    assert.match(await text(sponsor), /succeeded[\s\S]*Sponsor \(000\)[\s\S]*200[\s\S]*fine, thanks/);
    assert.match(await text(admin), /failed[\s\S]*Admin \(001\)[\s\S]*410[\s\S]*this endpoint is gone/);
    await page.screenshot({ path: screenshotPath('console-event'), fullPage: true });
  });

  it('narrows a search by endpoint URL and status, and says when nothing matches', async () => {
    await page.goto(`${server.url}/console/search?url=${encodeURIComponent('/down')}&status=pending`);
    const rows = page.locator('table.results tbody tr');
    assert.equal(await rows.count(), 1);
    assert.match(await text(rows.first()), new RegExp(otherEvent));
    await page.goto(`${server.url}/console/search?url=${encodeURIComponent('/down')}&status=succeeded`);
    assert.match(await text(page.locator('.empty')), /No delivery matches/);
    await page.goto(`${server.url}/console/search?since=yesterday`);
    assert.match(await text(page.getByRole('status')), /From must be a date and time/);
  });

  it('lists the disabled endpoint with its reason and the delivery failing now, across tenants', async () => {
    await page.getByRole('link', { name: 'Failing now' }).click();
    const disabled = page.locator('#disabled-endpoints tbody tr');
    assert.equal(await disabled.count(), 1);
    assert.match(await text(disabled.first()), new RegExp(`${adminId}[\\s\\S]*${acme.id}[\\s\\S]*Admin \\(001\\)[\\s\\S]*disabled gone`));
    const failing = page.locator('#failing-deliveries tbody tr');
    assert.equal(await failing.count(), 1);
    assert.match(await text(failing.first()), new RegExp(`${otherEvent}[\\s\\S]*${other.id}[\\s\\S]*500 receiver answered HTTP 500`));
    await page.screenshot({ path: screenshotPath('console-failing-now'), fullPage: true });
  });

  it('a tenant-bound session finds only its own tenant’s events and failures', async () => {
    const context = await browser.newContext();
    const tenantPage = await context.newPage();
    await tenantPage.goto(`${server.url}/console/login`);
    await tenantPage.fill('#token', await adminToken({ tenantId: other.id }));
    await tenantPage.getByRole('button', { name: 'Sign in' }).click();
    await tenantPage.waitForURL(`${server.url}/console`);
    const foreign = await tenantPage.goto(`${server.url}/console/events/${acmeEvent}`);
    assert.equal(foreign?.status(), 404);
    await tenantPage.goto(`${server.url}/console/search?event_id=${acmeEvent}`);
    assert.match(await text(tenantPage.locator('.empty')), /No delivery matches/);
    await tenantPage.goto(`${server.url}/console/failing`);
    assert.equal(await tenantPage.locator('#disabled-endpoints').count(), 0, 'the other tenant’s disabled endpoint is not listed');
    assert.equal(await tenantPage.locator('#failing-deliveries tbody tr').count(), 1);
    await context.close();
  });
});
