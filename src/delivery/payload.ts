import type { Endpoint, EventRow } from '../db/schema.ts';
import { surfaceNamed } from '../surfaces/index.ts';

/**
 * The JSON body each surface receives: its envelope (src/surfaces/) with the event's `data`. Built
 * from the stored event, so every retry of a delivery sends the same bytes.
 * - sponsor (page 000): `{event_id, event_type, timestamp, sponsor_id, data}`
 * - as2 (page 003): `{event_id, event, event_name, partner_id, timestamp, data}` (English and Spanish names)
 * - admin (page 001): `{event_id, event_type, timestamp, tenant_id, data}`
 * - subscription (page 002): `{eventId, eventType, timestamp, data}` in that page's camelCase and upper-snake names
 *
 * `data` is spliced in as stored (`JSON.stringify({...envelope, data})` where `data` is already JSON text): the stored text is `JSON.stringify`'s own output, so parsing and
 * serialising it again would give the same bytes at the cost of both (and of the precision of
 * integers beyond 2^53).
 */
export function buildPayload(endpoint: Pick<Endpoint, 'surface' | 'tenant_id' | 'as2_partner_id'>, event: EventRow): string {
  const envelope = surfaceNamed(endpoint.surface).envelope(endpoint, event, new Date(event.occurred_at).toISOString());
  return `${JSON.stringify(envelope).slice(0, -1)},"data":${event.data}}`;
}
