import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Receiver, startReceiver } from '../support/receiver.ts';
import { adminToken, bearer, call, createTenant, type RunningServer, startServer } from '../support/server.ts';
import { queryStore } from '../support/store.ts';
import { seededRandom } from './support/random.ts';
import { deliveryTally } from './support/tally.ts';

const ROUNDS = 20;
const BATCH = 10;
/** Pause between batches: a steady load the delivery side can follow on a busy two-core machine. */
const PACE_MS = 100;
const SEED = Number(process.env.RELIABILITY_SEED ?? 20261123);

describe('crash safety: SIGKILL at random points under a steady load of events', () => {
  let receiver: Receiver;
  let server: RunningServer | undefined;
  const env = { HOOKGATE_RETRY_SCHEDULE: '1,1,1,1,1,1,1,1', HOOKGATE_SWEEP_CRON: '* * * * * *', HOOKGATE_ATTEMPT_TIMEOUT_MS: '2000' };

  before(async () => {
    receiver = await startReceiver((_request, res) => {
      setTimeout(() => res.writeHead(200).end('ok'), 2);
    });
  });
  after(async () => {
    await server?.kill();
    await receiver.close();
  });

  it(`delivers every accepted event to every matching endpoint across ${ROUNDS} kills, and counts duplicates`, async () => {
    const random = seededRandom(SEED);
    const started = Date.now();
    server = await startServer(env);
    const tenant = await createTenant(server, 'Crashy');
    const sponsor = await call(server, 'POST', '/api/webhooks', { headers: { authorization: tenant.apiKey }, body: { url: `${receiver.url}/sponsor` } });
    assert.equal(sponsor.status, 201);
    const admin = bearer(await adminToken());
    for (const [path, events] of [
      ['/admin', ['invoice.created']],
      ['/unmatched', ['invoice.paid']],
    ] as const) {
      const created: { status: number } = await call(server, 'POST', '/api/v1/admin/webhooks', {
        headers: admin,
        body: { tenant_id: tenant.id, url: `${receiver.url}${path}`, events },
      });
      assert.equal(created.status, 201);
    }
    const matching = ['/sponsor', '/admin'];
    const accepted = new Set<string>();
    let sequence = 0;

    /** Publishes a batch every PACE_MS until the server dies under it; only a 202 counts as accepted. */
    const publishUntilKilled = async (target: RunningServer) => {
      for (;;) {
        const events = Array.from({ length: BATCH }, () => ({ type: 'invoice.created', data: { n: sequence++ } }));
        try {
          const response = await call(target, 'POST', '/api/v1/events/batch', { headers: { authorization: tenant.apiKey }, body: { events } });
          if (response.status !== 202) return;
          for (const event of response.body.events) accepted.add(event.event_id);
        } catch {
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, PACE_MS));
      }
    };

    const killPoints: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const publishing = publishUntilKilled(server);
      const killAfterMs = Math.round(100 + random() * 900);
      killPoints.push(killAfterMs);
      await new Promise((resolve) => setTimeout(resolve, killAfterMs));
      await server.kill();
      await publishing;
      server = await startServer(env, server.dataDir);
    }

    const { byPath, missing, counts } = deliveryTally(receiver, matching, accepted);
    await receiver
      .waitFor(() => missing().length === 0, 90_000)
      .catch((error: Error) => {
        const sample = missing().slice(0, 5);
        const rows = sample.map((entry) =>
          queryStore(server!.dbPath, 'SELECT d.*, e.id AS e FROM events e LEFT JOIN deliveries d ON d.event_id = e.id WHERE e.id = ?', entry.split(' ')[1]),
        );
        throw new Error(`${error.message}: ${missing().length} of ${accepted.size * matching.length} missing, e.g. ${JSON.stringify(sample)} ${JSON.stringify(rows)}`);
      });
    const pending = () => queryStore(server!.dbPath, "SELECT count(*) AS n FROM deliveries WHERE status = 'pending'")[0].n as number;
    const deadline = Date.now() + 30_000;
    while (pending() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));

    const { expected, received, distinct, duplicates, lost } = counts();
    console.log(
      `# crash-safety: seed=${SEED} rounds=${ROUNDS} kill_after_ms=${Math.min(...killPoints)}..${Math.max(...killPoints)} ` +
        `events_accepted=${accepted.size} deliveries_expected=${expected} delivered_distinct=${distinct} received=${received} ` +
        `duplicates=${duplicates} lost=${lost} unmatched_received=${byPath('/unmatched').length} seconds=${((Date.now() - started) / 1000).toFixed(1)}`,
    );
    assert.ok(accepted.size >= ROUNDS * BATCH, `a steady load was accepted (${accepted.size} events)`);
    assert.equal(byPath('/unmatched').length, 0, 'an endpoint not subscribed to the type got nothing');

    const now = Date.now();
    const stuck = queryStore(server.dbPath, "SELECT count(*) AS n FROM deliveries WHERE status = 'pending' AND lease_owner IS NOT NULL AND next_attempt_at < ?", now)[0].n;
    assert.equal(stuck, 0, 'no delivery is stuck with an expired lease');
    assert.equal(pending(), 0, 'no delivery is left pending');
    await server.stop();
    assert.deepEqual(queryStore(server.dbPath, 'PRAGMA integrity_check'), [{ integrity_check: 'ok' }]);
  });
});
