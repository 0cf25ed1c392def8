import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissing, launchChromium, screenshotPath, signInToConsole } from './support/browser.ts';
import { eventually } from './support/eventually.ts';
import { type Receiver, startReceiver } from './support/receiver.ts';
import { call, createTenant, type RunningServer, startServer } from './support/server.ts';
import { queryStore } from './support/store.ts';

const ADMIN_USER = 'ops';
const ADMIN_PASSWORD = 'correct-horse-battery-staple';

describe('console in a real browser: the charts render as SVG and the deliveries list updates by itself', { skip: chromiumMissing() }, () => {
  let server: RunningServer;
  let receiver: Receiver;
  let browser: Browser;
  let page: Page;
  let acme: { id: string; apiKey: string };
  let endpointId: string;
  const refused: string[] = [];

  const publish = async () => {
    const response = await call(server, 'POST', '/api/v1/events', { headers: { authorization: acme.apiKey }, body: { type: 'invoice.paid', data: { invoice_id: 'inv_live' } } });
    assert.equal(response.status, 202, response.text);
  };
  const delivered = (count: number) =>
    eventually(
      async () => {
        const rows = queryStore(server.dbPath, "SELECT id FROM deliveries WHERE status = 'succeeded'");
        return rows.length === count ? rows : undefined;
      },
      30_000,
      `${count} deliveries succeed`,
      100,
    );

  before(async () => {
    receiver = await startReceiver((_request, res) => {
      res.writeHead(200).end('ok');
    });
    server = await startServer({ HOOKGATE_ADMIN_USER: ADMIN_USER, HOOKGATE_ADMIN_PASSWORD: ADMIN_PASSWORD });
    acme = await createTenant(server, 'Acme');
    endpointId = (await call(server, 'POST', '/api/webhooks', { headers: { authorization: acme.apiKey }, body: { url: `${receiver.url}/ok` } })).body.webhook_id;
    await publish();
    await delivered(1);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (message) => {
      if (/Content Security Policy|Refused/i.test(message.text())) refused.push(message.text());
    });
    await signInToConsole(page, server.url, ADMIN_USER, ADMIN_PASSWORD);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await receiver?.close();
  });

  it('opens Charts from the navigation: three SVG charts with their titles, the attempt counted', async () => {
    await page.getByRole('link', { name: 'Charts' }).click();
    await page.waitForURL(`${server.url}/console/charts`);
    const charts = page.locator('svg[role="img"]');
    assert.equal(await charts.count(), 3);
    assert.ok(await page.getByRole('img', { name: /Deliveries per second, last hour/ }).isVisible());
    assert.equal(await page.locator('[data-stat="attempts"]').textContent(), '1');
    const box = await charts.first().boundingBox();
    assert.ok(box && box.width > 300 && box.height > 50, 'the chart is drawn at a readable size');
    await page.screenshot({ path: screenshotPath('console-charts'), fullPage: true });
  });

  it('shows a new delivery in the endpoint’s list without a reload', async () => {
    await page.goto(`${server.url}/console/endpoints/${endpointId}`);
    const rows = page.locator('[data-live] table tbody tr');
    assert.equal(await rows.count(), 1);
    const navigations: string[] = [];
    page.on('framenavigated', (frame) => navigations.push(frame.url()));
    await publish();
    await delivered(2);
    // The list polls every 5 s: a generous bound for a busy machine.
    await rows.nth(1).waitFor({ timeout: 30_000 });
    assert.equal(await rows.count(), 2);
    assert.deepEqual(navigations, [], 'the page was not reloaded');
    assert.deepEqual(refused, [], 'the CSP allows the refresh');
  });
});
