/**
 * Retry timing, as pure functions. The default schedule is Svix's: after 5 s, 5 min, 30 min, 2 h,
 * 5 h, 10 h and 10 h (8 attempts in all), each delay with ±20 % jitter so that a receiver's
 * recovery is not met by a thundering herd.
 */
export const MAX_RETRY_AFTER_SECONDS = 6 * 3600;

export interface RetryDecision {
  /** Milliseconds until the next attempt, or null when the schedule is exhausted. */
  delayMs: number | null;
}

/**
 * `attemptsMade` counts the attempts so far (1 after the first). A `Retry-After` (429/503) replaces
 * the scheduled delay when it is longer, bounded by MAX_RETRY_AFTER_SECONDS; it never shortens it.
 */
export function nextRetryDelay(scheduleSeconds: readonly number[], attemptsMade: number, retryAfterSeconds: number | null, random: () => number = Math.random): number | null {
  const base = scheduleSeconds[attemptsMade - 1];
  if (base === undefined) return null;
  const jittered = base * 1000 * (0.8 + 0.4 * random());
  if (retryAfterSeconds === null) return Math.round(jittered);
  const honoured = Math.min(Math.max(retryAfterSeconds, 0), MAX_RETRY_AFTER_SECONDS) * 1000;
  return Math.round(Math.max(jittered, honoured));
}

/** Parses `Retry-After` as delay-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - now) / 1000));
}
