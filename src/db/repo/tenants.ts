import type { Kysely } from 'kysely';
import { prefixedId } from '../../lib/random.ts';
import { firstRow, prepared } from '../prepared.ts';
import type { Database, Tenant } from '../schema.ts';

export async function createTenant(db: Kysely<Database>, input: { name: string; partnerOrgId: string | null; now: number }): Promise<Tenant> {
  const tenant: Tenant = { id: prefixedId('ten'), name: input.name, partner_org_id: input.partnerOrgId, created_at: input.now };
  await db.insertInto('tenants').values(tenant).execute();
  return tenant;
}

/** Creates a tenant with a reserved id unless it exists (the operator's own tenant). */
export async function ensureTenant(db: Kysely<Database>, tenant: Tenant): Promise<void> {
  await db
    .insertInto('tenants')
    .values(tenant)
    .onConflict((conflict) => conflict.column('id').doNothing())
    .execute();
}

const tenantById = prepared((db, v: { id: string }) => db.selectFrom('tenants').selectAll().where('id', '=', v.id));

export const getTenant = (db: Kysely<Database>, id: string): Promise<Tenant | undefined> => firstRow(db, tenantById(db, { id }));

export function listTenants(db: Kysely<Database>, filter: { partnerOrgId?: string | null } = {}): Promise<Tenant[]> {
  let query = db.selectFrom('tenants').selectAll().orderBy('created_at').orderBy('id');
  if (filter.partnerOrgId) query = query.where('partner_org_id', '=', filter.partnerOrgId);
  return query.execute();
}
