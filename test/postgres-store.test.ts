import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Sqlite from 'better-sqlite3';
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, sql } from 'kysely';
import pg from 'pg';
import { openBetterSqlite } from '../src/db/dialects/better-sqlite3.ts';
import { openPostgres } from '../src/db/dialects/postgres.ts';
import { migrate } from '../src/db/migrate.ts';
import { POSTGRES_MIGRATIONS } from '../src/db/migrations.generated.ts';
import { firstRow, prepared } from '../src/db/prepared.ts';
import type { Database } from '../src/db/schema.ts';
import type { HostStore } from '../src/db/store.ts';
import { storeFailureOf } from '../src/db/store-health.ts';
import { isUniqueViolation } from '../src/db/unique-violation.ts';
import { type PostgresCluster, sharedPostgres } from './support/postgres.ts';

interface Column {
  name: string;
  nullable: boolean;
  type: string;
}
interface Index {
  name: string;
  columns: string[];
  unique: boolean;
  partial: boolean;
}
interface Schema {
  tables: Record<string, { columns: Column[]; indexes: Index[] }>;
}

/** The type classes both dialects share: BIGINT and INTEGER are "integer", REAL and DOUBLE PRECISION "real". */
function typeClass(declared: string): string {
  const type = declared.toLowerCase();
  if (/int/.test(type)) return 'integer';
  if (/real|double|float|numeric/.test(type)) return 'real';
  if (/timestamp/.test(type)) return 'timestamp';
  if (/text|char/.test(type)) return 'text';
  return type;
}

function sqliteSchema(path: string): Schema {
  const db = new Sqlite(path, { readonly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[];
    const schema: Schema = { tables: {} };
    for (const { name } of tables) {
      const columns = (db.prepare(`PRAGMA table_info(${name})`).all() as { name: string; type: string; notnull: number; pk: number }[]).map((column) => ({
        name: column.name,
        // A primary key column is NOT NULL on Postgres; SQLite enforces it for INTEGER keys and hookgate never writes a null key.
        nullable: column.notnull === 0 && column.pk === 0,
        type: typeClass(column.type),
      }));
      const indexes = (db.prepare(`PRAGMA index_list(${name})`).all() as { name: string; unique: number; origin: string; partial: number }[])
        .filter((index) => index.origin === 'c')
        .map((index) => ({
          name: index.name,
          columns: (db.prepare(`PRAGMA index_info(${index.name})`).all() as { name: string }[]).map((column) => column.name),
          unique: index.unique === 1,
          partial: index.partial === 1,
        }));
      schema.tables[name] = { columns: sortByName(columns), indexes: sortByName(indexes) };
    }
    return schema;
  } finally {
    db.close();
  }
}

async function postgresSchema(url: string): Promise<Schema> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const columns = await client.query<{ table_name: string; column_name: string; is_nullable: string; data_type: string }>(
      "SELECT table_name, column_name, is_nullable, data_type FROM information_schema.columns WHERE table_schema = 'public'",
    );
    // Indexes created by CREATE INDEX, not those behind a PRIMARY KEY or UNIQUE constraint (SQLite's origin 'c').
    const indexes = await client.query<{ table_name: string; name: string; columns: string[]; unique: boolean; partial: boolean }>(`
      SELECT t.relname AS table_name, i.relname AS name, ix.indisunique AS unique, ix.indpred IS NOT NULL AS partial,
        array(SELECT a.attname::text FROM unnest(ix.indkey) WITH ORDINALITY AS k(attnum, n) JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.n) AS columns
      FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = 'public' AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid)`);
    const schema: Schema = { tables: {} };
    for (const row of columns.rows) {
      schema.tables[row.table_name] ??= { columns: [], indexes: [] };
      schema.tables[row.table_name]!.columns.push({ name: row.column_name, nullable: row.is_nullable === 'YES', type: typeClass(row.data_type) });
    }
    for (const row of indexes.rows) schema.tables[row.table_name]!.indexes.push({ name: row.name, columns: row.columns, unique: row.unique, partial: row.partial });
    for (const table of Object.values(schema.tables)) {
      table.columns = sortByName(table.columns);
      table.indexes = sortByName(table.indexes);
    }
    return { tables: Object.fromEntries(Object.entries(schema.tables).sort(([a], [b]) => a.localeCompare(b))) };
  } finally {
    await client.end();
  }
}

/** Compiles raw SQL for Postgres without a store (the tests' store opens in `before`). */
const PostgresQueries = new Kysely<Database>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

const sortByName = <T extends { name: string }>(items: T[]): T[] => items.sort((a, b) => a.name.localeCompare(b.name));

describe('Postgres store', { timeout: 120_000 }, () => {
  let cluster: PostgresCluster;
  let url: string;
  let store: HostStore;
  const folder = mkdtempSync(join(tmpdir(), 'hookgate-pg-schema-'));

  before(async () => {
    cluster = await sharedPostgres();
    url = await cluster.createDatabase();
    store = openPostgres(url, { poolSize: 4 });
  });
  after(async () => {
    await store?.close();
    await cluster?.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  it('migrations of both dialects give the same tables, columns (name, nullability, type class) and indexes (columns, unique, partial)', async () => {
    const sqlitePath = join(folder, 'store.db');
    const sqliteStore = openBetterSqlite(sqlitePath);
    const sqliteApplied = await migrate(sqliteStore.db, sqliteStore.runBatch);
    await sqliteStore.close();
    const postgresApplied = await migrate(store.db, store.runBatch);
    assert.deepEqual(postgresApplied, sqliteApplied, 'the same migration names, in the same order');
    const [onSqlite, onPostgres] = [sqliteSchema(sqlitePath), await postgresSchema(url)];
    assert.ok(Object.keys(onSqlite.tables).length >= 12, 'every table was read');
    assert.deepEqual(onPostgres, onSqlite);
  });

  it('applies nothing twice: processes migrating at once apply each migration once', async () => {
    const fresh = openPostgres(await cluster.createDatabase(), { poolSize: 4 });
    try {
      const runs = await Promise.all([1, 2, 3].map(() => migrate(fresh.db, fresh.runBatch)));
      assert.equal(runs.flat().length, POSTGRES_MIGRATIONS.length, 'each migration applied by exactly one of the three');
      assert.deepEqual(await migrate(fresh.db, fresh.runBatch), []);
    } finally {
      await fresh.close();
    }
  });

  it('gives BIGINT values, counts, sums and averages back as JS numbers, as SQLite does', async () => {
    const at = 1_765_000_000_123;
    await store.db.insertInto('tenants').values({ id: 'ten_numbers', name: 'n', partner_org_id: null, created_at: at }).execute();
    const row = await store.db
      .selectFrom('tenants')
      .select((eb) => ['created_at', eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('created_at').as('total'), eb.fn.avg<number>('created_at').as('mean')])
      .where('id', '=', 'ten_numbers')
      .groupBy('created_at')
      .executeTakeFirstOrThrow();
    assert.deepEqual(row, { created_at: at, n: 1, total: at, mean: at });
  });

  it('runs an atomic unit as one transaction: a refused row rolls back the rows before it', async () => {
    const tenant = (id: string) => store.db.insertInto('tenants').values({ id, name: id, partner_org_id: null, created_at: 1 }).compile();
    await store.atomic([tenant('ten_a')]);
    const refused = await store.atomic([tenant('ten_b'), tenant('ten_a')]).catch((error: unknown) => error);
    assert.equal(isUniqueViolation(refused), true, 'a unique violation (SQLSTATE 23505) is recognised');
    const ids = (await store.db.selectFrom('tenants').select('id').where('id', 'in', ['ten_a', 'ten_b']).execute()).map((row) => row.id);
    assert.deepEqual(ids, ['ten_a']);
  });

  describe('group commit: the units asked for in one turn commit in one transaction', () => {
    const tenant = (id: string) => store.db.insertInto('tenants').values({ id, name: id, partner_org_id: null, created_at: 1 }).compile();
    /** The transaction a unit ran in, as its last statement's row. */
    const transactionId = sql<{ tx: number }>`SELECT txid_current() AS tx`.compile(PostgresQueries);
    const txOf = (results: { rows: unknown[] }[]) => (results.at(-1)!.rows[0] as { tx: number }).tx;
    const stored = async (ids: string[]) => (await store.db.selectFrom('tenants').select('id').where('id', 'in', ids).orderBy('id').execute()).map((row) => row.id);

    it('commits units asked for together in one transaction, each answered with its own results', async () => {
      const returning = (id: string) => store.db.insertInto('tenants').values({ id, name: id, partner_org_id: null, created_at: 1 }).returning('id').compile();
      const ids = Array.from({ length: 40 }, (_, index) => `ten_g${String(index).padStart(2, '0')}`);
      const results = await Promise.all(ids.map((id) => store.atomic([returning(id), transactionId])));
      assert.deepEqual(
        results.map((unit) => unit[0]!.rows),
        ids.map((id) => [{ id }]),
      );
      assert.equal(new Set(results.map(txOf)).size, 1, 'one transaction for the 40 units');
      assert.deepEqual(await stored(ids), ids);
    });

    it('a unit refused in a group fails as it would alone (its own error, nothing of it stored); the units around it commit', async () => {
      const outcomes = await Promise.allSettled([
        store.atomic([tenant('ten_ga1'), tenant('ten_ga2')]),
        store.atomic([tenant('ten_gb1'), tenant('ten_g00')]), // ten_g00 exists: a unique violation
        store.atomic([tenant('ten_gc1')]),
        store.atomic([tenant('ten_gd1'), transactionId]),
      ]);
      assert.deepEqual(
        outcomes.map((outcome) => outcome.status),
        ['fulfilled', 'rejected', 'fulfilled', 'fulfilled'],
      );
      const refused = (outcomes[1] as PromiseRejectedResult).reason;
      assert.equal(isUniqueViolation(refused), true, `the unit's own unique violation (23505), not the group's aborted transaction: ${String(refused)}`);
      assert.deepEqual(
        await stored(['ten_ga1', 'ten_ga2', 'ten_gb1', 'ten_gc1', 'ten_gd1']),
        ['ten_ga1', 'ten_ga2', 'ten_gc1', 'ten_gd1'],
        'the refused unit’s first row was rolled back',
      );
      // The group was rolled back and the units that were not refused committed one by one.
      assert.deepEqual((outcomes[3] as PromiseFulfilledResult<{ rows: unknown[] }[]>).value[0]!.rows, []);
    });

    it('a group whose connection is lost before COMMIT stored nothing: its units run again alone, and those that can commit do', async () => {
      const endsItsConnection = sql`SELECT pg_terminate_backend(pg_backend_pid())`.compile(PostgresQueries);
      const outcomes = await Promise.allSettled([
        store.atomic([tenant('ten_gl1'), transactionId]),
        store.atomic([tenant('ten_gl2'), endsItsConnection]),
        store.atomic([tenant('ten_gl3'), transactionId]),
      ]);
      assert.deepEqual(
        outcomes.map((outcome) => outcome.status),
        ['fulfilled', 'rejected', 'fulfilled'],
      );
      assert.ok(storeFailureOf((outcomes[1] as PromiseRejectedResult).reason), 'the unit that lost its connection alone fails as a store failure');
      assert.deepEqual(await stored(['ten_gl1', 'ten_gl2', 'ten_gl3']), ['ten_gl1', 'ten_gl3']);
      const [first, last] = [outcomes[0], outcomes[2]] as PromiseFulfilledResult<{ rows: unknown[] }[]>[];
      assert.notEqual(txOf(first!.value), txOf(last!.value), 'each committed in a transaction of its own');
    });

    it('prepares a unit’s statements once per connection, and runs a unit again unnamed once a migration changed what a prepared one returns', async () => {
      const one = openPostgres(url, { poolSize: 1 });
      try {
        await sql`CREATE TABLE scratch_plans (id integer)`.execute(one.db);
        const insert = (id: number) => [sql`INSERT INTO scratch_plans (id) VALUES (${id}) RETURNING *`.compile(PostgresQueries), transactionId];
        await one.atomic(insert(1));
        const prepared = await sql<{ name: string }>`SELECT name FROM pg_prepared_statements`.execute(one.db);
        assert.ok(prepared.rows.length >= 1, 'the unit’s INSERT is prepared on the pool’s one connection');
        // What a newer process's migration does while this one runs: its prepared INSERT … RETURNING * now returns another row type.
        await sql`ALTER TABLE scratch_plans ADD COLUMN note text`.execute(store.db);
        const [inserted] = await one.atomic(insert(2));
        assert.deepEqual(inserted!.rows, [{ id: 2, note: null }]);
        assert.deepEqual((await one.atomic(insert(3)))[0]!.rows, [{ id: 3, note: null }]);
      } finally {
        await sql`DROP TABLE IF EXISTS scratch_plans`.execute(store.db);
        await one.close();
      }
    });

    it('prepares nothing with HOOKGATE_DB_PREPARED_STATEMENTS=false (behind a pooler that cannot track named statements)', async () => {
      const one = openPostgres(url, { poolSize: 1, preparedStatements: false });
      try {
        await one.atomic([tenant('ten_unnamed'), transactionId]);
        assert.deepEqual((await sql`SELECT name FROM pg_prepared_statements`.execute(one.db)).rows, []);
        assert.deepEqual(await stored(['ten_unnamed']), ['ten_unnamed']);
      } finally {
        await one.close();
      }
    });

    it('a unit that writes an endpoint row commits alone (a group never takes shared rows in the order its units came)', async () => {
      const touchEndpoint = sql`UPDATE endpoints SET url = url WHERE id = 'ep_none'`.compile(PostgresQueries);
      const [first, writer, last] = await Promise.all([
        store.atomic([tenant('ten_gs1'), transactionId]),
        store.atomic([touchEndpoint, transactionId]),
        store.atomic([tenant('ten_gs2'), transactionId]),
      ]);
      assert.equal(txOf(first!), txOf(last!), 'the other two share a transaction');
      assert.notEqual(txOf(writer!), txOf(first!));
    });

    it('a unit asked for while a group is committing is committed by a later group', async () => {
      const first = store.atomic([tenant('ten_glate1')]);
      const second = first.then(() => store.atomic([tenant('ten_glate2')]));
      await Promise.all([first, second]);
      assert.deepEqual(await stored(['ten_glate1', 'ten_glate2']), ['ten_glate1', 'ten_glate2']);
    });
  });

  it('a prepared query is compiled per store: the same one runs on SQLite (`?`) and then on Postgres (`$1`)', async () => {
    const byName = prepared((db, v: { name: string }) => db.selectFrom('tenants').select('name').where('name', '=', v.name));
    const sqliteStore = openBetterSqlite(join(folder, 'prepared.db'));
    try {
      await migrate(sqliteStore.db, sqliteStore.runBatch);
      await sqliteStore.db.insertInto('tenants').values({ id: 'ten_p', name: 'prepared', partner_org_id: null, created_at: 1 }).execute();
      await store.db.insertInto('tenants').values({ id: 'ten_p', name: 'prepared', partner_org_id: null, created_at: 1 }).execute();
      assert.deepEqual(await firstRow(sqliteStore.db, byName(sqliteStore.db, { name: 'prepared' })), { name: 'prepared' });
      assert.deepEqual(await firstRow(store.db, byName(store.db, { name: 'prepared' })), { name: 'prepared' });
    } finally {
      await sqliteStore.close();
    }
  });

  it('a connection the server ends while a query holds it fails that query as a store failure, and the process and the store carry on', async () => {
    // node-postgres emits `error` on a checked-out connection that ends; with no listener that ends the process.
    const ownBackend = sql`SELECT pg_terminate_backend(pg_backend_pid())`.compile(store.db);
    const onItsOwn = await store.db
      .connection()
      .execute((db) => db.executeQuery(ownBackend))
      .catch((caught: unknown) => caught);
    assert.ok(storeFailureOf(onItsOwn), `a lost connection is a store failure: ${onItsOwn}`);
    const inAUnit = await store.atomic([ownBackend, sql`SELECT 1`.compile(store.db)]).catch((caught: unknown) => caught);
    assert.ok(storeFailureOf(inAUnit), `a lost connection is a store failure: ${inAUnit}`);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual((await sql<{ one: number }>`SELECT 1 AS one`.execute(store.db)).rows, [{ one: 1 }]);
  });

  it('an unreachable Postgres is a store failure (the API’s 503 with Retry-After), not a query’s mistake', async () => {
    const refused = openPostgres('postgres://postgres@127.0.0.1:1/postgres', { poolSize: 1 });
    const error = await sql`SELECT 1`.execute(refused.db).catch((caught: unknown) => caught);
    await refused.close();
    assert.equal(storeFailureOf(error), 'ECONNREFUSED');
    const syntax = await sql`SELEC 1`.execute(store.db).catch((caught: unknown) => caught);
    assert.equal(storeFailureOf(syntax), null, 'a query’s own mistake stays a 500-class bug, not “try later”');
  });
});
