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

/** Rows read by id (each id once, in runs D1 can bind), keyed by id. */
export async function rowsById<Row extends { id: string }>(ids: readonly string[], read: (run: string[]) => Promise<Row[]>): Promise<Map<string, Row>> {
  const runs = await Promise.all(chunked([...new Set(ids)], MAX_BOUND_PARAMETERS).map(read));
  return new Map(runs.flat().map((row) => [row.id, row]));
}

/** The most tenants a reach (a partner organisation) may list in one `IN (…)` beside a query's other parameters. */
export const MAX_REACH = MAX_BOUND_PARAMETERS - 20;

/** A reach to bind in one statement; a larger one is refused with a message rather than split (a paged query cannot be). */
export function boundedReach(tenantIds: readonly string[]): readonly string[] {
  if (tenantIds.length > MAX_REACH) throw new Error(`a reach of ${tenantIds.length} tenants is more than one query can bind (${MAX_REACH}); filter by tenant`);
  return tenantIds;
}
