import type { Kysely } from 'kysely';
import type { Attempt, Database, Delivery, DeliveryStatus } from '../schema.ts';

/** A delivery with the type of its event, as the history views show it. */
export type DeliveryView = Delivery & { event_type: string; requested_type: string };

const deliveryColumns = [
  'deliveries.id',
  'deliveries.event_id',
  'deliveries.endpoint_id',
  'deliveries.message_id',
  'deliveries.status',
  'deliveries.attempt_count',
  'deliveries.next_attempt_at',
  'deliveries.lease_owner',
  'deliveries.last_status_code',
  'deliveries.last_error',
  'deliveries.created_at',
  'deliveries.updated_at',
  'deliveries.completed_at',
  'deliveries.rate_slot_at',
  'events.type as event_type',
  'events.requested_type',
] as const;

/** An endpoint's deliveries, newest first. */
/** The endpoint a delivery belongs to, by the delivery's id alone (the CLI's lookups). */
export async function endpointOfDelivery(db: Kysely<Database>, deliveryId: number): Promise<{ endpoint_id: string; enabled: number; disabled_reason: string | null } | undefined> {
  return db
    .selectFrom('deliveries')
    .innerJoin('endpoints', 'endpoints.id', 'deliveries.endpoint_id')
    .select(['deliveries.endpoint_id', 'endpoints.enabled', 'endpoints.disabled_reason'])
    .where('deliveries.id', '=', deliveryId)
    .executeTakeFirst();
}

/** A delivery's attempt of a given number (the newest, should there be two), and the delivery's status now. */
export async function attemptAndStatus(db: Kysely<Database>, deliveryId: number, attemptNumber: number) {
  const [attempt, delivery] = await Promise.all([
    db.selectFrom('attempts').selectAll().where('delivery_id', '=', deliveryId).where('attempt_number', '=', attemptNumber).orderBy('id', 'desc').executeTakeFirst(),
    db.selectFrom('deliveries').select(['status', 'last_error']).where('id', '=', deliveryId).executeTakeFirst(),
  ]);
  return { attempt, delivery };
}

export async function listEndpointDeliveries(
  db: Kysely<Database>,
  filter: { endpointId: string; status?: DeliveryStatus; limit: number; offset: number },
): Promise<{ items: DeliveryView[]; total: number }> {
  let query = db.selectFrom('deliveries').where('deliveries.endpoint_id', '=', filter.endpointId);
  if (filter.status) query = query.where('deliveries.status', '=', filter.status);
  const [items, count] = await Promise.all([
    query.innerJoin('events', 'events.id', 'deliveries.event_id').select(deliveryColumns).orderBy('deliveries.id', 'desc').limit(filter.limit).offset(filter.offset).execute(),
    query.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return { items, total: Number(count.total) };
}

/** One delivery of an endpoint with its attempts (oldest first) and the event data. */
export async function getEndpointDelivery(
  db: Kysely<Database>,
  endpointId: string,
  deliveryId: number,
): Promise<(DeliveryView & { attempts: Attempt[]; payload: unknown }) | undefined> {
  const row = await db
    .selectFrom('deliveries')
    .innerJoin('events', 'events.id', 'deliveries.event_id')
    .select([...deliveryColumns, 'events.data'])
    .where('deliveries.id', '=', deliveryId)
    .where('deliveries.endpoint_id', '=', endpointId)
    .executeTakeFirst();
  if (!row) return undefined;
  const attempts = await db.selectFrom('attempts').selectAll().where('delivery_id', '=', deliveryId).orderBy('id').execute();
  const { data, ...delivery } = row;
  return { ...delivery, attempts, payload: JSON.parse(data) };
}
