import SQLite from 'better-sqlite3';
import { type CompiledQuery, Kysely, type QueryResult, SqliteDialect } from 'kysely';
import type { StatementBatchRunner } from '../migrate.ts';
import type { Database } from '../schema.ts';

export interface SqliteStore {
  db: Kysely<Database>;
  runBatch: StatementBatchRunner;
  atomic(queries: readonly CompiledQuery[]): Promise<QueryResult<unknown>[]>;
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
  const prepare = cachedPrepare(connection);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: { prepare, close: () => connection.close() } }) });
  return {
    db,
    runBatch: async (statements) => {
      connection.transaction(() => {
        for (const statement of statements) connection.prepare(statement).run();
      })();
    },
    // better-sqlite3 is synchronous: the whole unit runs in one transaction without yielding.
    // hookgate never opens Kysely transactions, so this cannot nest inside one.
    atomic: async (queries) =>
      connection.transaction(() =>
        queries.map((query): QueryResult<unknown> => {
          const statement = prepare(query.sql);
          const parameters = query.parameters as unknown[];
          if (statement.reader) return { rows: statement.all(...parameters) };
          const { changes } = statement.run(...parameters);
          return { rows: [], numAffectedRows: BigInt(changes) };
        }),
      )(),
    close: () => db.destroy(),
  };
}

const STATEMENT_CACHE_SIZE = 500;

/**
 * Prepared statements, reused by SQL text: preparing was the largest single cost of a request and of
 * a delivery attempt (about 14 % of the server's CPU under load). Least recently used statements
 * are dropped beyond STATEMENT_CACHE_SIZE (texts with `IN (?, ?, …)` lists vary with their length).
 * Reuse is safe because better-sqlite3 runs each statement to completion synchronously; hookgate
 * never streams (`iterate`) a query.
 */
function cachedPrepare(connection: SQLite.Database): (sql: string) => SQLite.Statement {
  const cache = new Map<string, SQLite.Statement>();
  return (sql) => {
    let statement = cache.get(sql);
    if (statement) {
      cache.delete(sql);
    } else {
      statement = connection.prepare(sql);
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
    }
    cache.set(sql, statement);
    return statement;
  };
}
