import { type Kysely, sql } from 'kysely';
import type { Database } from '../schema.ts';

/**
 * A real write of one small row (its value changes every time, so SQLite cannot skip it): after a
 * store failure, `/ready` tries this to learn whether the store takes writes again.
 */
export async function writeStoreProbe(db: Kysely<Database>, now: number): Promise<void> {
  await db
    .insertInto('store_probe')
    .values({ id: 1, written_at: now })
    .onConflict((conflict) => conflict.column('id').doUpdateSet({ written_at: now }))
    .execute();
}

/** Whether the store answers at all (throws if not): `/ready`, and a Postgres store when it is opened. */
export async function pingStore(db: Kysely<Database>): Promise<void> {
  await sql`SELECT 1`.execute(db);
}
