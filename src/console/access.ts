import type { Context } from 'hono';
import { adminReach } from '../api/auth.ts';
import type { AppEnv } from '../api/context.ts';
import { getEndpoint } from '../db/repo/endpoints.ts';
import { getTenant, listTenants } from '../db/repo/tenants.ts';
import type { Endpoint, Tenant } from '../db/schema.ts';
import { notFound } from '../errors.ts';
import type { ConsoleEnv } from './session.ts';

/**
 * The console reaches exactly what the admin API would for the same claims: a tenant-bound token
 * sees its tenant, a partner-bound one its organisation's tenants, a platform admin every tenant.
 * Anything outside answers like an unknown id.
 */
export const reachOf = (c: Context<ConsoleEnv>) => adminReach(c as unknown as Context<AppEnv>);

export async function tenantsInReach(c: Context<ConsoleEnv>): Promise<Tenant[]> {
  const reach = await reachOf(c);
  return (await listTenants(c.var.services.db)).filter((tenant) => !reach || reach.includes(tenant.id));
}

export async function tenantInReach(c: Context<ConsoleEnv>, tenantId: string): Promise<Tenant> {
  const reach = await reachOf(c);
  const tenant = reach && !reach.includes(tenantId) ? undefined : await getTenant(c.var.services.db, tenantId);
  if (!tenant) throw notFound('Tenant not found');
  return tenant;
}

/** An endpoint of any surface, with its tenant, if the session may see it. */
export async function endpointInReach(c: Context<ConsoleEnv>, endpointId: string): Promise<{ endpoint: Endpoint; tenant: Tenant }> {
  const endpoint = await getEndpoint(c.var.services.db, endpointId);
  if (!endpoint) throw notFound('Endpoint not found');
  const tenant = await tenantInReach(c, endpoint.tenant_id).catch(() => {
    throw notFound('Endpoint not found');
  });
  return { endpoint, tenant };
}
