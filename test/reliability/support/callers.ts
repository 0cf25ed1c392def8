import { bearer, token } from '../../support/server.ts';
import type { Caller } from './catalogue.ts';
import type { TenantWorld } from './world.ts';

/** The claims a route's rightful caller in tenant `t` carries. */
export function claimsFor(caller: Caller, t: TenantWorld) {
  if (caller === 'subscriber') return { sub: t.subscriber, tenantId: t.id };
  if (caller === 'publisher') return { sub: `publisher-${t.id}`, scope: 'events:publish', tenantId: t.id };
  return { sub: `admin-${t.id}`, scope: 'webhooks:admin', tenantId: t.id };
}

/** The rightful credentials of tenant `t` for a route. */
export async function credentialsFor(caller: Caller, t: TenantWorld): Promise<Record<string, string>> {
  if (caller === 'sponsor-key' || caller === 'publisher') return { authorization: t.apiKey };
  if (caller === 'as2-key') return { authorization: `Bearer ${t.apiKey}` };
  return bearer(await token(claimsFor(caller, t)));
}
