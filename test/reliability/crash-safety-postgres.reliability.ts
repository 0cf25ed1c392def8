import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { type PostgresCluster, postgresUnavailable, sharedPostgres } from '../support/postgres.ts';
import { type Receiver, startReceiver } from '../support/receiver.ts';
import { adminToken, bearer, call, createTenant, type RunningServer, startServer } from '../support/server.ts';
import { seededRandom } from './support/random.ts';
import { deliveryTally } from './support/tally.ts';

const ROUNDS = 20;
const WORKERS = 3;
const BATCH = 10;
/** Pause between batches: a steady load the workers can follow on a busy two-core machine. */
const PACE_MS = 100;
const SEED = Number(process.env.RELIABILITY_SEED ?? 20261123);

/**
 * The crash suite on Postgres: one api process takes a steady load of events while three worker
 * processes deliver them, and a worker picked at random is SIGKILLed mid-delivery and restarted, 20
 * times. A killed worker's leased deliveries fall due again when their leases run out and another
 * worker takes them: nothing accepted is lost. A worker killed after its receiver answered but
 * before the outcome was committed sends that delivery again (at-least-once): duplicates are counted.
 */
describe('crash safety on Postgres: 1 api + 3 workers, workers SIGKILLed at random', { skip: postgresUnavailable() ?? false }, () => {
  let cluster: PostgresCluster;
  let client: pg.Client;
  let receiver: Receiver;
  let api: RunningServer;
  const workers: RunningServer[] = [];
  const env = { HOOKGATE_RETRY_SCHEDULE: '1,1,1,1,1,1,1,1', HOOKGATE_SWEEP_CRON: '* * * * * *', HOOKGATE_ATTEMPT_TIMEOUT_MS: '2000', HOOKGATE_RATE_LIMIT_PER_MINUTE: '0' };

  // Restarted while the others work and the load runs: a busy two-core machine may take a while.
  const startWorker = () => startServer({ ...env, HOOKGATE_ROLE: 'worker' }, undefined, 'node', 45_000);

  before(async () => {
    receiver = await startReceiver((_request, res) => {
      setTimeout(() => res.writeHead(200).end('ok'), 2);
    });
    cluster = await sharedPostgres();
    Object.assign(env, { DATABASE_URL: await cluster.createDatabase() });
    client = new pg.Client({ connectionString: (env as Record<string, string>).DATABASE_URL });
    await client.connect();
  });
  after(async () => {
    await client?.end();
    await Promise.all([api, ...workers].map((server) => server?.kill()));
    await receiver.close();
    await cluster?.stop();
  });

  it(`delivers every accepted event across ${ROUNDS} worker kills, and counts duplicates`, { timeout: 240_000 }, async () => {
    const random = seededRandom(SEED);
    const started = Date.now();
    api = await startServer({ ...env, HOOKGATE_ROLE: 'api' });
    for (let index = 0; index < WORKERS; index++) workers.push(await startWorker());
    const tenant = await createTenant(api, 'Crashy');
    for (const path of ['/one', '/two']) {
      const created = await call(api, 'POST', '/api/v1/admin/webhooks', {
        headers: bearer(await adminToken()),
        body: { tenant_id: tenant.id, url: `${receiver.url}${path}`, events: ['invoice.created'] },
      });
      assert.equal(created.status, 201, created.text);
    }
    const matching = ['/one', '/two'];
    const accepted = new Set<string>();
    let sequence = 0;
    let publishing = true;
    // The api process is never killed: every 202 is a committed outbox unit.
    const load = (async () => {
      while (publishing) {
        const events = Array.from({ length: BATCH }, () => ({ type: 'invoice.created', data: { n: sequence++ } }));
        const response = await call(api, 'POST', '/api/v1/events/batch', { headers: { authorization: tenant.apiKey }, body: { events } });
        assert.equal(response.status, 202, response.text);
        for (const event of response.body.events) accepted.add(event.event_id);
        await new Promise((resolve) => setTimeout(resolve, PACE_MS));
      }
    })();
    load.catch(() => {}); // awaited below; this keeps a failure meanwhile from being an unhandled rejection

    // Each round kills a running worker and starts its replacement without waiting for it to listen
    // (a start takes seconds on a busy machine): the kills go on among the workers that run.
    const killPoints: number[] = [];
    const restarts: Promise<void>[] = [];
    const running = () => workers.map((worker, index) => (worker.process.exitCode === null && worker.process.signalCode === null ? index : -1)).filter((index) => index >= 0);
    for (let round = 0; round < ROUNDS; round++) {
      const killAfterMs = Math.round(100 + random() * 900);
      killPoints.push(killAfterMs);
      await new Promise((resolve) => setTimeout(resolve, killAfterMs));
      while (running().length < 2) await new Promise((resolve) => setTimeout(resolve, 100));
      const candidates = running();
      const victim = candidates[Math.floor(random() * candidates.length)]!;
      await workers[victim]!.kill();
      restarts.push(
        startWorker().then((worker) => {
          workers[victim] = worker;
        }),
      );
    }
    await Promise.all(restarts);
    publishing = false;
    await load;

    const { missing, counts } = deliveryTally(receiver, matching, accepted);
    // A killed worker's leases run out 12 s after they were taken (attempt timeout + 10 s): then another worker takes them.
    await receiver
      .waitFor(() => missing().length === 0, 90_000)
      .catch((error: Error) => {
        throw new Error(`${error.message}: ${missing().length} of ${accepted.size * matching.length} missing, e.g. ${JSON.stringify(missing().slice(0, 5))}`);
      });
    const pending = async () => Number((await client.query("SELECT count(*) AS n FROM deliveries WHERE status = 'pending'")).rows[0].n);
    const deadline = Date.now() + 30_000;
    while ((await pending()) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));

    const { expected, received, distinct, duplicates, lost } = counts();
    console.log(
      `# crash-safety-postgres: seed=${SEED} workers=${WORKERS} rounds=${ROUNDS} kill_after_ms=${Math.min(...killPoints)}..${Math.max(...killPoints)} ` +
        `events_accepted=${accepted.size} deliveries_expected=${expected} delivered_distinct=${distinct} received=${received} ` +
        `duplicates=${duplicates} lost=${lost} seconds=${((Date.now() - started) / 1000).toFixed(1)}`,
    );
    assert.ok(accepted.size >= ROUNDS * BATCH, `a steady load was accepted (${accepted.size} events)`);
    assert.equal(distinct, expected, 'nothing accepted is lost');
    assert.equal(await pending(), 0, 'no delivery is left pending');
  });
});
