import { type Kysely, sql } from 'kysely';
import type { SurfaceName } from '../../catalogue.ts';
import { containsText } from '../dialect.ts';
import { boundedReach } from '../limits.ts';
import type { Database, DeliveryStatus } from '../schema.ts';

/** Deliveries across endpoints (the CLI's `deliveries list`), newest first, with where they go. */
export interface DeliveryRow {
  id: number;
  tenant_id: string;
  endpoint_id: string;
  surface: SurfaceName;
  event_id: string;
  event_type: string;
  status: DeliveryStatus;
  attempt_count: number;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: number | null;
  created_at: number;
}

export interface DeliveryFilter {
  tenantId?: string;
  /** The caller's reach (undefined: every tenant). */
  tenantIds?: readonly string[];
  endpointId?: string;
  eventId?: string;
  deliveryId?: number;
  /** Part of the endpoint's URL (a substring match). */
  url?: string;
  status?: DeliveryStatus;
  /** Created at or after / before, in epoch milliseconds. */
  since?: number;
  until?: number;
  limit: number;
  offset: number;
}

export async function searchDeliveries(db: Kysely<Database>, filter: DeliveryFilter): Promise<{ items: DeliveryRow[]; total: number }> {
  let query = db.selectFrom('deliveries').innerJoin('endpoints', 'endpoints.id', 'deliveries.endpoint_id');
  if (filter.tenantId) query = query.where('endpoints.tenant_id', '=', filter.tenantId);
  if (filter.tenantIds) query = query.where('endpoints.tenant_id', 'in', filter.tenantIds.length ? boundedReach(filter.tenantIds) : ['']);
  if (filter.endpointId) query = query.where('deliveries.endpoint_id', '=', filter.endpointId);
  if (filter.eventId) query = query.where('deliveries.event_id', '=', filter.eventId);
  if (filter.deliveryId !== undefined) query = query.where('deliveries.id', '=', filter.deliveryId);
  // Not LIKE: a URL's `%` and `_` are matched as themselves.
  if (filter.url) query = query.where(containsText(db, sql.ref('endpoints.url'), filter.url));
  if (filter.status) query = query.where('deliveries.status', '=', filter.status);
  if (filter.since !== undefined) query = query.where('deliveries.created_at', '>=', filter.since);
  if (filter.until !== undefined) query = query.where('deliveries.created_at', '<', filter.until);
  const [items, count] = await Promise.all([
    query
      .innerJoin('events', 'events.id', 'deliveries.event_id')
      .select([
        'deliveries.id',
        'endpoints.tenant_id',
        'deliveries.endpoint_id',
        'endpoints.surface',
        'deliveries.event_id',
        'events.type as event_type',
        'deliveries.status',
        'deliveries.attempt_count',
        'deliveries.last_status_code',
        'deliveries.last_error',
        'deliveries.next_attempt_at',
        'deliveries.created_at',
      ])
      .orderBy('deliveries.id', 'desc')
      .limit(filter.limit)
      .offset(filter.offset)
      .execute(),
    query.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return { items, total: Number(count.total) };
}

/** One attempt as `hookgate tail` prints it: what happened, never headers or bodies. */
export interface AttemptLine {
  id: number;
  started_at: number;
  tenant_id: string;
  endpoint_id: string;
  surface: SurfaceName;
  delivery_id: number;
  event_type: string;
  attempt_number: number;
  trigger: string;
  succeeded: number;
  status_code: number | null;
  error_class: string | null;
  duration_ms: number;
}

/** Attempts recorded after `afterId`, oldest first. */
export function attemptsAfter(db: Kysely<Database>, afterId: number, filter: { tenantId?: string; endpointId?: string; limit: number }): Promise<AttemptLine[]> {
  let query = db
    .selectFrom('attempts')
    .innerJoin('deliveries', 'deliveries.id', 'attempts.delivery_id')
    .innerJoin('endpoints', 'endpoints.id', 'deliveries.endpoint_id')
    .innerJoin('events', 'events.id', 'deliveries.event_id')
    .select([
      'attempts.id',
      'attempts.started_at',
      'endpoints.tenant_id',
      'deliveries.endpoint_id',
      'endpoints.surface',
      'attempts.delivery_id',
      'events.type as event_type',
      'attempts.attempt_number',
      'attempts.trigger',
      'attempts.succeeded',
      'attempts.status_code',
      'attempts.error_class',
      'attempts.duration_ms',
    ])
    .where('attempts.id', '>', afterId);
  if (filter.tenantId) query = query.where('endpoints.tenant_id', '=', filter.tenantId);
  if (filter.endpointId) query = query.where('deliveries.endpoint_id', '=', filter.endpointId);
  return query.orderBy('attempts.id').limit(filter.limit).execute();
}

export async function lastAttemptId(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('attempts')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirst();
  return Number(row?.id ?? 0);
}
