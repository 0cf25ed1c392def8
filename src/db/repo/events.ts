import type { CompiledQuery, Kysely } from 'kysely';
import { rowsById } from '../limits.ts';
import { firstRow, prepared } from '../prepared.ts';
import type { Database, EventRow } from '../schema.ts';

const eventById = prepared((db, v: { id: string }) => db.selectFrom('events').selectAll().where('id', '=', v.id));

export const getEvent = (db: Kysely<Database>, id: string): Promise<EventRow | undefined> => firstRow(db, eventById(db, { id }));

/** Several events by id, read together (the events of a claimed batch of deliveries). */
export const getEvents = (db: Kysely<Database>, ids: readonly string[]): Promise<Map<string, EventRow>> =>
  rowsById(ids, (run) => db.selectFrom('events').selectAll().where('id', 'in', run).execute());

/** A tenant's events holding any of these idempotency keys (at most MAX_BOUND_PARAMETERS - 1 keys). */
export const findEventsByIdempotencyKeys = (db: Kysely<Database>, tenantId: string, keys: readonly string[]) =>
  db
    .selectFrom('events')
    .select(['id', 'tenant_id', 'idempotency_key', 'delivery_count', 'created_at'])
    .where('tenant_id', '=', tenantId)
    .where('idempotency_key', 'in', keys)
    .execute();

/** Releases an expired idempotency key from its old event, in the outbox's atomic unit. */
export const releaseIdempotencyKeyQuery = (db: Kysely<Database>, eventId: string): CompiledQuery =>
  db.updateTable('events').set({ idempotency_key: null }).where('id', '=', eventId).compile();

/** The INSERT of one event, to run in the outbox's atomic unit. */
export const insertEventQuery = prepared((db, event: EventRow) =>
  db.insertInto('events').values({
    id: event.id,
    tenant_id: event.tenant_id,
    type: event.type,
    requested_type: event.requested_type,
    data: event.data,
    as2_partner_id: event.as2_partner_id,
    idempotency_key: event.idempotency_key,
    delivery_count: event.delivery_count,
    occurred_at: event.occurred_at,
    created_at: event.created_at,
  }),
);
