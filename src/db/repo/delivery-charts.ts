import { type Kysely, sql } from 'kysely';
import { never } from '../dialect.ts';
import { boundedReach } from '../limits.ts';
import type { Database } from '../schema.ts';
import { type LatencyPercentiles, latencyPercentiles } from './delivery-stats.ts';

/** Upper bounds (ms) of the latency histogram's bins; durations above the last fall in a final open bin. */
export const LATENCY_BINS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000] as const;

export interface ChartScope {
  /** One endpoint; else every endpoint of `tenantIds` (all tenants when undefined). */
  endpointId?: string;
  tenantIds?: readonly string[];
}

export interface ChartRange {
  from: number;
  bucketMs: number;
  buckets: number;
}

export interface AttemptBucket {
  /** Start of the bucket (epoch ms). */
  at: number;
  attempts: number;
  succeeded: number;
  /** Upper bounds of the histogram bins holding each percentile; null when the bucket has no attempts. */
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface AttemptSeries {
  buckets: AttemptBucket[];
  attempts: number;
  succeeded: number;
  /** Exact nearest-rank percentiles of `duration_ms` over the whole range. */
  latencyMs: LatencyPercentiles;
}

/**
 * Attempts of a time range, bucketed, for the console's charts: one GROUP BY over the
 * `attempts_by_started_at` index range, grouped by time bucket and latency bin, so at most
 * buckets × 13 rows come back whatever the number of attempts. Plain SQL (integer division,
 * CASE), no window functions: the same on SQLite and D1.
 */
export async function attemptSeries(db: Kysely<Database>, scope: ChartScope, range: ChartRange): Promise<AttemptSeries> {
  const to = range.from + range.bucketMs * range.buckets;
  const { endpointId, tenantIds } = scope;
  const attemptsInScope = () =>
    db
      .selectFrom('attempts')
      .where('attempts.started_at', '>=', range.from)
      .where('attempts.started_at', '<', to)
      .$if(endpointId !== undefined, (query) => query.innerJoin('deliveries', 'deliveries.id', 'attempts.delivery_id').where('deliveries.endpoint_id', '=', endpointId as string))
      .$if(tenantIds !== undefined, (query) =>
        query
          .innerJoin('deliveries as scoped', 'scoped.id', 'attempts.delivery_id')
          .innerJoin('endpoints', 'endpoints.id', 'scoped.endpoint_id')
          .where(tenantIds?.length ? sql<boolean>`endpoints.tenant_id IN (${sql.join(boundedReach(tenantIds))})` : never),
      );
  const bin = sql<number>`CASE ${sql.join(
    LATENCY_BINS_MS.map((bound, index) => sql`WHEN attempts.duration_ms <= ${sql.lit(bound)} THEN ${sql.lit(index)}`),
    sql` `,
  )} ELSE ${sql.lit(LATENCY_BINS_MS.length)} END`;
  // Literal integers: a bound JS number may arrive as REAL (better-sqlite3), and the division must stay integral.
  const bucket = sql<number>`(attempts.started_at - ${sql.lit(Math.trunc(range.from))}) / ${sql.lit(Math.trunc(range.bucketMs))}`;
  const rows = await attemptsInScope()
    .select((eb) => [bucket.as('bucket'), bin.as('bin'), eb.fn.countAll<number>().as('attempts'), eb.fn.sum<number>('attempts.succeeded').as('succeeded')])
    .groupBy([sql`1`, sql`2`])
    .execute();

  const histograms = Array.from({ length: range.buckets }, () => new Array<number>(LATENCY_BINS_MS.length + 1).fill(0));
  const buckets: AttemptBucket[] = histograms.map((_, index) => ({ at: range.from + index * range.bucketMs, attempts: 0, succeeded: 0, p50: null, p95: null, p99: null }));
  for (const row of rows) {
    const index = Number(row.bucket);
    const target = buckets[index];
    if (!target) continue;
    target.attempts += Number(row.attempts);
    target.succeeded += Number(row.succeeded);
    histograms[index]![Number(row.bin)]! += Number(row.attempts);
  }
  buckets.forEach((target, index) => {
    const histogram = histograms[index]!;
    target.p50 = binPercentile(histogram, target.attempts, 0.5);
    target.p95 = binPercentile(histogram, target.attempts, 0.95);
    target.p99 = binPercentile(histogram, target.attempts, 0.99);
  });
  const attempts = buckets.reduce((sum, target) => sum + target.attempts, 0);
  const succeeded = buckets.reduce((sum, target) => sum + target.succeeded, 0);

  const latencyMs = await latencyPercentiles(attempts, async (offset) => {
    const row = await attemptsInScope().select('attempts.duration_ms').orderBy('attempts.duration_ms').limit(1).offset(offset).executeTakeFirst();
    return row ? Number(row.duration_ms) : undefined;
  });
  return { buckets, attempts, succeeded, latencyMs };
}

/** The upper bound of the bin holding nearest rank ⌈p·n⌉ (the open last bin reports the last bound). */
function binPercentile(histogram: readonly number[], total: number, p: number): number | null {
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(p * total));
  let seen = 0;
  for (const [index, count] of histogram.entries()) {
    seen += count;
    if (seen >= rank) return LATENCY_BINS_MS[Math.min(index, LATENCY_BINS_MS.length - 1)]!;
  }
  return null;
}
