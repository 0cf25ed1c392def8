import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { WAKE_CHANNEL } from '../dialect.ts';
import type { Database } from '../schema.ts';
import type { HostStore, WakeSignal } from '../store.ts';
import { postgresUnits } from './postgres-units.ts';

export { isPostgresUrl, postgresTarget } from './postgres-url.ts';

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
  /** Whether atomic units prepare their statements by name (default true; postgres-units.ts). */
  preparedStatements?: boolean;
  /** Told about errors of idle pooled connections (the server restarted, the network dropped); the pool replaces them. */
  onIdleError?: (error: Error) => void;
  /** Told when the wake listener's connection is lost (it reconnects by itself) and when it is back. */
  onWakeListener?: (state: 'lost' | 'back', error?: Error) => void;
}

/** The wake listener's reconnection backoff: from the first to the longest wait, doubling. */
const RECONNECT_FIRST_MS = 250;
const RECONNECT_MAX_MS = 10_000;

/**
 * LISTEN on one dedicated connection (outside the pool: a pooled connection would be handed to
 * queries and its notifications lost). A lost connection is opened again after a doubling wait,
 * and `onWake` runs once when it is back, for the notifications missed meanwhile; the sweep stays
 * the safety net either way. Needs a direct (or session-pooled) connection: behind a transaction
 * pooler such as PgBouncer's transaction mode, LISTEN receives nothing and only the sweep claims.
 */
function wakeListener(url: string, onState: PostgresOptions['onWakeListener']): WakeSignal {
  return {
    listen(onWake) {
      let client: pg.Client | null = null;
      let stopped = false;
      let waitMs = RECONNECT_FIRST_MS;
      let timer: NodeJS.Timeout | undefined;
      let connected = false;
      const retry = (error?: Error) => {
        if (stopped || timer) return;
        if (connected) onState?.('lost', error);
        connected = false;
        client?.removeAllListeners('end');
        client?.end().catch(() => {});
        client = null;
        timer = setTimeout(() => {
          timer = undefined;
          void connect();
        }, waitMs);
        waitMs = Math.min(waitMs * 2, RECONNECT_MAX_MS);
      };
      const connect = async () => {
        const next = new pg.Client({ connectionString: url, application_name: 'hookgate-wake', connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
        client = next;
        next.on('notification', () => onWake());
        next.on('error', (error) => client === next && retry(error));
        next.on('end', () => client === next && retry());
        try {
          await next.connect();
          await next.query(`LISTEN ${WAKE_CHANNEL}`);
        } catch (error) {
          if (client === next) retry(error as Error);
          return;
        }
        if (stopped) return void next.end().catch(() => {});
        const wasLost = waitMs > RECONNECT_FIRST_MS;
        waitMs = RECONNECT_FIRST_MS;
        connected = true;
        if (wasLost) {
          onState?.('back');
          onWake();
        }
      };
      void connect();
      return {
        async stop() {
          stopped = true;
          clearTimeout(timer);
          const last = client;
          client = null;
          last?.removeAllListeners('end');
          await last?.end().catch(() => {});
        },
      };
    },
  };
}

/**
 * The store on Postgres (Node, Bun and the single binary): Kysely's PostgresDialect over a `pg`
 * pool. Every query runs on its own pooled connection in autocommit; an atomic unit and a
 * migration run as one transaction on one connection (READ COMMITTED, Postgres's default), the
 * units of one event-loop turn together (group commit: postgres-units.ts).
 */
export function openPostgres(url: string, options: PostgresOptions = {}): HostStore {
  // Pipelined connections: an atomic unit's statements go out together (postgres-units.ts); a
  // connection that awaits each answer before the next query, as Kysely does, works as before.
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? DEFAULT_POOL_SIZE, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, types, pipeline: true });
  pool.on('error', (error) => options.onIdleError?.(error));
  // A connection the server ends while a query holds it (a restart, a failover, an administrator's
  // pg_terminate_backend) emits `error`, which would end the process with no listener: the pool
  // listens only while it is idle. The query waiting on it fails with the same error (a store
  // failure: 503 and retry later), and the pool drops the connection when it is released.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    atomic: postgresUnits(pool, { preparedStatements: options.preparedStatements ?? true }),
    runBatch: (statements) =>
      db.transaction().execute(async (trx) => {
        // No parameters: pg sends each text over the simple protocol, which runs a whole migration file.
        for (const statement of statements) await sql.raw(statement).execute(trx);
      }),
    wake: wakeListener(url, options.onWakeListener),
    close: () => db.destroy(),
  };
}
