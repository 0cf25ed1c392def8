import { chunked, MAX_BOUND_PARAMETERS } from '../db/limits.ts';
import { findEventsByIdempotencyKeys } from '../db/repo/events.ts';
import { isUniqueViolation } from '../db/unique-violation.ts';
import type { PublishInput, PublishServices } from './event-input.ts';

export const IDEMPOTENCY_WINDOW_MS = 24 * 3600 * 1000;

export interface PublishResult {
  event_id: string;
  deliveries: number;
  delivery_ids: number[];
  /** True when an idempotency key matched an earlier event: nothing new was fanned out. */
  replayed: boolean;
}

const keyFor = (tenantId: string, idempotencyKey: string) => `${tenantId}\u0000${idempotencyKey}`;
const keyOf = (input: PublishInput): string | null => (input.idempotencyKey ? keyFor(input.tenantId, input.idempotencyKey) : null);

/** What to do with one input of a write: answer an earlier result again, or write it (first releasing an expired event's key). */
type Decision = { replay: PublishResult } | { releaseKeyOf: string | null };

/**
 * The idempotency decisions of one write. A key seen within the window (`IDEMPOTENCY_WINDOW_MS`),
 * stored or earlier in the same batch, replays that event; a stored one beyond the window is
 * released for the new event.
 */
export async function idempotencyLedger(services: PublishServices, inputs: readonly PublishInput[]) {
  const earlier = await findIdempotent(services, inputs);
  const seen = new Map<string, PublishResult>();
  return {
    decide(input: PublishInput): Decision {
      const key = keyOf(input);
      const previous = key ? (seen.get(key) ?? earlier.get(key)) : undefined;
      if (previous && (previous.replayed || seen.has(key!))) return { replay: { ...previous, delivery_ids: [], replayed: true } };
      return { releaseKeyOf: previous ? previous.event_id : null };
    },
    remember(input: PublishInput, result: PublishResult): void {
      const key = keyOf(input);
      if (key) seen.set(key, result);
    },
  };
}

/** Runs a write; when a concurrent publish with the same idempotency key won the unique index, runs it again to answer as a replay. */
export async function replayingRaces<T>(inputs: readonly PublishInput[], write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error) && inputs.some((input) => input.idempotencyKey)) return write();
    throw error;
  }
}

/** Earlier events with the same idempotency keys: within the window they are replays, beyond it they are released. */
async function findIdempotent(services: PublishServices, inputs: readonly PublishInput[]): Promise<Map<string, PublishResult>> {
  const keyed = inputs.filter((input) => input.idempotencyKey);
  const found = new Map<string, PublishResult>();
  if (keyed.length === 0) return found;
  const keysByTenant = new Map<string, Set<string>>();
  for (const input of keyed) keysByTenant.set(input.tenantId, (keysByTenant.get(input.tenantId) ?? new Set()).add(input.idempotencyKey!));
  const lookups = [...keysByTenant].flatMap(([tenantId, keys]) =>
    chunked([...keys], MAX_BOUND_PARAMETERS - 1).map((run) => findEventsByIdempotencyKeys(services.db, tenantId, run)),
  );
  const rows = (await Promise.all(lookups)).flat();
  const windowStart = services.clock.now() - IDEMPOTENCY_WINDOW_MS;
  for (const row of rows) {
    found.set(keyFor(row.tenant_id, row.idempotency_key!), {
      event_id: row.id,
      deliveries: row.delivery_count,
      delivery_ids: [],
      replayed: row.created_at >= windowStart,
    });
  }
  return found;
}
