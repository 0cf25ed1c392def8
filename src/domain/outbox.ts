import type { CompiledQuery } from 'kysely';
import { insertDeliveriesQueries, lockOrderedEndpointsQuery, wakeWorkersQuery } from '../db/repo/deliveries.ts';
import { insertEventQuery, releaseIdempotencyKeyQuery } from '../db/repo/events.ts';
import type { Delivery, Endpoint, EventRow } from '../db/schema.ts';
import type { FreshDelivery } from '../delivery/engine.ts';
import { prefixedId, timeOrderedId } from '../lib/random.ts';
import type { PublishServices, ValidEvent } from './event-input.ts';
import { idempotencyLedger, type PublishResult } from './idempotency.ts';

/** Where a write fans out: the endpoints it may reach, and those one event does reach. */
export interface FanOut {
  endpoints: readonly Endpoint[];
  targets(event: ValidEvent): readonly Endpoint[];
}

const UNATTEMPTED = { status: 'pending', attempt_count: 0, last_status_code: null, last_error: null, completed_at: null, rate_slot_at: null } as const;

/**
 * The outbox write: each event and one delivery per target endpoint are written in one atomic unit
 * (a transaction on SQLite, one `batch()` on D1), so an accepted event is never lost nor half fanned
 * out: the events first, then all their deliveries in multi-row INSERTs (12 rows a statement, the
 * most D1 binds), so an event fanned out to ten endpoints costs two statements, not eleven. A batch of events
 * is one atomic unit too; one that leaves deliveries for any process to claim also wakes the processes
 * listening (Postgres). Unless `dispatch` is false, the engine is then
 * asked to attempt the new deliveries at once; the sweeper catches whatever that fast path does not finish.
 */
export async function writeEvents(services: PublishServices, events: readonly ValidEvent[], fanOut: FanOut, options: { dispatch?: boolean } = {}): Promise<PublishResult[]> {
  const { db, clock } = services;
  const now = clock.now();
  const ledger = await idempotencyLedger(
    services,
    events.map((event) => event.input),
  );
  // Deliveries the fast path has room for are written already leased to it (no claim afterwards);
  // the count asked for is an upper bound (every endpoint of the tenants, for every event).
  const lease = options.dispatch === false ? null : (services.engine.fastPathLease?.(events.length * fanOut.endpoints.length) ?? null);

  const results: PublishResult[] = [];
  /** Every delivery as written, with its endpoint and event, in insertion order (ids filled in once inserted). */
  const fresh: FreshDelivery[] = [];
  const queries: CompiledQuery[] = [];
  const ordered = lockOrderedEndpointsQuery(
    db,
    fanOut.endpoints.filter((endpoint) => endpoint.ordering === 'fifo').map((endpoint) => endpoint.id),
  );
  if (ordered) queries.push(ordered);
  for (const valid of events) {
    const { input } = valid;
    const decision = ledger.decide(input);
    if ('replay' in decision) {
      results.push(decision.replay);
      continue;
    }
    // An expired key (older than the window) is released for this new event.
    if (decision.releaseKeyOf) queries.push(releaseIdempotencyKeyQuery(db, decision.releaseKeyOf));
    const targets = fanOut.targets(valid);
    const event: EventRow = {
      id: timeOrderedId('evt', now),
      tenant_id: input.tenantId,
      type: valid.type.name,
      requested_type: input.type,
      data: valid.data,
      as2_partner_id: input.as2PartnerId ?? null,
      idempotency_key: input.idempotencyKey ?? null,
      delivery_count: targets.length,
      occurred_at: input.occurredAt ?? now,
      created_at: now,
    };
    queries.push(insertEventQuery(db, event));
    const planned = targets.map((endpoint): FreshDelivery => {
      // A fifo endpoint's delivery is claimed (in order) by the fast path, never written leased.
      const leased = lease && endpoint.ordering !== 'fifo' && lease.covers(endpoint) ? lease : null;
      const delivery: Delivery = {
        ...UNATTEMPTED,
        id: 0,
        event_id: event.id,
        endpoint_id: endpoint.id,
        message_id: prefixedId('msg'),
        lease_owner: leased?.owner ?? null,
        next_attempt_at: leased?.until ?? now,
        created_at: now,
        updated_at: now,
      };
      return { delivery, endpoint, event };
    });
    fresh.push(...planned);
    const result: PublishResult = { event_id: event.id, deliveries: targets.length, delivery_ids: [], replayed: false };
    ledger.remember(input, result);
    results.push(result);
  }

  // Every delivery of the request in as few statements as D1 can bind (12 rows each), after the events they point to.
  if (fresh.length)
    queries.push(
      ...insertDeliveriesQueries(
        db,
        fresh.map((item) => item.delivery),
      ),
    );
  // Deliveries due and unleased (an api process, a fifo endpoint, no fast-path room): other processes are told at commit.
  const wake = fresh.some((item) => item.delivery.lease_owner === null) ? wakeWorkersQuery(db) : null;
  if (wake) queries.push(wake);
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
