import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { getPlatformProxy } from 'wrangler';
import { type D1Database, openD1 } from '../src/db/dialects/d1.ts';
import { migrate } from '../src/db/migrate.ts';
import { MIGRATIONS } from '../src/db/migrations.generated.ts';
import { claimDue, claimNextInLine } from '../src/db/repo/deliveries.ts';
import { attemptSeries } from '../src/db/repo/delivery-charts.ts';
import type { Store } from '../src/db/store.ts';
import { advanceRecoveries, startRecovery } from '../src/domain/recovery.ts';

/** The Workers store against a real local D1 (workerd through wrangler's platform proxy). */
describe('D1 store (local D1 in workerd)', { timeout: 120_000 }, () => {
  const state = mkdtempSync(join(tmpdir(), 'hookgate-d1-store-'));
  let dispose: () => Promise<void>;
  let store: Store;
  const now = Date.now();

  before(async () => {
    const proxy = await getPlatformProxy<{ DB: D1Database }>({ persist: { path: state } });
    dispose = proxy.dispose;
    store = openD1(proxy.env.DB);
  });
  after(async () => {
    await dispose?.();
    rmSync(state, { recursive: true, force: true });
  });

  it('applies every migration once, recorded in wrangler’s d1_migrations table', async () => {
    assert.deepEqual(
      await migrate(store.db, store.runBatch),
      MIGRATIONS.map((migration) => migration.name),
    );
    assert.deepEqual(await migrate(store.db, store.runBatch), []);
    const recorded = await store.db.selectFrom('d1_migrations').select('name').orderBy('id').execute();
    assert.deepEqual(
      recorded.map((row) => row.name),
      MIGRATIONS.map((migration) => migration.name),
    );
  });

  it('runs atomic() as one batch: a failing statement leaves nothing of the unit behind', async () => {
    const tenant = (id: string) => store.db.insertInto('tenants').values({ id, name: id, partner_org_id: null, created_at: now }).compile();
    await assert.rejects(store.atomic([tenant('ten_a'), tenant('ten_b'), tenant('ten_a')]));
    assert.equal((await store.db.selectFrom('tenants').select('id').execute()).length, 0);
    const results = await store.atomic([
      tenant('ten_a'),
      store.db.insertInto('tenants').values({ id: 'ten_b', name: 'b', partner_org_id: null, created_at: now }).returning('id').compile(),
    ]);
    assert.deepEqual(results[1]!.rows, [{ id: 'ten_b' }], 'RETURNING rows come back from the batch');
  });

  it('claims with one UPDATE … RETURNING: two owners claiming at once never share a delivery', async () => {
    await store.db
      .insertInto('endpoints')
      .values({ id: 'ep_1', tenant_id: 'ten_a', surface: 'admin', url: 'https://example.com/hook', enabled: 1, created_at: now, updated_at: now })
      .execute();
    await store.db
      .insertInto('events')
      .values({ id: 'evt_1', tenant_id: 'ten_a', type: 'invoice.paid', requested_type: 'invoice.paid', data: '{}', delivery_count: 20, occurred_at: now, created_at: now })
      .execute();
    const rows = Array.from({ length: 20 }, (_, index) => ({
      event_id: 'evt_1',
      endpoint_id: 'ep_1',
      message_id: `msg_${index}`,
      status: 'pending' as const,
      next_attempt_at: now,
      created_at: now,
      updated_at: now,
    }));
    // D1 binds at most 100 parameters per statement: 10 rows of 7 columns at a time.
    for (let start = 0; start < rows.length; start += 10)
      await store.db
        .insertInto('deliveries')
        .values(rows.slice(start, start + 10))
        .execute();
    const [first, second] = await Promise.all([
      claimDue(store.db, { owner: 'w_one', now: now + 1, leaseMs: 60_000 }, 15),
      claimDue(store.db, { owner: 'w_two', now: now + 1, leaseMs: 60_000 }, 15),
    ]);
    const ids = [...first!, ...second!].map((delivery) => delivery.id);
    assert.equal(ids.length, 20, 'every delivery claimed');
    assert.equal(new Set(ids).size, 20, 'none claimed twice');
    assert.ok(first!.every((delivery) => delivery.lease_owner === 'w_one' && delivery.next_attempt_at === now + 60_001));
  });

  it('shares a claim out (per endpoint, skipping full endpoints and tenants), and claims the next of an ordered endpoint once', async () => {
    const endpoint = (id: string, tenantId: string, ordering: 'none' | 'fifo') =>
      store.db
        .insertInto('endpoints')
        .values({ id, tenant_id: tenantId, surface: 'admin', url: 'https://example.com/hook', enabled: 1, ordering, created_at: now, updated_at: now })
        .execute();
    await endpoint('ep_fifo', 'ten_a', 'fifo');
    await endpoint('ep_b', 'ten_b', 'none');
    const deliveries = (endpointId: string, count: number) =>
      store.db
        .insertInto('deliveries')
        .values(
          Array.from({ length: count }, (_, index) => ({
            event_id: 'evt_1',
            endpoint_id: endpointId,
            message_id: `msg_${endpointId}_${index}`,
            status: 'pending' as const,
            next_attempt_at: now,
            created_at: now,
            updated_at: now,
          })),
        )
        .execute();
    await deliveries('ep_fifo', 3);
    await deliveries('ep_b', 5);
    const lease = (owner: string) => ({ owner, now: now + 2, leaseMs: 60_000 });

    const ofB = await claimDue(store.db, lease('w_one'), 10, { perEndpoint: 2, skipEndpoints: [], skipTenants: ['ten_a'] });
    assert.deepEqual(
      ofB.map((delivery) => delivery.endpoint_id),
      ['ep_b', 'ep_b'],
      'tenant A skipped; two of B’s endpoint at most',
    );
    const [head, ...rest] = await claimDue(store.db, lease('w_one'), 10, { perEndpoint: 2, skipEndpoints: ['ep_b'], skipTenants: [] });
    assert.equal(head?.endpoint_id, 'ep_fifo');
    assert.deepEqual(rest, [], 'only the head of an ordered endpoint');

    assert.equal(await claimNextInLine(store.db, lease('w_two'), 'ep_fifo'), undefined, 'the head is in flight');
    await store.db.updateTable('deliveries').set({ status: 'succeeded', lease_owner: null, next_attempt_at: null }).where('id', '=', head!.id).execute();
    const racing = await Promise.all([claimNextInLine(store.db, lease('w_one'), 'ep_fifo'), claimNextInLine(store.db, lease('w_two'), 'ep_fifo')]);
    const won = racing.filter((delivery) => delivery !== undefined);
    assert.equal(won.length, 1, 'one of two owners takes the next delivery');
    assert.equal(won[0]!.id, head!.id + 1);
  });

  it('advances a recovery job over a chunk of more deliveries than D1 binds in one statement', async () => {
    await store.db
      .insertInto('endpoints')
      .values({ id: 'ep_rec', tenant_id: 'ten_a', surface: 'admin', url: 'https://example.com/hook', enabled: 1, created_at: now, updated_at: now })
      .execute();
    const failed = Array.from({ length: 250 }, (_, index) => ({
      event_id: 'evt_1',
      endpoint_id: 'ep_rec',
      message_id: `msg_rec_${index}`,
      status: 'failed' as const,
      attempt_count: 3,
      created_at: now - 1000,
      updated_at: now - 1000,
      completed_at: now - 1000,
    }));
    // D1 binds at most 100 values a statement: the rows go in runs of 10.
    for (let start = 0; start < failed.length; start += 10)
      await store.db
        .insertInto('deliveries')
        .values(failed.slice(start, start + 10))
        .execute();
    const endpoint = await store.db.selectFrom('endpoints').selectAll().where('id', '=', 'ep_rec').executeTakeFirstOrThrow();
    const job = await startRecovery(store.db, endpoint, { since: now - 60_000, until: null, status: 'failed' }, now);
    assert.equal(job.total, 250);
    assert.equal(await advanceRecoveries(store.db, now), 250);
    const pending = await store.db
      .selectFrom('deliveries')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('endpoint_id', '=', 'ep_rec')
      .where('status', '=', 'pending')
      .executeTakeFirstOrThrow();
    assert.equal(Number(pending.n), 250);
  });

  it('refuses an interactive transaction with a message that names the alternative', async () => {
    await assert.rejects(
      store.db.transaction().execute(async () => {}),
      /no interactive transactions/,
    );
  });
  it('charts attempts with the same bucketed GROUP BY and percentiles as on SQLite', async () => {
    const from = Math.floor(now / 60_000) * 60_000 - 3 * 60_000;
    await sql`INSERT INTO tenants (id, name, created_at) VALUES ('ten_chart', 'chart', ${now})`.execute(store.db);
    await sql`INSERT INTO endpoints (id, tenant_id, surface, url, created_at, updated_at) VALUES ('ep_chart', 'ten_chart', 'admin', 'https://r.example/', ${now}, ${now})`.execute(
      store.db,
    );
    await sql`INSERT INTO events (id, tenant_id, type, requested_type, data, occurred_at, created_at) VALUES ('evt_chart', 'ten_chart', 'invoice.paid', 'invoice.paid', '{}', ${now}, ${now})`.execute(
      store.db,
    );
    // Four attempts of 10, 20, 30 and 40 ms: two in the first minute, two in the third; three succeed.
    for (const [index, offset] of [0, 30_000, 120_000, 150_000].entries()) {
      const { id } = await store.db
        .insertInto('deliveries')
        .values({ event_id: 'evt_chart', endpoint_id: 'ep_chart', message_id: `msg_chart_${index}`, status: 'succeeded', attempt_count: 1, created_at: now, updated_at: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      await sql`INSERT INTO attempts (delivery_id, attempt_number, trigger, started_at, duration_ms, succeeded, request_url, request_headers)
        VALUES (${id}, 1, 'sweep', ${from + offset}, ${(index + 1) * 10}, ${index === 3 ? 0 : 1}, 'https://r.example/', '{}')`.execute(store.db);
    }
    const series = await attemptSeries(store.db, { tenantIds: ['ten_chart'] }, { from, bucketMs: 60_000, buckets: 3 });
    assert.deepEqual(
      series.buckets.map((bucket) => [bucket.attempts, bucket.succeeded, bucket.p50]),
      [
        [2, 2, 10],
        [0, 0, null],
        [2, 1, 50],
      ],
    );
    assert.deepEqual(series.latencyMs, { p50: 20, p95: 40, p99: 40 });
  });
});
