import { type Kysely, sql } from 'kysely';
import { MIGRATIONS } from './migrations.generated.ts';
import type { Database } from './schema.ts';

/**
 * Applies pending migrations. Bookkeeping lives in `d1_migrations`, the table and layout that
 * `wrangler d1 migrations apply` uses, so both tools agree on what has run.
 * `runBatch` executes one migration's statements atomically (a transaction on SQLite, `batch()` on D1).
 */
export type StatementBatchRunner = (statements: string[]) => Promise<void>;

export async function migrate(db: Kysely<Database>, runBatch: StatementBatchRunner): Promise<string[]> {
  await sql`CREATE TABLE IF NOT EXISTS d1_migrations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT UNIQUE,
    applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL
  )`.execute(db);
  const applied = new Set((await db.selectFrom('d1_migrations').select('name').execute()).map((row) => row.name));
  const ran: string[] = [];
  for (const migration of MIGRATIONS) {
    if (applied.has(migration.name)) continue;
    const record = `INSERT INTO d1_migrations (name) VALUES ('${migration.name.replace(/'/g, "''")}')`;
    await runBatch([...splitStatements(migration.sql), record]);
    ran.push(migration.name);
  }
  return ran;
}

export async function pendingMigrations(db: Kysely<Database>): Promise<string[]> {
  const applied = await db
    .selectFrom('d1_migrations')
    .select('name')
    .execute()
    .catch(() => []);
  const names = new Set(applied.map((row) => row.name));
  return MIGRATIONS.filter((migration) => !names.has(migration.name)).map((migration) => migration.name);
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
