import { eventTypesFor, resolveForSurface } from '../catalogue.ts';
import { insertEndpoint, updateEndpoint } from '../db/repo/endpoints.ts';
import { getTenant } from '../db/repo/tenants.ts';
import type { Endpoint, EndpointUpdate, Tenant } from '../db/schema.ts';
import { invalid } from '../errors.ts';
import { signingSecretOf } from '../lib/cipher.ts';
import { prefixedId } from '../lib/random.ts';
import type { Services } from '../services.ts';
import { eventTypesOf, storedEventTypes, toIso } from './endpoint-fields.ts';
import { assertEndpointRoom } from './endpoint-quota.ts';

/**
 * Page 001 (admin webhooks): any number of endpoints per tenant, each subscribed to a list of
 * catalogue events, signed Standard-Webhooks style with a `whsec_` secret.
 */

/** Every catalogue event with the other names it is known by (page 002's upper snake, page 003's Spanish). */
export const supportedEvents = () =>
  eventTypesFor('admin').map((type) => ({
    event_type: type.name,
    description: type.description,
    aliases: [type.subscriptionName, type.spanishName].filter((name): name is string => Boolean(name)),
  }));

/** Resolves any alias to its canonical name, de-duplicated in request order; unknown names are a 422 at their index. */
export function canonicalAdminEvents(names: readonly string[]): string[] {
  if (names.length === 0) throw invalid(['body', 'events'], 'List should have at least 1 item after validation', 'too_short');
  const canonical = names.map((name, index) => {
    const type = resolveForSurface(name, 'admin');
    if (!type) throw invalid(['body', 'events', index], `Unknown event type: ${name}`, 'enum');
    return type.name;
  });
  return [...new Set(canonical)];
}

export interface NewAdminWebhook {
  tenant: Tenant;
  url: string;
  /** Canonical names (see canonicalAdminEvents). */
  events: string[];
  description: string | null;
  isActive: boolean;
  /** The caller's own secret, or a fresh one in the surface's format (`whsec_…`). */
  secret: string;
  ordering?: Endpoint['ordering'];
  /** Deliveries per second; null = unlimited. */
  rateLimit?: number | null;
}

/** Stores a new admin endpoint with its secret encrypted; returns the plaintext secret this once. */
export async function createAdminWebhook(services: Services, input: NewAdminWebhook): Promise<{ endpoint: Endpoint; secret: string }> {
  await assertEndpointRoom(services, input.tenant.id);
  const { secret } = input;
  const now = services.clock.now();
  const id = prefixedId('wh');
  const endpoint = await insertEndpoint(services.db, {
    id,
    tenant_id: input.tenant.id,
    surface: 'admin',
    url: input.url,
    description: input.description,
    event_types: storedEventTypes(input.events),
    enabled: input.isActive ? 1 : 0,
    ordering: input.ordering ?? 'none',
    rate_limit: input.rateLimit ?? null,
    secret_enc: await services.cipher.encrypt(secret, signingSecretOf(id)),
    created_at: now,
    updated_at: now,
  });
  return { endpoint, secret };
}

export interface AdminWebhookPatch {
  url?: string;
  /** Canonical names; null = every event of the endpoint's surface (pages 000 and 003). */
  events?: string[] | null;
  description?: string | null;
  isActive?: boolean;
  ordering?: Endpoint['ordering'];
  rateLimit?: number | null;
}

/**
 * Applies a partial update. Activating an endpoint also clears what the engine's auto-disable set
 * (`disabled_reason`, `failing_since`), so an update re-enables an auto-disabled endpoint.
 * An empty patch changes nothing, not even `updated_at`.
 */
export async function updateAdminWebhook(services: Services, endpoint: Endpoint, patch: AdminWebhookPatch): Promise<Endpoint> {
  const changes: EndpointUpdate = {};
  if (patch.url !== undefined) changes.url = patch.url;
  if (patch.events !== undefined) changes.event_types = storedEventTypes(patch.events);
  if (patch.description !== undefined) changes.description = patch.description;
  if (patch.ordering !== undefined) changes.ordering = patch.ordering;
  if (patch.rateLimit !== undefined) Object.assign(changes, { rate_limit: patch.rateLimit, rate_tat: null, rate_send_tat: null });
  if (patch.isActive === true) Object.assign(changes, { enabled: 1, disabled_reason: null, failing_since: null });
  if (patch.isActive === false) changes.enabled = 0;
  if (Object.keys(changes).length === 0) return endpoint;
  return updateEndpoint(services.db, endpoint.id, { ...changes, updated_at: services.clock.now() });
}

/**
 * Replaces the signing secret with `secret`, made by the endpoint's surface (`Surface.newSecret`:
 * hex for pages 000 and 003, `whsec_` for 001 and 002). The old one keeps signing alongside the new
 * one for `secretGraceSeconds`, so receivers can switch over without dropping deliveries.
 */
export async function rotateAdminSecret(services: Services, endpoint: Endpoint, secret: string): Promise<{ endpoint: Endpoint; secret: string }> {
  const now = services.clock.now();
  const updated = await updateEndpoint(services.db, endpoint.id, {
    secret_enc: await services.cipher.encrypt(secret, signingSecretOf(endpoint.id)),
    // Both columns share the binding of the endpoint's signing secret, so the ciphertext moves as is.
    previous_secret_enc: endpoint.secret_enc,
    previous_secret_expires_at: endpoint.secret_enc === null ? null : now + services.config.secretGraceSeconds * 1000,
    updated_at: now,
  });
  return { endpoint: updated, secret };
}

/** The partner organisation of each tenant, for the `partner_id` of rendered webhooks. */
export async function partnerOrgsOf(services: Services, tenantIds: readonly string[]): Promise<Map<string, string | null>> {
  const unique = [...new Set(tenantIds)];
  const tenants = await Promise.all(unique.map((id) => getTenant(services.db, id)));
  return new Map(unique.map((id, index) => [id, tenants[index]?.partner_org_id ?? null]));
}

/** An admin endpoint as the API shows it: never any secret. */
export function toWebhookJson(endpoint: Endpoint, partnerId: string | null) {
  return {
    id: endpoint.id,
    tenant_id: endpoint.tenant_id,
    partner_id: partnerId,
    url: endpoint.url,
    events: eventTypesOf(endpoint) ?? eventTypesFor('admin').map((type) => type.name),
    description: endpoint.description,
    is_active: endpoint.enabled === 1,
    disabled_reason: endpoint.disabled_reason,
    ordering: endpoint.ordering,
    rate_limit: endpoint.rate_limit,
    created_at: toIso(endpoint.created_at)!,
    updated_at: toIso(endpoint.updated_at)!,
  };
}
