import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { openBetterSqlite } from '../src/db/dialects/better-sqlite3.ts';
import { migrate } from '../src/db/migrate.ts';
import { firstRow, prepared } from '../src/db/prepared.ts';
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
