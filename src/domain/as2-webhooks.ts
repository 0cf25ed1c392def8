import { type EventType, eventTypesFor, findEventType, resolveForSurface } from '../catalogue.ts';
import { findAs2Partner } from '../db/repo/as2-partners.ts';
import type { DeliveryView } from '../db/repo/delivery-history.ts';
import { findAs2Endpoint, insertEndpoint, updateEndpoint } from '../db/repo/endpoints.ts';
import type { As2Partner, Endpoint, EndpointUpdate } from '../db/schema.ts';
import { isUniqueViolation } from '../db/unique-violation.ts';
import { ApiError, conflict, invalid, notFound } from '../errors.ts';
import { signingSecretOf } from '../lib/cipher.ts';
import { prefixedId } from '../lib/random.ts';
import type { Services } from '../services.ts';
import { assertTargetUrl, eventTypesOf, storedEventTypes, toIso } from './endpoint-fields.ts';
import { assertEndpointRoom } from './endpoint-quota.ts';

/**
 * Page 003: one webhook per AS2 trading partner. Events are stored under their canonical
 * (English) names and shown in both languages; the shared secret is chosen by the client,
 * stored encrypted and never shown again.
 */

/** The AS2 formatter sends an issue of this type verbatim (`AS2_VERBATIM` in src/api/error-formats.ts). */
const VERBATIM = 'as2_verbatim';

export const DEFAULT_TEST_EVENT = 'message.received';

export interface ConfigureInput {
  partner_id: number;
  webhook_url?: string;
  webhook_secret?: string;
  webhook_enabled?: boolean;
  webhook_events?: string[] | null;
}

/** The partner in the caller's tenant; another tenant's partner reads as one that does not exist. */
export async function partnerInTenant(services: Services, tenantId: string, partnerId: number): Promise<As2Partner> {
  const partner = await findAs2Partner(services.db, tenantId, partnerId);
  if (!partner) throw notFound('Socio no encontrado');
  return partner;
}

/** The partner's webhook, 404 `Webhook no configurado` when there is none yet. */
export async function configuredWebhook(services: Services, tenantId: string, partnerId: number): Promise<Endpoint> {
  const partner = await partnerInTenant(services, tenantId, partnerId);
  const endpoint = await findAs2Endpoint(services.db, partner.id);
  if (!endpoint || endpoint.tenant_id !== tenantId) throw notFound('Webhook no configurado');
  return endpoint;
}

/** English or Spanish names → canonical names, deduplicated in the client's order; empty → null (every AS2 event). */
export function canonicalAs2Events(names: readonly string[] | null): string[] | null {
  if (names === null || names.length === 0) return null;
  const canonical = names.map((name, index) => {
    const type = resolveForSurface(name, 'as2');
    if (!type) throw new ApiError('validation', `Evento no válido: ${name}`, [{ loc: ['body', 'webhook_events', index], msg: `Evento no válido: ${name}`, type: VERBATIM }]);
    return type.name;
  });
  return [...new Set(canonical)];
}

/** Creates the partner's webhook on the first call, otherwise changes only the fields given. */
export async function configureAs2Webhook(services: Services, tenantId: string, input: ConfigureInput): Promise<Endpoint> {
  const partner = await partnerInTenant(services, tenantId, input.partner_id);
  if (input.webhook_url !== undefined) assertTargetUrl(services, input.webhook_url, ['body', 'webhook_url']);
  const events = input.webhook_events === undefined ? undefined : canonicalAs2Events(input.webhook_events);
  const existing = await findAs2Endpoint(services.db, partner.id);
  if (existing) return updateAs2Webhook(services, existing, input, events);

  if (input.webhook_url === undefined) throw invalid(['body', 'webhook_url'], 'Field required', 'missing');
  if (input.webhook_secret === undefined) throw invalid(['body', 'webhook_secret'], 'Field required', 'missing');
  await assertEndpointRoom(services, tenantId, 'Límite de webhooks alcanzado');
  const now = services.clock.now();
  const id = prefixedId('as2');
  try {
    return await insertEndpoint(services.db, {
      id,
      tenant_id: tenantId,
      surface: 'as2',
      as2_partner_id: partner.id,
      url: input.webhook_url,
      event_types: storedEventTypes(events ?? null),
      enabled: input.webhook_enabled === false ? 0 : 1,
      secret_enc: await services.cipher.encrypt(input.webhook_secret, signingSecretOf(id)),
      created_at: now,
      updated_at: now,
    });
  } catch (error) {
    // Two concurrent first configures: the unique index keeps one webhook per partner; the loser updates it.
    if (!isUniqueViolation(error)) throw error;
    const winner = await findAs2Endpoint(services.db, partner.id);
    if (!winner) throw error;
    return updateAs2Webhook(services, winner, input, events);
  }
}

async function updateAs2Webhook(services: Services, endpoint: Endpoint, input: ConfigureInput, events: string[] | null | undefined): Promise<Endpoint> {
  const patch: EndpointUpdate = { updated_at: services.clock.now() };
  if (input.webhook_url !== undefined) patch.url = input.webhook_url;
  if (events !== undefined) patch.event_types = storedEventTypes(events);
  if (input.webhook_secret !== undefined) {
    patch.secret_enc = await services.cipher.encrypt(input.webhook_secret, signingSecretOf(endpoint.id));
    patch.previous_secret_enc = null;
    patch.previous_secret_expires_at = null;
  }
  if (input.webhook_enabled !== undefined) {
    patch.enabled = input.webhook_enabled ? 1 : 0;
    // Switching it back on also clears an automatic disable (the engine's reason and failure streak).
    if (input.webhook_enabled) Object.assign(patch, { disabled_reason: null, failing_since: null });
  }
  return updateEndpoint(services.db, endpoint.id, patch);
}

const spanishName = (type: EventType): string => type.spanishName ?? type.name;

/** Spanish name of any known event name; the name itself when the catalogue has none. */
export function spanishOf(name: string): string {
  const type = findEventType(name);
  return type ? spanishName(type) : name;
}

/** The subscribed canonical names: the explicit list, or every AS2 event when none is stored. */
export const subscribedEvents = (endpoint: Endpoint): string[] => eventTypesOf(endpoint) ?? allAs2Events();

/** Every event an AS2 webhook may take, by canonical name. */
export const allAs2Events = (): string[] => eventTypesFor('as2').map((type) => type.name);

/** The event `/test` sends: the first explicitly configured one, or message.received. */
export const testEventOf = (endpoint: Endpoint): string => eventTypesOf(endpoint)?.[0] ?? DEFAULT_TEST_EVENT;

export function assertEnabled(endpoint: Endpoint): void {
  if (endpoint.enabled !== 1) throw conflict('Webhook no activo');
}

export function toAs2WebhookView(endpoint: Endpoint) {
  const events = subscribedEvents(endpoint);
  const enabled = endpoint.enabled === 1;
  return {
    partner_id: endpoint.as2_partner_id!,
    webhook_url: endpoint.url,
    webhook_enabled: enabled,
    webhook_events: events,
    webhook_eventos: events.map(spanishOf),
    webhook_activo: enabled,
    disabled_reason: endpoint.disabled_reason,
    has_secret: endpoint.secret_enc !== null,
    created_at: toIso(endpoint.created_at)!,
    updated_at: toIso(endpoint.updated_at)!,
  };
}

export function toAs2LogEntry(delivery: DeliveryView) {
  return {
    id: delivery.id,
    event_id: delivery.event_id,
    event: delivery.event_type,
    event_name: spanishOf(delivery.event_type),
    status: delivery.status,
    attempts: delivery.attempt_count,
    http_code: delivery.last_status_code,
    error: delivery.last_error,
    created_at: toIso(delivery.created_at)!,
    delivered_at: delivery.status === 'succeeded' ? toIso(delivery.completed_at) : null,
  };
}

/** Describes a failed test delivery in the page's language. */
export function testFailureMessage(outcome: { status_code: number | null; error_class: string | null; error_message: string | null } | null): string {
  if (!outcome) return 'La entrega de prueba ya está en curso';
  if (outcome.status_code !== null) return `El receptor respondió HTTP ${outcome.status_code}`;
  return `Error de entrega: ${outcome.error_message ?? outcome.error_class ?? 'desconocido'}`;
}
