import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { CompiledQuery } from 'kysely';
import { MAX_BOUND_PARAMETERS } from '../src/db/limits.ts';
import { claimDue, claimDueByEndpoint } from '../src/db/repo/deliveries.ts';
import { publishEvents } from '../src/domain/publish.ts';
import { createTenantWithKey } from '../src/domain/tenants.ts';
import { type InProcessEngine, startEngine } from './support/engine.ts';

/**
 * Issue 26: what a claim and an ingest cost must not grow with the backlog or the fan-out. A
 * sweep's claim looks at a bounded window of the longest-due deliveries (a busy endpoint's backlog
 * is not walked each time an attempt finishes), and finds the due work behind it endpoint by
 * endpoint; the deliveries of an ingest request are written in multi-row INSERTs.
 */
describe('claims and fan-out writes stay bounded', () => {
  let running: InProcessEngine | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  async function storeWith(endpoints: { id: string; tenant: string }[]) {
    running = await startEngine(Date.now);
    const { store } = running;
    const now = Date.now();
    const tenants = new Map<string, string>();
    for (const { tenant } of endpoints) if (!tenants.has(tenant)) tenants.set(tenant, (await createTenantWithKey(store.db, { name: tenant, partnerOrgId: null, now })).tenant.id);
    for (const { id, tenant } of endpoints)
      await store.db
        .insertInto('endpoints')
        .values({ id, tenant_id: tenants.get(tenant)!, surface: 'admin', url: `http://127.0.0.1:9/${id}`, event_types: '["invoice.created"]', created_at: now, updated_at: now })
        .execute();
    return { ...running, tenants, now };
  }

  async function due(db: InProcessEngine['store']['db'], endpointId: string, count: number, at: number) {
    await db
      .insertInto('events')
      .values({
        id: `evt_${endpointId}`,
        tenant_id: (await db.selectFrom('endpoints').select('tenant_id').where('id', '=', endpointId).executeTakeFirstOrThrow()).tenant_id,
        type: 'invoice.created',
        requested_type: 'invoice.created',
        data: '{}',
        delivery_count: count,
        occurred_at: at,
        created_at: at,
      })
      .execute();
    for (let start = 0; start < count; start += 10)
      await db
        .insertInto('deliveries')
        .values(
          Array.from({ length: Math.min(10, count - start) }, (_, index) => ({
            event_id: `evt_${endpointId}`,
            endpoint_id: endpointId,
            message_id: `msg_${endpointId}_${start + index}`,
            status: 'pending' as const,
            next_attempt_at: at + start + index,
            created_at: at,
            updated_at: at,
          })),
        )
        .execute();
  }

  it('a claim looks at its window of the longest-due deliveries only; the work behind a busy endpoint’s backlog is claimed endpoint by endpoint', async () => {
    const { store, now } = await storeWith([
      { id: 'wh_busy', tenant: 'Busy' },
      { id: 'wh_quiet', tenant: 'Quiet' },
    ]);
    await due(store.db, 'wh_busy', 300, now - 10_000);
    await due(store.db, 'wh_quiet', 5, now - 1000);
    const lease = { owner: 'w_test', now, leaseMs: 60_000 };
    const busyFull = { perEndpoint: 32, skipEndpoints: ['wh_busy'], skipTenants: [] };

    assert.deepEqual(await claimDue(store.db, lease, 10, busyFull, 100), [], 'the 100 longest-due are all the busy endpoint’s: nothing claimed, and nothing further looked at');
    assert.deepEqual(
      await claimDueByEndpoint(store.db, lease, 10, busyFull, 400),
      [],
      'a window of 400 would have held all 305 due: nothing is looked for behind it (no walk of every pending delivery)',
    );
    const behind = await claimDueByEndpoint(store.db, lease, 10, busyFull, 100);
    assert.deepEqual(
      behind.map((delivery) => delivery.endpoint_id),
      Array(5).fill('wh_quiet'),
      'the quiet endpoint’s five, found past the busy backlog',
    );
    assert.ok(
      behind.every((delivery) => delivery.lease_owner === 'w_test' && delivery.next_attempt_at === now + 60_000),
      'claimed: leased until the lease expiry',
    );
    assert.deepEqual(await claimDueByEndpoint(store.db, lease, 10, busyFull, 100), [], 'claimed once');
    const windowed = await claimDue(store.db, lease, 10, { perEndpoint: 4, skipEndpoints: [], skipTenants: [] }, 100);
    assert.deepEqual(
      windowed.map((delivery) => delivery.message_id),
      ['msg_wh_busy_0', 'msg_wh_busy_1', 'msg_wh_busy_2', 'msg_wh_busy_3'],
      'oldest first, the per-endpoint share kept',
    );
  });

  it('the deliveries of a request go in multi-row INSERTs of at most 12 rows (D1’s 100 parameters), after their events', async () => {
    const { store, services, tenants } = await storeWith(Array.from({ length: 10 }, (_, index) => ({ id: `wh_${index}`, tenant: 'Fan' })));
    const statements: CompiledQuery[] = [];
    const counting = {
      ...services,
      atomic: (queries: readonly CompiledQuery[]) => {
        statements.push(...queries);
        return services.atomic(queries);
      },
    };
    const events = Array.from({ length: 6 }, (_, n) => ({ tenantId: tenants.get('Fan')!, type: 'invoice.created', data: { n } }));
    const results = await publishEvents(counting, events, { dispatch: false });

    const inserts = statements.filter((query) => /^insert into "deliveries"/i.test(query.sql));
    assert.equal(inserts.length, 5, '60 deliveries: five statements of 12 rows, not one statement per event');
    assert.ok(
      inserts.every((query) => query.parameters.length <= MAX_BOUND_PARAMETERS),
      'each within D1’s bound',
    );
    assert.equal(
      statements.findIndex((query) => /^insert into "deliveries"/i.test(query.sql)),
      6,
      'after the six events',
    );
    const written = await store.db.selectFrom('deliveries').select(['id', 'event_id', 'endpoint_id']).orderBy('id').execute();
    assert.equal(written.length, 60);
    for (const result of results)
      assert.deepEqual(
        result.delivery_ids,
        written.filter((row) => row.event_id === result.event_id).map((row) => row.id),
        'each event answers the ids of its own deliveries',
      );
  });
});
