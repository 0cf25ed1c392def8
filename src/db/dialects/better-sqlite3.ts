import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { StatementBatchRunner } from '../migrate.ts';
import type { Database } from '../schema.ts';

export interface SqliteStore {
  db: Kysely<Database>;
  runBatch: StatementBatchRunner;
  close(): Promise<void>;
}

/**
 * Node's store: better-sqlite3 in WAL mode with a busy timeout and foreign keys on.
 * `synchronous=NORMAL` is WAL's recommended durability: a committed transaction survives a
 * process crash; only an OS crash or power loss can drop the last commits.
 */
export function openBetterSqlite(path: string): SqliteStore {
  const connection = new SQLite(path);
  connection.pragma('journal_mode = WAL');
  connection.pragma('busy_timeout = 5000');
  connection.pragma('foreign_keys = ON');
  connection.pragma('synchronous = NORMAL');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: connection }) });
  return {
    db,
    runBatch: async (statements) => {
      connection.transaction(() => {
        for (const statement of statements) connection.prepare(statement).run();
      })();
    },
    close: () => db.destroy(),
  };
}
