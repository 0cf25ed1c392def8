import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { openBetterSqlite } from '../src/db/dialects/better-sqlite3.ts';
import { migrate } from '../src/db/migrate.ts';
import { firstRow, prepared } from '../src/db/prepared.ts';
import { insertDeliveriesQueries, type NewDelivery } from '../src/db/repo/deliveries.ts';
import type { HostStore } from '../src/db/store.ts';

/** Node's SQLite store on a real file: atomic units and their group commit. */
describe('SQLite store (better-sqlite3, group commit)', () => {
  const folder = mkdtempSync(join(tmpdir(), 'hookgate-sqlite-store-'));
  let store: HostStore;
  const now = Date.now();
  const tenant = (id: string) => store.db.insertInto('tenants').values({ id, name: id, partner_org_id: null, created_at: now }).compile();
  const tenantIds = async () => (await store.db.selectFrom('tenants').select('id').orderBy('id').execute()).map((row) => row.id);

  before(async () => {
    store = openBetterSqlite(join(folder, 'store.db'));
    await migrate(store.db, store.runBatch);
  });
  after(async () => {
    await store.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('commits units asked for together, each with its own results', async () => {
    const returning = (id: string) => store.db.insertInto('tenants').values({ id, name: id, partner_org_id: null, created_at: now }).returning('id').compile();
    const results = await Promise.all(Array.from({ length: 40 }, (_, index) => store.atomic([returning(`ten_g${String(index).padStart(2, '0')}`)])));
    assert.deepEqual(
      results.map((unit) => unit[0]!.rows),
      Array.from({ length: 40 }, (_, index) => [{ id: `ten_g${String(index).padStart(2, '0')}` }]),
    );
    assert.equal((await tenantIds()).length, 40);
  });

  it('a failing unit in a group fails alone: nothing of it is stored, the units around it commit', async () => {
    const outcomes = await Promise.allSettled([
      store.atomic([tenant('ten_a1'), tenant('ten_a2')]),
      store.atomic([tenant('ten_b1'), tenant('ten_g00')]), // ten_g00 exists: UNIQUE fails
      store.atomic([tenant('ten_c1')]),
    ]);
    assert.deepEqual(
      outcomes.map((outcome) => outcome.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.match(String((outcomes[1] as PromiseRejectedResult).reason), /UNIQUE/);
    const ids = await tenantIds();
    for (const id of ['ten_a1', 'ten_a2', 'ten_c1']) assert.ok(ids.includes(id), `${id} committed`);
    assert.ok(!ids.includes('ten_b1'), 'the failing unit’s first row was rolled back');
  });

  it('a unit asked for after a group has started is committed by a later group', async () => {
    const first = store.atomic([tenant('ten_late1')]);
    const second = first.then(() => store.atomic([tenant('ten_late2')]));
    await Promise.all([first, second]);
    const ids = await tenantIds();
    assert.ok(ids.includes('ten_late1') && ids.includes('ten_late2'));
  });

  it('keeps statement journals in memory, and a multi-row delivery INSERT failing on its seventh row leaves none of its rows', async () => {
    // temp_store=MEMORY: SQLite journals every page a multi-row INSERT changes, to undo that
    // statement alone; past 64 KiB it did so in a temporary file, written and deleted in every transaction.
    const connection = (await sql<{ temp_store: number }>`PRAGMA temp_store`.execute(store.db)).rows[0];
    assert.equal(connection?.temp_store, 2, 'temp_store = MEMORY');
    await store.atomic([
      tenant('ten_fan'),
      ...Array.from({ length: 12 }, (_, index) =>
        store.db
          .insertInto('endpoints')
          .values({ id: `wh_fan${index}`, tenant_id: 'ten_fan', surface: 'admin', url: `http://127.0.0.1:9/${index}`, created_at: now, updated_at: now })
          .compile(),
      ),
    ]);
    const event = (id: string) =>
      store.db
        .insertInto('events')
        .values({ id, tenant_id: 'ten_fan', type: 'invoice.created', requested_type: 'invoice.created', data: '{}', delivery_count: 12, occurred_at: now, created_at: now })
        .compile();
    const deliveries = (eventId: string, endpoint: (index: number) => string) =>
      insertDeliveriesQueries(
        store.db,
        Array.from(
          { length: 12 },
          (_, index): NewDelivery => ({
            event_id: eventId,
            endpoint_id: endpoint(index),
            message_id: `msg_${eventId}_${index}`,
            lease_owner: null,
            next_attempt_at: now,
            created_at: now,
            updated_at: now,
          }),
        ),
      );
    const outcomes = await Promise.allSettled([
      store.atomic([event('evt_fan_ok1'), ...deliveries('evt_fan_ok1', (index) => `wh_fan${index}`)]),
      // The seventh row names an endpoint that does not exist: FOREIGN KEY fails after six rows were written.
      store.atomic([event('evt_fan_bad'), ...deliveries('evt_fan_bad', (index) => (index === 6 ? 'wh_gone' : `wh_fan${index}`))]),
      store.atomic([event('evt_fan_ok2'), ...deliveries('evt_fan_ok2', (index) => `wh_fan${index}`)]),
    ]);
    assert.deepEqual(
      outcomes.map((outcome) => outcome.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.match(String((outcomes[1] as PromiseRejectedResult).reason), /FOREIGN KEY/);
    assert.deepEqual((outcomes[0] as PromiseFulfilledResult<{ rows: unknown[] }[]>).value[1]!.rows.length, 12, 'the ids of the twelve rows come back');
    const stored = await store.db
      .selectFrom('deliveries')
      .select(['event_id', (eb) => eb.fn.countAll<number>().as('rows')])
      .groupBy('event_id')
      .orderBy('event_id')
      .execute();
    assert.deepEqual(stored, [
      { event_id: 'evt_fan_ok1', rows: 12 },
      { event_id: 'evt_fan_ok2', rows: 12 },
    ]);
    assert.equal((await store.db.selectFrom('events').select('id').where('id', '=', 'evt_fan_bad').execute()).length, 0, 'nor its event');
  });

  it('runs a prepared query with new values each time, compiled once', async () => {
    const byName = prepared((db, v: { name: string }) => db.selectFrom('tenants').select('id').where('name', '=', v.name).where('id', 'like', 'ten_%'));
    assert.equal((await firstRow(store.db, byName(store.db, { name: 'ten_a1' })))?.id, 'ten_a1');
    const again = byName(store.db, { name: 'ten_c1' });
    assert.equal((await firstRow(store.db, again))?.id, 'ten_c1');
    assert.deepEqual(again.parameters, ['ten_c1', 'ten_%'], 'constants of the query stay in place');
  });

  it('refuses a prepared query that computes with a value or inlines it into its SQL', () => {
    const computes = prepared((db, v: { now: number }) =>
      db
        .selectFrom('tenants')
        .select('id')
        .where('created_at', '>', (v.now as number) + 1000),
    );
    assert.throws(() => computes(store.db, { now: 1 }), /computes with a value/);
    const inlines = prepared((db, v: { name: string }) => db.selectFrom('tenants').select('id').where('name', '=', sql.lit(v.name)));
    assert.throws(() => inlines(store.db, { name: 'x' }), /inlines a value/);
  });
});
