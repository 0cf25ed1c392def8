import type { CompiledQuery } from 'kysely';
import { type EventType, findEventType } from '../catalogue.ts';
import { chunked, MAX_BOUND_PARAMETERS } from '../db/limits.ts';
import { insertDeliveriesQueries } from '../db/repo/deliveries.ts';
import { listEnabledEndpoints } from '../db/repo/endpoints.ts';
import { insertEventQuery } from '../db/repo/events.ts';
import type { Delivery, Endpoint, EventRow } from '../db/schema.ts';
import type { FreshDelivery } from '../delivery/engine.ts';
import { ApiError, invalid } from '../errors.ts';
import { prefixedId } from '../lib/random.ts';
import type { Services } from '../services.ts';
import { surfaceNamed } from '../surfaces/index.ts';
import { eventTypesOf } from './endpoint-fields.ts';

/** What publishing needs: the store, the clock, limits, and the engine to hand new deliveries to. */
export type PublishServices = Pick<Services, 'db' | 'atomic' | 'clock' | 'config' | 'engine'>;

export interface PublishInput {
  tenantId: string;
  /** Any name of a catalogue event: canonical, upper snake (page 002) or Spanish (page 003). */
  type: string;
  data: unknown;
  as2PartnerId?: number | null;
  idempotencyKey?: string | null;
  occurredAt?: number | null;
}

export interface PublishResult {
  event_id: string;
  deliveries: number;
  delivery_ids: number[];
  /** True when an idempotency key matched an earlier event: nothing new was fanned out. */
  replayed: boolean;
}

export const IDEMPOTENCY_WINDOW_MS = 24 * 3600 * 1000;

/** Does this endpoint take this event? Its surface's rule (src/surfaces/), then its own filter (page 000 `events` null = all; 002 its eventType; 003 and 001 their lists). */
export function endpointTakes(endpoint: Endpoint, type: EventType, as2PartnerId: number | null): boolean {
  if (endpoint.enabled !== 1 || !surfaceNamed(endpoint.surface).takes(endpoint, type, as2PartnerId)) return false;
  const filter = eventTypesOf(endpoint);
  return filter === null || filter.includes(type.name);
}

const UNATTEMPTED = { status: 'pending', attempt_count: 0, last_status_code: null, last_error: null, completed_at: null, rate_slot_at: null } as const;

/**
 * The outbox write: each event and one delivery per matching endpoint are written in one atomic
 * unit (a transaction on SQLite, one `batch()` on D1), so an accepted event is never lost nor half
 * fanned out. A batch of events is one atomic unit too. The engine is then asked to attempt the new
 * deliveries at once; the sweeper catches whatever that fast path does not finish.
 */
export async function publishEvents(
  services: PublishServices,
  inputs: readonly PublishInput[],
  options: { onlyEndpoint?: Endpoint; dispatch?: boolean } = {},
): Promise<PublishResult[]> {
  try {
    return await publishOnce(services, inputs, options);
  } catch (error) {
    // A concurrent publish with the same idempotency key won the unique index: answer as a replay.
    if (String(error).includes('UNIQUE') && inputs.some((input) => input.idempotencyKey)) return publishOnce(services, inputs, options);
    throw error;
  }
}

async function publishOnce(
  services: PublishServices,
  inputs: readonly PublishInput[],
  options: { onlyEndpoint?: Endpoint; dispatch?: boolean },
): Promise<PublishResult[]> {
  const { db, clock } = services;
  const now = clock.now();
  const types = inputs.map((input, index) => {
    const type = findEventType(input.type);
    if (!type) throw invalid(['body', index, 'type'], `Unknown event type: ${input.type}`, 'enum');
    return type;
  });
  const payloads = inputs.map((input, index) => serializedData(services, input.data, index));
  const tenantIds = [...new Set(inputs.map((input) => input.tenantId))];
  const endpoints = options.onlyEndpoint ? [options.onlyEndpoint] : await listEnabledEndpoints(db, tenantIds);
  const earlier = await findIdempotent(services, inputs);
  // Deliveries the fast path has room for are written already leased to it (no claim afterwards);
  // the count asked for is an upper bound (every endpoint of the tenants, for every event).
  const lease = options.dispatch === false ? null : (services.engine.fastPathLease?.(inputs.length * endpoints.length) ?? null);

  const results: PublishResult[] = [];
  /** Every delivery as written, with its endpoint and event, in insertion order (ids filled in once inserted). */
  const fresh: FreshDelivery[] = [];
  const queries: CompiledQuery[] = [];
  const seenKeys = new Map<string, PublishResult>();
  inputs.forEach((input, index) => {
    const key = input.idempotencyKey ? `${input.tenantId}\u0000${input.idempotencyKey}` : null;
    const previous = key ? (seenKeys.get(key) ?? earlier.get(key)) : undefined;
    if (previous && (previous.replayed || seenKeys.has(key!))) {
      results.push({ ...previous, delivery_ids: [], replayed: true });
      return;
    }
    if (previous && key) {
      // An expired key (older than the window) is released for this new event.
      queries.push(db.updateTable('events').set({ idempotency_key: null }).where('id', '=', previous.event_id).compile());
    }
    const type = types[index]!;
    const as2PartnerId = input.as2PartnerId ?? null;
    const targets = options.onlyEndpoint ? endpoints : endpoints.filter((endpoint) => endpoint.tenant_id === input.tenantId && endpointTakes(endpoint, type, as2PartnerId));
    const event: EventRow = {
      id: prefixedId('evt'),
      tenant_id: input.tenantId,
      type: type.name,
      requested_type: input.type,
      data: payloads[index]!,
      as2_partner_id: as2PartnerId,
      idempotency_key: input.idempotencyKey ?? null,
      delivery_count: targets.length,
      occurred_at: input.occurredAt ?? now,
      created_at: now,
    };
    queries.push(insertEventQuery(db, event));
    const planned = targets.map((endpoint): FreshDelivery => {
      // A fifo endpoint's delivery is claimed (in order) by the fast path, never written leased.
      const leased = lease && endpoint.ordering !== 'fifo' ? lease : null;
      const delivery: Delivery = { ...UNATTEMPTED, id: 0, event_id: event.id, endpoint_id: endpoint.id, message_id: prefixedId('msg'), lease_owner: leased?.owner ?? null, next_attempt_at: leased?.until ?? now, created_at: now, updated_at: now };
      return { delivery, endpoint, event };
    });
    if (planned.length) queries.push(...insertDeliveriesQueries(db, planned.map((item) => item.delivery)));
    fresh.push(...planned);
    const result: PublishResult = { event_id: event.id, deliveries: targets.length, delivery_ids: [], replayed: false };
    if (key) seenKeys.set(key, result);
    results.push(result);
  });

  const outcomes = queries.length ? await services.atomic(queries) : [];
  const insertedIds = outcomes.flatMap((outcome) => (outcome.rows as { id?: number }[]).filter((row) => row.id !== undefined).map((row) => Number(row.id)));
  let cursor = 0;
  for (const result of results) {
    if (result.replayed) continue;
    result.delivery_ids = insertedIds.slice(cursor, cursor + result.deliveries);
    cursor += result.deliveries;
  }
  if (options.dispatch !== false) {
    for (const [index, item] of fresh.entries()) item.delivery.id = insertedIds[index]!;
    services.engine.dispatch(fresh);
  }
  return results;
}

/** An event's data as stored and sent; larger than HOOKGATE_MAX_EVENT_BYTES is a 413. */
function serializedData(services: PublishServices, data: unknown, index: number): string {
  const json = JSON.stringify(data ?? {});
  const max = services.config.maxEventBytes;
  // A UTF-16 code unit is at most 3 bytes of UTF-8: most events need no encoding to be measured.
  const bytes = json.length * 3 <= max ? json.length : new TextEncoder().encode(json).length;
  if (bytes > max) throw new ApiError('payload_too_large', `Event ${index} data is ${bytes} bytes as JSON; the limit is ${max}`);
  return json;
}

/** Earlier events with the same idempotency keys: within the window they are replays, beyond it they are released. */
async function findIdempotent(services: PublishServices, inputs: readonly PublishInput[]): Promise<Map<string, PublishResult>> {
  const keyed = inputs.filter((input) => input.idempotencyKey);
  const found = new Map<string, PublishResult>();
  if (keyed.length === 0) return found;
  const keysByTenant = new Map<string, Set<string>>();
  for (const input of keyed) keysByTenant.set(input.tenantId, (keysByTenant.get(input.tenantId) ?? new Set()).add(input.idempotencyKey!));
  const lookups = [...keysByTenant].flatMap(([tenantId, keys]) =>
    chunked([...keys], MAX_BOUND_PARAMETERS - 1).map((run) =>
      services.db
        .selectFrom('events')
        .select(['id', 'tenant_id', 'idempotency_key', 'delivery_count', 'created_at'])
        .where('tenant_id', '=', tenantId)
        .where('idempotency_key', 'in', run)
        .execute(),
    ),
  );
  const rows = (await Promise.all(lookups)).flat();
  const windowStart = services.clock.now() - IDEMPOTENCY_WINDOW_MS;
  for (const row of rows) {
    found.set(`${row.tenant_id}\u0000${row.idempotency_key}`, {
      event_id: row.id,
      deliveries: row.delivery_count,
      delivery_ids: [],
      replayed: row.created_at >= windowStart,
    });
  }
  return found;
}
