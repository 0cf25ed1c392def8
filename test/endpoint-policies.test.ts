import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from './support/eventually.ts';
import { postgresUnavailable, sharedPostgres } from './support/postgres.ts';
import { type Received, type Receiver, startReceiver } from './support/receiver.ts';
import { adminToken, bearer, call, createTenant, type RunningServer, startServer } from './support/server.ts';
import { queryServerStore } from './support/store.ts';

const BASE = '/api/v1/admin/webhooks';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `read` until `accept` holds (or fails after `timeoutMs`). */
const until = <T>(read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 10_000): Promise<T> =>
  eventually(
    async () => {
      const value = await read();
      return accept(value) ? value : undefined;
    },
    timeoutMs,
    String(accept),
    50,
  );

/**
 * On SQLite, every policy; on Postgres, the ordering and rate-limit cases (their gates are the
 * dialect-specific SQL: the fifo head, the rate slot on BIGINT). The circuit breaker, recovery jobs
 * and the rest run on Postgres across processes in test/postgres-workers.test.ts.
 */
for (const store of ['sqlite', 'postgres'] as const)
  describe(`endpoint policies: ordering, rate limits, circuit breaking, recovery, operational events (${store})`, {
    skip: store === 'postgres' && (postgresUnavailable() ?? false),
  }, () => {
    const everyStore = it;
    const sqliteOnly = store === 'sqlite' ? it : () => {};
    let server: RunningServer;
    let receiver: Receiver;
    let admin: Record<string, string>;
    let tenant: { id: string; apiKey: string };
    const scripts = new Map<string, (request: Received) => number>();
    const at = (path: string) => receiver.received.filter((request) => request.path === path);

    before(async () => {
      receiver = await startReceiver((request, res) => {
        const status = scripts.get(request.path)?.(request) ?? 200;
        res.writeHead(status).end(String(status));
      });
      const storeEnv: Record<string, string> = store === 'postgres' ? { DATABASE_URL: await (await sharedPostgres()).createDatabase() } : {};
      server = await startServer({
        ...storeEnv,
        HOOKGATE_RETRY_SCHEDULE: '1,1,1,1,1,1',
        HOOKGATE_SWEEP_CRON: '* * * * * *',
        HOOKGATE_CIRCUIT_FAILURE_THRESHOLD: '3',
        HOOKGATE_CIRCUIT_COOLDOWN_SECONDS: '2',
        HOOKGATE_OPERATOR_WEBHOOK_URL: `${receiver.url}/operator`,
        HOOKGATE_OPERATOR_WEBHOOK_SECRET: 'operator-webhook-secret-123',
      });
      admin = bearer(await adminToken());
      tenant = await createTenant(server, 'Policies');
    });
    after(async () => {
      await server.stop();
      await receiver.close();
    });

    const webhook = async (path: string, options: Record<string, unknown> = {}, events = ['invoice.created']) => {
      const created = await call(server, 'POST', BASE, { headers: admin, body: { tenant_id: tenant.id, url: `${receiver.url}${path}`, events, ...options } });
      assert.equal(created.status, 201, created.text);
      return created.body.id as string;
    };
    const publish = (n: number) => call(server, 'POST', '/api/v1/events', { headers: { authorization: tenant.apiKey }, body: { type: 'invoice.created', data: { n } } });
    const stats = async (id: string) => (await call(server, 'GET', `${BASE}/${id}/stats`, { headers: admin })).body;

    everyStore('delivers a fifo endpoint strictly in event order: a failing head blocks the rest, other endpoints are unaffected', async () => {
      const fifo = await webhook('/fifo', { ordering: 'fifo' });
      const free = await webhook('/free');
      let headFailures = 0;
      scripts.set('/fifo', (request) => (request.json.data.n === 0 && headFailures++ < 2 ? 500 : 200));
      for (let n = 0; n < 4; n++) assert.equal((await publish(n)).status, 202);

      await receiver.waitFor(() => at('/free').length === 4, 5000);
      const blocked = await until(
        () => stats(fifo),
        (body) => body.blocked_by !== null,
        5000,
      );
      assert.equal(blocked.ordering, 'fifo');
      assert.equal(at('/fifo').filter((request) => request.json.data.n !== 0).length, 0, 'nothing behind the failing head was attempted');

      await receiver.waitFor(() => at('/fifo').filter((request) => request.json.data.n > 0).length === 3, 15_000);
      const order = at('/fifo').map((request) => request.json.data.n);
      assert.deepEqual(order, [0, 0, 0, 1, 2, 3], 'the head is retried until it succeeds, then the rest follow in order');
      assert.equal((await stats(fifo)).blocked_by, null);
      await call(server, 'DELETE', `${BASE}/${fifo}`, { headers: admin });
      await call(server, 'DELETE', `${BASE}/${free}`, { headers: admin });
    });

    everyStore('enforces a per-endpoint rate limit: deliveries over it wait and are all delivered, none failed', async () => {
      const limited = await webhook('/limited', { rate_limit: 4 });
      assert.equal((await call(server, 'GET', `${BASE}/${limited}`, { headers: admin })).body.rate_limit, 4);
      const batch = Array.from({ length: 12 }, (_, n) => ({ type: 'invoice.created', data: { n } }));
      assert.equal((await call(server, 'POST', '/api/v1/events/batch', { headers: { authorization: tenant.apiKey }, body: { events: batch } })).status, 202);
      await receiver.waitFor(() => at('/limited').length === 12, 15_000);
      // Send times as the server recorded them (arrival times would add the machine's scheduling noise).
      const sent = (
        await queryServerStore(server, 'SELECT a.started_at FROM attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.endpoint_id = ? ORDER BY a.started_at', limited)
      ).map((row) => row.started_at as number);
      // 5 slots are 1,250 ms apart at 4/s; unlimited, they would be a few ms apart. The margin absorbs timer lateness on a busy machine.
      for (let i = 5; i < sent.length; i++) {
        assert.ok(sent[i]! - sent[i - 5]! >= 750, `attempts keep the limit's spacing (${sent[i]! - sent[i - 5]!} ms for 5 at ${i})`);
      }
      assert.ok(sent.at(-1)! - sent[0]! >= 1500, `12 deliveries at 4/s take well over a second (${sent.at(-1)! - sent[0]!} ms)`);
      // The receiver has the last request a moment before the server has recorded its answer.
      const body = await until(
        () => stats(limited),
        (current) => current.by_status.pending === 0,
        5000,
      );
      assert.deepEqual(body.by_status, { pending: 0, succeeded: 12, failed: 0 });
      assert.equal(body.attempts, 12, 'waiting for a slot is not an attempt');
      await call(server, 'DELETE', `${BASE}/${limited}`, { headers: admin });
    });

    everyStore('keeps a rate limit’s spacing when a stalled process wakes with several slot waits due at once', async () => {
      const limited = await webhook('/stalled', { rate_limit: 4 });
      const batch = Array.from({ length: 12 }, (_, n) => ({ type: 'invoice.created', data: { n } }));
      assert.equal((await call(server, 'POST', '/api/v1/events/batch', { headers: { authorization: tenant.apiKey }, body: { events: batch } })).status, 202);
      // The deliveries are claimed and wait in the process for their slots, 250 ms apart. Freezing the process for
      // 2 s (a host starved of CPU, a long GC pause) lets eight of those waits come due together.
      await receiver.waitFor(() => at('/stalled').length >= 1, 10_000);
      server.process.kill('SIGSTOP');
      await new Promise((resolve) => setTimeout(resolve, 2000));
      server.process.kill('SIGCONT');
      await receiver.waitFor(() => at('/stalled').length === 12, 15_000);
      const arrivals = at('/stalled').map((request) => request.at);
      const gaps = arrivals.slice(1).map((time, index) => time - arrivals[index]!);
      // Each send takes its turn one interval (250 ms, less a 50 ms jitter allowance) after the one before; the
      // margin is for this machine's scheduling. Released together without the turn, they arrive within a few ms.
      assert.ok(Math.min(...gaps) >= 100, `no two sends together after the stall (gaps ${gaps.join(', ')} ms)`);
      for (let i = 5; i < arrivals.length; i++) assert.ok(arrivals[i]! - arrivals[i - 5]! >= 750, `5 sends within ${arrivals[i]! - arrivals[i - 5]!} ms at ${i}`);
      const recorded = await until(
        () => stats(limited),
        (current) => current.by_status.pending === 0,
        5000,
      );
      assert.deepEqual(recorded.by_status, { pending: 0, succeeded: 12, failed: 0 });
      await call(server, 'DELETE', `${BASE}/${limited}`, { headers: admin });
    });

    sqliteOnly('opens the circuit after a run of failures, holds deliveries without attempting them, probes once, and closes on success', async () => {
      receiver.received.length = 0;
      const flaky = await webhook('/flaky');
      let down = true;
      scripts.set('/flaky', () => (down ? 503 : 200));
      for (let n = 0; n < 3; n++) await publish(n);
      const open = await until(
        () => stats(flaky),
        (body) => body.circuit.state === 'open',
        8000,
      );
      assert.equal(open.circuit.consecutive_failures, 3);
      assert.ok(open.circuit.retry_at);

      const opened = await receiver.waitFor(() => at('/operator').some((request) => request.json.event_type === 'endpoint.circuit_opened'), 5000);
      const event = opened.find((request) => request.path === '/operator' && request.json.event_type === 'endpoint.circuit_opened')!;
      assert.equal(event.json.data.endpoint_id, flaky);
      assert.equal(event.json.data.tenant_id, tenant.id);
      assert.match(event.json.data.delivery_url, new RegExp(`^/api/v1/admin/webhooks/${flaky}/deliveries/\\d+$`));

      const attemptsWhileOpen = at('/flaky').length;
      await sleep(1000); // a fixed wait: no attempt must be made within it
      assert.equal(at('/flaky').length, attemptsWhileOpen, 'no attempt while the circuit is open');
      down = false;
      await until(
        () => stats(flaky),
        (body) => body.circuit.state === 'closed' && body.by_status.pending === 0,
        10_000,
      );
      const afterOpen = at('/flaky').slice(attemptsWhileOpen);
      assert.equal(afterOpen[0]!.headers['webhook-id'] !== undefined, true);
      assert.ok(afterOpen.length >= 3, 'the probe, then the held deliveries');
      await call(server, 'DELETE', `${BASE}/${flaky}`, { headers: admin });
    });

    sqliteOnly('recovers every failed delivery since a time, with a dry run and visible progress; pending ones are skipped', async () => {
      receiver.received.length = 0;
      const broken = await webhook('/broken');
      scripts.set('/broken', () => 500);
      const since = new Date(Date.now() - 1000).toISOString();
      for (let n = 0; n < 2; n++) await publish(n);
      // 2 deliveries × 7 attempts fail; the circuit opens and probes along the way; both end failed.
      const failedNow = (
        await until(
          () => stats(broken),
          (body) => body.by_status.failed === 2,
          40_000,
        )
      ).by_status.failed;

      const failedEvents = () => at('/operator').filter((request) => request.json.event_type === 'delivery.failed');
      await receiver.waitFor(() => failedEvents().length >= 2, 5000);
      const operatorFailed = failedEvents();
      assert.equal(operatorFailed[0]!.json.data.endpoint_id, broken);

      const dry = await call(server, 'POST', `${BASE}/${broken}/recover`, { headers: admin, body: { since, dry_run: true } });
      assert.deepEqual(dry.body, { dry_run: true, count: failedNow });

      scripts.set('/broken', () => 200);
      const started = await call(server, 'POST', `${BASE}/${broken}/recover`, { headers: admin, body: { since } });
      assert.equal(started.status, 202, started.text);
      assert.equal(started.body.total, failedNow);
      const job = await until(
        () => call(server, 'GET', `${BASE}/${broken}/recoveries/${started.body.id}`, { headers: admin }).then((response) => response.body),
        (body) => body.state === 'done',
        10_000,
      );
      assert.equal(job.done, failedNow);
      assert.equal(job.skipped, 0);
      await until(
        () => stats(broken),
        (body) => body.by_status.failed === 0 && body.by_status.pending === 0,
        10_000,
      );

      scripts.set('/broken', () => 500);
      await publish(99);
      await until(
        () => stats(broken),
        (body) => body.by_status.pending === 1 && body.attempts > 0,
        5000,
      );
      const withPending = await call(server, 'POST', `${BASE}/${broken}/recover`, { headers: admin, body: { since, status: 'all' } });
      const mixed = await until(
        () => call(server, 'GET', `${BASE}/${broken}/recoveries/${withPending.body.id}`, { headers: admin }).then((response) => response.body),
        (body) => body.state === 'done',
        10_000,
      );
      assert.equal(mixed.total, 3);
      assert.equal(mixed.skipped, 1, 'the delivery still being retried is left to its schedule');
      assert.equal(mixed.done, 2);

      const unknown = await call(server, 'GET', `${BASE}/${broken}/recoveries/rec_nope`, { headers: admin });
      assert.equal(unknown.status, 404);
      const bad = await call(server, 'POST', `${BASE}/${broken}/recover`, { headers: admin, body: { since: 'last week' } });
      assert.equal(bad.status, 422);
    });

    sqliteOnly('signs operational events for the operator endpoint with the configured secret', async () => {
      const { Webhook } = await import('standardwebhooks');
      const [event] = at('/operator');
      assert.ok(event, 'an operational event was delivered');
      const headers = Object.fromEntries(Object.entries(event!.headers).map(([name, value]) => [name, String(value)]));
      assert.ok(new Webhook(Buffer.from('operator-webhook-secret-123').toString('base64')).verify(event!.body, headers));
    });
  });

describe('endpoint health after each attempt', () => {
  let server: RunningServer;
  let receiver: Receiver;
  let tenant: { id: string; apiKey: string };
  let failNext = 0;

  before(async () => {
    receiver = await startReceiver((_request, res) => {
      const status = failNext > 0 ? 500 : 200;
      failNext = Math.max(0, failNext - 1);
      res.writeHead(status).end(String(status));
    });
    // Retries a minute away: every attempt below is a first attempt, made at once by the fast path.
    server = await startServer({ HOOKGATE_RETRY_SCHEDULE: '60', HOOKGATE_CIRCUIT_FAILURE_THRESHOLD: '5' });
    tenant = await createTenant(server, 'Health');
  });
  after(async () => {
    await server.stop();
    await receiver.close();
  });

  const health = async (id: string) => {
    const { queryStore } = await import('./support/store.ts');
    return queryStore(server.dbPath, 'SELECT consecutive_failures, failing_since, last_triggered_at FROM endpoints WHERE id = ?', id)[0] as {
      consecutive_failures: number;
      failing_since: number | null;
      last_triggered_at: number | null;
    };
  };
  const publishAndWait = async (n: number) => {
    const before = receiver.received.length;
    const accepted = await call(server, 'POST', '/api/v1/events', { headers: { authorization: tenant.apiKey }, body: { type: 'invoice.created', data: { n } } });
    assert.equal(accepted.status, 202);
    await receiver.waitFor(() => receiver.received.length > before, 5000);
  };

  it('a success right after failures clears the failing streak; a healthy endpoint’s last_triggered_at stays within a second of its last attempt', async () => {
    const created = await call(server, 'POST', BASE, {
      headers: bearer(await adminToken()),
      body: { tenant_id: tenant.id, url: `${receiver.url}/health`, events: ['invoice.created'] },
    });
    assert.equal(created.status, 201, created.text);
    const id = created.body.id as string;

    failNext = 2;
    await publishAndWait(0);
    await publishAndWait(1);
    const failing = await until(
      () => health(id),
      (row) => row.consecutive_failures === 2,
    );
    assert.ok(failing.failing_since !== null && failing.last_triggered_at !== null);

    // last_triggered_at is under a second old: the success must still be written, because the streak changes.
    await publishAndWait(2);
    const cleared = await until(
      () => health(id),
      (row) => row.consecutive_failures === 0,
      3000,
    );
    assert.equal(cleared.failing_since, null);

    for (let n = 3; n < 8; n++) await publishAndWait(n);
    const { queryStore } = await import('./support/store.ts');
    await until(
      () => Promise.resolve(queryStore(server.dbPath, 'SELECT count(*) AS n FROM attempts')[0].n as number),
      (n) => n === 8,
    );
    const [last] = queryStore(
      server.dbPath,
      'SELECT max(a.started_at + a.duration_ms) AS at FROM attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.endpoint_id = ?',
      id,
    );
    const row = await health(id);
    assert.equal(row.consecutive_failures, 0);
    assert.ok(row.last_triggered_at! <= last.at && last.at - row.last_triggered_at! < 1000, `last_triggered_at ${row.last_triggered_at} vs last attempt ${last.at}`);
  });
});
