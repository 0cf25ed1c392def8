import type { Kysely } from 'kysely';
import { eventDeliveries, type FailingNow } from '../db/repo/event-lookup.ts';
import { getEvent } from '../db/repo/events.ts';
import type { Database, Endpoint } from '../db/schema.ts';
import { toAttemptJson, toDeliveryStateJson } from './admin-views.ts';
import { toIso } from './endpoint-fields.ts';

/**
 * "Who received event X": the event, and every delivery it fanned out to with the endpoint (id,
 * surface, tenant, URL) and every attempt (status, latency, response as stored: credentials masked,
 * echoed secrets redacted when it was recorded). The same JSON for the admin API and the CLI.
 * `reach` is the caller's tenants (undefined: every tenant); an event outside it is not found.
 */
export async function eventReport(db: Kysely<Database>, eventId: string, reach: readonly string[] | undefined) {
  const event = await getEvent(db, eventId);
  if (!event || (reach && !reach.includes(event.tenant_id))) return undefined;
  const deliveries = await eventDeliveries(db, event.id);
  return {
    id: event.id,
    tenant_id: event.tenant_id,
    event_type: event.type,
    requested_type: event.requested_type,
    as2_partner_id: event.as2_partner_id,
    occurred_at: toIso(event.occurred_at)!,
    created_at: toIso(event.created_at)!,
    data: JSON.parse(event.data) as unknown,
    deliveries: deliveries.map((delivery) => ({
      id: delivery.id,
      endpoint_id: delivery.endpoint_id,
      surface: delivery.surface,
      tenant_id: delivery.tenant_id,
      url: delivery.url,
      message_id: delivery.message_id,
      ...toDeliveryStateJson(delivery),
      attempts: delivery.attempts.map(toAttemptJson),
    })),
  };
}

export type EventReport = NonNullable<Awaited<ReturnType<typeof eventReport>>>;

const toTroubledEndpointJson = (endpoint: Endpoint) => ({
  endpoint_id: endpoint.id,
  tenant_id: endpoint.tenant_id,
  surface: endpoint.surface,
  url: endpoint.url,
  enabled: endpoint.enabled === 1,
  disabled_reason: endpoint.disabled_reason,
  circuit_state: endpoint.circuit_state,
  consecutive_failures: endpoint.consecutive_failures,
  circuit_retry_at: toIso(endpoint.circuit_state === 'closed' ? null : endpoint.circuit_retry_at),
  failing_since: toIso(endpoint.failing_since),
});

/** The "failing now" lists as JSON (the CLI's `endpoints failing`). */
export const toFailingJson = (failing: FailingNow) => ({
  open_circuits: failing.openCircuits.map(toTroubledEndpointJson),
  disabled: failing.disabled.map(toTroubledEndpointJson),
  failing_deliveries: failing.deliveries.map((delivery) => ({
    ...delivery,
    next_attempt_at: toIso(delivery.next_attempt_at),
    created_at: toIso(delivery.created_at)!,
  })),
});
