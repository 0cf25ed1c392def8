import { eventTypesFor } from '../../catalogue.ts';
import { deleteEndpoint, findSponsorEndpoint } from '../../db/repo/endpoints.ts';
import type { Endpoint } from '../../db/schema.ts';
import { endpointTarget } from '../../domain/audit.ts';
import { eventTypesOf, toIso } from '../../domain/endpoint-fields.ts';
import { allSponsorEvents, createSponsorWebhook } from '../../domain/sponsor-webhooks.ts';
import { notFound } from '../../errors.ts';
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
    const body = c.req.valid('json');
    const { endpoint, events, secret } = await createSponsorWebhook(c.var.services, c.var.tenant, { url: body.url, events: body.events ?? null }, surface.newSecret());
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
