import { type Kysely, type SelectQueryBuilder, sql } from 'kysely';
import type { Database, Endpoint, RecoveryJob } from '../db/schema.ts';
import { prefixedId } from '../lib/random.ts';
import { toIso } from './endpoint-fields.ts';

/**
 * Bulk recovery: re-schedule every delivery of one endpoint created in [since, until) whose status
 * matches. A job records its progress (done / skipped / total) and is advanced by the sweeper in
 * chunks, so a recovery of millions of deliveries never holds the store for long.
 * Deliveries that are pending (scheduled or in flight) are skipped: recovery never causes a second
 * concurrent attempt. A recovered delivery keeps its attempt count, so it gets one more attempt
 * (and the remaining retries of its schedule, if any are left).
 */
export type RecoveryStatus = 'failed' | 'succeeded' | 'all';

export interface RecoveryRange {
  since: number;
  until: number | null;
  status: RecoveryStatus;
}

const CHUNK = 1000;

function matching(db: Kysely<Database>, endpointId: string, range: RecoveryRange): SelectQueryBuilder<Database, 'deliveries', object> {
  let query = db.selectFrom('deliveries').where('endpoint_id', '=', endpointId).where('created_at', '>=', range.since);
  if (range.until !== null) query = query.where('created_at', '<', range.until);
  if (range.status !== 'all') query = query.where('status', '=', range.status);
  return query;
}

/** How many deliveries a recovery would re-schedule now (the dry run). */
export async function countRecoverable(db: Kysely<Database>, endpointId: string, range: RecoveryRange): Promise<number> {
  const row = await matching(db, endpointId, range)
    .where('status', '!=', 'pending')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function startRecovery(db: Kysely<Database>, endpoint: Endpoint, range: RecoveryRange, now: number): Promise<RecoveryJob> {
  const total = await matching(db, endpoint.id, range)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const job = {
    id: prefixedId('rec'),
    endpoint_id: endpoint.id,
    since: range.since,
    until: range.until,
    status_filter: range.status,
    state: Number(total.n) === 0 ? ('done' as const) : ('running' as const),
    total: Number(total.n),
    done: 0,
    skipped: 0,
    cursor: 0,
    created_at: now,
    finished_at: Number(total.n) === 0 ? now : null,
  };
  await db.insertInto('recovery_jobs').values(job).execute();
  return job;
}

export const findRecovery = (db: Kysely<Database>, endpointId: string, jobId: string): Promise<RecoveryJob | undefined> =>
  db.selectFrom('recovery_jobs').selectAll().where('id', '=', jobId).where('endpoint_id', '=', endpointId).executeTakeFirst();

/** Advances every running job by one chunk; returns the deliveries re-scheduled. */
export async function advanceRecoveries(db: Kysely<Database>, now: number): Promise<number> {
  const jobs = await db.selectFrom('recovery_jobs').selectAll().where('state', '=', 'running').execute();
  let rescheduled = 0;
  for (const job of jobs) {
    const range = { since: job.since, until: job.until, status: job.status_filter };
    const chunk = await matching(db, job.endpoint_id, range).where('id', '>', job.cursor).select(['id', 'status']).orderBy('id').limit(CHUNK).execute();
    const ids = chunk.filter((row) => row.status !== 'pending').map((row) => row.id);
    const updated = ids.length
      ? await db
          .updateTable('deliveries')
          .set({ status: 'pending', next_attempt_at: now, completed_at: null, updated_at: now })
          .where('id', 'in', ids)
          .where('status', '!=', 'pending')
          .executeTakeFirst()
      : { numUpdatedRows: 0n };
    const done = Number(updated.numUpdatedRows);
    rescheduled += done;
    const finished = chunk.length < CHUNK;
    await db
      .updateTable('recovery_jobs')
      .set({
        done: sql`done + ${done}`,
        skipped: sql`skipped + ${chunk.length - done}`,
        cursor: chunk.at(-1)?.id ?? job.cursor,
        state: finished ? 'done' : 'running',
        finished_at: finished ? now : null,
      })
      .where('id', '=', job.id)
      .execute();
  }
  return rescheduled;
}

export const toRecoveryJson = (job: RecoveryJob) => ({
  id: job.id,
  webhook_id: job.endpoint_id,
  state: job.state,
  since: toIso(job.since)!,
  until: toIso(job.until),
  status: job.status_filter,
  total: job.total,
  done: job.done,
  skipped: job.skipped,
  created_at: toIso(job.created_at)!,
  finished_at: toIso(job.finished_at),
});

/** For a fifo endpoint: the head delivery the others wait behind, when it has already failed at least once. */
export async function blockingHead(db: Kysely<Database>, endpoint: Endpoint): Promise<number | null> {
  if (endpoint.ordering !== 'fifo') return null;
  const head = await db
    .selectFrom('deliveries')
    .select(['id', 'attempt_count'])
    .where('endpoint_id', '=', endpoint.id)
    .where('status', '=', 'pending')
    .orderBy('id')
    .limit(2)
    .execute();
  return head.length === 2 && head[0]!.attempt_count > 0 ? head[0]!.id : null;
}
