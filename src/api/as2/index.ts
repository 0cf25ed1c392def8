import { listEndpointDeliveries } from '../../db/repo/delivery-history.ts';
import { assertEnabled, configureAs2Webhook, configuredWebhook, spanishOf, testEventOf, testFailureMessage, toAs2LogEntry, toAs2WebhookView } from '../../domain/as2-webhooks.ts';
import { endpointTarget } from '../../domain/audit.ts';
import { sendTestEvent } from '../../domain/test-event.ts';
import type { SurfaceRouting } from '../../surfaces/surface.ts';
import { noteChange } from '../audit.ts';
import { createSurface } from '../surface.ts';
import { AS2_PATHS, configureWebhook, getWebhook, listLogs, testWebhook } from './routes.ts';

/**
 * Page 003 (legacy AS2 partner webhooks), mounted at /api/v1/webhooks. The "current site" is the
 * tenant of the API key (`Authorization: Bearer <key>`, raw `Authorization: <key>` or `X-API-Key`).
 * Every error is `{"status":"error","msg":"…"}` (see `as2Errors`) with these statuses:
 *   400  missing or invalid field: `Campo requerido: socio_id`, `Campo requerido: webhook_url`,
 *        `Campo inválido: <field>`, `Evento no válido: <name>`, `JSON inválido`
 *   401  `No autorizado` (no key, unknown or revoked key)
 *   404  `Socio no encontrado` (unknown partner, or another tenant's) / `Webhook no configurado`
 *   405  `Método no permitido` for any method but POST on the four paths (answered before auth)
 *   409  `Webhook no activo` (POST /test on a disabled webhook)
 *   413  `Cuerpo demasiado grande`, 415 `Content-Type debe ser application/json`
 * Unknown body fields are ignored (legacy clients send extra keys).
 */
export function as2Api(surface: SurfaceRouting) {
  const app = createSurface(surface.errors);

  // Registered before authentication so that a wrong method is reported as such, keyless or not.
  // The shared error kinds have no 405, so this one body is written here in the AS2 shape.
  app.on(['GET', 'PUT', 'PATCH', 'DELETE'], [...AS2_PATHS], (c) => {
    c.header('Allow', 'POST');
    return c.json({ status: 'error', msg: 'Método no permitido' }, 405);
  });

  app.use(...surface.authentication);

  app.openapi(configureWebhook, async (c) => {
    const body = c.req.valid('json');
    const endpoint = await configureAs2Webhook(c.var.services, c.var.tenant.id, body);
    await noteChange(c, { action: 'webhook.configured', target: endpointTarget(endpoint), changes: { surface: 'as2', ...body } });
    return c.json({ status: 'success' as const, msg: 'Webhook configured' }, 200);
  });

  app.openapi(getWebhook, async (c) => {
    const endpoint = await configuredWebhook(c.var.services, c.var.tenant.id, c.req.valid('json').partner_id);
    return c.json({ status: 'success' as const, data: toAs2WebhookView(endpoint) }, 200);
  });

  app.openapi(testWebhook, async (c) => {
    const endpoint = await configuredWebhook(c.var.services, c.var.tenant.id, c.req.valid('json').partner_id);
    assertEnabled(endpoint);
    const requested = testEventOf(endpoint);
    const { event_type, outcome } = await sendTestEvent(c.var.services, endpoint, requested);
    await noteChange(c, { action: 'webhook.tested', target: endpointTarget(endpoint), changes: { delivery_id: outcome?.delivery_id ?? null } });
    const result = {
      http_code: outcome?.status_code ?? null,
      requested_event_name: spanishOf(requested),
      event_name: spanishOf(event_type),
      event: event_type,
    };
    if (outcome?.succeeded) return c.json({ status: 'success' as const, ...result }, 200);
    // The test itself ran, so the answer is still HTTP 200: `status: "error"` and `msg` report the
    // receiver's failure (the legacy clients read the body's status, not the HTTP one).
    return c.json({ status: 'error' as const, ...result, msg: testFailureMessage(outcome) }, 200);
  });

  app.openapi(listLogs, async (c) => {
    const { partner_id, limit, offset } = c.req.valid('json');
    const endpoint = await configuredWebhook(c.var.services, c.var.tenant.id, partner_id);
    const page = await listEndpointDeliveries(c.var.services.db, { endpointId: endpoint.id, limit, offset });
    return c.json({ status: 'success' as const, total: page.total, limit, offset, logs: page.items.map(toAs2LogEntry) }, 200);
  });

  return app;
}
