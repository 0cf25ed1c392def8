import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type SeededAttempt, seedAttempts } from './support/attempts.ts';
import { ConsoleClient } from './support/console-client.ts';
import { adminToken, call, createTenant, type RunningServer, startServer } from './support/server.ts';

const MINUTE = 60_000;

/** The points of every polyline of the chart `id` (its `<svg>` up to `</svg>`). */
function chartPoints(page: string, id: string): string[] {
  const start = page.indexOf(`aria-labelledby="${id}-title`);
  assert.ok(start > 0, `the page draws the chart ${id}`);
  const svg = page.slice(start, page.indexOf('</svg>', start));
  return [...svg.matchAll(/points="([^"]*)"/g)].flatMap((match) => match[1]!.split(' '));
}
/** The rows of the data table under the chart `id`: [label, ...values]. */
function chartTable(page: string, id: string): string[][] {
  const start = page.indexOf(`aria-labelledby="${id}-title`);
  const table = page.slice(page.indexOf('<table class="chart-data">', start), page.indexOf('</table>', start));
  return [...table.matchAll(/<tr><th scope="row">([^<]*)<\/th>(.*?)<\/tr>/g)].map((row) => [row[1]!, ...[...row[2]!.matchAll(/<td>([^<]*)<\/td>/g)].map((cell) => cell[1]!)]);
}
const stat = (page: string, name: string) => new RegExp(`data-stat="${name}">([^<]*)<`).exec(page)?.[1];

describe('console charts: deliveries per second, success rate and latency percentiles, from the attempts in the store', () => {
  let server: RunningServer;
  let client: ConsoleClient;
  let endpointId: string;
  let otherEndpointId: string;
  let otherTenantId: string;

  before(async () => {
    server = await startServer({ HOOKGATE_ADMIN_USER: 'ops', HOOKGATE_ADMIN_PASSWORD: 'correct-horse-battery-staple' });
    const acme = await createTenant(server, 'Acme');
    const other = await createTenant(server, 'Other');
    otherTenantId = other.id;
    // The endpoints point at a closed port: nothing here is delivered, every attempt is seeded.
    endpointId = (await call(server, 'POST', '/api/webhooks', { headers: { authorization: acme.apiKey }, body: { url: 'http://127.0.0.1:9/acme' } })).body.webhook_id;
    otherEndpointId = (await call(server, 'POST', '/api/webhooks', { headers: { authorization: other.apiKey }, body: { url: 'http://127.0.0.1:9/other' } })).body.webhook_id;
    const now = Date.now();
    // Ten attempts of 10, 20, …, 100 ms, 10 to 12 minutes ago; 7 succeed.
    const recent: SeededAttempt[] = Array.from({ length: 10 }, (_, index) => ({
      startedAt: now - 12 * MINUTE + index * 12_000,
      durationMs: (index + 1) * 10,
      succeeded: index < 7,
    }));
    // One 3 hours ago: in the day, not in the hour.
    seedAttempts(server.dbPath, endpointId, [...recent, { startedAt: now - 180 * MINUTE, durationMs: 5000, succeeded: false }]);
    seedAttempts(server.dbPath, otherEndpointId, [{ startedAt: now - 5 * MINUTE, durationMs: 1, succeeded: true }]);
    client = new ConsoleClient(server.url);
    assert.equal((await client.signIn({ user: 'ops', password: 'correct-horse-battery-staple' })).status, 303);
  });
  after(() => server?.stop());

  it('draws an endpoint’s last hour as 60 one-minute points, with the success rate and exact percentiles of its attempts', async () => {
    const response = await client.get(`/console/endpoints/${endpointId}/charts`);
    assert.equal(response.status, 200, response.html);
    assert.equal(chartPoints(response.html, 'rate').length, 60, 'one point per minute, empty minutes at 0');
    const rows = chartTable(response.html, 'rate');
    assert.equal(rows.length, 60);
    const perMinute = rows.map((row) => Math.round(Number(row[1]) * 60));
    assert.equal(
      perMinute.reduce((sum, count) => sum + count, 0),
      10,
      'attempts/s × 60 s over the minutes adds up to the ten attempts of the hour',
    );
    assert.equal(stat(response.html, 'attempts'), '10');
    assert.equal(stat(response.html, 'success-rate'), '70 %');
    assert.equal(stat(response.html, 'latency'), '50 ms / 100 ms / 100 ms', 'nearest rank of 10…100 ms: p50 is the 5th, p95 and p99 the 10th');
    // Each minute's success rate, weighted by its attempts, gives back the seven successes.
    const success = chartTable(response.html, 'success');
    assert.equal(success.filter((row) => row[1] === '—').length, perMinute.filter((count) => count === 0).length, 'a minute without attempts has no rate');
    assert.equal(Math.round(success.reduce((sum, row, index) => sum + (row[1] === '—' ? 0 : (Number(row[1]) / 100) * perMinute[index]!), 0)), 7);
    assert.ok(chartPoints(response.html, 'latency').length > 0);
    assert.match(response.html, /<title id="rate-title">Deliveries per second, last hour<\/title>/);
    assert.match(response.html, /<desc id="rate-desc">/);
  });

  it('draws the last day as 96 points of 15 minutes and includes the attempt of 3 hours ago', async () => {
    const response = await client.get(`/console/endpoints/${endpointId}/charts?range=day`);
    assert.equal(response.status, 200);
    assert.equal(chartPoints(response.html, 'rate').length, 96);
    assert.equal(stat(response.html, 'attempts'), '11');
    assert.equal(stat(response.html, 'success-rate'), '63.6 %', '7 of 11');
    assert.equal(stat(response.html, 'latency'), '60 ms / 5000 ms / 5000 ms');
  });

  it('draws every endpoint on /console/charts, and a tenant-bound session only its own tenant’s', async () => {
    const all = await client.get('/console/charts');
    assert.equal(all.status, 200);
    assert.equal(stat(all.html, 'attempts'), '11', 'ten of Acme and one of Other in the last hour');
    assert.equal(stat(all.html, 'success-rate'), '72.7 %', '8 of 11');
    const tenant = new ConsoleClient(server.url);
    assert.equal((await tenant.signIn({ token: await adminToken({ tenantId: otherTenantId }) })).status, 303);
    const own = await tenant.get('/console/charts');
    assert.equal(stat(own.html, 'attempts'), '1');
    assert.equal((await tenant.get(`/console/endpoints/${endpointId}/charts`)).status, 404, 'another tenant’s endpoint answers like an unknown one');
  });

  it('says so when a range has no attempts, and answers 404 for an unknown endpoint', async () => {
    const tenant = new ConsoleClient(server.url);
    await tenant.signIn({ token: await adminToken({ tenantId: 'ten_nobody' }) });
    const none = await tenant.get('/console/charts');
    assert.equal(none.status, 200);
    assert.match(none.html, /No attempts in the last hour/);
    assert.equal((await client.get('/console/endpoints/wh_unknown/charts')).status, 404);
  });
});
