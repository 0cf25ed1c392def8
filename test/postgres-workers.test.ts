import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { eventually } from './support/eventually.ts';
import { postgresUnavailable, sharedPostgres } from './support/postgres.ts';
import { type Received, type Receiver, startReceiver } from './support/receiver.ts';
import { adminToken, bearer, call, createTenant, type RunningServer, startServer } from './support/server.ts';

/**
 * One Postgres database, two `api` processes and three `worker` processes: every guarantee that a
 * single process keeps by itself must hold when the work is shared out between processes. The api
 * processes never attempt anything; each worker claims on its own sweep (every second) and when an
 * api process's NOTIFY wakes it. The tests run concurrently (their tenants and endpoints are their
 * own), so the workers interleave everyone's work as they would in production.
 */
const WORKERS = 3;
const BASE = '/api/v1/admin/webhooks';
const DAY = 86_400_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const skip = postgresUnavailable() ?? false;
/** A server process, given more than the usual time to start: `npm test` runs another test file beside this one. */
const start = (env: Record<string, string>) => startServer(env, undefined, 'node', 45_000);

describe('one Postgres database, 2 api and 3 worker processes', { skip, concurrency: true, timeout: 120_000 }, () => {
  let url: string;
  let client: pg.Client;
  let receiver: Receiver;
  const apis: RunningServer[] = [];
  const workers: RunningServer[] = [];
  let admin: Record<string, string>;
  /** Each path's scripted answer: a status, or null to never answer. */
  const scripts = new Map<string, (request: Received) => number | null>();
  /** Requests open now and the most open at once, per path. */
  const open = new Map<string, { now: number; max: number }>();
  const at = (path: string) => receiver.received.filter((request) => request.path === path);
  const query = async (text: string, values: unknown[] = []) => (await client.query(text, values)).rows;
  const env = {
    HOOKGATE_SWEEP_CRON: '* * * * * *',
    HOOKGATE_RETRY_SCHEDULE: '1,1,1',
    HOOKGATE_CIRCUIT_FAILURE_THRESHOLD: '3',
    HOOKGATE_CIRCUIT_COOLDOWN_SECONDS: '2',
    HOOKGATE_RATE_LIMIT_PER_MINUTE: '0',
  };

  before(async () => {
    receiver = await startReceiver((request, res) => {
      const status = scripts.get(request.path)?.(request) ?? 200;
      if (status === null) return;
      const count = open.get(request.path) ?? { now: 0, max: 0 };
      open.set(request.path, count);
      count.now++;
      count.max = Math.max(count.max, count.now);
      setTimeout(() => {
        count.now--;
        res.writeHead(status).end(String(status));
      }, 100);
    });
    // The test process's one cluster, removed when the process exits.
    url = await (await sharedPostgres()).createDatabase();
    const shared = { ...env, DATABASE_URL: url, HOOKGATE_OPERATOR_WEBHOOK_URL: `${receiver.url}/operator`, HOOKGATE_OPERATOR_WEBHOOK_SECRET: 'operator-secret-123456' };
    // The first api process migrates; the others start on the migrated database, where the old history is waiting to be pruned.
    apis.push(await start({ ...shared, HOOKGATE_ROLE: 'api' }));
    client = new pg.Client({ connectionString: url });
    await client.connect();
    await seedOldHistory();
    // One at a time: on a busy two-core machine, five Node processes starting together may each take longer than a start is given.
    apis.push(await start({ ...shared, HOOKGATE_ROLE: 'api' }));
    for (let index = 0; index < WORKERS; index++) workers.push(await start({ ...shared, HOOKGATE_ROLE: 'worker' }));
    admin = bearer(await adminToken());
  });
  after(async () => {
    await client?.end();
    // The database is thrown away: no need for a graceful stop (hanging attempts would hold it up).
    await Promise.all([...apis, ...workers].map((server) => server.kill()));
    await receiver?.close();
  });

  /** 40 days old and finished: the workers' first sweeps all prune it at once (HOOKGATE_RETENTION_DAYS is 30). */
  async function seedOldHistory(): Promise<void> {
    const old = Date.now() - 40 * DAY;
    await query('INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, $3)', ['ten_old', 'old', old]);
    await query(`INSERT INTO endpoints (id, tenant_id, surface, url, created_at, updated_at) VALUES ('ep_old', 'ten_old', 'admin', 'http://127.0.0.1:9/old', $1, $1)`, [old]);
    await query(
      `INSERT INTO events (id, tenant_id, type, requested_type, data, delivery_count, occurred_at, created_at)
       SELECT 'evt_old_' || n, 'ten_old', 't', 't', '{}', 1, $1, $1 FROM generate_series(1, 3000) AS n`,
      [old],
    );
    await query(
      `INSERT INTO deliveries (event_id, endpoint_id, message_id, status, attempt_count, created_at, updated_at, completed_at)
       SELECT 'evt_old_' || n, 'ep_old', 'msg_old_' || n, 'succeeded', 1, $1, $1, $1 FROM generate_series(1, 3000) AS n`,
      [old],
    );
    await query(
      `INSERT INTO attempts (delivery_id, attempt_number, started_at, duration_ms, succeeded, trigger, request_url, request_headers)
       SELECT id, 1, $1, 5, 1, 'sweep', 'http://127.0.0.1:9/old', '{}' FROM deliveries WHERE endpoint_id = 'ep_old'`,
      [old],
    );
  }

  async function tenantWith(name: string) {
    return createTenant(apis[0]!, name);
  }
  async function webhook(tenantId: string, path: string, options: Record<string, unknown> = {}) {
    const created = await call(apis[0]!, 'POST', BASE, { headers: admin, body: { tenant_id: tenantId, url: `${receiver.url}${path}`, events: ['invoice.created'], ...options } });
    assert.equal(created.status, 201, created.text);
    return created.body.id as string;
  }
  /** Publishes `data` items as one batch, through the api processes in turn. */
  let turn = 0;
  async function publish(apiKey: string, data: readonly Record<string, unknown>[]) {
    const api = apis[turn++ % apis.length]!;
    const events = data.map((item) => ({ type: 'invoice.created', data: item }));
    const published = await call(api, 'POST', '/api/v1/events/batch', { headers: { authorization: apiKey }, body: { events } });
    assert.equal(published.status, 202, published.text);
    return published.body.events as { event_id: string }[];
  }
  const stats = async (id: string) => (await call(apis[1]!, 'GET', `${BASE}/${id}/stats`, { headers: admin })).body;

  it('fifo: an ordered endpoint receives 60 events in event order, none twice, whichever worker sends each', async () => {
    const tenant = await tenantWith('fifo');
    await webhook(tenant.id, '/fifo', { ordering: 'fifo' });
    for (let batch = 0; batch < 6; batch++)
      await publish(
        tenant.apiKey,
        Array.from({ length: 10 }, (_, n) => ({ n: batch * 10 + n })),
      );
    await receiver.waitFor(() => at('/fifo').length >= 60, 45_000);
    await sleep(500);
    assert.deepEqual(
      at('/fifo').map((request) => request.json.data.n),
      Array.from({ length: 60 }, (_, n) => n),
    );
  });

  // Each send also takes the endpoint's send turn just before it goes, so a worker starved of CPU that wakes with
  // several slot waits due sends them an interval apart (test/endpoint-policies.test.ts freezes a process to show it).
  it('rate_limit: 20 deliveries at 5/s reach the receiver at the limit’s pace across all workers', async () => {
    const tenant = await tenantWith('rate');
    const limited = await webhook(tenant.id, '/limited', { rate_limit: 5 });
    await publish(
      tenant.apiKey,
      Array.from({ length: 20 }, (_, n) => ({ n })),
    );
    await receiver.waitFor(() => at('/limited').length >= 20, 30_000);
    const arrivals = at('/limited').map((request) => request.at);
    // Each attempt is recorded just after its answer: wait for the last records.
    const sent = await eventually(
      async () => {
        const rows = await query('SELECT a.started_at FROM attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.endpoint_id = $1 ORDER BY a.started_at', [limited]);
        return rows.length >= 20 ? rows.map((row) => Number(row.started_at)) : undefined;
      },
      10_000,
      'every attempt is recorded',
      100,
    );
    // A slot is never early, but a send may be late (a busy machine), and bunch with the next ones: so the
    // spans are checked, with room for lateness (a stalled process releases several waits at once). At 5/s
    // 10 sends span 1.8 s and all 20 span 3.8 s; three workers each keeping their own limit would send
    // 10 in about 0.6 s and all 20 in about 1.3 s.
    for (const [what, times] of [
      ['sends as the workers recorded them', sent],
      ['arrivals at the receiver', arrivals],
    ] as const) {
      const spans = times.slice(9).map((time, index) => time - times[index]!);
      assert.ok(Math.min(...spans) >= 900, `${what}: 10 within ${Math.min(...spans)} ms (${times.map((time) => time - times[0]!).join(', ')})`);
      assert.ok(times.at(-1)! - times[0]! >= 2500, `${what}: all within ${times.at(-1)! - times[0]!} ms`);
    }
    assert.deepEqual((await stats(limited)).by_status, { pending: 0, succeeded: 20, failed: 0 });
  });

  it('circuit breaker: a failing endpoint opens once, then one probe at a time, and closes for everyone', async () => {
    const tenant = await tenantWith('circuit');
    const flaky = await webhook(tenant.id, '/flaky');
    let down = true;
    scripts.set('/flaky', () => (down ? 503 : 200));
    await publish(
      tenant.apiKey,
      Array.from({ length: 12 }, (_, n) => ({ n })),
    );
    await eventually(async () => ((await stats(flaky)).circuit.state === 'open' ? true : undefined), 15_000, 'the circuit opens', 100);
    const before = at('/flaky').length;
    open.get('/flaky')!.max = open.get('/flaky')!.now;
    // Two cooldowns of 2 s: at most a probe each (one more for a probe in flight when the window began).
    await sleep(4500);
    const probes = at('/flaky').length - before;
    assert.ok(probes <= 3, `${probes} attempts while the circuit was open`);
    assert.ok(open.get('/flaky')!.max <= 1, `${open.get('/flaky')!.max} probes at once`);
    down = false;
    await eventually(
      async () => {
        const body = await stats(flaky);
        return body.circuit.state === 'closed' && body.by_status.pending === 0 ? body : undefined;
      },
      30_000,
      'the circuit closes and the held deliveries go',
      200,
    );
    const opened = at('/operator').filter((request) => request.json.event_type === 'endpoint.circuit_opened' && request.json.data.endpoint_id === flaky);
    assert.equal(opened.length, 1, 'one endpoint.circuit_opened');
  });

  it('recovery jobs: a bulk recovery re-sends each delivery exactly once, however many workers advance it', async () => {
    const tenant = await tenantWith('recovery');
    const endpoint = await webhook(tenant.id, '/recover');
    const since = new Date(Date.now() - 1000).toISOString();
    const events = [
      ...(await publish(
        tenant.apiKey,
        Array.from({ length: 50 }, (_, n) => ({ n })),
      )),
      ...(await publish(
        tenant.apiKey,
        Array.from({ length: 50 }, (_, n) => ({ n: 50 + n })),
      )),
    ];
    await receiver.waitFor(() => at('/recover').length >= 100, 30_000);
    await eventually(async () => ((await stats(endpoint)).by_status.succeeded === 100 ? true : undefined), 20_000, 'every delivery succeeds', 200);
    // As if every one of them had failed for good.
    await query(`UPDATE deliveries SET status = 'failed' WHERE endpoint_id = $1`, [endpoint]);
    const sentBefore = at('/recover').length;
    const started = await call(apis[1]!, 'POST', `${BASE}/${endpoint}/recover`, { headers: admin, body: { since } });
    assert.equal(started.status, 202, started.text);
    assert.equal(started.body.total, 100);
    const job = await eventually(
      async () => {
        const body = (await call(apis[0]!, 'GET', `${BASE}/${endpoint}/recoveries/${started.body.id}`, { headers: admin })).body;
        return body.state === 'done' ? body : undefined;
      },
      30_000,
      'the recovery job is done',
      200,
    );
    assert.equal(job.done, 100);
    assert.equal(job.skipped, 0, 'no delivery counted twice, as done by one worker and skipped by another');
    await eventually(async () => ((await stats(endpoint)).by_status.succeeded === 100 ? true : undefined), 20_000, 'every recovered delivery succeeds', 200);
    await sleep(1500);
    const resent = at('/recover')
      .slice(sentBefore)
      .map((request) => request.json.event_id as string);
    assert.equal(resent.length, 100, 'each delivery re-sent once');
    assert.deepEqual(new Set(resent), new Set(events.map((event) => event.event_id)));
  });

  it('idempotency keys: one key posted 20 times at once to both api processes makes one event, delivered once', async () => {
    const tenant = await tenantWith('idempotency');
    await webhook(tenant.id, '/once');
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, n) =>
        call(apis[n % apis.length]!, 'POST', '/api/v1/events', {
          headers: { authorization: tenant.apiKey },
          body: { type: 'invoice.created', data: { n }, idempotency_key: 'same-key' },
        }),
      ),
    );
    for (const answer of answers) assert.equal(answer.status, 202, answer.text);
    assert.equal(new Set(answers.map((answer) => answer.body.event_id)).size, 1, 'every answer names the same event');
    const [row] = await query('SELECT count(*) AS n FROM events WHERE tenant_id = $1', [tenant.id]);
    assert.equal(Number(row.n), 1);
    await receiver.waitFor(() => at('/once').length >= 1, 15_000);
    await sleep(1500);
    assert.equal(at('/once').length, 1);
  });

  it('per-tenant fairness: a tenant whose endpoints never answer does not hold up another tenant’s deliveries on any worker', async () => {
    const hanging = await tenantWith('hanging');
    const healthy = await tenantWith('healthy');
    for (const path of ['/hang1', '/hang2']) {
      scripts.set(path, () => null);
      await webhook(hanging.id, path);
    }
    await webhook(healthy.id, '/healthy');
    await publish(
      hanging.apiKey,
      Array.from({ length: 100 }, (_, n) => ({ n })),
    );
    await receiver.waitFor(() => at('/hang1').length + at('/hang2').length >= 60, 15_000);
    const accepted = new Map<number, number>();
    for (let seq = 0; seq < 40; seq++) {
      await publish(healthy.apiKey, [{ seq }]);
      accepted.set(seq, Date.now());
      await sleep(50);
    }
    await receiver.waitFor(() => at('/healthy').length >= 40, 20_000);
    const latencies = at('/healthy')
      .map((request) => request.at - accepted.get(request.json.data.seq)!)
      .sort((a, b) => a - b);
    // The healthy tenant never waits for a sweep tick, let alone for the hanging attempts' 15 s timeout.
    assert.ok(latencies.at(-1)! < 5000, `the healthy tenant's slowest delivery took ${latencies.at(-1)} ms`);
    assert.ok(at('/hang1').length + at('/hang2').length >= 60, 'the hanging tenant held many slots meanwhile');
  });

  it('retention: every worker prunes at once (old history gone) while the others keep claiming, with no failed sweep', async () => {
    await eventually(
      async () => {
        const [row] = await query(`SELECT (SELECT count(*) FROM events WHERE tenant_id = 'ten_old') + (SELECT count(*) FROM attempts WHERE started_at < $1) AS n`, [
          Date.now() - 30 * DAY,
        ]);
        return Number(row.n) === 0 ? true : undefined;
      },
      20_000,
      'the old history is pruned',
      200,
    );
    const tenant = await tenantWith('after-prune');
    await webhook(tenant.id, '/after-prune');
    await publish(
      tenant.apiKey,
      Array.from({ length: 10 }, (_, n) => ({ n })),
    );
    await receiver.waitFor(() => at('/after-prune').length >= 10, 15_000);
    const failures = workers.flatMap((worker) => worker.logs.filter((line) => /"msg":"(sweep failed|claim failed|attempt crashed)"/.test(line)));
    assert.deepEqual(failures, []);
  });
});

/**
 * LISTEN/NOTIFY: an api process's outbox unit wakes the workers at commit, so the first attempt
 * never waits for a sweep. The sweep runs hourly here: whatever arrives within seconds came from
 * the wake. The worker's listening connection, ended by the server, is opened again by itself.
 */
describe('an api process wakes a worker process at once (Postgres LISTEN/NOTIFY)', { skip, timeout: 90_000 }, () => {
  let client: pg.Client;
  let receiver: Receiver;
  let api: RunningServer;
  let worker: RunningServer;
  let tenant: { id: string; apiKey: string };

  before(async () => {
    receiver = await startReceiver();
    const url = await (await sharedPostgres()).createDatabase();
    const env = { DATABASE_URL: url, HOOKGATE_SWEEP_CRON: '0 0 * * * *' };
    api = await start({ ...env, HOOKGATE_ROLE: 'api' });
    worker = await start({ ...env, HOOKGATE_ROLE: 'worker' });
    client = new pg.Client({ connectionString: url });
    await client.connect();
    tenant = await createTenant(api, 'Woken');
    const created = await call(api, 'POST', '/api/webhooks', { headers: { authorization: tenant.apiKey }, body: { url: `${receiver.url}/woken` } });
    assert.equal(created.status, 201, created.text);
  });
  after(async () => {
    await client?.end();
    await Promise.all([api, worker].map((server) => server?.kill()));
    await receiver?.close();
  });

  const publish = async (n: number) => {
    const published = await call(api, 'POST', '/api/v1/events', { headers: { authorization: tenant.apiKey }, body: { type: 'invoice.created', data: { n } } });
    assert.equal(published.status, 202, published.text);
  };

  it('delivers an accepted event long before the next sweep', async () => {
    await publish(1);
    await receiver.waitFor((received) => received.length === 1, 10_000);
  });

  it('after its listening connection is ended by the server, the worker listens again and is woken as before', async () => {
    const ended = await client.query(`SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE application_name = 'hookgate-wake' AND datname = current_database()`);
    assert.equal(ended.rows.length, 1, 'one listening connection, the worker’s');
    await eventually(async () => (worker.logs.some((line) => line.includes('"msg":"postgres wake listener back"')) ? true : undefined), 15_000, 'the listener is back', 100);
    await publish(2);
    await receiver.waitFor((received) => received.length === 2, 10_000);
    assert.deepEqual(
      receiver.received.map((request) => request.json.data.n),
      [1, 2],
    );
  });
});
