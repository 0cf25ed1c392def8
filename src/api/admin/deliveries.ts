import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { getEndpointDelivery, listEndpointDeliveries } from '../../db/repo/delivery-history.ts';
import { pageCount, toAttemptJson, toDeliveryJson } from '../../domain/admin-views.ts';
import { conflict, notFound } from '../../errors.ts';
import { noteChange } from '../audit.ts';
import type { AppEnv } from '../context.ts';
import { ErrorDetail, errorResponses } from '../fastapi-schemas.ts';
import { webhookInReach } from './reach.ts';
import { dateTime, json, ok, pageOf, paging, security, tags, webhookParam } from './schemas.ts';

/** A webhook's deliveries: the history, one delivery with its attempts, and a manual retry. */

const deliveryParam = webhookParam.extend({
  delivery_id: z.coerce
    .number()
    .int()
    .openapi({ type: 'integer', example: 42, param: { required: true } }),
});

export const Delivery = z
  .object({
    id: z.number().int(),
    webhook_id: z.string(),
    event_id: z.string(),
    event_type: z.string(),
    status: z.enum(['pending', 'succeeded', 'failed']),
    attempt_count: z.number().int(),
    next_attempt_at: dateTime.nullable(),
    last_status_code: z.number().int().nullable(),
    last_error: z.string().nullable(),
    created_at: dateTime,
    updated_at: dateTime,
    completed_at: dateTime.nullable(),
  })
  .openapi('AdminWebhookDelivery');

export const Attempt = z
  .object({
    id: z.number().int(),
    attempt_number: z.number().int(),
    trigger: z.enum(['fast_path', 'sweep', 'manual', 'test']),
    started_at: dateTime,
    duration_ms: z.number().int(),
    succeeded: z.boolean(),
    status_code: z.number().int().nullable(),
    error_class: z.string().nullable(),
    error_message: z.string().nullable(),
    request_url: z.string(),
    request_headers: z.record(z.string(), z.string()),
    response_headers: z.record(z.string(), z.string()).nullable(),
    response_body: z.string().nullable(),
  })
  .openapi('AdminWebhookAttempt');

const AttemptOutcome = z
  .object({
    delivery_id: z.number().int(),
    attempt_number: z.number().int(),
    succeeded: z.boolean(),
    status_code: z.number().int().nullable(),
    error_class: z.string().nullable(),
    error_message: z.string().nullable(),
    duration_ms: z.number().int(),
  })
  .openapi('AdminAttemptOutcome');

const listDeliveries = createRoute({
  method: 'get',
  operationId: 'adminListDeliveries',
  path: '/{webhook_id}/deliveries',
  tags,
  summary: 'List Webhook Deliveries',
  description: 'List delivery history for a webhook, newest first.',
  security,
  request: { params: webhookParam, query: z.object({ ...paging, status: z.enum(['pending', 'succeeded', 'failed']).nullish() }) },
  responses: { 200: ok(pageOf(Delivery)), ...errorResponses },
});

const getDelivery = createRoute({
  method: 'get',
  operationId: 'adminGetDelivery',
  path: '/{webhook_id}/deliveries/{delivery_id}',
  tags,
  summary: 'Get Webhook Delivery',
  description: 'Get details of a specific delivery: its event data and every attempt.',
  security,
  request: { params: deliveryParam },
  responses: { 200: ok(Delivery.extend({ payload: z.unknown(), attempts: z.array(Attempt) })), ...errorResponses },
});

const retryDelivery = createRoute({
  method: 'post',
  operationId: 'adminRetryDelivery',
  path: '/{webhook_id}/deliveries/{delivery_id}/retry',
  tags,
  summary: 'Retry Webhook Delivery',
  description: 'Manually retry a delivery now (failed ones included) and return the attempt’s outcome.',
  security,
  request: { params: deliveryParam },
  responses: {
    200: ok(z.object({ delivery_id: z.number().int(), retried: z.literal(true), attempt: AttemptOutcome })),
    ...errorResponses,
    409: { description: 'The delivery is being attempted right now', content: json(ErrorDetail) },
  },
});

export function registerDeliveries(app: OpenAPIHono<AppEnv>): void {
  app.openapi(listDeliveries, async (c) => {
    const endpoint = await webhookInReach(c, c.req.valid('param').webhook_id);
    const { page, per_page, status } = c.req.valid('query');
    const { items, total } = await listEndpointDeliveries(c.var.services.db, {
      endpointId: endpoint.id,
      status: status ?? undefined,
      limit: per_page,
      offset: (page - 1) * per_page,
    });
    return c.json({ items: items.map(toDeliveryJson), total, page, per_page, pages: pageCount(total, per_page) }, 200);
  });

  app.openapi(getDelivery, async (c) => {
    const { webhook_id, delivery_id } = c.req.valid('param');
    const endpoint = await webhookInReach(c, webhook_id);
    const delivery = await getEndpointDelivery(c.var.services.db, endpoint.id, delivery_id);
    if (!delivery) throw notFound('Delivery not found');
    return c.json({ ...toDeliveryJson(delivery), payload: delivery.payload, attempts: delivery.attempts.map(toAttemptJson) }, 200);
  });

  app.openapi(retryDelivery, async (c) => {
    const { webhook_id, delivery_id } = c.req.valid('param');
    const endpoint = await webhookInReach(c, webhook_id);
    if (!(await getEndpointDelivery(c.var.services.db, endpoint.id, delivery_id))) throw notFound('Delivery not found');
    const attempt = await c.var.services.engine.attemptNow(delivery_id, 'manual');
    if (!attempt) throw conflict('Delivery is already in flight');
    await noteChange(c, { action: 'delivery.retried', target: { type: 'delivery', id: delivery_id, tenantId: endpoint.tenant_id }, changes: { webhook_id: endpoint.id } });
    return c.json({ delivery_id, retried: true as const, attempt }, 200);
  });
}
