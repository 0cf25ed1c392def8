import type { Kysely } from 'kysely';
import { prefixedId } from '../../lib/random.ts';
import type { Database, Tenant } from '../schema.ts';

export async function createTenant(db: Kysely<Database>, input: { name: string; partnerOrgId: string | null; now: number }): Promise<Tenant> {
  const tenant: Tenant = { id: prefixedId('ten'), name: input.name, partner_org_id: input.partnerOrgId, created_at: input.now };
  await db.insertInto('tenants').values(tenant).execute();
  return tenant;
}

export const getTenant = (db: Kysely<Database>, id: string): Promise<Tenant | undefined> =>
  db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();

export function listTenants(db: Kysely<Database>, filter: { partnerOrgId?: string | null } = {}): Promise<Tenant[]> {
  let query = db.selectFrom('tenants').selectAll().orderBy('created_at').orderBy('id');
  if (filter.partnerOrgId) query = query.where('partner_org_id', '=', filter.partnerOrgId);
  return query.execute();
}
