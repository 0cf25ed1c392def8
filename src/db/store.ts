import type { CompiledQuery, Kysely, QueryResult } from 'kysely';
import type { Logger } from '../lib/logger.ts';
import { migrate, type StatementBatchRunner } from './migrate.ts';
import type { Database } from './schema.ts';

/** Runs the queries as one atomic unit: a transaction on SQLite and Postgres, one batch() on D1. */
export type AtomicUnit = (queries: readonly CompiledQuery[]) => Promise<QueryResult<unknown>[]>;

/** The store port, what every runtime's store offers: the Kysely instance, the atomic unit, and a migration runner. */
export interface Store {
  db: Kysely<Database>;
  atomic: AtomicUnit;
  runBatch: StatementBatchRunner;
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
