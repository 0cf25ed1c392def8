/**
 * Token buckets keyed by caller (an API key id or a token subject), held in memory: each bucket
 * holds up to `perMinute` tokens and refills at `perMinute / 60` per second. One instance per app,
 * so on Workers the limit applies per isolate, and on Node per process.
 */
export interface RateLimiter {
  /** Takes one token; returns 0 when granted, otherwise the whole seconds until one is available. */
  take(key: string): number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** Above this many buckets, the full (idle) ones are dropped: a full bucket is the same as none. */
const PRUNE_ABOVE = 10_000;

export function createRateLimiter(perMinute: number, now: () => number): RateLimiter {
  if (perMinute <= 0) return { take: () => 0 };
  const buckets = new Map<string, Bucket>();
  const perMs = perMinute / 60_000;

  const refill = (bucket: Bucket, at: number) => {
    bucket.tokens = Math.min(perMinute, bucket.tokens + (at - bucket.updatedAt) * perMs);
    bucket.updatedAt = at;
  };

  const prune = (at: number) => {
    for (const [key, bucket] of buckets) {
      refill(bucket, at);
      if (bucket.tokens >= perMinute) buckets.delete(key);
    }
  };

  return {
    take(key) {
      const at = now();
      let bucket = buckets.get(key);
      if (!bucket) {
        if (buckets.size >= PRUNE_ABOVE) prune(at);
        bucket = { tokens: perMinute, updatedAt: at };
        buckets.set(key, bucket);
      }
      refill(bucket, at);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return 0;
      }
      return Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000));
    },
  };
}
