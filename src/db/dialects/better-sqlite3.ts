import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database } from '../schema.ts';
import type { HostStore } from '../store.ts';
import { cachedPrepare, synchronousUnits } from './synchronous-sqlite.ts';

/**
 * Node's store: better-sqlite3 in WAL mode with a busy timeout and foreign keys on.
 * `synchronous=NORMAL` is WAL's recommended durability: a committed transaction survives a
 * process crash; only an OS crash or power loss can drop the last commits.
 */
export function openBetterSqlite(path: string): HostStore {
  const connection = new SQLite(path);
  connection.pragma('journal_mode = WAL');
  connection.pragma('busy_timeout = 5000');
  connection.pragma('foreign_keys = ON');
  connection.pragma('synchronous = NORMAL');
  const prepare = cachedPrepare(connection);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: { prepare, close: () => connection.close() } }) });
  return {
    db,
    ...synchronousUnits(connection, prepare, (statement) => statement.reader),
    close: () => db.destroy(),
  };
}
