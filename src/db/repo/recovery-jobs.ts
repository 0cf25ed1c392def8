import { type Kysely, type SelectQueryBuilder, sql } from 'kysely';
import { chunked, MAX_BOUND_PARAMETERS } from '../limits.ts';
import type { Database, RecoveryJob } from '../schema.ts';

/** Which deliveries of an endpoint a bulk recovery re-schedules: created in [since, until), of a status. */
export type RecoveryStatus = 'failed' | 'succeeded' | 'all';

export interface RecoveryRange {
  since: number;
  until: number | null;
  status: RecoveryStatus;
}

function matching(db: Kysely<Database>, endpointId: string, range: RecoveryRange): SelectQueryBuilder<Database, 'deliveries', object> {
  let query = db.selectFrom('deliveries').where('endpoint_id', '=', endpointId).where('created_at', '>=', range.since);
  if (range.until !== null) query = query.where('created_at', '<', range.until);
  if (range.status !== 'all') query = query.where('status', '=', range.status);
  return query;
}

/** How many deliveries match a range (only the finished ones, which a recovery can re-schedule now, with `finishedOnly`). */
export async function countMatching(db: Kysely<Database>, endpointId: string, range: RecoveryRange, finishedOnly: boolean): Promise<number> {
  const row = await matching(db, endpointId, range)
    .$if(finishedOnly, (query) => query.where('status', '!=', 'pending'))
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function insertRecoveryJob(db: Kysely<Database>, job: RecoveryJob): Promise<void> {
  await db.insertInto('recovery_jobs').values(job).execute();
}

export const findRecovery = (db: Kysely<Database>, endpointId: string, jobId: string): Promise<RecoveryJob | undefined> =>
  db.selectFrom('recovery_jobs').selectAll().where('id', '=', jobId).where('endpoint_id', '=', endpointId).executeTakeFirst();

export const runningRecoveries = (db: Kysely<Database>): Promise<RecoveryJob[]> => db.selectFrom('recovery_jobs').selectAll().where('state', '=', 'running').execute();

/** The next `limit` matching deliveries of a job after its cursor, in id order. */
export function nextRecoveryChunk(db: Kysely<Database>, job: RecoveryJob, limit: number): Promise<{ id: number; status: string }[]> {
  const range = { since: job.since, until: job.until, status: job.status_filter };
  return matching(db, job.endpoint_id, range).where('id', '>', job.cursor).select(['id', 'status']).orderBy('id').limit(limit).execute();
}

/** Makes finished deliveries pending and due now; a delivery pending meanwhile is left alone. Returns how many. */
export async function rescheduleFinished(db: Kysely<Database>, ids: readonly number[], now: number): Promise<number> {
  let rescheduled = 0;
  // A job's chunk is larger than D1 binds in one statement: one UPDATE per run of ids, room left for the other values.
  for (const run of chunked(ids, MAX_BOUND_PARAMETERS - 10)) {
    const updated = await db
      .updateTable('deliveries')
      .set({ status: 'pending', next_attempt_at: now, completed_at: null, updated_at: now })
      .where('id', 'in', run)
      .where('status', '!=', 'pending')
      .executeTakeFirst();
    rescheduled += Number(updated.numUpdatedRows);
  }
  return rescheduled;
}

/**
 * Takes a job's next chunk for this process: moves its cursor from where this process read it.
 * False when another process (a worker on another host) moved it first: that one re-schedules the
 * chunk and counts it, so no delivery is counted twice, as done by one and skipped by the other.
 */
export async function takeRecoveryChunk(db: Kysely<Database>, jobId: string, from: number, to: number): Promise<boolean> {
  const moved = await db.updateTable('recovery_jobs').set({ cursor: to }).where('id', '=', jobId).where('cursor', '=', from).where('state', '=', 'running').executeTakeFirst();
  return Number(moved.numUpdatedRows) === 1;
}

/** Adds one chunk's progress to a job (counts added in the UPDATE, so concurrent sweepers never lose one). */
export async function recordRecoveryProgress(db: Kysely<Database>, jobId: string, progress: { done: number; skipped: number; finished: boolean; now: number }): Promise<void> {
  // The cursor was moved when the chunk was taken (takeRecoveryChunk); set here, a slow process could move it back.
  await db
    .updateTable('recovery_jobs')
    .set({
      done: sql`done + ${progress.done}`,
      skipped: sql`skipped + ${progress.skipped}`,
      state: progress.finished ? 'done' : 'running',
      finished_at: progress.finished ? progress.now : null,
    })
    .where('id', '=', jobId)
    .execute();
}

/** An endpoint's two oldest pending deliveries (a fifo endpoint's head and the one behind it). */
export const oldestPending = (db: Kysely<Database>, endpointId: string): Promise<{ id: number; attempt_count: number }[]> =>
  db.selectFrom('deliveries').select(['id', 'attempt_count']).where('endpoint_id', '=', endpointId).where('status', '=', 'pending').orderBy('id').limit(2).execute();
