import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import { openPostgres } from '../src/db/dialects/postgres.ts';
import type { HostStore } from '../src/db/store.ts';
import { publishEvents } from '../src/domain/publish.ts';
import { createTenantWithKey } from '../src/domain/tenants.ts';
import { type InProcessEngine, startEngine, sweepAndWait } from './support/engine.ts';
import { type PostgresCluster, sharedPostgres } from './support/postgres.ts';
import { answer, type Receiver, startReceiver } from './support/receiver.ts';

/**
 * A sweep reads its claimed batch's endpoints together, and those rows serve the batch's attempts
 * only while they can be trusted: under a second old, and until an attempt to that endpoint fails.
 * One attempt at a time per endpoint here, so the order of events is the order of attempts (and a
 * process takes on at most two of the endpoint's deliveries at once: the rest are claimed as
 * those finish, each claim with its own read).
 */
describe('sweep: the endpoint rows read with a batch', () => {
  let running: InProcessEngine | undefined;
  let receiver: Receiver | undefined;
  afterEach(async () => {
    await running?.close();
    await receiver?.close();
  });

  async function backlog(count: number, env: Record<string, string>) {
    running = await startEngine(Date.now, { HOOKGATE_ENDPOINT_CONCURRENCY: '1', ...env });
    const { store, services } = running;
    const now = Date.now();
    const { tenant } = await createTenantWithKey(store.db, { name: 'Batch', partnerOrgId: null, now });
    await store.db
      .insertInto('endpoints')
      .values({ id: 'webhook_batch', tenant_id: tenant.id, surface: 'admin', url: `${receiver!.url}/hook`, event_types: '["invoice.created"]', created_at: now, updated_at: now })
      .execute();
    const events = Array.from({ length: count }, (_, n) => ({ tenantId: tenant.id, type: 'invoice.created', data: { n } }));
    await publishEvents(services, events, { dispatch: false });
    return running;
  }

  it('stops using them once an attempt fails: the circuit opens after its threshold, not after the batch', async () => {
    receiver = await startReceiver(answer(503, 'down'));
    const { engine } = await backlog(10, { HOOKGATE_CIRCUIT_FAILURE_THRESHOLD: '3', HOOKGATE_CIRCUIT_COOLDOWN_SECONDS: '60' });
    await sweepAndWait(engine);
    assert.equal(receiver.received.length, 3, 'three failures open the circuit; the other seven wait for the cool-down');
    const rows = await running!.store.db.selectFrom('deliveries').select(['status', 'attempt_count', 'next_attempt_at']).execute();
    const postponed = rows.filter((row) => row.status === 'pending' && row.attempt_count === 0 && row.next_attempt_at! > Date.now() + 30_000);
    assert.equal(postponed.length, 7, 'each of the seven was taken on, and put off to the end of the cool-down without an attempt');
  });

  it('reads the endpoint again once they are a second old: a disabled endpoint gets nothing more after that', async () => {
    receiver = await startReceiver(async (_request, res) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      res.writeHead(200).end('ok');
    });
    const { engine, store } = await backlog(10, {});
    const disabled = receiver
      .waitFor(() => receiver!.received.length === 1, 5000)
      .then(() => store.db.updateTable('endpoints').set({ enabled: 0, disabled_reason: 'paused by the test' }).where('id', '=', 'webhook_batch').execute());
    await sweepAndWait(engine);
    await disabled;
    const sent = receiver.received.length;
    // Attempts 300 ms apart: those that start within a second of the batch's read still go out.
    assert.ok(sent >= 2 && sent <= 6, `${sent} sent after the endpoint was disabled at the first`);
    const rows = await store.db.selectFrom('deliveries').select(['status', 'last_error']).execute();
    assert.equal(rows.filter((row) => row.status === 'succeeded').length, sent);
    assert.ok(rows.filter((row) => row.status !== 'succeeded').every((row) => row.status === 'failed' && /endpoint disabled/.test(row.last_error ?? '')));
  });
});

describe('sweep: claiming again as room frees', { timeout: 120_000 }, () => {
  let running: InProcessEngine | undefined;
  let receiver: Receiver | undefined;
  let cluster: PostgresCluster | undefined;
  after(() => cluster?.stop());
  afterEach(async () => {
    await running?.close();
    await receiver?.close();
  });

  const stores: [string, () => Promise<HostStore | undefined>][] = [
    ['SQLite', async () => undefined],
    [
      // Its claims wait on the network: attempts finish while a claim is out.
      'Postgres',
      async () => {
        cluster ??= await sharedPostgres();
        return openPostgres(await cluster.createDatabase(), { poolSize: 4 });
      },
    ],
  ];
  for (const [name, openStore] of stores)
    it(`one sweep drains a backlog many times what the process may take on: the tenant skipped at its bound is claimed for again once down to half (${name})`, async () => {
      receiver = await startReceiver(answer(200, 'ok'));
      // 4 slots: a backlog of 16, of which the one tenant may hold 8.
      running = await startEngine(Date.now, { HOOKGATE_CONCURRENCY: '4' }, await openStore());
      const { store, services, engine } = running;
      const now = Date.now();
      const { tenant } = await createTenantWithKey(store.db, { name: 'Refill', partnerOrgId: null, now });
      for (const id of ['webhook_a', 'webhook_b'])
        await store.db
          .insertInto('endpoints')
          .values({ id, tenant_id: tenant.id, surface: 'admin', url: `${receiver.url}/${id}`, event_types: '["invoice.created"]', created_at: now, updated_at: now })
          .execute();
      const events = Array.from({ length: 200 }, (_, n) => ({ tenantId: tenant.id, type: 'invoice.created', data: { n } }));
      await publishEvents(services, events, { dispatch: false });
      await sweepAndWait(engine);
      assert.equal(receiver.received.length, 400, 'every delivery was sent before the engine settled, with no second sweep');
      const left = await store.db
        .selectFrom('deliveries')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('status', '=', 'pending')
        .executeTakeFirstOrThrow();
      assert.equal(Number(left.n), 0);
    });
});
