import type { Kysely } from 'kysely';
import type { SurfaceName } from '../../catalogue.ts';
import { never } from '../dialect.ts';
import { chunked, MAX_BOUND_PARAMETERS, rowsById } from '../limits.ts';
import { firstRow, prepared } from '../prepared.ts';
import type { Database, Endpoint, EndpointUpdate, NewEndpoint } from '../schema.ts';

export async function insertEndpoint(db: Kysely<Database>, row: NewEndpoint): Promise<Endpoint> {
  return db.insertInto('endpoints').values(row).returningAll().executeTakeFirstOrThrow();
}

const endpointById = prepared((db, v: { id: string }) => db.selectFrom('endpoints').selectAll().where('id', '=', v.id));

/** Any endpoint by id, whoever owns it (the engine's read; API reads go through `findEndpoint`). */
export const getEndpoint = (db: Kysely<Database>, id: string): Promise<Endpoint | undefined> => firstRow(db, endpointById(db, { id }));

/** Several endpoints by id, read together (the endpoints of a claimed batch of deliveries). */
export const getEndpoints = (db: Kysely<Database>, ids: readonly string[]): Promise<Map<string, Endpoint>> =>
  rowsById(ids, (run) => db.selectFrom('endpoints').selectAll().where('id', 'in', run).execute());

const enabledOfTenant = prepared((db, v: { tenantId: string }) => db.selectFrom('endpoints').selectAll().where('tenant_id', '=', v.tenantId).where('enabled', '=', 1));

/** The enabled endpoints of these tenants, every surface (what a published event may fan out to). */
export async function listEnabledEndpoints(db: Kysely<Database>, tenantIds: readonly string[]): Promise<Endpoint[]> {
  if (tenantIds.length === 1) return (await db.executeQuery(enabledOfTenant(db, { tenantId: tenantIds[0]! }))).rows;
  const runs = chunked(tenantIds, MAX_BOUND_PARAMETERS - 1).map((ids) => db.selectFrom('endpoints').selectAll().where('tenant_id', 'in', ids).where('enabled', '=', 1).execute());
  return (await Promise.all(runs)).flat();
}

export interface EndpointScope {
  surface: SurfaceName;
  /** When set, the endpoint must belong to one of these tenants (the caller's reach). */
  tenantIds?: readonly string[];
  subscriber?: string;
}

/** Finds an endpoint inside the caller's reach; anything outside it reads as "not found". */
export function findEndpoint(db: Kysely<Database>, id: string, scope: EndpointScope): Promise<Endpoint | undefined> {
  let query = db.selectFrom('endpoints').selectAll().where('id', '=', id).where('surface', '=', scope.surface);
  if (scope.tenantIds) query = scope.tenantIds.length ? query.where('tenant_id', 'in', scope.tenantIds) : query.where(never);
  if (scope.subscriber !== undefined) query = query.where('subscriber', '=', scope.subscriber);
  return query.executeTakeFirst();
}

export const findSponsorEndpoint = (db: Kysely<Database>, tenantId: string): Promise<Endpoint | undefined> =>
  db.selectFrom('endpoints').selectAll().where('tenant_id', '=', tenantId).where('surface', '=', 'sponsor').executeTakeFirst();

export const findAs2Endpoint = (db: Kysely<Database>, partnerId: number): Promise<Endpoint | undefined> =>
  db.selectFrom('endpoints').selectAll().where('as2_partner_id', '=', partnerId).where('surface', '=', 'as2').executeTakeFirst();

export async function updateEndpoint(db: Kysely<Database>, id: string, patch: EndpointUpdate): Promise<Endpoint> {
  return db.updateTable('endpoints').set(patch).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

/** How many endpoints a tenant has, on all four surfaces. */
export async function countTenantEndpoints(db: Kysely<Database>, tenantId: string): Promise<number> {
  const row = await db
    .selectFrom('endpoints')
    .select((eb) => eb.fn.countAll<number>().as('total'))
    .where('tenant_id', '=', tenantId)
    .executeTakeFirstOrThrow();
  return Number(row.total);
}

export async function deleteEndpoint(db: Kysely<Database>, id: string): Promise<void> {
  await db.deleteFrom('endpoints').where('id', '=', id).execute();
}

export interface EndpointPage {
  items: Endpoint[];
  total: number;
}

export async function listEndpoints(db: Kysely<Database>, filter: EndpointScope & { limit: number; offset: number }): Promise<EndpointPage> {
  let query = db.selectFrom('endpoints').where('surface', '=', filter.surface);
  if (filter.tenantIds) query = filter.tenantIds.length ? query.where('tenant_id', 'in', filter.tenantIds) : query.where(never);
  if (filter.subscriber !== undefined) query = query.where('subscriber', '=', filter.subscriber);
  const [items, count] = await Promise.all([
    query.selectAll().orderBy('created_at').orderBy('id').limit(filter.limit).offset(filter.offset).execute(),
    query.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return { items, total: Number(count.total) };
}

/** A caller whose reach is empty matches no endpoint. */
