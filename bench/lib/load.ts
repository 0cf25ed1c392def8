import { Pool } from 'undici';

/**
 * Load generation over keep-alive connections (undici Pool), from the client core.
 * A closed loop measures throughput (`concurrency` requests always in flight); an open loop offers
 * a fixed rate and notes each request's *scheduled* send time, so a server that falls behind is
 * charged for the queueing it causes (no coordinated omission).
 */
/** Milliseconds on the system-wide monotonic clock, comparable between processes (performance.timeOrigin is not: it differed by several ms between the generator and the receiver). */
export const clock = () => Number(process.hrtime.bigint()) / 1e6;

export interface PostTarget {
  origin: string;
  path: string;
  headers: Record<string, string>;
}

export function createClient(origin: string, connections: number) {
  return new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 60_000 });
}

async function post(pool: Pool, target: PostTarget, body: string): Promise<number> {
  const response = await pool.request({ method: 'POST', path: target.path, headers: { 'content-type': 'application/json', ...target.headers }, body });
  await response.body.text();
  return response.statusCode;
}

export interface ClosedLoopResult {
  requests: number;
  failed: number;
  seconds: number;
  perSecond: number;
}

/** `concurrency` workers each POST `body(seq)` back to back for `durationMs`; counts 202s. */
export async function closedLoop(pool: Pool, target: PostTarget, options: { concurrency: number; durationMs: number; body: (seq: number) => string }): Promise<ClosedLoopResult> {
  let seq = 0;
  let requests = 0;
  let failed = 0;
  let firstStatus = '';
  const started = clock();
  const deadline = started + options.durationMs;
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (clock() < deadline) {
        const status = await post(pool, target, options.body(seq++)).catch(() => 0);
        if (status === 202) requests++;
        else {
          failed++;
          firstStatus ||= String(status);
        }
      }
    }),
  );
  const seconds = (clock() - started) / 1000;
  if (failed > 0 && requests === 0) throw new Error(`every request failed (first status ${firstStatus})`);
  return { requests, failed, seconds, perSecond: requests / seconds };
}

export interface OpenLoopResult {
  offered: number;
  accepted: number;
  failed: number;
  firstSeq: number;
  /** Scheduled send time of each offered event, at index seq − firstSeq. */
  scheduled: Float64Array;
  /**
   * When the generator read each event's 202, at index seq − firstSeq; NaN unless it was accepted.
   * Typed arrays rather than Maps: a Map of 30,000 boxed times, promoted to the old generation,
   * made each of the generator's young-generation collections slower as it grew (6 → 29 ms over a
   * 15 s run at 1,000/s), and every such pause put the next events behind their schedule.
   */
  answered: Float64Array;
  seconds: number;
  /** How far behind its schedule the generator itself fell at worst, in ms. */
  maxLagMs: number;
  /** How late the generator itself sent each event (its send − its schedule), in ms, at index seq − firstSeq: charged to the latency from the scheduled send, and reported apart. */
  lateness: Float64Array;
}

/** Offers `rate` single events per second for `durationMs`, seqs from `firstSeq`. */
export async function openLoop(
  pool: Pool,
  target: PostTarget,
  options: { rate: number; durationMs: number; firstSeq: number; body: (seq: number) => string },
): Promise<OpenLoopResult> {
  const interval = 1000 / options.rate;
  const total = Math.floor((options.rate * options.durationMs) / 1000);
  const scheduled = new Float64Array(total);
  const answered = new Float64Array(total).fill(Number.NaN);
  const lateness = new Float64Array(total);
  let accepted = 0;
  const inFlight = new Set<Promise<void>>();
  let offered = 0;
  let failed = 0;
  let maxLagMs = 0;
  const started = clock();
  while (offered < total) {
    const now = clock();
    const due = Math.min(total, Math.floor((now - started) / interval) + 1);
    if (due > offered) maxLagMs = Math.max(maxLagMs, now - (started + offered * interval));
    for (; offered < due; offered++) {
      const index = offered;
      scheduled[index] = started + index * interval;
      lateness[index] = now - scheduled[index]!;
      const request = post(pool, target, options.body(options.firstSeq + index))
        .then((status) => {
          if (status === 202) {
            answered[index] = clock();
            accepted++;
          } else failed++;
        })
        .catch(() => {
          failed++;
        })
        .finally(() => inFlight.delete(request));
      inFlight.add(request);
    }
    const next = started + offered * interval - clock();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(next, 5))));
  }
  await Promise.all(inFlight);
  return { offered, accepted, failed, firstSeq: options.firstSeq, scheduled, answered, seconds: (clock() - started) / 1000, maxLagMs, lateness };
}
