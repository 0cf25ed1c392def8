import type { Kysely } from 'kysely';
import type { Database, DeliveryStatus } from '../schema.ts';

export interface LatencyPercentiles {
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface EndpointDeliveryStats {
  total: number;
  byStatus: Record<DeliveryStatus, number>;
  attempts: number;
  latencyMs: LatencyPercentiles;
  /** `started_at` of the newest successful / failed attempt. */
  lastSuccessAt: number | null;
  lastFailureAt: number | null;
}

/**
 * Delivery statistics of one endpoint: deliveries by status, and over its attempts the count,
 * the nearest-rank latency percentiles of `duration_ms` and the newest success and failure.
 */
export async function endpointDeliveryStats(db: Kysely<Database>, endpointId: string): Promise<EndpointDeliveryStats> {
  const attemptsOfEndpoint = db.selectFrom('attempts').innerJoin('deliveries', 'deliveries.id', 'attempts.delivery_id').where('deliveries.endpoint_id', '=', endpointId);

  const [statusRows, attemptRow] = await Promise.all([
    db
      .selectFrom('deliveries')
      .select(['status', (eb) => eb.fn.countAll<number>().as('count')])
      .where('endpoint_id', '=', endpointId)
      .groupBy('status')
      .execute(),
    attemptsOfEndpoint
      .select((eb) => [
        eb.fn.countAll<number>().as('count'),
        eb.fn.max<number | null>(eb.case().when('attempts.succeeded', '=', 1).then(eb.ref('attempts.started_at')).end()).as('last_success'),
        eb.fn.max<number | null>(eb.case().when('attempts.succeeded', '=', 0).then(eb.ref('attempts.started_at')).end()).as('last_failure'),
      ])
      .executeTakeFirstOrThrow(),
  ]);

  const byStatus: Record<DeliveryStatus, number> = { pending: 0, succeeded: 0, failed: 0 };
  for (const row of statusRows) byStatus[row.status] = Number(row.count);
  const attempts = Number(attemptRow.count);

  const latencyMs = await latencyPercentiles(attempts, async (offset) => {
    const row = await attemptsOfEndpoint.select('attempts.duration_ms').orderBy('attempts.duration_ms').limit(1).offset(offset).executeTakeFirst();
    return row ? Number(row.duration_ms) : undefined;
  });

  return {
    total: byStatus.pending + byStatus.succeeded + byStatus.failed,
    byStatus,
    attempts,
    latencyMs,
    lastSuccessAt: attemptRow.last_success === null ? null : Number(attemptRow.last_success),
    lastFailureAt: attemptRow.last_failure === null ? null : Number(attemptRow.last_failure),
  };
}

/**
 * p50, p95 and p99 of `count` durations at nearest rank ⌈p·n⌉, reading one row per percentile
 * (`durationAt(offset)`: the durations in ascending order, skipping `offset`): SQLite sorts, we hold three numbers.
 */
export async function latencyPercentiles(count: number, durationAt: (offset: number) => Promise<number | undefined>): Promise<LatencyPercentiles> {
  const at = async (p: number) => (count === 0 ? null : ((await durationAt(Math.max(1, Math.ceil(p * count)) - 1)) ?? null));
  const [p50, p95, p99] = await Promise.all([at(0.5), at(0.95), at(0.99)]);
  return { p50, p95, p99 };
}
