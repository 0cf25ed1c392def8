import type { Kysely } from 'kysely';
import type { Database, DeliveryStatus, Endpoint } from '../schema.ts';

/** What the console shows per endpoint: its newest delivery and its recent outcomes. */
export interface EndpointSummary {
  endpoint: Endpoint;
  lastDelivery: { id: number; status: DeliveryStatus; createdAt: number; lastStatusCode: number | null } | null;
  /** Deliveries created since `since`, by status. */
  recent: Record<DeliveryStatus, number>;
}

/** Every endpoint of a tenant, all surfaces, oldest first, with its newest delivery and recent counts. */
export async function tenantEndpointSummaries(db: Kysely<Database>, tenantId: string, since: number): Promise<EndpointSummary[]> {
  const endpoints = await db.selectFrom('endpoints').selectAll().where('tenant_id', '=', tenantId).orderBy('created_at').orderBy('id').execute();
  if (endpoints.length === 0) return [];
  const ids = endpoints.map((endpoint) => endpoint.id);
  const [latest, counts] = await Promise.all([
    db
      .selectFrom('deliveries')
      .select(['endpoint_id', 'id', 'status', 'created_at', 'last_status_code'])
      .where(
        'id',
        'in',
        db
          .selectFrom('deliveries')
          .select((eb) => eb.fn.max('id').as('id'))
          .where('endpoint_id', 'in', ids)
          .groupBy('endpoint_id'),
      )
      .execute(),
    db
      .selectFrom('deliveries')
      .select(['endpoint_id', 'status', (eb) => eb.fn.countAll<number>().as('count')])
      .where('endpoint_id', 'in', ids)
      .where('created_at', '>=', since)
      .groupBy(['endpoint_id', 'status'])
      .execute(),
  ]);
  return endpoints.map((endpoint) => {
    const last = latest.find((row) => row.endpoint_id === endpoint.id);
    const recent: Record<DeliveryStatus, number> = { pending: 0, succeeded: 0, failed: 0 };
    for (const row of counts) if (row.endpoint_id === endpoint.id) recent[row.status] = Number(row.count);
    return {
      endpoint,
      lastDelivery: last ? { id: last.id, status: last.status, createdAt: last.created_at, lastStatusCode: last.last_status_code } : null,
      recent,
    };
  });
}

/** How many endpoints each tenant has (for the tenants page). */
export async function endpointCounts(db: Kysely<Database>, tenantIds: readonly string[]): Promise<Map<string, number>> {
  if (tenantIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('endpoints')
    .select(['tenant_id', (eb) => eb.fn.countAll<number>().as('count')])
    .where('tenant_id', 'in', tenantIds)
    .groupBy('tenant_id')
    .execute();
  return new Map(rows.map((row) => [row.tenant_id, Number(row.count)]));
}
