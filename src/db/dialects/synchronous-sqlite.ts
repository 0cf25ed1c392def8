import type { CompiledQuery, QueryResult } from 'kysely';
import { Lru } from '../../lib/lru.ts';
import type { StatementBatchRunner } from '../migrate.ts';

/** What better-sqlite3 and bun:sqlite have in common: synchronous statements and transactions. */
export interface SyncStatement {
  all(...parameters: never[]): unknown[];
  run(...parameters: never[]): { changes: number | bigint };
}

export interface SyncConnection<S extends SyncStatement> {
  prepare(sql: string): S;
  transaction<T>(unit: () => T): () => T;
}

const STATEMENT_CACHE_SIZE = 500;

/**
 * Prepared statements, reused by SQL text: preparing was the largest single cost of a request and of
 * a delivery attempt (about 14 % of the server's CPU under load). Least recently used statements
 * are dropped beyond STATEMENT_CACHE_SIZE (texts with `IN (?, ?, …)` lists vary with their length).
 * Reuse is safe because both drivers run each statement to completion synchronously; hookgate
 * never streams (`iterate`) a query.
 */
export function cachedPrepare<S>(connection: { prepare(sql: string): S }): (sql: string) => S {
  const cache = new Lru<string, S>(STATEMENT_CACHE_SIZE);
  return (sql) => {
    let statement = cache.get(sql);
    if (!statement) {
      statement = connection.prepare(sql);
      cache.set(sql, statement);
    }
    return statement;
  };
}

/**
 * The store's two atomic operations over a synchronous driver: each unit runs in one transaction
 * without yielding. hookgate never opens Kysely transactions, so a unit cannot nest inside one.
 */
export function synchronousUnits<S extends SyncStatement>(
  connection: SyncConnection<S>,
  prepare: (sql: string) => S,
  isReader: (statement: S) => boolean,
): { runBatch: StatementBatchRunner; atomic(queries: readonly CompiledQuery[]): Promise<QueryResult<unknown>[]> } {
  return {
    runBatch: async (statements) => {
      connection.transaction(() => {
        for (const statement of statements) connection.prepare(statement).run();
      })();
    },
    atomic: async (queries) =>
      connection.transaction(() =>
        queries.map((query): QueryResult<unknown> => {
          const statement = prepare(query.sql);
          const parameters = query.parameters as never[];
          if (isReader(statement)) return { rows: statement.all(...parameters) };
          const { changes } = statement.run(...parameters);
          return { rows: [], numAffectedRows: BigInt(changes) };
        }),
      )(),
  };
}
