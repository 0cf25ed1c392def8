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
 * The pragmas of every local SQLite store (better-sqlite3 on Node, bun:sqlite on Bun). WAL with
 * `synchronous=NORMAL` is WAL's recommended durability: a committed transaction survives a process
 * crash; only an OS crash or power loss can drop the last commits.
 *
 * `temp_store=MEMORY` keeps statement journals in memory. SQLite opens one for a statement that
 * writes several rows (an event's multi-row INSERT of deliveries, or any INSERT … RETURNING) inside
 * a transaction, and copies into it every page the statement changes, so the statement alone can
 * be undone. Past 64 KiB (sixteen pages: ten deliveries touch more, one leaf of each endpoint in
 * two indexes) SQLite moves it to a temporary file, opened, written page by page and deleted in
 * every transaction: 67 write calls per event fanned out to ten endpoints, about half the CPU of
 * its INSERT (docs/performance.md, issue 26). The journal is never read after a crash (WAL
 * recovery does not use it), so durability is unchanged. Sorts still spill to temporary files past
 * the page cache; temporary tables (bounded here: window functions and `IN` lists over LIMITed
 * subqueries) stay in memory.
 */
export const SQLITE_PRAGMAS = ['journal_mode = WAL', 'busy_timeout = 5000', 'foreign_keys = ON', 'synchronous = NORMAL', 'temp_store = MEMORY'] as const;

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

/** How many atomic units one group commit takes at most (bounds how long the event loop is held). */
const GROUP_LIMIT = 256;

interface PendingUnit {
  queries: readonly CompiledQuery[];
  resolve(results: QueryResult<unknown>[]): void;
  reject(error: unknown): void;
}

/**
 * The store's two atomic operations over a synchronous driver: each unit runs in one transaction
 * without yielding. hookgate never opens Kysely transactions, so a unit cannot nest inside one.
 *
 * Group commit: the units asked for during one turn of the event loop (say, the inserts of 30
 * ingestion requests that arrived together) are committed together, in one transaction, at the end
 * of that turn. A COMMIT appends every page the transaction touched to the WAL, and those pages
 * are mostly shared (the same table and index leaves), so one COMMIT for many units is far cheaper
 * than one each. Nothing about durability changes: every caller is answered only after the COMMIT
 * that holds its unit. If any unit of a group fails, the group is rolled back and its units are run
 * again one transaction each, so a unit fails or commits exactly as it would alone.
 */
export function synchronousUnits<S extends SyncStatement>(
  connection: SyncConnection<S>,
  prepare: (sql: string) => S,
  isReader: (statement: S) => boolean,
): { runBatch: StatementBatchRunner; atomic(queries: readonly CompiledQuery[]): Promise<QueryResult<unknown>[]> } {
  const runUnit = (queries: readonly CompiledQuery[]) =>
    queries.map((query): QueryResult<unknown> => {
      const statement = prepare(query.sql);
      const parameters = query.parameters as never[];
      if (isReader(statement)) return { rows: statement.all(...parameters) };
      const { changes } = statement.run(...parameters);
      return { rows: [], numAffectedRows: BigInt(changes) };
    });
  const runAlone = (unit: PendingUnit) => {
    try {
      unit.resolve(connection.transaction(() => runUnit(unit.queries))());
    } catch (error) {
      unit.reject(error);
    }
  };
  const pending: PendingUnit[] = [];
  const commitGroup = () => {
    const group = pending.splice(0, GROUP_LIMIT);
    if (pending.length) setImmediate(commitGroup);
    if (group.length === 1) {
      runAlone(group[0]!);
      return;
    }
    let results: QueryResult<unknown>[][];
    try {
      results = connection.transaction(() => group.map((unit) => runUnit(unit.queries)))();
    } catch {
      for (const unit of group) runAlone(unit);
      return;
    }
    for (const [index, unit] of group.entries()) unit.resolve(results[index]!);
  };
  return {
    runBatch: async (statements) => {
      connection.transaction(() => {
        for (const statement of statements) connection.prepare(statement).run();
      })();
    },
    atomic: (queries) =>
      new Promise((resolve, reject) => {
        if (pending.push({ queries, resolve, reject }) === 1) setImmediate(commitGroup);
      }),
  };
}
