import type { Kysely } from 'kysely';
import type { Database, DeliveryStatus } from '../schema.ts';

interface LatencyPercentiles {
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

  /** The value at nearest rank ⌈p·n⌉ of the ascending durations, one row read per percentile. */
  const percentile = async (p: number): Promise<number | null> => {
    if (attempts === 0) return null;
    const rank = Math.max(1, Math.ceil(p * attempts));
    const row = await attemptsOfEndpoint
      .select('attempts.duration_ms')
      .orderBy('attempts.duration_ms')
      .limit(1)
      .offset(rank - 1)
      .executeTakeFirst();
    return row ? Number(row.duration_ms) : null;
  };
  const [p50, p95, p99] = await Promise.all([percentile(0.5), percentile(0.95), percentile(0.99)]);

  return {
    total: byStatus.pending + byStatus.succeeded + byStatus.failed,
    byStatus,
    attempts,
    latencyMs: { p50, p95, p99 },
    lastSuccessAt: attemptRow.last_success === null ? null : Number(attemptRow.last_success),
    lastFailureAt: attemptRow.last_failure === null ? null : Number(attemptRow.last_failure),
  };
}
