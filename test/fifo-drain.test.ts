import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { postgresUnavailable, sharedPostgres } from './support/postgres.ts';
import { type Receiver, startReceiver } from './support/receiver.ts';
import { adminToken, bearer, call, createTenant, type RunningServer, startServer } from './support/server.ts';
import { queryServerStore, queryStore } from './support/store.ts';

const BASE = '/api/v1/admin/webhooks';

/** The pace of an endpoint's attempts as the server recorded them: from the first start to the last end. */
async function pace(server: RunningServer, urlSuffix: string): Promise<string> {
  const [row] = await queryServerStore(
    server,
    'SELECT COUNT(*) AS n, MIN(a.started_at) AS first, MAX(a.started_at + a.duration_ms) AS last FROM attempts a JOIN deliveries d ON d.id = a.delivery_id JOIN endpoints e ON e.id = d.endpoint_id WHERE e.url LIKE ?',
    `%${urlSuffix}`,
  );
  const seconds = ((row.last as number) - (row.first as number)) / 1000;
  return `${row.n} attempts in ${seconds.toFixed(2)} s from the first start to the last end (${Math.round((row.n as number) / seconds)}/s)`;
}

/**
 * An ordered (`fifo`) endpoint sends one delivery at a time, in event order. When one finishes,
 * the engine claims the next at once: the endpoint drains at the receiver's pace, not one
 * delivery per sweep. The sweeps here run every 30 s (every 2 s where a retry must be picked up),
 * so anything beyond the first delivery that arrives sooner came from the engine following the line.
 */
for (const store of ['sqlite', 'postgres'] as const)
  describe(`ordered endpoints drain at the receiver’s pace (${store})`, { skip: store === 'postgres' && (postgresUnavailable() ?? false) }, () => {
    let receiver: Receiver;
    let server: RunningServer;
    let tenant: { id: string; apiKey: string };
    const admin: Record<string, string> = {};
    const scripts = new Map<string, (n: number) => number>();
    /** The store: a fresh SQLite file, or a fresh database of the test process's Postgres cluster. */
    const storeEnv: Record<string, string> = {};
    const at = (path: string) => receiver.received.filter((request) => request.path === path).map((request) => request.json.data.n as number);

    before(async () => {
      receiver = await startReceiver((request, res) => {
        const status = scripts.get(request.path)?.(request.json.data.n) ?? 200;
        res.writeHead(status).end(String(status));
      });
      if (store === 'postgres') storeEnv.DATABASE_URL = await (await sharedPostgres()).createDatabase();
      server = await startServer({ ...storeEnv, HOOKGATE_SWEEP_CRON: '*/30 * * * * *', HOOKGATE_RETRY_SCHEDULE: '1,1,1' });
      Object.assign(admin, bearer(await adminToken()));
      tenant = await createTenant(server, 'Ordered');
    });
    after(async () => {
      await server.stop();
      await receiver.close();
    });

    const webhook = async (path: string, options: Record<string, unknown>) => {
      const created = await call(server, 'POST', BASE, { headers: admin, body: { tenant_id: tenant.id, url: `${receiver.url}${path}`, events: [path.slice(1)], ...options } });
      assert.equal(created.status, 201, created.text);
      return created.body.id as string;
    };
    const publish = async (type: string, count: number) => {
      const events = Array.from({ length: count }, (_, n) => ({ type, data: { n } }));
      const published = await call(server, 'POST', '/api/v1/events/batch', { headers: { authorization: tenant.apiKey }, body: { events } });
      assert.equal(published.status, 202, published.text);
    };
    const inOrder = (count: number) => Array.from({ length: count }, (_, n) => n);
    // On Postgres each delivery in line costs a few network round trips (claim, attempt record):
    // fewer events, and a drain bound still ten sweeps short of one delivery per sweep.
    const drained = store === 'sqlite' ? 500 : 200;
    // Drained one sweep at a time, the 99 would take 99 intervals (about 200 s); chained, they go at once.
    // 10 intervals, not 1: a loaded CI machine once took 7.6 s for them.
    const drainBoundMs = 20_000;

    it(`sends ${drained} events to a receiver that answers at once, strictly in event order, long before the next sweep`, async (t) => {
      await webhook('/invoice.created', { ordering: 'fifo' });
      const started = Date.now();
      await publish('invoice.created', drained);
      await receiver.waitFor(() => at('/invoice.created').length === drained, 20_000);
      const seconds = (Date.now() - started) / 1000;
      assert.deepEqual(at('/invoice.created'), inOrder(drained));
      t.diagnostic(`fifo drain, one process on ${store}: ${drained} events in ${seconds.toFixed(2)} s from the batch's 202; ${await pace(server, '/invoice.created')}`);
    });

    it('keeps its rate limit while it drains', async () => {
      const limited = await webhook('/invoice.paid', { ordering: 'fifo', rate_limit: 10 });
      await publish('invoice.paid', 30);
      await receiver.waitFor(() => at('/invoice.paid').length === 30, 20_000);
      assert.deepEqual(at('/invoice.paid'), inOrder(30));
      const sent = (
        await queryServerStore(server, 'SELECT a.started_at FROM attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.endpoint_id = ? ORDER BY a.started_at', limited)
      ).map((row) => row.started_at as number);
      // 5 slots are 500 ms apart at 10/s; the margin absorbs timer lateness on a busy machine.
      for (let i = 5; i < sent.length; i++) assert.ok(sent[i]! - sent[i - 5]! >= 375, `attempts keep the limit's spacing (${sent[i]! - sent[i - 5]!} ms for 5 at ${i})`);
    });

    it('is still held by a failing head, and drains at once when the head goes through', async () => {
      // A sweep every 2 s picks up the head's retries (1 s apart); nothing else may move meanwhile.
      const fast = await startServer({ ...storeEnv, HOOKGATE_SWEEP_CRON: '*/2 * * * * *', HOOKGATE_RETRY_SCHEDULE: '1,1,1' }, server.dataDir);
      await server.stop();
      server = fast;
      let headFailures = 0;
      scripts.set('/invoice.disputed', (n) => (n === 0 && headFailures++ < 2 ? 500 : 200));
      await webhook('/invoice.disputed', { ordering: 'fifo' });
      await publish('invoice.disputed', 100);
      await receiver.waitFor(() => headFailures >= 2, 10_000);
      assert.deepEqual(at('/invoice.disputed'), [0, 0], 'nothing behind the failing head was sent');
      await receiver.waitFor(() => at('/invoice.disputed').length === 102, 30_000);
      assert.deepEqual(at('/invoice.disputed'), [0, 0, ...inOrder(100)]);
      const [{ head, last }] = await queryServerStore(
        server,
        `SELECT MIN(a.started_at) AS head, MAX(a.started_at) AS last FROM attempts a WHERE a.succeeded = 1 AND a.delivery_id IN (SELECT id FROM deliveries WHERE endpoint_id IN (SELECT id FROM endpoints WHERE url LIKE '%/invoice.disputed'))`,
      );
      assert.ok(last! - head! < drainBoundMs, `the 99 behind the head went within ${drainBoundMs} ms of it (${last! - head!} ms)`);
    });
  });

describe('ordered endpoints across processes: an api process and two workers on one SQLite file', () => {
  it('delivers every event once, in event order, at the receiver’s pace', async (t) => {
    const receiver = await startReceiver();
    const api = await startServer({ HOOKGATE_ROLE: 'api' });
    const workers: RunningServer[] = [];
    try {
      const tenant = await createTenant(api, 'Split');
      const created = await call(api, 'POST', BASE, {
        headers: bearer(await adminToken()),
        body: { tenant_id: tenant.id, url: `${receiver.url}/split`, events: ['invoice.created'], ordering: 'fifo' },
      });
      assert.equal(created.status, 201, created.text);
      const events = Array.from({ length: 200 }, (_, n) => ({ type: 'invoice.created', data: { n } }));
      assert.equal((await call(api, 'POST', '/api/v1/events/batch', { headers: { authorization: tenant.apiKey }, body: { events } })).status, 202);
      // Each worker sweeps every second: at one delivery per sweep, 200 would take well over a minute.
      for (let i = 0; i < 2; i++) workers.push(await startServer({ HOOKGATE_ROLE: 'worker', HOOKGATE_SWEEP_CRON: '* * * * * *' }, api.dataDir));
      await receiver.waitFor((received) => received.length >= 200, 30_000);
      t.diagnostic(`fifo drain, api + two workers: ${await pace(api, '/split')}`);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.deepEqual(
        receiver.received.map((request) => request.json.data.n),
        Array.from({ length: 200 }, (_, n) => n),
        'each once, in order',
      );
      const owners = queryStore(
        api.dbPath,
        "SELECT COUNT(DISTINCT a.id) AS attempts, COUNT(DISTINCT d.id) AS deliveries FROM deliveries d JOIN attempts a ON a.delivery_id = d.id WHERE d.status = 'succeeded'",
      )[0]!;
      assert.deepEqual({ ...owners }, { attempts: 200, deliveries: 200 });
    } finally {
      for (const worker of workers) await worker.stop();
      await api.stop();
      await receiver.close();
    }
  });
});
