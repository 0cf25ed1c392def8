import type { Context } from 'hono';
import { findEndpoint } from '../../db/repo/endpoints.ts';
import { getTenant } from '../../db/repo/tenants.ts';
import type { Endpoint, Tenant } from '../../db/schema.ts';
import { notFound } from '../../errors.ts';
import { adminReach } from '../auth.ts';
import type { AppEnv } from '../context.ts';

/** An admin webhook inside the token's reach; anything else answers exactly like an unknown id. */
export async function webhookInReach(c: Context<AppEnv>, id: string): Promise<Endpoint> {
  const endpoint = await findEndpoint(c.var.services.db, id, { surface: 'admin', tenantIds: await adminReach(c) });
  if (!endpoint) throw notFound('Webhook not found');
  return endpoint;
}

/** A tenant inside the token's reach; anything else answers exactly like an unknown id. */
export async function tenantInReach(c: Context<AppEnv>, tenantId: string): Promise<Tenant> {
  const reach = await adminReach(c);
  const tenant = reach && !reach.includes(tenantId) ? undefined : await getTenant(c.var.services.db, tenantId);
  if (!tenant) throw notFound('Tenant not found');
  return tenant;
}
