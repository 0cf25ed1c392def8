import { type Kysely, sql } from 'kysely';
import { greatest, plusInterval } from '../dialect.ts';
import type { Database } from '../schema.ts';

/**
 * The endpoint policies' shared state, each transition one conditional UPDATE evaluated on the
 * current row: concurrent sweepers (other processes, other hosts) agree. On Postgres a second
 * UPDATE of the same row waits for the first to commit and is then evaluated again on the row the
 * first wrote, so its conditions and SET expressions see the other's change.
 */

/** Takes the one probe of an open circuit whose cool-down is over; false when another attempt took it. */
export async function takeCircuitProbe(db: Kysely<Database>, endpointId: string, now: number, probeLeaseMs: number): Promise<boolean> {
  const won = await db
    .updateTable('endpoints')
    .set({ circuit_state: 'half_open', circuit_retry_at: now + probeLeaseMs })
    .where('id', '=', endpointId)
    .where('circuit_state', '!=', 'closed')
    .where('circuit_retry_at', '<=', now)
    .executeTakeFirst();
  return won.numUpdatedRows > 0n;
}

/** Reserves the endpoint's next free slot of its rate schedule (GCRA); returns its start time. */
export async function reserveRateSlot(db: Kysely<Database>, endpointId: string, perSecond: number, now: number): Promise<number> {
  const interval = 1000 / perSecond;
  const row = await db
    .updateTable('endpoints')
    .set({ rate_tat: plusInterval(db, greatest(db, sql<number>`coalesce(rate_tat, ${now})`, now), interval) })
    .where('id', '=', endpointId)
    .returning('rate_tat')
    .executeTakeFirstOrThrow();
  return Math.ceil(row.rate_tat! - interval);
}

/**
 * Takes the endpoint's turn to send now, checked just before the request goes: a second GCRA, on send
 * times, so sends that were each waiting for their own slot and are released together (a stalled
 * process) still leave one interval between them. `toleranceMs` absorbs timer jitter without letting
 * more sends into any second than the limit allows. Null when the turn is taken; otherwise the time to
 * ask again.
 */
export async function takeSendTurn(db: Kysely<Database>, endpointId: string, perSecond: number, now: number, toleranceMs: number): Promise<number | null> {
  const interval = 1000 / perSecond;
  const taken = await db
    .updateTable('endpoints')
    .set({ rate_send_tat: plusInterval(db, greatest(db, sql<number>`coalesce(rate_send_tat, ${now})`, now), interval) })
    .where('id', '=', endpointId)
    .where(sql<number>`coalesce(rate_send_tat, 0)`, '<=', Math.floor(now + toleranceMs))
    .executeTakeFirst();
  if (taken.numUpdatedRows > 0n) return null;
  const row = await db.selectFrom('endpoints').select('rate_send_tat').where('id', '=', endpointId).executeTakeFirst();
  // A deleted endpoint: nothing to space against (the attempt finds it gone).
  return row?.rate_send_tat == null ? null : Math.ceil(row.rate_send_tat - toleranceMs);
}
