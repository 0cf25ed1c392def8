import type { Kysely } from 'kysely';
import type { SurfaceName } from '../../catalogue.ts';
import { boundedReach, chunked, MAX_BOUND_PARAMETERS } from '../limits.ts';
import type { Attempt, Database, Delivery, Endpoint } from '../schema.ts';

/** Where one delivery of an event went: the endpoint's id, surface, tenant and URL. */
export type EventDelivery = Delivery & { surface: SurfaceName; tenant_id: string; url: string; attempts: Attempt[] };

/** Every delivery of an event (oldest first), each with its endpoint and its attempts (oldest first). */
export async function eventDeliveries(db: Kysely<Database>, eventId: string): Promise<EventDelivery[]> {
  const deliveries = await db
    .selectFrom('deliveries')
    .innerJoin('endpoints', 'endpoints.id', 'deliveries.endpoint_id')
    .selectAll('deliveries')
    .select(['endpoints.surface', 'endpoints.tenant_id', 'endpoints.url'])
    .where('deliveries.event_id', '=', eventId)
    .orderBy('deliveries.id')
    .execute();
  const runs = await Promise.all(
    chunked(
      deliveries.map((delivery) => delivery.id),
      MAX_BOUND_PARAMETERS,
    ).map((ids) => db.selectFrom('attempts').selectAll().where('delivery_id', 'in', ids).orderBy('id').execute()),
  );
  const attempts = runs.flat();
  return deliveries.map((delivery) => ({ ...delivery, attempts: attempts.filter((attempt) => attempt.delivery_id === delivery.id) }));
}

/** A delivery failing right now: pending, attempted at least once, with a last error. */
export interface FailingDelivery {
  id: number;
  event_id: string;
  endpoint_id: string;
  tenant_id: string;
  surface: SurfaceName;
  url: string;
  attempt_count: number;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: number | null;
  created_at: number;
}

/** What is failing now, across tenants (or within `tenantIds`): endpoints with an open or half-open circuit, disabled endpoints, failing deliveries. */
export interface FailingNow {
  openCircuits: Endpoint[];
  disabled: Endpoint[];
  deliveries: FailingDelivery[];
}

/** `tenantIds` is the reach (undefined: every tenant); each list is capped at `limit` rows, the newest trouble first. */
export async function failingNow(db: Kysely<Database>, options: { tenantIds?: readonly string[]; limit: number }): Promise<FailingNow> {
  const { tenantIds, limit } = options;
  if (tenantIds?.length === 0) return { openCircuits: [], disabled: [], deliveries: [] };
  const reach = tenantIds && boundedReach(tenantIds);
  let endpoints = db.selectFrom('endpoints').selectAll();
  if (reach) endpoints = endpoints.where('tenant_id', 'in', reach);
  let deliveries = db
    .selectFrom('deliveries')
    .innerJoin('endpoints', 'endpoints.id', 'deliveries.endpoint_id')
    .select([
      'deliveries.id',
      'deliveries.event_id',
      'deliveries.endpoint_id',
      'endpoints.tenant_id',
      'endpoints.surface',
      'endpoints.url',
      'deliveries.attempt_count',
      'deliveries.last_status_code',
      'deliveries.last_error',
      'deliveries.next_attempt_at',
      'deliveries.created_at',
    ])
    .where('deliveries.status', '=', 'pending')
    .where('deliveries.attempt_count', '>', 0)
    .where('deliveries.last_error', 'is not', null);
  if (reach) deliveries = deliveries.where('endpoints.tenant_id', 'in', reach);
  const [openCircuits, disabled, failing] = await Promise.all([
    endpoints.where('enabled', '=', 1).where('circuit_state', '!=', 'closed').orderBy('circuit_opened_at', 'desc').limit(limit).execute(),
    endpoints.where('enabled', '=', 0).orderBy('updated_at', 'desc').limit(limit).execute(),
    deliveries.orderBy('deliveries.updated_at', 'desc').limit(limit).execute(),
  ]);
  return { openCircuits, disabled, deliveries: failing };
}
