import type { Kysely } from 'kysely';
import {
  countMatching,
  insertRecoveryJob,
  nextRecoveryChunk,
  oldestPending,
  type RecoveryRange,
  recordRecoveryProgress,
  rescheduleFinished,
  runningRecoveries,
  takeRecoveryChunk,
} from '../db/repo/recovery-jobs.ts';
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
export type { RecoveryRange, RecoveryStatus } from '../db/repo/recovery-jobs.ts';
export { findRecovery } from '../db/repo/recovery-jobs.ts';

const CHUNK = 1000;

/** How many deliveries a recovery would re-schedule now (the dry run). */
export async function countRecoverable(db: Kysely<Database>, endpointId: string, range: RecoveryRange): Promise<number> {
  return countMatching(db, endpointId, range, true);
}

export async function startRecovery(db: Kysely<Database>, endpoint: Endpoint, range: RecoveryRange, now: number): Promise<RecoveryJob> {
  const total = await countMatching(db, endpoint.id, range, false);
  const job = {
    id: prefixedId('rec'),
    endpoint_id: endpoint.id,
    since: range.since,
    until: range.until,
    status_filter: range.status,
    state: total === 0 ? ('done' as const) : ('running' as const),
    total,
    done: 0,
    skipped: 0,
    cursor: 0,
    created_at: now,
    finished_at: total === 0 ? now : null,
  };
  await insertRecoveryJob(db, job);
  return job;
}

/** Advances every running job by one chunk; returns the deliveries re-scheduled. */
export async function advanceRecoveries(db: Kysely<Database>, now: number): Promise<number> {
  const jobs = await runningRecoveries(db);
  let rescheduled = 0;
  for (const job of jobs) {
    const chunk = await nextRecoveryChunk(db, job, CHUNK);
    const cursor = chunk.at(-1)?.id ?? job.cursor;
    // Another process advancing the same job took this chunk first (an empty last chunk moves nothing: every process may finish it).
    if (chunk.length > 0 && !(await takeRecoveryChunk(db, job.id, job.cursor, cursor))) continue;
    const done = await rescheduleFinished(
      db,
      chunk.filter((row) => row.status !== 'pending').map((row) => row.id),
      now,
    );
    rescheduled += done;
    await recordRecoveryProgress(db, job.id, { done, skipped: chunk.length - done, finished: chunk.length < CHUNK, now });
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
  const head = await oldestPending(db, endpoint.id);
  return head.length === 2 && head[0]!.attempt_count > 0 ? head[0]!.id : null;
}
