import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database } from '../schema.ts';
import type { HostStore } from '../store.ts';
import { cachedPrepare, SQLITE_PRAGMAS, synchronousUnits } from './synchronous-sqlite.ts';

/**
 * Node's store: better-sqlite3 in WAL mode with a busy timeout and foreign keys on.
 * `synchronous=NORMAL` is WAL's recommended durability: a committed transaction survives a
 * process crash; only an OS crash or power loss can drop the last commits.
 */
export function openBetterSqlite(path: string): HostStore {
  const connection = new SQLite(path);
  for (const pragma of SQLITE_PRAGMAS) connection.pragma(pragma);
  const prepare = cachedPrepare(connection);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: { prepare, close: () => connection.close() } }) });
  return {
    db,
    ...synchronousUnits(connection, prepare, (statement) => statement.reader),
    close: () => db.destroy(),
  };
}
