import type { Kysely } from 'kysely';
import { issueApiKey } from '../db/repo/api-keys.ts';
import { createTenant } from '../db/repo/tenants.ts';
import type { Database } from '../db/schema.ts';

/** Bootstraps a tenant with its first API key (returned once, stored only as a hash). */
export async function createTenantWithKey(db: Kysely<Database>, input: { name: string; partnerOrgId: string | null; now: number }) {
  const tenant = await createTenant(db, input);
  const key = await issueApiKey(db, { tenantId: tenant.id, label: 'initial', now: input.now });
  return { tenant, key };
}
