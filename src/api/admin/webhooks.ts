import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { deleteEndpoint, listEndpoints } from '../../db/repo/endpoints.ts';
import type { Endpoint } from '../../db/schema.ts';
import { pageCount } from '../../domain/admin-views.ts';
import { canonicalAdminEvents, createAdminWebhook, partnerOrgsOf, supportedEvents, toWebhookJson, updateAdminWebhook } from '../../domain/admin-webhooks.ts';
import { endpointTarget } from '../../domain/audit.ts';
import { assertTargetUrl } from '../../domain/endpoint-fields.ts';
import type { SurfaceRouting } from '../../surfaces/surface.ts';
import { noteChange } from '../audit.ts';
import { adminReach, narrowReach } from '../auth.ts';
import type { AppEnv } from '../context.ts';
import { errorResponses } from '../fastapi-schemas.ts';
import { tenantInReach, webhookInReach } from './reach.ts';
import { dateTime, json, ok, pageOf, paging, security, tags, webhookParam } from './schemas.ts';

/** Page 001's webhooks themselves: list, create, the supported events, get, update, delete. */

const url = z.string().min(1).max(2083).pipe(z.url()).openapi({ example: 'https://api.example.com/webhooks' });
const events = z
  .array(z.string())
  .min(1)
  .openapi({ example: ['invoice.created', 'INVOICE_STATUS_CHANGED'], description: 'Any catalogue name; stored canonical' });
const description = z.string().max(1000).nullish();
const ordering = z.enum(['none', 'fifo']).optional().openapi({ description: '`fifo`: strictly in event order; a failing head blocks the rest' });
const rateLimit = z.number().positive().max(10_000).nullish().openapi({ description: 'Deliveries per second; null removes the limit' });

const Webhook = z
  .object({
    id: z.string(),
    tenant_id: z.string(),
    partner_id: z.string().nullable().openapi({ description: 'The tenant’s partner organisation' }),
    url: z.string(),
    events: z.array(z.string()),
    description: z.string().nullable(),
    is_active: z.boolean(),
    disabled_reason: z.string().nullable(),
    ordering: z.enum(['none', 'fifo']).openapi({ description: '`fifo`: deliveries are attempted strictly in event order' }),
    rate_limit: z.number().nullable().openapi({ description: 'Deliveries per second the engine sends at most; null = unlimited' }),
    created_at: dateTime,
    updated_at: dateTime,
  })
  .openapi('AdminWebhook');

const listQuery = z.object({
  ...paging,
  tenant_id: z.string().min(1).nullish(),
  partner_id: z.string().min(1).nullish().openapi({ description: 'Filter by partner (all tenants in partner)' }),
});

export const WebhookCreate = z
  .object({
    tenant_id: z.string().min(1),
    url,
    events,
    description,
    is_active: z.boolean().optional().openapi({ default: true }),
    secret: z.string().min(16).max(256).nullish().openapi({ description: 'Your own signing secret; generated (whsec_…) when absent' }),
    ordering,
    rate_limit: rateLimit,
  })
  .openapi('AdminWebhookCreate');

export const listWebhooks = createRoute({
  method: 'get',
  operationId: 'adminListWebhooks',
  path: '/',
  tags,
  summary: 'List Webhooks',
  description: 'List webhook endpoints.',
  security,
  request: { query: listQuery },
  responses: { 200: ok(pageOf(Webhook)), ...errorResponses },
});

export const createWebhook = createRoute({
  method: 'post',
  operationId: 'adminCreateWebhook',
  path: '/',
  tags,
  summary: 'Create Webhook',
  description: 'Create a new webhook endpoint. The signing secret is returned only in this response.',
  security,
  request: {
    body: {
      required: true,
      content: json(WebhookCreate),
    },
  },
  responses: { 201: ok(Webhook.extend({ secret: z.string() }), 'Webhook created'), ...errorResponses },
});

export const listSupportedEvents = createRoute({
  method: 'get',
  operationId: 'adminListSupportedEvents',
  path: '/events',
  tags,
  summary: 'List Supported Events',
  description: 'List supported event types for webhooks.',
  security,
  responses: {
    200: ok(z.object({ events: z.array(z.object({ event_type: z.string(), description: z.string(), aliases: z.array(z.string()) })) })),
    401: errorResponses[401],
    403: errorResponses[403],
    429: errorResponses[429],
  },
});

export const getWebhook = createRoute({
  method: 'get',
  operationId: 'adminGetWebhook',
  path: '/{webhook_id}',
  tags,
  summary: 'Get Webhook',
  description: 'Get a webhook by ID.',
  security,
  request: { params: webhookParam },
  responses: { 200: ok(Webhook), ...errorResponses },
});

export const updateWebhook = createRoute({
  method: 'patch',
  operationId: 'adminUpdateWebhook',
  path: '/{webhook_id}',
  tags,
  summary: 'Update Webhook',
  description: 'Update a webhook. `is_active: true` also re-enables an endpoint that was disabled after failing.',
  security,
  request: {
    params: webhookParam,
    body: {
      required: true,
      content: json(
        z.object({ url: url.optional(), events: events.optional(), description, is_active: z.boolean().optional(), ordering, rate_limit: rateLimit }).openapi('AdminWebhookUpdate'),
      ),
    },
  },
  responses: { 200: ok(Webhook), ...errorResponses },
});

export const deleteWebhook = createRoute({
  method: 'delete',
  operationId: 'adminDeleteWebhook',
  path: '/{webhook_id}',
  tags,
  summary: 'Delete Webhook',
  description: 'Delete a webhook.',
  security,
  request: { params: webhookParam },
  responses: { 204: { description: 'Successful Response' }, ...errorResponses },
});

/**
 * The page lists the collection as `/api/v1/admin/webhooks/`; Hono's strict routing would answer
 * only the slash-less form. A parameter that matches the empty last segment serves the slashed
 * form too, hidden from the spec so the operation is not listed twice.
 */
const TRAILING_SLASH = '/:trailing_slash{.{0}}';
export const listWebhooksSlash = { ...listWebhooks, path: TRAILING_SLASH, hide: true } as const;
export const createWebhookSlash = { ...createWebhook, path: TRAILING_SLASH, hide: true } as const;

export function registerWebhooks(app: OpenAPIHono<AppEnv>, surface: SurfaceRouting): void {
  app.openapi(listWebhooks, (c) => list(c, c.req.valid('query')));
  app.openapi(listWebhooksSlash, (c) => list(c, c.req.valid('query')));
  app.openapi(createWebhook, (c) => create(c, c.req.valid('json'), surface));
  app.openapi(createWebhookSlash, (c) => create(c, c.req.valid('json'), surface));

  // Before /{webhook_id}, which would otherwise take "events" for an id.
  app.openapi(listSupportedEvents, (c) => c.json({ events: supportedEvents() }, 200));

  app.openapi(getWebhook, async (c) => {
    const endpoint = await webhookInReach(c, c.req.valid('param').webhook_id);
    return c.json(await render(c, endpoint), 200);
  });

  app.openapi(updateWebhook, async (c) => {
    const endpoint = await webhookInReach(c, c.req.valid('param').webhook_id);
    const body = c.req.valid('json');
    if (body.url !== undefined) assertTargetUrl(c.var.services, body.url, ['body', 'url']);
    const updated = await updateAdminWebhook(c.var.services, endpoint, {
      url: body.url,
      events: body.events === undefined ? undefined : canonicalAdminEvents(body.events),
      description: body.description,
      isActive: body.is_active,
      ordering: body.ordering,
      rateLimit: body.rate_limit,
    });
    await noteChange(c, { action: 'webhook.updated', target: endpointTarget(endpoint), changes: body });
    return c.json(await render(c, updated), 200);
  });

  app.openapi(deleteWebhook, async (c) => {
    const endpoint = await webhookInReach(c, c.req.valid('param').webhook_id);
    await deleteEndpoint(c.var.services.db, endpoint.id);
    await noteChange(c, { action: 'webhook.deleted', target: endpointTarget(endpoint) });
    return c.body(null, 204);
  });
}

async function list(c: Context<AppEnv>, query: z.infer<typeof listQuery>) {
  const reach = await narrowReach(c, await adminReach(c), { tenantId: query.tenant_id, partnerOrgId: query.partner_id });
  const { items, total } = await listEndpoints(c.var.services.db, {
    surface: 'admin',
    tenantIds: reach,
    limit: query.per_page,
    offset: (query.page - 1) * query.per_page,
  });
  const partners = await partnerOrgsOf(
    c.var.services,
    items.map((endpoint) => endpoint.tenant_id),
  );
  return c.json(
    {
      items: items.map((endpoint) => toWebhookJson(endpoint, partners.get(endpoint.tenant_id) ?? null)),
      total,
      page: query.page,
      per_page: query.per_page,
      pages: pageCount(total, query.per_page),
    },
    200,
  );
}

async function create(c: Context<AppEnv>, body: z.infer<typeof WebhookCreate>, surface: SurfaceRouting) {
  assertTargetUrl(c.var.services, body.url, ['body', 'url']);
  const events = canonicalAdminEvents(body.events);
  const tenant = await tenantInReach(c, body.tenant_id);
  const { endpoint, secret } = await createAdminWebhook(c.var.services, {
    tenant,
    url: body.url,
    events,
    description: body.description ?? null,
    isActive: body.is_active ?? true,
    secret: body.secret ?? surface.newSecret(),
    ordering: body.ordering,
    rateLimit: body.rate_limit ?? null,
  });
  await noteChange(c, { action: 'webhook.created', target: endpointTarget(endpoint), changes: body });
  return c.json({ ...toWebhookJson(endpoint, tenant.partner_org_id), secret }, 201);
}

async function render(c: Context<AppEnv>, endpoint: Endpoint) {
  const partners = await partnerOrgsOf(c.var.services, [endpoint.tenant_id]);
  return toWebhookJson(endpoint, partners.get(endpoint.tenant_id) ?? null);
}
