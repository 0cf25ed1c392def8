import { findEventType } from '../catalogue.ts';
import type { Endpoint, EventRow } from '../db/schema.ts';

/**
 * The JSON body each surface receives. Built from the stored event, so every retry of a delivery
 * sends the same bytes.
 * - sponsor (page 000): `{event_id, event_type, timestamp, sponsor_id, data}`
 * - as2 (page 003): `{event_id, event, event_name, partner_id, timestamp, data}` (English and Spanish names)
 * - admin (page 001): `{event_id, event_type, timestamp, tenant_id, data}`
 * - subscription (page 002): `{eventId, eventType, timestamp, data}` in that page's camelCase and upper-snake names
 *
 * `data` is spliced in as stored: the stored text is `JSON.stringify`'s own output, so parsing and
 * serialising it again would give the same bytes at the cost of both (and of the precision of
 * integers beyond 2^53).
 */
export function buildPayload(endpoint: Pick<Endpoint, 'surface' | 'tenant_id' | 'as2_partner_id'>, event: EventRow): string {
  const type = findEventType(event.type);
  const timestamp = new Date(event.occurred_at).toISOString();
  switch (endpoint.surface) {
    case 'sponsor':
      return withData({ event_id: event.id, event_type: event.type, timestamp, sponsor_id: endpoint.tenant_id }, event.data);
    case 'as2':
      return withData(
        { event_id: event.id, event: event.type, event_name: type?.spanishName ?? event.type, partner_id: endpoint.as2_partner_id, timestamp },
        event.data,
      );
    case 'subscription':
      return withData({ eventId: event.id, eventType: type?.subscriptionName ?? event.type, timestamp }, event.data);
    default:
      return withData({ event_id: event.id, event_type: event.type, timestamp, tenant_id: endpoint.tenant_id }, event.data);
  }
}

/** `JSON.stringify({...envelope, data})` where `data` is already JSON text. */
const withData = (envelope: Record<string, unknown>, data: string) => `${JSON.stringify(envelope).slice(0, -1)},"data":${data}}`;
