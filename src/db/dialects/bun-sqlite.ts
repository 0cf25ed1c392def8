import { Database as BunDatabase, type Statement } from 'bun:sqlite';
import { Kysely, type QueryResult, type SqliteDatabase, SqliteDialect, type SqliteStatement } from 'kysely';
import { Lru } from '../../lib/lru.ts';
import type { Store } from '../../runtime/build-services.ts';
import type { Database } from '../schema.ts';

export interface BunSqliteStore extends Store {
  close(): Promise<void>;
}

/**
 * Bun's store: `bun:sqlite` with the same pragmas as Node's better-sqlite3 store. Kysely's
 * `SqliteDialect` speaks better-sqlite3's statement interface; `bun:sqlite` differs only in
 * spreading parameters and in telling readers by their columns, which the adapter below bridges.
 */
export function openBunSqlite(path: string): BunSqliteStore {
  const connection = new BunDatabase(path, { create: true });
  connection.exec('PRAGMA journal_mode = WAL');
  connection.exec('PRAGMA busy_timeout = 5000');
  connection.exec('PRAGMA foreign_keys = ON');
  connection.exec('PRAGMA synchronous = NORMAL');
  const prepare = cachedPrepare(connection);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: asKyselyDatabase(connection, prepare) }) });
  return {
    db,
    runBatch: async (statements) => {
      connection.transaction(() => {
        for (const statement of statements) connection.prepare(statement).run();
      })();
    },
    // bun:sqlite is synchronous, like better-sqlite3: the unit runs in one transaction without yielding.
    atomic: async (queries) =>
      connection.transaction(() =>
        queries.map((query): QueryResult<unknown> => {
          const statement = prepare(query.sql);
          const parameters = query.parameters as BindValue[];
          if (isReader(statement)) return { rows: statement.all(...parameters) };
          const { changes } = statement.run(...parameters);
          return { rows: [], numAffectedRows: BigInt(changes) };
        }),
      )(),
    close: () => db.destroy(),
  };
}

type BindValue = string | number | bigint | boolean | null | Uint8Array;

/** A statement returns rows when it has result columns (SELECT, or any statement with RETURNING). */
const isReader = (statement: Statement): boolean => statement.columnNames.length > 0;

/**
 * Prepared statements, reused by SQL text (as the better-sqlite3 store does): preparing per query
 * was the largest single cost there. Least recently used beyond 500 (`IN (…)` texts vary in length).
 */
function cachedPrepare(connection: BunDatabase): (sql: string) => Statement {
  const cache = new Lru<string, Statement>(500);
  return (sql) => {
    let statement = cache.get(sql);
    if (!statement) {
      statement = connection.prepare(sql);
      cache.set(sql, statement);
    }
    return statement;
  };
}

function asKyselyDatabase(connection: BunDatabase, prepare: (sql: string) => Statement): SqliteDatabase {
  return {
    close: () => connection.close(),
    prepare(sql): SqliteStatement {
      const statement = prepare(sql);
      const bind = (parameters: ReadonlyArray<unknown>) => parameters as BindValue[];
      return {
        get reader() {
          return isReader(statement);
        },
        all: (parameters) => statement.all(...bind(parameters)),
        run: (parameters) => statement.run(...bind(parameters)),
        iterate: (parameters) => statement.iterate(...bind(parameters)),
      };
    },
  };
}
