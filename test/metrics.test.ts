import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createMetricsRegistry } from '../src/lib/metrics.ts';
import { eventually } from './support/eventually.ts';
import { answer, type Receiver, startReceiver } from './support/receiver.ts';
import { call, createTenant, type RunningServer, startServer } from './support/server.ts';

/** `name{labels} value` lines of an exposition, keyed by everything before the value. */
function samples(text: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    found.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return found;
}

describe('metrics registry: Prometheus text format', () => {
  it('renders counters, gauges and cumulative histogram buckets with HELP and TYPE', () => {
    const registry = createMetricsRegistry();
    const counter = registry.counter('jobs_total', 'Jobs done');
    const histogram = registry.histogram('job_seconds', 'Job time', [0.1, 1]);
    const gauge = registry.gauge('queue_depth', 'Queued');
    counter.inc({ outcome: 'ok' });
    counter.inc({ outcome: 'ok' });
    counter.inc({ outcome: 'say "hi"\n' });
    counter.inc({ outcome: 'ok', trigger: 'sweep' });
    counter.inc({ trigger: 'sweep', outcome: 'ok' });
    histogram.observe(0.05);
    histogram.observe(0.5);
    histogram.observe(5);
    gauge.set(3);
    const text = registry.render();
    assert.match(text, /^# HELP jobs_total Jobs done\n# TYPE jobs_total counter\n/);
    assert.match(text, /# TYPE job_seconds histogram/);
    const values = samples(text);
    assert.equal(values.get('jobs_total{outcome="ok"}'), 2);
    assert.equal(values.get('jobs_total{outcome="say \\"hi\\"\\n"}'), 1, 'label values are escaped');
    assert.equal(values.get('jobs_total{outcome="ok",trigger="sweep"}'), 2, 'one series whatever the order of its label names');
    assert.equal(values.get('job_seconds_bucket{le="0.1"}'), 1);
    assert.equal(values.get('job_seconds_bucket{le="1"}'), 2);
    assert.equal(values.get('job_seconds_bucket{le="+Inf"}'), 3);
    assert.equal(values.get('job_seconds_count'), 3);
    assert.equal(values.get('job_seconds_sum'), 5.55);
    assert.equal(values.get('queue_depth'), 3);
    assert.throws(() => registry.counter('jobs_total', 'again'), /registered twice/);
  });
});

describe('GET /metrics on a running server', () => {
  let server: RunningServer;
  let receiver: Receiver;
  const TOKEN = 'metrics-token-0123456789';

  before(async () => {
    receiver = await startReceiver(answer(503, 'busy'));
    // A long retry delay keeps the failed delivery pending, and the sweeper quiet, during the test.
    server = await startServer({ HOOKGATE_METRICS_TOKEN: TOKEN, HOOKGATE_RETRY_SCHEDULE: '3600', HOOKGATE_SWEEP_CRON: '* * * * * *' });
    const tenant = await createTenant(server, 'Metrics');
    await call(server, 'POST', '/api/webhooks', { headers: { authorization: tenant.apiKey }, body: { url: `${receiver.url}/hook` } });
    await call(server, 'POST', '/api/v1/events', { headers: { authorization: tenant.apiKey }, body: { type: 'invoice.created', data: {} } });
    await receiver.waitFor((received) => received.length === 1);
  });
  after(async () => {
    await server.stop();
    await receiver.close();
  });

  it('refuses a scrape without HOOKGATE_METRICS_TOKEN, or with a wrong one', async () => {
    assert.equal((await call(server, 'GET', '/metrics')).status, 401);
    const wrong = await call(server, 'GET', '/metrics', { headers: { authorization: 'Bearer metrics-token-wrong-wrong' } });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers.get('www-authenticate'), 'Bearer');
  });

  it('counts attempts by outcome, times them, times sweeper runs, and reports due work', async () => {
    const scrape = async () => call(server, 'GET', '/metrics', { headers: { authorization: `Bearer ${TOKEN}` } });
    // The attempt is recorded right after the receiver answered; wait for a sweep to have run too.
    const response = await eventually(
      async () => {
        const scraped = await scrape();
        const names = samples(scraped.text);
        return names.has('hookgate_sweep_duration_seconds_count') && names.has('hookgate_delivery_attempts_total{outcome="retry_scheduled",trigger="fast_path"}')
          ? scraped
          : undefined;
      },
      15_000,
      'metrics complete: an attempt and a sweep',
      200,
    );
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
    const values = samples(response.text);
    assert.equal(values.get('hookgate_delivery_attempts_total{outcome="retry_scheduled",trigger="fast_path"}'), 1);
    assert.equal(values.get('hookgate_delivery_attempt_duration_seconds_count{outcome="retry_scheduled"}'), 1);
    assert.equal(values.get('hookgate_delivery_attempt_duration_seconds_bucket{outcome="retry_scheduled",le="+Inf"}'), 1);
    assert.ok(values.get('hookgate_sweep_duration_seconds_count')! >= 1);
    // The failed delivery waits an hour: pending, but not due.
    assert.equal(values.get('hookgate_deliveries_due'), 0);
    assert.equal(values.get('hookgate_deliveries_oldest_due_age_seconds'), 0);
  });

  it('reports deliveries that are due and how long the oldest has waited', async () => {
    // No sweep runs here (yearly cron), so a failed first attempt with a 1 s retry delay stays due.
    const idle = await startServer({ HOOKGATE_RETRY_SCHEDULE: '1', HOOKGATE_SWEEP_CRON: '0 0 1 1 *' });
    try {
      const tenant = await createTenant(idle, 'Due');
      await call(idle, 'POST', '/api/webhooks', { headers: { authorization: tenant.apiKey }, body: { url: `${receiver.url}/due` } });
      await call(idle, 'POST', '/api/v1/events', { headers: { authorization: tenant.apiKey }, body: { type: 'invoice.created', data: {} } });
      await receiver.waitFor((received) => received.some((request) => request.path === '/due'));
      const values = await eventually(
        async () => {
          const scraped = samples((await call(idle, 'GET', '/metrics')).text);
          return scraped.get('hookgate_deliveries_due') === 1 && scraped.get('hookgate_deliveries_oldest_due_age_seconds')! > 0 ? scraped : undefined;
        },
        15_000,
        'the delivery becomes due',
        200,
      );
      assert.equal(values.has('hookgate_sweep_duration_seconds_count'), false, 'no sweep has run');
    } finally {
      await idle.stop();
    }
  });
});
