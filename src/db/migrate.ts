import { type Kysely, sql } from 'kysely';
import { isPostgres, migrationLockSql, migrationsOf, migrationsTableSql } from './dialect.ts';
import type { Database } from './schema.ts';

/**
 * Applies pending migrations. Bookkeeping lives in `d1_migrations`, the table and layout that
 * `wrangler d1 migrations apply` uses, so both tools agree on what has run.
 * `runBatch` executes one migration's statements atomically (a transaction on SQLite and Postgres,
 * `batch()` on D1). SQLite and D1 take a file as its statements; Postgres takes the whole file as
 * one statement text (its simple protocol runs several), in a transaction that first takes the
 * migration lock, so processes starting together apply each migration exactly once.
 */
export type StatementBatchRunner = (statements: string[]) => Promise<void>;

export async function migrate(db: Kysely<Database>, runBatch: StatementBatchRunner): Promise<string[]> {
  const lock = migrationLockSql(db);
  if (lock.length) await runBatch([...lock, migrationsTableSql(db)]);
  else await sql.raw(migrationsTableSql(db)).execute(db);
  const ran: string[] = [];
  for (const migration of migrationsOf(db)) {
    if ((await appliedNames(db)).has(migration.name)) continue;
    const record = `INSERT INTO d1_migrations (name) VALUES ('${migration.name.replace(/'/g, "''")}')`;
    const statements = isPostgres(db) ? [migration.sql] : splitStatements(migration.sql);
    try {
      await runBatch([...lock, ...statements, record]);
    } catch (error) {
      // Another process applied it meanwhile (it held the lock while this one waited).
      if (!(await appliedNames(db)).has(migration.name)) throw error;
      continue;
    }
    ran.push(migration.name);
  }
  return ran;
}

async function appliedNames(db: Kysely<Database>): Promise<Set<string>> {
  return new Set((await db.selectFrom('d1_migrations').select('name').execute()).map((row) => row.name));
}

export async function pendingMigrations(db: Kysely<Database>): Promise<string[]> {
  const names = await appliedNames(db).catch(() => new Set<string>());
  return migrationsOf(db)
    .filter((migration) => !names.has(migration.name))
    .map((migration) => migration.name);
}

/** Splits a migration file into statements: our SQL keeps one statement per `;`-terminated line run. */
function splitStatements(source: string): string[] {
  return source
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n')
    .split(/;\s*(?:\n|$)/)
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0);
}
