import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';
import { pruneAuditLog } from './audit-log.ts';

const CHUNK = 5000;

/**
 * Prunes history older than `cutoff`: attempts, then events whose deliveries are all finished
 * (their deliveries go with them by cascade), and audit log entries. Pending work is never pruned. Deletes run in chunks
 * so a large backlog never holds the write lock for long.
 */
export async function pruneHistory(db: Kysely<Database>, cutoff: number): Promise<number> {
  let removed = 0;
  for (;;) {
    const attempts = await db
      .deleteFrom('attempts')
      .where('id', 'in', db.selectFrom('attempts').select('id').where('started_at', '<', cutoff).limit(CHUNK))
      .executeTakeFirst();
    const events = await db
      .deleteFrom('events')
      .where(
        'id',
        'in',
        db
          .selectFrom('events')
          .select('id')
          .where('created_at', '<', cutoff)
          .where((eb) => eb.not(eb.exists(eb.selectFrom('deliveries').select('id').whereRef('deliveries.event_id', '=', 'events.id').where('deliveries.status', '=', 'pending'))))
          .limit(CHUNK),
      )
      .executeTakeFirst();
    const audit = await pruneAuditLog(db, cutoff, CHUNK);
    const count = Number(attempts.numDeletedRows) + Number(events.numDeletedRows) + audit;
    removed += count;
    if (count === 0) return removed;
  }
}
