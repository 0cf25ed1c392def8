import { eventTypesFor, resolveForSurface } from '../../catalogue.ts';
import { deleteEndpoint, findSponsorEndpoint, insertEndpoint } from '../../db/repo/endpoints.ts';
import type { Endpoint } from '../../db/schema.ts';
import { isUniqueViolation } from '../../db/unique-violation.ts';
import { endpointTarget } from '../../domain/audit.ts';
import { assertTargetUrl, eventTypesOf, storedEventTypes, toIso } from '../../domain/endpoint-fields.ts';
import { assertEndpointRoom } from '../../domain/endpoint-quota.ts';
import { conflict, invalid, notFound } from '../../errors.ts';
import { signingSecretOf } from '../../lib/cipher.ts';
import { prefixedId } from '../../lib/random.ts';
import type { SurfaceRouting } from '../../surfaces/surface.ts';
import { noteChange } from '../audit.ts';
import { createSurface } from '../surface.ts';
import { createWebhook, deleteWebhook, getWebhook, listEventTypes } from './routes.ts';

/** Page 000, mounted at /api/webhooks: one webhook per sponsor (tenant), authenticated by the raw API key in `Authorization`. */
export function sponsorApi(surface: SurfaceRouting) {
  const app = createSurface(surface.errors);
  app.use(...surface.authentication);

  app.openapi(listEventTypes, (c) => {
    const tenant = c.var.tenant;
    const event_types = eventTypesFor('sponsor').map((type) => ({
      event_type: type.name,
      description: type.description,
      example_payload: {
        event_id: 'evt_abc123def456',
        event_type: type.name,
        timestamp: new Date(c.var.services.clock.now()).toISOString(),
        sponsor_id: tenant.id,
        data: type.exampleData,
      },
    }));
    return c.json({ event_types }, 200);
  });

  app.openapi(getWebhook, async (c) => {
    const endpoint = await findSponsorEndpoint(c.var.services.db, c.var.tenant.id);
    if (!endpoint) throw notFound('No webhook configured for this sponsor');
    return c.json(toWebhookResponse(endpoint), 200);
  });

  app.openapi(createWebhook, async (c) => {
    const { db, clock, cipher } = c.var.services;
    const body = c.req.valid('json');
    assertTargetUrl(c.var.services, body.url, ['body', 'url']);
    const events = body.events == null ? null : canonicalSponsorEvents(body.events);
    if (await findSponsorEndpoint(db, c.var.tenant.id)) throw conflict('A webhook already exists for this sponsor');
    await assertEndpointRoom(c.var.services, c.var.tenant.id);
    const secret = surface.newSecret();
    const now = clock.now();
    const id = prefixedId('webhook');
    const endpoint = await insertEndpoint(db, {
      id,
      tenant_id: c.var.tenant.id,
      surface: 'sponsor',
      url: body.url,
      event_types: storedEventTypes(events),
      secret_enc: await cipher.encrypt(secret, signingSecretOf(id)),
      created_at: now,
      updated_at: now,
    }).catch((error: unknown) => {
      // Two concurrent creates: the partial unique index keeps one webhook per sponsor.
      if (isUniqueViolation(error)) throw conflict('A webhook already exists for this sponsor');
      throw error;
    });
    await noteChange(c, { action: 'webhook.created', target: endpointTarget(endpoint), changes: { surface: 'sponsor', url: body.url, events: body.events } });
    return c.json(
      {
        webhook_id: endpoint.id,
        url: endpoint.url,
        secret,
        events: events ?? allSponsorEvents(),
        created_at: toIso(endpoint.created_at)!,
        message: 'Webhook created successfully',
      },
      201,
    );
  });

  app.openapi(deleteWebhook, async (c) => {
    const endpoint = await findSponsorEndpoint(c.var.services.db, c.var.tenant.id);
    if (!endpoint) throw notFound('No webhook configured for this sponsor');
    await deleteEndpoint(c.var.services.db, endpoint.id);
    await noteChange(c, { action: 'webhook.deleted', target: endpointTarget(endpoint) });
    return c.body(null, 204);
  });

  return app;
}

const allSponsorEvents = () => eventTypesFor('sponsor').map((type) => type.name);

function canonicalSponsorEvents(names: string[]): string[] {
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

function toWebhookResponse(endpoint: Endpoint) {
  return {
    webhook_id: endpoint.id,
    url: endpoint.url,
    events: eventTypesOf(endpoint) ?? allSponsorEvents(),
    is_active: endpoint.enabled === 1,
    disabled_reason: endpoint.disabled_reason,
    created_at: toIso(endpoint.created_at)!,
    last_triggered_at: toIso(endpoint.last_triggered_at),
  };
}
