import { countTenantEndpoints } from '../db/repo/endpoints.ts';
import { ApiError } from '../errors.ts';
import type { Services } from '../services.ts';

/**
 * The cap on endpoints per tenant (HOOKGATE_MAX_ENDPOINTS_PER_TENANT), counted across all four
 * surfaces, checked before an endpoint is created: a 409 in the surface's error format. Two
 * creates racing at the cap may both pass; the cap is a guard against abuse, not an exact quota.
 */
export async function assertEndpointRoom(services: Services, tenantId: string, message?: string): Promise<void> {
  const max = services.config.maxEndpointsPerTenant;
  if ((await countTenantEndpoints(services.db, tenantId)) >= max) throw new ApiError('conflict', message ?? `Endpoint limit reached: a tenant may have at most ${max} endpoints`);
}
