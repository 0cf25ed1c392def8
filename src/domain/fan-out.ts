import type { EventType } from '../catalogue.ts';
import type { Endpoint } from '../db/schema.ts';
import { surfaceNamed } from '../surfaces/index.ts';
import { eventTypesOf } from './endpoint-fields.ts';
import type { FanOut } from './outbox.ts';

/**
 * Does this endpoint take this event? The catalogue must list the endpoint's surface for the type, a
 * partner-bound surface's endpoint (page 003) takes only its own partner's events, and then the
 * endpoint's own filter decides (page 000 `events` null = all; 002 its eventType; 003 and 001 their lists).
 */
export function endpointTakes(endpoint: Endpoint, type: EventType, as2PartnerId: number | null): boolean {
  if (endpoint.enabled !== 1 || !type.surfaces.includes(endpoint.surface)) return false;
  if (surfaceNamed(endpoint.surface).partnerBound && endpoint.as2_partner_id !== as2PartnerId) return false;
  const filter = eventTypesOf(endpoint);
  return filter === null || filter.includes(type.name);
}

/** Each event goes to the endpoints of its own tenant that take it. */
export const fanOutTo = (endpoints: readonly Endpoint[]): FanOut => ({
  endpoints,
  targets: ({ input, type }) => endpoints.filter((endpoint) => endpoint.tenant_id === input.tenantId && endpointTakes(endpoint, type, input.as2PartnerId ?? null)),
});
