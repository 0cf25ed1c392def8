import { findEventType } from '../catalogue.ts';
import type { Endpoint, EventRow } from '../db/schema.ts';

/**
 * The JSON body each surface receives. Built from the stored event, so every retry of a delivery
 * sends the same bytes.
 * - sponsor (page 000): `{event_id, event_type, timestamp, sponsor_id, data}`
 * - as2 (page 003): `{event_id, event, event_name, partner_id, timestamp, data}` (English and Spanish names)
 * - admin (page 001): `{event_id, event_type, timestamp, tenant_id, data}`
 * - subscription (page 002): `{eventId, eventType, timestamp, data}` in that page's camelCase and upper-snake names
 */
export function buildPayload(endpoint: Pick<Endpoint, 'surface' | 'tenant_id' | 'as2_partner_id'>, event: EventRow): string {
  const type = findEventType(event.type);
  const timestamp = new Date(event.occurred_at).toISOString();
  const data = JSON.parse(event.data) as unknown;
  switch (endpoint.surface) {
    case 'sponsor':
      return JSON.stringify({ event_id: event.id, event_type: event.type, timestamp, sponsor_id: endpoint.tenant_id, data });
    case 'as2':
      return JSON.stringify({
        event_id: event.id,
        event: event.type,
        event_name: type?.spanishName ?? event.type,
        partner_id: endpoint.as2_partner_id,
        timestamp,
        data,
      });
    case 'subscription':
      return JSON.stringify({ eventId: event.id, eventType: type?.subscriptionName ?? event.type, timestamp, data });
    default:
      return JSON.stringify({ event_id: event.id, event_type: event.type, timestamp, tenant_id: endpoint.tenant_id, data });
  }
}
