import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissing, launchChromium, screenshotPath, signInToConsole } from './support/browser.ts';
import { seriousAccessibilityProblems } from './support/page-audit.ts';
import { type Receiver, startReceiver } from './support/receiver.ts';
import { call, type RunningServer, startServer } from './support/server.ts';
import { queryStore } from './support/store.ts';

const ADMIN_USER = 'ops';
const ADMIN_PASSWORD = 'correct-horse-battery-staple';

describe('console in a real browser: an operator runs the service day to day', { skip: chromiumMissing() }, () => {
  let server: RunningServer;
  let receiver: Receiver;
  let browser: Browser;
  let page: Page;
  let tenantUrl: string;
  let apiKey: string;
  const endpoints: Record<string, string> = {};

  const problems: string[] = [];
  const checkAccessibility = async () => problems.push(...(await seriousAccessibilityProblems(page)).map((problem) => `${page.url()}: ${problem}`));
  const noticeText = async () => (await page.locator('.notice').first().textContent())?.trim() ?? '';
  const receivedAt = (path: string) => receiver.received.filter((request) => request.path === path);

  before(async () => {
    receiver = await startReceiver();
    server = await startServer({
      HOOKGATE_ADMIN_USER: ADMIN_USER,
      HOOKGATE_ADMIN_PASSWORD: ADMIN_PASSWORD,
      // The sweeper runs every second: it advances recovery jobs and sends what they re-schedule.
      HOOKGATE_SWEEP_CRON: '* * * * * *',
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signInToConsole(page, server.url, ADMIN_USER, ADMIN_PASSWORD);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await receiver?.close();
  });

  it('creates a tenant: its first API key is shown once, and it works against the API', async () => {
    await page.fill('#name', 'Browser Co');
    await page.getByRole('button', { name: 'Create tenant' }).click();
    const key = (await page.locator('#new-api-key').textContent())!;
    assert.match(key, /^hg_[0-9a-f]{16}_/);
    apiKey = key;
    assert.equal((await call(server, 'GET', '/api/webhooks', { headers: { authorization: key } })).status, 404, 'authenticated: no webhook yet');
    await page.screenshot({ path: screenshotPath('console-tenant-created'), fullPage: true });
    await checkAccessibility();
    await page.getByRole('link', { name: '← back to Browser Co' }).click();
    tenantUrl = page.url();
    assert.ok(!(await page.content()).includes(key), 'the tenant page does not show the key again');
  });

  it('creates a second API key and an AS2 partner from the tenant page', async () => {
    await page.fill('#key-label', 'billing-service');
    await page.getByRole('button', { name: 'Create API key' }).click();
    assert.match((await page.locator('#new-api-key').textContent())!, /^hg_/);
    await page.goto(tenantUrl);
    assert.equal(await page.locator('#api-keys tbody tr').count(), 2);
    await page.fill('#partner-name', 'Contoso EDI');
    await page.getByRole('button', { name: 'Create AS2 partner' }).click();
    assert.match(await noticeText(), /AS2 trading partner created/);
    await page.locator('#as2-partners', { hasText: 'Contoso EDI' }).waitFor();
    await page.screenshot({ path: screenshotPath('console-tenant-keys-partners'), fullPage: true });
    await checkAccessibility();
  });

  for (const [surface, label, fill] of [
    ['sponsor', 'Sponsor (000)', async () => {}],
    [
      'admin',
      'Admin (001)',
      async () => {
        await page.check('input[name=events][value="invoice.created"]');
        await page.check('input[name=events][value="document.status_changed"]');
      },
    ],
    [
      'subscription',
      'Subscription (002)',
      async () => {
        await page.fill('#subscriber', 'svc-billing');
        await page.selectOption('#event_type', 'INVOICE_STATUS_CHANGED');
        await page.selectOption('#auth_method', 'API_KEY');
        await page.fill('#header_name', 'X-Api-Key');
        await page.fill('#api_key', 'browser-key-1');
      },
    ],
    ['as2', 'AS2 (003)', () => page.selectOption('#partner_id', { index: 1 }).then(() => undefined)],
  ] as const) {
    it(`creates an endpoint of the ${surface} surface against a real receiver, sends it a test event and sees it arrive`, async () => {
      await page.goto(tenantUrl);
      await page.getByRole('link', { name: `New ${label} endpoint` }).click();
      await page.fill('#url', `${receiver.url}/${surface}`);
      await fill();
      if (surface === 'subscription') await page.screenshot({ path: screenshotPath('console-endpoint-new'), fullPage: true });
      await checkAccessibility();
      await page.getByRole('button', { name: 'Create endpoint' }).click();
      assert.ok(((await page.locator('#new-secret').textContent()) ?? '').length >= 16, 'the signing secret is shown once');
      await page.getByRole('link', { name: /go to/ }).click();
      endpoints[surface] = page.url().split('/').pop()!;
      await page.getByRole('button', { name: 'Send test event' }).click();
      await page.waitForURL(/\/deliveries\/\d+/);
      assert.match(await noticeText(), /the receiver accepted it/);
      const [arrived] = await receiver.waitFor(() => receivedAt(`/${surface}`).length === 1, 10_000).then(() => receivedAt(`/${surface}`));
      assert.equal(arrived!.json.data.test, true);
      if (surface === 'subscription') assert.equal(arrived!.headers['x-api-key'], 'browser-key-1');
      if (surface === 'admin') {
        const [row] = queryStore(server.dbPath, 'SELECT event_types FROM endpoints WHERE id = ?', endpoints.admin);
        assert.deepEqual(JSON.parse(row.event_types), ['invoice.created', 'document.status_changed'], 'every checked event is kept');
      }
    });
  }

  it('pauses and resumes an endpoint, edits it, and rotates its secret after the confirmation', async () => {
    await page.goto(`${server.url}/console/endpoints/${endpoints.admin}`);
    await page.getByRole('button', { name: 'Disable' }).click();
    assert.match(await noticeText(), /Endpoint disabled/);
    await page.getByRole('button', { name: 'Enable' }).click();
    assert.match(await noticeText(), /Endpoint enabled/);

    await page.getByRole('link', { name: 'Edit…' }).click();
    await page.fill('#url', `${receiver.url}/admin-v2`);
    await page.fill('#description', 'edited in the browser');
    await page.screenshot({ path: screenshotPath('console-endpoint-edit'), fullPage: true });
    await checkAccessibility();
    await page.getByRole('button', { name: 'Save endpoint' }).click();
    assert.match(await noticeText(), /Endpoint saved/);
    assert.match((await page.locator('dl.grid').first().textContent())!, /admin-v2/);

    await page.getByRole('link', { name: 'Rotate secret…' }).click();
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    assert.match((await page.locator('#new-secret').textContent())!, /^whsec_/);
  });

  it('shows a refused form with its message and keeps what was typed', async () => {
    await page.goto(tenantUrl);
    await page.getByRole('link', { name: 'New Sponsor (000) endpoint' }).click();
    await page.fill('#url', `${receiver.url}/second-sponsor`);
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    assert.match(await noticeText(), /already exists for this sponsor/);
    assert.equal(await page.inputValue('#url'), `${receiver.url}/second-sponsor`);
    await checkAccessibility();
  });

  it('bulk recovers with a dry-run preview, then follows the job’s progress until it is done and the delivery is re-sent', async () => {
    await page.goto(`${server.url}/console/endpoints/${endpoints.sponsor}`);
    await page.getByRole('link', { name: 'Recover deliveries…' }).click();
    await page.fill('#since', '2000-01-01T00:00');
    await page.selectOption('#status', 'all');
    await page.getByRole('button', { name: 'Preview' }).click();
    assert.match((await page.locator('#recovery-preview').textContent())!, /1 delivery would be re-sent/);
    assert.equal(await page.locator('.count-succeeded').textContent(), '1');
    await page.screenshot({ path: screenshotPath('console-recovery-preview'), fullPage: true });
    await checkAccessibility();
    assert.equal(receivedAt('/sponsor').length, 1, 'the preview sent nothing');
    await page.getByRole('button', { name: 'Start recovery' }).click();
    await page.waitForURL(/\/recoveries\/rec_/);
    // The page refreshes its progress region by itself (live.js): no reload here.
    await page.locator('#recovery-state', { hasText: 'done' }).waitFor({ timeout: 30_000 });
    assert.match((await page.locator('#recovery-progress').textContent())!, /1 of 1 handled: 1 re-scheduled/);
    await page.screenshot({ path: screenshotPath('console-recovery-progress'), fullPage: true });
    await checkAccessibility();
    await receiver.waitFor(() => receivedAt('/sponsor').length === 2, 15_000);
  });

  it('finds who received an event: searches by its id, opens the event page with every endpoint it fanned out to and each attempt', async () => {
    const published = await call(server, 'POST', '/api/v1/events', { headers: { authorization: apiKey }, body: { type: 'invoice.created', data: { invoice_id: 'inv_find' } } });
    assert.equal(published.status, 202, published.text);
    const eventId = published.body.event_id as string;
    const fannedOut = () => queryStore(server.dbPath, "SELECT id FROM deliveries WHERE event_id = ? AND status = 'succeeded'", eventId);
    await receiver.waitFor(
      () => fannedOut().length >= 2 && fannedOut().length === queryStore(server.dbPath, 'SELECT id FROM deliveries WHERE event_id = ?', eventId).length,
      15_000,
    );
    const deliveries = fannedOut().map((row) => row.id as number);

    await page.getByRole('navigation').getByRole('link', { name: 'Search' }).click();
    await page.getByLabel('Event id').fill(eventId);
    await page.getByRole('button', { name: 'Search' }).click();
    assert.equal(await page.locator('table.results tbody tr').count(), deliveries.length, 'one result per delivery of the event');
    await checkAccessibility();
    await page.locator('table.results').getByRole('link', { name: eventId }).first().click();
    await page.getByRole('heading', { name: `Event ${eventId}` }).waitFor();
    for (const id of deliveries) {
      const section = page.locator(`#delivery-${id}`);
      assert.match((await section.locator('h3').textContent())!, /succeeded/);
      assert.equal((await section.locator('.status-code').first().textContent())?.trim(), '200', `delivery ${id}: its attempt's response status`);
    }
    await checkAccessibility();
  });

  it('shows the console’s changes on the audit log page: who, what, from where', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Audit log' }).click();
    const rows = page.locator('table tbody tr');
    const created = rows.filter({ hasText: 'tenant.created' });
    assert.equal(await created.count(), 1);
    assert.match((await created.textContent())!, /console:ops[\s\S]*Browser Co[\s\S]*127\.0\.0\.1/);
    assert.ok((await rows.filter({ hasText: 'recovery.started' }).count()) >= 1);
    await checkAccessibility();
  });

  it('deletes an endpoint after the confirmation', async () => {
    await page.goto(`${server.url}/console/endpoints/${endpoints.as2}`);
    await page.getByRole('link', { name: 'Delete…' }).click();
    await page.screenshot({ path: screenshotPath('console-endpoint-delete'), fullPage: true });
    await checkAccessibility();
    await page.getByRole('button', { name: 'Delete endpoint' }).click();
    assert.match(await noticeText(), /Endpoint deleted/);
    assert.equal(page.url(), `${tenantUrl}?notice=deleted`);
    assert.deepEqual(queryStore(server.dbPath, 'SELECT id FROM endpoints WHERE id = ?', endpoints.as2), []);
  });

  it('manages console users from the Users page in the nav', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Users' }).click();
    await page.fill('#name', 'nina');
    await page.selectOption('#role', 'operator');
    await page.getByRole('button', { name: 'Create user' }).click();
    await checkAccessibility();
    const password = (await page.locator('#new-password').textContent())!;
    assert.match(password, /^[A-Za-z0-9_-]{32}$/);
    await page.getByRole('link', { name: '← back to the users' }).click();
    await page.locator('#console-users', { hasText: 'nina' }).waitFor();
    await page.screenshot({ path: screenshotPath('console-users'), fullPage: true });
    await checkAccessibility();
    await page.getByRole('button', { name: 'Disable nina' }).click();
    assert.match(await noticeText(), /User disabled/);

    const audit = queryStore(server.dbPath, "SELECT action FROM audit_log WHERE actor = 'console:ops' ORDER BY id").map((row) => row.action);
    for (const action of [
      'tenant.created',
      'api_key.issued',
      'as2_partner.created',
      'webhook.created',
      'webhook.updated',
      'webhook.secret_rotated',
      'recovery.started',
      'webhook.deleted',
      'console_user.created',
      'console_user.disabled',
    ]) {
      assert.ok(audit.includes(action), `audited: ${action}`);
    }
  });

  it('signs in as a viewer: every page reads, no form to change anything is offered, the users page is refused', async () => {
    await page.goto(`${server.url}/console/users`);
    await page.fill('#name', 'vic');
    await page.selectOption('#role', 'viewer');
    await page.fill('#password', 'viewer-password-1');
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${server.url}/console/login`);
    await signInToConsole(page, server.url, 'vic', 'viewer-password-1');
    assert.match((await page.locator('header').textContent())!, /vic \(viewer\)/);
    await page.goto(tenantUrl);
    await page.locator('#api-keys').waitFor();
    assert.equal(await page.locator('main form[method=post]').count(), 0, 'no form on the tenant page');
    await page.goto(`${server.url}/console/endpoints/${endpoints.sponsor}`);
    assert.equal(await page.locator('main form[method=post]').count(), 0, 'no form on the endpoint page');
    assert.equal(await page.getByRole('link', { name: /Edit…|Delete…|Rotate secret…|Recover deliveries…/ }).count(), 0);
    assert.equal((await page.goto(`${server.url}/console/users`))?.status(), 403);
    await checkAccessibility();
  });

  it('has no serious or critical accessibility violation (axe-core) on any page of these flows', () => {
    assert.deepEqual(problems, []);
  });
});
