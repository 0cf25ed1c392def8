import { eventTypesFor, findEventType } from '../catalogue.ts';
import type { Endpoint } from '../db/schema.ts';
import type { AttemptOutcome } from '../delivery/engine.ts';
import type { Services } from '../services.ts';
import { eventTypesOf } from './endpoint-fields.ts';
import { validateEvents } from './event-input.ts';
import { writeEvents } from './outbox.ts';

/**
 * Sends a test event to exactly one endpoint, now, and waits for the outcome. The type is the one
 * asked for, else the endpoint's first subscribed event, else the surface's first catalogue event.
 * The event is stored and its delivery appears in the endpoint's history like any other.
 */
export async function sendTestEvent(
  services: Services,
  endpoint: Endpoint,
  eventTypeName?: string,
): Promise<{ event_id: string; event_type: string; outcome: AttemptOutcome | null }> {
  const type = findEventType(eventTypeName ?? eventTypesOf(endpoint)?.[0] ?? eventTypesFor(endpoint.surface)[0]!.name)!;
  const events = validateEvents(services, [{ tenantId: endpoint.tenant_id, type: type.name, data: { ...type.exampleData, test: true }, as2PartnerId: endpoint.as2_partner_id }]);
  const [result] = await writeEvents(services, events, { endpoints: [endpoint], targets: () => [endpoint] }, { dispatch: false });
  const outcome = await services.engine.attemptNow(result!.delivery_ids[0]!, 'test');
  return { event_id: result!.event_id, event_type: type.name, outcome };
}
