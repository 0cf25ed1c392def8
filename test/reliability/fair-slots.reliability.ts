import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { answer, type Received, startReceiver } from '../support/receiver.ts';
import { adminToken, bearer, call, createTenant, type RunningServer, startServer } from '../support/server.ts';
import { queryStore } from '../support/store.ts';
import { type FaultyReceiver, silentReceiver } from './support/faulty-receivers.ts';

/**
 * Attempts to receivers that never answer hold their slots until the attempt timeout (15 s by
 * default; 60 s here, so that none of them ends while a test runs). The process's slots and its
 * backlog are shared between tenants and endpoints so that such attempts never hold up anyone
 * else's deliveries or retries; these tests measure it with the default caps (64 attempts per
 * process, 32 per endpoint).
 */
const HANGING_TIMEOUT = { HOOKGATE_ATTEMPT_TIMEOUT_MS: '60000' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function addWebhook(server: RunningServer, tenantId: string, url: string, type = 'invoice.created') {
  const created = await call(server, 'POST', '/api/v1/admin/webhooks', { headers: bearer(await adminToken()), body: { tenant_id: tenantId, url, events: [type] } });
  assert.equal(created.status, 201, created.text);
  return created.body.id as string;
}

async function publishBatch(server: RunningServer, apiKey: string, count: number, type = 'invoice.created') {
  const events = Array.from({ length: count }, (_, n) => ({ type, data: { n } }));
  const published = await call(server, 'POST', '/api/v1/events/batch', { headers: { authorization: apiKey }, body: { events } });
  assert.equal(published.status, 202, published.text);
}

describe('fair slots: one slow tenant stalls nobody else', () => {
  it('keeps a healthy tenant’s deliveries under a second at p99 while another tenant’s three endpoints never answer', async () => {
    const hanging: FaultyReceiver[] = await Promise.all([silentReceiver(), silentReceiver(), silentReceiver()]);
    const healthy = await startReceiver(answer(200, 'ok'));
    const server = await startServer({ ...HANGING_TIMEOUT, HOOKGATE_RATE_LIMIT_PER_MINUTE: '0' });
    try {
      const a = await createTenant(server, 'A (never answers)');
      const b = await createTenant(server, 'B (healthy)');
      for (const receiver of hanging) await addWebhook(server, a.id, receiver.url);
      await addWebhook(server, b.id, `${healthy.url}/b`);

      // A's 600 deliveries take every slot they may; then A keeps publishing while B does.
      await publishBatch(server, a.apiKey, 200);
      await sleep(500);
      const heldByA = hanging.reduce((sum, receiver) => sum + receiver.hits, 0);

      const rate = 50;
      const seconds = 10;
      const accepted = new Map<number, number>();
      const sends: Promise<void>[] = [];
      const started = Date.now();
      for (let seq = 0; seq < rate * seconds; seq++) {
        await sleep(Math.max(0, started + (seq * 1000) / rate - Date.now()));
        sends.push(
          call(server, 'POST', '/api/v1/events', { headers: { authorization: b.apiKey }, body: { type: 'invoice.created', data: { seq } } }).then((published) => {
            assert.equal(published.status, 202, published.text);
            accepted.set(seq, Date.now());
          }),
        );
        if (seq % rate === 0) sends.push(publishBatch(server, a.apiKey, 10));
      }
      await Promise.all(sends);
      const received = await healthy.waitFor((requests) => requests.length >= rate * seconds, 40_000);

      const latencies = received.map((request: Received) => request.at - accepted.get(request.json.data.seq)!).sort((x, y) => x - y);
      const p99 = percentile(latencies, 99);
      const openToA = hanging.map((receiver) => receiver.maxOpen);
      console.log(
        `# fair slots: B ${latencies.length} events at ${rate}/s, from the 202 to receipt p50 ${percentile(latencies, 50)} / p95 ${percentile(latencies, 95)} / p99 ${p99} / max ${latencies.at(-1)} ms; ` +
          `A held ${heldByA} attempts before B started, at most ${openToA.join(' + ')} connections open to its endpoints, ${hanging.reduce((sum, receiver) => sum + receiver.hits, 0)} requests in all`,
      );
      assert.ok(heldByA >= 32, `A's endpoints held many slots (${heldByA}) before B started`);
      assert.ok(p99 < 1000, `B's p99 from the 202 to receipt is under a second (${p99} ms)`);
    } finally {
      // Close the silent receivers first: the attempts they hold fail at once instead of holding the shutdown.
      for (const receiver of hanging) await receiver.close();
      await server.stop();
      await healthy.close();
    }
  });

  it('attempts every due retry of other endpoints within one sweep interval, beside an endpoint that never answers', async () => {
    const SWEEP_INTERVAL_MS = 2000;
    const RETRY_AFTER_S = 2;
    const hanging = await silentReceiver();
    // Each delivery to the others is refused three times with `429 Retry-After: 2` (an exact due time), then accepted.
    const refusals = new Map<string, number>();
    const others = await startReceiver((request, res) => {
      const key = String(request.headers['webhook-id']);
      const refused = refusals.get(key) ?? 0;
      refusals.set(key, refused + 1);
      if (refused < 3) res.writeHead(429, { 'retry-after': String(RETRY_AFTER_S) }).end('later');
      else res.writeHead(200).end('ok');
    });
    const server = await startServer({ ...HANGING_TIMEOUT, HOOKGATE_SWEEP_CRON: '*/2 * * * * *', HOOKGATE_RETRY_SCHEDULE: '1,1,1', HOOKGATE_RATE_LIMIT_PER_MINUTE: '0' });
    try {
      const a = await createTenant(server, 'A');
      const b = await createTenant(server, 'B');
      await addWebhook(server, a.id, hanging.url, 'invoice.paid');
      // One of the others belongs to the hanging endpoint's own tenant, two to another tenant.
      const otherIds = [await addWebhook(server, a.id, `${others.url}/a`), await addWebhook(server, b.id, `${others.url}/b1`), await addWebhook(server, b.id, `${others.url}/b2`)];

      await publishBatch(server, a.apiKey, 150, 'invoice.paid');
      await sleep(300);
      await publishBatch(server, a.apiKey, 5);
      await publishBatch(server, b.apiKey, 5);
      // 15 deliveries × 3 refusals = 45 due retries, while the hanging endpoint's attempts hold their slots.
      await others.waitFor((requests) => requests.length >= 15 * 4, 40_000);
      await sleep(500);

      const attempts = queryStore(
        server.dbPath,
        `SELECT a.delivery_id, a.attempt_number, a.started_at, a.duration_ms, a.status_code FROM attempts a JOIN deliveries d ON d.id = a.delivery_id
         WHERE d.endpoint_id IN (${otherIds.map(() => '?').join(',')}) ORDER BY a.delivery_id, a.attempt_number`,
        ...otherIds,
      );
      const lateness: number[] = [];
      for (const [index, attempt] of attempts.entries()) {
        if (attempt.attempt_number === 1) continue;
        const previous = attempts[index - 1]!;
        assert.equal(previous.status_code, 429);
        lateness.push(attempt.started_at - (previous.started_at + previous.duration_ms + RETRY_AFTER_S * 1000));
      }
      lateness.sort((x, y) => x - y);
      const hangingEnds = queryStore(
        server.dbPath,
        'SELECT a.started_at + a.duration_ms AS ended FROM attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.endpoint_id NOT IN (?, ?, ?)',
        ...otherIds,
      );
      const firstHangingEnd = Math.min(...hangingEnds.map((row) => row.ended as number));
      const lastRetry = Math.max(...attempts.map((attempt) => attempt.started_at as number));
      console.log(
        `# due retries: ${lateness.length} retries of 15 deliveries, attempted ${lateness[0]}–${lateness.at(-1)} ms after falling due (median ${percentile(lateness, 50)} ms; sweep every ${SWEEP_INTERVAL_MS} ms); ` +
          `the hanging endpoint had ${hanging.maxOpen} connections open, none of them finished before the last retry`,
      );
      assert.equal(lateness.length, 45, 'every retry was attempted');
      assert.ok(lateness[0]! >= 0, 'none before it was due');
      // One sweep interval, and a margin for a busy machine; before the fix they waited for the hanging attempts' timeout.
      assert.ok(lateness.at(-1)! <= SWEEP_INTERVAL_MS + 1000, `every retry within one sweep interval of falling due (latest ${lateness.at(-1)} ms)`);
      assert.ok(lastRetry < firstHangingEnd, 'the hanging attempts were all still in flight when the last retry went');
    } finally {
      await hanging.close();
      await server.stop();
      await others.close();
    }
  });
});
