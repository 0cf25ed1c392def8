import { createRoute, z } from '@hono/zod-openapi';
import { eventReport } from '../../domain/event-report.ts';
import { notFound } from '../../errors.ts';
import { ADMIN_SCOPE, adminReach, requireToken } from '../auth.ts';
import { fastApiErrors } from '../error-formats.ts';
import { errorResponses } from '../fastapi-schemas.ts';
import { createSurface } from '../surface.ts';
import { Attempt, Delivery } from './deliveries.ts';
import { dateTime, ok, security } from './schemas.ts';

/** Mounted at /api/v1/admin/events: "who received event X", across every surface the event fanned out to. */

const EventDelivery = Delivery.omit({ webhook_id: true, event_id: true, event_type: true })
  .extend({
    endpoint_id: z.string(),
    surface: z.enum(['sponsor', 'admin', 'subscription', 'as2']),
    tenant_id: z.string(),
    url: z.string(),
    message_id: z.string(),
    attempts: z.array(Attempt),
  })
  .openapi('AdminEventDelivery');

const EventWithDeliveries = z
  .object({
    id: z.string(),
    tenant_id: z.string(),
    event_type: z.string(),
    requested_type: z.string(),
    as2_partner_id: z.number().int().nullable(),
    occurred_at: dateTime,
    created_at: dateTime,
    data: z.unknown(),
    deliveries: z.array(EventDelivery),
  })
  .openapi('AdminEvent');

const getEventRoute = createRoute({
  method: 'get',
  operationId: 'adminGetEvent',
  path: '/{event_id}',
  tags: ['Operator'],
  summary: 'Get Event With Its Deliveries',
  description:
    'An event, every endpoint it fanned out to (any surface) and every attempt of each delivery, with status, latency and the response as stored. A tenant- or partner-bound token sees only its tenants’ events.',
  security,
  request: { params: z.object({ event_id: z.string().openapi({ example: 'evt_0123456789abcdef01234567' }) }) },
  responses: { 200: ok(EventWithDeliveries), ...errorResponses },
});

export function adminEventsApi() {
  const app = createSurface(fastApiErrors);
  app.use(requireToken({ anyScope: [ADMIN_SCOPE] }));
  app.openapi(getEventRoute, async (c) => {
    const report = await eventReport(c.var.services.db, c.req.valid('param').event_id, await adminReach(c));
    if (!report) throw notFound('Event not found');
    return c.json(report, 200);
  });
  return app;
}
