import { eventTypesFor, resolveForSurface } from '../catalogue.ts';
import { findSponsorEndpoint, insertEndpoint } from '../db/repo/endpoints.ts';
import type { Endpoint, Tenant } from '../db/schema.ts';
import { isUniqueViolation } from '../db/unique-violation.ts';
import { conflict, invalid } from '../errors.ts';
import { signingSecretOf } from '../lib/cipher.ts';
import { prefixedId } from '../lib/random.ts';
import type { Services } from '../services.ts';
import { assertTargetUrl, storedEventTypes } from './endpoint-fields.ts';
import { assertEndpointRoom } from './endpoint-quota.ts';

/** Page 000 (sponsor webhooks): one webhook per sponsor (tenant), signed with a 64-hex secret shown once. */

export const allSponsorEvents = (): string[] => eventTypesFor('sponsor').map((type) => type.name);

/** Any catalogue name the sponsor surface takes → its canonical name, de-duplicated; unknown names are a 422 at their index. */
export function canonicalSponsorEvents(names: readonly string[]): string[] {
  if (names.length === 0) throw invalid(['body', 'events'], 'List should have at least 1 item after validation', 'too_short');
  return [
    ...new Set(
      names.map((name, index) => {
        const type = resolveForSurface(name, 'sponsor');
        if (!type) throw invalid(['body', 'events', index], `Unknown event type: ${name}`, 'enum');
        return type.name;
      }),
    ),
  ];
}

/**
 * Creates the tenant's sponsor webhook: the URL must pass the address policy, the tenant must have
 * room, and a second one is a 409 (also when two creates race: the partial unique index decides).
 */
export async function createSponsorWebhook(
  services: Services,
  tenant: Pick<Tenant, 'id'>,
  input: { url: string; events: readonly string[] | null },
  secret: string,
): Promise<{ endpoint: Endpoint; events: string[] | null; secret: string }> {
  assertTargetUrl(services, input.url, ['body', 'url']);
  const events = input.events === null ? null : canonicalSponsorEvents(input.events);
  if (await findSponsorEndpoint(services.db, tenant.id)) throw conflict('A webhook already exists for this sponsor');
  await assertEndpointRoom(services, tenant.id);
  const now = services.clock.now();
  const id = prefixedId('webhook');
  const endpoint = await insertEndpoint(services.db, {
    id,
    tenant_id: tenant.id,
    surface: 'sponsor',
    url: input.url,
    event_types: storedEventTypes(events),
    secret_enc: await services.cipher.encrypt(secret, signingSecretOf(id)),
    created_at: now,
    updated_at: now,
  }).catch((error: unknown) => {
    if (isUniqueViolation(error)) throw conflict('A webhook already exists for this sponsor');
    throw error;
  });
  return { endpoint, events, secret };
}
