/**
 * D1 binds at most 100 parameters per statement (SQLite allows 32,766). Statements built from
 * lists (multi-row inserts, `IN (…)`) are split to stay under it, on every store alike.
 */
export const MAX_BOUND_PARAMETERS = 100;

/** Splits a list into runs of at most `size` items. */
export function chunked<T>(items: readonly T[], size: number): T[][] {
  const runs: T[][] = [];
  for (let start = 0; start < items.length; start += size) runs.push(items.slice(start, start + size));
  return runs;
}
