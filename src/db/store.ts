import type { CompiledQuery, Kysely, QueryResult } from 'kysely';
import type { Logger } from '../lib/logger.ts';
import { migrate, type StatementBatchRunner } from './migrate.ts';
import type { Database } from './schema.ts';

/** Runs the queries as one atomic unit: a transaction on SQLite and Postgres, one batch() on D1. */
export type AtomicUnit = (queries: readonly CompiledQuery[]) => Promise<QueryResult<unknown>[]>;

/**
 * Tells the processes that claim work when an outbox unit has committed due, unleased deliveries
 * (Postgres: LISTEN/NOTIFY on one dedicated connection per process). `listen` calls `onWake` on each
 * notification (and once after each reconnection, for those missed meanwhile) until stopped.
 */
export interface WakeSignal {
  listen(onWake: () => void): { stop(): Promise<void> };
}

/**
 * The store port, what every runtime's store offers: the Kysely instance, the atomic unit, a
 * migration runner and, where the store can tell other processes, a wake signal (without one the
 * sweep alone finds the work other processes wrote).
 */
export interface Store {
  db: Kysely<Database>;
  atomic: AtomicUnit;
  runBatch: StatementBatchRunner;
  wake?: WakeSignal;
}

/** A store the process opens and closes itself (SQLite or Postgres on a long-lived host: Node, Bun, the single binary). */
export interface HostStore extends Store {
  close(): Promise<void>;
}

/** Applies pending migrations and logs what ran. */
export async function migrateStore(store: Store, log: Logger): Promise<string[]> {
  const applied = await migrate(store.db, store.runBatch);
  if (applied.length) log({ msg: 'migrations applied', migrations: applied });
  return applied;
}
