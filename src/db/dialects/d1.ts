import { type CompiledQuery, type DatabaseConnection, type Driver, Kysely, type QueryResult, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler } from 'kysely';
import type { Database } from '../schema.ts';
import type { Store } from '../store.ts';

/** The part of Cloudflare's D1 binding hookgate uses (see @cloudflare/workers-types). */
export interface D1Result {
  results?: unknown[];
  meta: { changes?: number; last_row_id?: number };
}
export interface D1PreparedStatement {
  bind(...values: unknown[]): D1PreparedStatement;
  all(): Promise<D1Result>;
}
export interface D1Database {
  prepare(sql: string): D1PreparedStatement;
  batch(statements: D1PreparedStatement[]): Promise<D1Result[]>;
}

/**
 * The Workers store over a D1 binding. D1 has no interactive transactions, so the Kysely driver
 * refuses them; hookgate writes atomically with one statement (`UPDATE … RETURNING` claims) or
 * with `atomic()`, which sends the compiled queries as one `batch()` (D1 runs a batch as a
 * transaction: all statements commit or none do).
 */
export function openD1(binding: D1Database): Store {
  const statement = (query: { sql: string; parameters: readonly unknown[] }) => binding.prepare(query.sql).bind(...query.parameters);
  return {
    db: new Kysely<Database>({
      dialect: {
        createAdapter: () => new SqliteAdapter(),
        createDriver: () => new D1Driver(binding),
        createIntrospector: (db) => new SqliteIntrospector(db),
        createQueryCompiler: () => new SqliteQueryCompiler(),
      },
    }),
    atomic: async (queries: readonly CompiledQuery[]) => (await binding.batch(queries.map(statement))).map(toQueryResult),
    runBatch: async (statements) => {
      await binding.batch(statements.map((sql) => binding.prepare(sql)));
    },
  };
}

function toQueryResult(result: D1Result): QueryResult<unknown> {
  const changes = result.meta.changes ?? 0;
  return {
    rows: result.results ?? [],
    numAffectedRows: BigInt(changes),
    insertId: result.meta.last_row_id === undefined ? undefined : BigInt(result.meta.last_row_id),
  };
}

class D1Connection implements DatabaseConnection {
  readonly #binding: D1Database;
  constructor(binding: D1Database) {
    this.#binding = binding;
  }
  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.#binding
      .prepare(query.sql)
      .bind(...query.parameters)
      .all();
    return toQueryResult(result) as QueryResult<R>;
  }
  // biome-ignore lint/correctness/useYield: D1 cannot stream; Kysely's stream() is never used by hookgate.
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('D1 does not support streaming queries');
  }
}

class D1Driver implements Driver {
  readonly #connection: D1Connection;
  constructor(binding: D1Database) {
    this.#connection = new D1Connection(binding);
  }
  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    return this.#connection;
  }
  async beginTransaction(): Promise<void> {
    throw new Error('D1 has no interactive transactions: use one statement or services.atomic() (batch)');
  }
  async commitTransaction(): Promise<void> {}
  async rollbackTransaction(): Promise<void> {}
  async releaseConnection(): Promise<void> {}
  async destroy(): Promise<void> {}
}
