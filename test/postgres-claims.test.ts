import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openPostgres } from '../src/db/dialects/postgres.ts';
import { migrate } from '../src/db/migrate.ts';
import {
  claimDue,
  claimDueOf,
  claimForManualAttempt,
  claimIds,
  claimNextInLine,
  insertDeliveriesQueries,
  type Lease,
  lockOrderedEndpointsQuery,
} from '../src/db/repo/deliveries.ts';
import { reserveRateSlot, takeCircuitProbe } from '../src/db/repo/endpoint-gates.ts';
import { endpointOutcomeQuery, healthChange } from '../src/db/repo/endpoint-health.ts';
import type { HostStore } from '../src/db/store.ts';
import { type PostgresCluster, sharedPostgres } from './support/postgres.ts';

/**
 * Claims from several processes at once over one Postgres database: each "worker" here is its own
 * pool of real connections, as separate processes on separate hosts would be. Every claim function
 * must hand out disjoint work under READ COMMITTED, and an ordered (fifo) endpoint's later delivery
 * is never claimed while an older one is pending.
 */
const WORKERS = 4;
const LEASE_MS = 60_000;
const PLAIN = ['ep_p1', 'ep_p2', 'ep_p3'];
const FIFO = ['ep_f1', 'ep_f2'];
const PER_ENDPOINT = 40;

describe('claims on Postgres from several connections at once', { timeout: 180_000 }, () => {
  let cluster: PostgresCluster;
  let admin: HostStore;
  let workers: HostStore[];
  const now = Date.now();
  const lease = (worker: number, at = now): Lease => ({ owner: `worker-${worker}`, now: at, leaseMs: LEASE_MS });

  /** Fresh data: every endpoint's PER_ENDPOINT deliveries pending and due, created in id order. */
  async function seed(): Promise<void> {
    await admin.db.deleteFrom('tenants').execute();
    await admin.db.insertInto('tenants').values({ id: 'ten_claims', name: 'claims', partner_org_id: null, created_at: now }).execute();
    for (const id of [...PLAIN, ...FIFO]) {
      await admin.db
        .insertInto('endpoints')
        .values({
          id,
          tenant_id: 'ten_claims',
          surface: 'admin',
          url: `http://127.0.0.1:9/${id}`,
          description: null,
          event_types: null,
          disabled_reason: null,
          secret_enc: null,
          previous_secret_enc: null,
          previous_secret_expires_at: null,
          auth_method: null,
          auth_enc: null,
          subscriber: null,
          as2_partner_id: null,
          created_at: now,
          updated_at: now,
          last_triggered_at: null,
          failing_since: null,
          ordering: FIFO.includes(id) ? 'fifo' : 'none',
        })
        .execute();
    }
    for (let index = 0; index < PER_ENDPOINT; index++) {
      const eventId = `evt_${index}`;
      await admin.db
        .insertInto('events')
        .values({
          id: eventId,
          tenant_id: 'ten_claims',
          type: 't',
          requested_type: 't',
          data: '{}',
          as2_partner_id: null,
          idempotency_key: null,
          delivery_count: 5,
          occurred_at: now,
          created_at: now,
        })
        .execute();
      await admin.db
        .insertInto('deliveries')
        .values(
          [...PLAIN, ...FIFO].map((endpoint) => ({
            event_id: eventId,
            endpoint_id: endpoint,
            message_id: `${eventId}-${endpoint}`,
            status: 'pending' as const,
            next_attempt_at: now - 1000 + index,
            lease_owner: null,
            created_at: now,
            updated_at: now,
          })),
        )
        .execute();
    }
  }

  /** The ids of each fifo endpoint's pending deliveries, oldest first. */
  async function pendingOf(endpointId: string): Promise<number[]> {
    return (await admin.db.selectFrom('deliveries').select('id').where('endpoint_id', '=', endpointId).where('status', '=', 'pending').orderBy('id').execute()).map(
      (row) => row.id,
    );
  }

  function assertDisjoint(claims: { id: number }[][]): number[] {
    const ids = claims.flat().map((row) => row.id);
    const twice = ids.filter((id, index) => ids.indexOf(id) !== index);
    assert.deepEqual(twice, [], 'no delivery is claimed by two workers');
    return ids;
  }

  async function assertFifoHeadsOnly(claimed: number[]): Promise<void> {
    for (const endpoint of FIFO) {
      const pending = await pendingOf(endpoint);
      const taken = claimed.filter((id) => pending.includes(id));
      assert.ok(taken.length <= 1, `${endpoint}: at most one delivery in flight (took ${taken.join(', ')})`);
      if (taken.length) assert.equal(taken[0], pending[0], `${endpoint}: only its oldest pending delivery`);
    }
  }

  before(async () => {
    cluster = await sharedPostgres();
    const url = await cluster.createDatabase();
    admin = openPostgres(url, { poolSize: 2 });
    await migrate(admin.db, admin.runBatch);
    workers = Array.from({ length: WORKERS }, () => openPostgres(url, { poolSize: 3 }));
  });
  after(async () => {
    await Promise.all([admin, ...(workers ?? [])].map((store) => store?.close()));
    await cluster?.stop();
  });

  it('claimDue (ranked per endpoint, candidates locked FOR UPDATE SKIP LOCKED): disjoint, every due delivery taken once, fifo heads only', async () => {
    await seed();
    const taken: number[] = [];
    // Rounds of all workers claiming at once, each a few times concurrently, until nothing is left to claim.
    for (let round = 0; round < 20; round++) {
      const claims = await Promise.all(
        workers.flatMap((worker, index) => [1, 2, 3].map(() => claimDue(worker.db, lease(index), 7, { perEndpoint: 3, skipEndpoints: [], skipTenants: [] }))),
      );
      const ids = assertDisjoint([...claims, taken.map((id) => ({ id }))]);
      if (round === 0) await assertFifoHeadsOnly(claims.flat().map((row) => row.id));
      for (const rows of claims) for (const row of rows) assert.ok(row.next_attempt_at! > now && row.lease_owner?.startsWith('worker-'));
      taken.splice(0, taken.length, ...ids);
      if (claims.every((rows) => rows.length === 0)) break;
    }
    // Everything of the plain endpoints, and exactly the head of each fifo endpoint.
    assert.equal(taken.length, PLAIN.length * PER_ENDPOINT + FIFO.length);
  });

  it('claimDueOf, claimIds and claimNextInLine racing each other: disjoint, fifo heads only', async () => {
    await seed();
    const ids = (await admin.db.selectFrom('deliveries').select('id').orderBy('id').execute()).map((row) => row.id);
    const claims = await Promise.all(
      workers.flatMap((worker, index) => [
        ...[...PLAIN, ...FIFO].map((endpoint) => claimDueOf(worker.db, lease(index), endpoint, 15)),
        claimIds(worker.db, lease(index), ids.slice(index * 20, index * 20 + 90)),
        ...FIFO.map(async (endpoint) => {
          const row = await claimNextInLine(worker.db, lease(index), endpoint);
          return row ? [row] : [];
        }),
      ]),
    );
    const claimed = assertDisjoint(claims);
    await assertFifoHeadsOnly(claimed);
    assert.ok(claimed.length >= PLAIN.length * 15, `work was shared out (${claimed.length} claimed)`);
  });

  it('after a fifo head succeeds, the racing workers take the next one, and only it', async () => {
    await seed();
    const [head, next] = await pendingOf('ep_f1');
    await admin.db.updateTable('deliveries').set({ status: 'succeeded', next_attempt_at: null, completed_at: now }).where('id', '=', head!).execute();
    const claims = await Promise.all(
      workers.flatMap((worker, index) => [claimNextInLine(worker.db, lease(index), 'ep_f1').then((row) => (row ? [row] : [])), claimDueOf(worker.db, lease(index), 'ep_f1', 5)]),
    );
    assert.deepEqual(assertDisjoint(claims), [next], 'exactly one worker claimed the new head');
  });

  it('claimForManualAttempt: of workers asking for the same delivery at once, exactly one gets it', async () => {
    await seed();
    const [target] = await pendingOf('ep_p1');
    const claims = await Promise.all(workers.map((worker, index) => claimForManualAttempt(worker.db, lease(index), target!)));
    assert.equal(claims.filter(Boolean).length, 1);
  });

  it('the endpoint policies’ single UPDATEs stay exact when workers race: rate slots, the circuit probe, failure counts', async () => {
    await seed();
    // 5 deliveries per second: 40 slots reserved at once are 40 distinct slots, 200 ms apart (rounded up to whole ms on BIGINT).
    const slots = (await Promise.all(workers.flatMap((worker) => Array.from({ length: 10 }, () => reserveRateSlot(worker.db, 'ep_p1', 5, now))))).sort((a, b) => a - b);
    assert.equal(new Set(slots).size, 40);
    assert.equal(slots[0], now);
    for (let index = 1; index < slots.length; index++)
      assert.ok(slots[index]! - slots[index - 1]! >= 200, `slot ${index} is ${slots[index]! - slots[index - 1]!} ms after the one before`);
    // 3 per second: fractional intervals never give a slot early.
    const thirds = (await Promise.all(workers.flatMap((worker) => Array.from({ length: 6 }, () => reserveRateSlot(worker.db, 'ep_p2', 3, now))))).sort((a, b) => a - b);
    for (let index = 1; index < thirds.length; index++) assert.ok(thirds[index]! - thirds[index - 1]! >= 333);
    assert.ok(thirds.at(-1)! - now >= Math.ceil((1000 / 3) * (thirds.length - 1)));

    const settings = { circuitFailureThreshold: 1000, circuitCooldownMs: 60_000, disableAfterMs: 86_400_000 };
    await Promise.all(workers.flatMap((worker) => Array.from({ length: 10 }, () => worker.atomic([endpointOutcomeQuery(worker.db, 'ep_p3', false, now, settings)]))));
    const counted = await admin.db.selectFrom('endpoints').select(['consecutive_failures', 'failing_since']).where('id', '=', 'ep_p3').executeTakeFirstOrThrow();
    assert.deepEqual(counted, { consecutive_failures: 40, failing_since: now }, 'no failure lost');

    await admin.db
      .updateTable('endpoints')
      .set({ circuit_state: 'open', circuit_retry_at: now - 1 })
      .where('id', '=', 'ep_p3')
      .execute();
    const probes = await Promise.all(workers.flatMap((worker) => [1, 2, 3].map(() => takeCircuitProbe(worker.db, 'ep_p3', now, 30_000))));
    assert.equal(probes.filter(Boolean).length, 1, 'exactly one probe of the open circuit');
  });

  it('successes on a healthy endpoint write its row once a second, not once an attempt; a success after failures always resets it', async () => {
    await seed();
    const settings = { circuitFailureThreshold: 1000, circuitCooldownMs: 60_000, disableAfterMs: 86_400_000 };
    const succeed = (at: number) =>
      Promise.all(workers.flatMap((worker) => Array.from({ length: 10 }, () => worker.atomic([endpointOutcomeQuery(worker.db, 'ep_p2', true, at, settings)]))));
    const written = (results: Awaited<ReturnType<typeof succeed>>) => results.filter(([result]) => result!.rows.length > 0).length;
    assert.equal(written(await succeed(now)), 1, 'the first success records last_triggered_at; the other 39 leave the healthy row alone');
    assert.equal(written(await succeed(now + 999)), 0, 'under a second later: nothing to write');
    assert.equal(written(await succeed(now + 1000)), 1, 'a second later: last_triggered_at moves once');
    await workers[0]!.atomic([endpointOutcomeQuery(workers[0]!.db, 'ep_p2', false, now + 1001, settings)]);
    assert.equal(written(await succeed(now + 1002)), 1, 'the success after a failure resets the streak');
    const row = await admin.db.selectFrom('endpoints').select(['consecutive_failures', 'failing_since', 'last_triggered_at']).where('id', '=', 'ep_p2').executeTakeFirstOrThrow();
    assert.deepEqual(row, { consecutive_failures: 0, failing_since: null, last_triggered_at: now + 1002 });
  });

  it('of failures finishing in the same millisecond on several workers, exactly one reports that it opened the circuit', async () => {
    await seed();
    const settings = { circuitFailureThreshold: 5, circuitCooldownMs: 60_000, disableAfterMs: 86_400_000 };
    const results = await Promise.all(
      workers.flatMap((worker) => Array.from({ length: 10 }, () => worker.atomic([endpointOutcomeQuery(worker.db, 'ep_p1', false, now, settings)]))),
    );
    const openers = results.filter(([result]) => healthChange(result!.rows, false, now, settings.circuitFailureThreshold).circuitOpened);
    assert.equal(openers.length, 1, 'one endpoint.circuit_opened, not one per failure that read circuit_opened_at = now');
  });

  it('an ordered endpoint’s new deliveries take ids in commit order: no claim sees a newer one while an older one is uncommitted', async () => {
    await seed();
    await admin.db.updateTable('deliveries').set({ status: 'succeeded', next_attempt_at: null, completed_at: now }).where('endpoint_id', '=', 'ep_f2').execute();
    const row = (n: number) => ({
      event_id: 'evt_0',
      endpoint_id: 'ep_f2',
      message_id: `late-${n}`,
      next_attempt_at: now - 5000,
      lease_owner: null,
      created_at: now,
      updated_at: now,
    });
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let firstId = 0;
    // The first outbox unit inserts and stays uncommitted; the second is asked for meanwhile.
    const first = workers[0]!.db.transaction().execute(async (trx) => {
      for (const query of [lockOrderedEndpointsQuery(trx, ['ep_f2'])!, ...insertDeliveriesQueries(trx, [row(1)])]) {
        const result = await trx.executeQuery(query);
        firstId ||= Number((result.rows[0] as { id?: number } | undefined)?.id ?? 0);
      }
      await held;
    });
    while (!firstId) await new Promise((resolve) => setTimeout(resolve, 10));
    const second = workers[1]!.atomic([lockOrderedEndpointsQuery(workers[1]!.db, ['ep_f2'])!, ...insertDeliveriesQueries(workers[1]!.db, [row(2)])]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const meanwhile = await claimDueOf(workers[2]!.db, lease(2), 'ep_f2', 5).finally(release);
    await Promise.all([first, second]);
    assert.deepEqual(meanwhile, [], 'nothing of the endpoint is claimable while its older delivery is uncommitted');
    const claimed = await claimDueOf(workers[2]!.db, lease(2), 'ep_f2', 5);
    assert.deepEqual(
      claimed.map((delivery) => delivery.id),
      [firstId],
      'then its oldest, the first committed',
    );
  });
});
