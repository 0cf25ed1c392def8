import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database } from '../schema.ts';
import type { HostStore } from '../store.ts';

/** `DATABASE_URL` values that select Postgres. */
export const isPostgresUrl = (url: string): boolean => /^postgres(ql)?:\/\//i.test(url);

/** Where a Postgres URL points, for messages: `user@host:port/database`, never the password. */
export function postgresTarget(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.username ? `${decodeURIComponent(parsed.username)}@` : ''}${parsed.host || 'localhost'}${parsed.pathname}`;
  } catch {
    return '(an unreadable postgres:// URL)';
  }
}

/** Connections in a process's pool when `HOOKGATE_DB_POOL_SIZE` is not set. */
export const DEFAULT_POOL_SIZE = 10;

/** How long a query waits for a connection of the pool (or a new connection for the server) before it fails as a store failure. */
const CONNECT_TIMEOUT_MS = 10_000;

const INT8 = 20;
const NUMERIC = 1700;

/**
 * Values come back as SQLite gives them: BIGINT (our millisecond times and ids, and every count)
 * and NUMERIC (sum, avg) as JS numbers. Millisecond times and ids stay far below 2^53.
 */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8 || oid === NUMERIC) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  }) as pg.CustomTypesConfig['getTypeParser'],
};

export interface PostgresOptions {
  poolSize?: number;
  /** Told about errors of idle pooled connections (the server restarted, the network dropped); the pool replaces them. */
  onIdleError?: (error: Error) => void;
}

/**
 * The store on Postgres (Node, Bun and the single binary): Kysely's PostgresDialect over a `pg`
 * pool. Every query runs on its own pooled connection in autocommit; an atomic unit and a
 * migration run as one transaction on one connection (READ COMMITTED, Postgres's default).
 */
export function openPostgres(url: string, options: PostgresOptions = {}): HostStore {
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? DEFAULT_POOL_SIZE, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, types });
  pool.on('error', (error) => options.onIdleError?.(error));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    atomic: (queries) =>
      db.transaction().execute(async (trx) => {
        const results = [];
        for (const query of queries) results.push(await trx.executeQuery(query));
        return results;
      }),
    runBatch: (statements) =>
      db.transaction().execute(async (trx) => {
        // No parameters: pg sends each text over the simple protocol, which runs a whole migration file.
        for (const statement of statements) await sql.raw(statement).execute(trx);
      }),
    close: () => db.destroy(),
  };
}
