import type { EventType } from '../catalogue.ts';
import type { Endpoint } from '../db/schema.ts';
import { surfaceNamed } from '../surfaces/index.ts';
import { eventTypesOf } from './endpoint-fields.ts';
import type { FanOut } from './outbox.ts';

/** Does this endpoint take this event? Its surface's rule (src/surfaces/), then its own filter (page 000 `events` null = all; 002 its eventType; 003 and 001 their lists). */
export function endpointTakes(endpoint: Endpoint, type: EventType, as2PartnerId: number | null): boolean {
  if (endpoint.enabled !== 1 || !surfaceNamed(endpoint.surface).takes(endpoint, type, as2PartnerId)) return false;
  const filter = eventTypesOf(endpoint);
  return filter === null || filter.includes(type.name);
}

/** Each event goes to the endpoints of its own tenant that take it. */
export const fanOutTo = (endpoints: readonly Endpoint[]): FanOut => ({
  endpoints,
  targets: ({ input, type }) => endpoints.filter((endpoint) => endpoint.tenant_id === input.tenantId && endpointTakes(endpoint, type, input.as2PartnerId ?? null)),
});
