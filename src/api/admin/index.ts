import type { Context } from 'hono';
import { getEndpointDelivery, listEndpointDeliveries } from '../../db/repo/delivery-history.ts';
import { endpointDeliveryStats } from '../../db/repo/delivery-stats.ts';
import { deleteEndpoint, findEndpoint, listEndpoints } from '../../db/repo/endpoints.ts';
import { getTenant } from '../../db/repo/tenants.ts';
import type { Endpoint, Tenant } from '../../db/schema.ts';
import { pageCount, toAttemptJson, toDeliveryJson, toStatsJson, toTestResultJson } from '../../domain/admin-views.ts';
import {
  canonicalAdminEvents,
  createAdminWebhook,
  partnerOrgsOf,
  rotateAdminSecret,
  supportedEvents,
  toWebhookJson,
  updateAdminWebhook,
} from '../../domain/admin-webhooks.ts';
import { assertTargetUrl, toIso } from '../../domain/endpoint-fields.ts';
import { blockingHead, countRecoverable, findRecovery, startRecovery, toRecoveryJson } from '../../domain/recovery.ts';
import { sendTestEvent } from '../../domain/test-event.ts';
import { conflict, notFound } from '../../errors.ts';
import { ADMIN_SCOPE, adminReach, narrowReach, requireToken } from '../auth.ts';
import type { AppEnv } from '../context.ts';
import { fastApiErrors } from '../error-formats.ts';
import { createSurface } from '../surface.ts';
import * as routes from './routes.ts';

interface ListQuery {
  page: number;
  per_page: number;
  tenant_id?: string | null;
  partner_id?: string | null;
}

interface CreateBody {
  tenant_id: string;
  url: string;
  events: string[];
  description?: string | null;
  is_active?: boolean;
  secret?: string | null;
  ordering?: 'none' | 'fifo';
  rate_limit?: number | null;
}

/**
 * Page 001, mounted at /api/v1/admin/webhooks: platform administration of webhook endpoints
 * (surface 'admin') across tenants, with a Bearer JWT carrying `webhooks:admin`. A tenant- or
 * partner-bound token reaches only its tenants; anything else answers exactly like an unknown id.
 */
export function adminApi() {
  const app = createSurface(fastApiErrors);
  app.use(requireToken({ anyScope: [ADMIN_SCOPE] }));

  app.openapi(routes.listWebhooks, (c) => list(c, c.req.valid('query')));
  app.openapi(routes.listWebhooksSlash, (c) => list(c, c.req.valid('query')));
  app.openapi(routes.createWebhook, (c) => create(c, c.req.valid('json')));
  app.openapi(routes.createWebhookSlash, (c) => create(c, c.req.valid('json')));

  // Before /{webhook_id}, which would otherwise take "events" for an id.
  app.openapi(routes.listSupportedEvents, (c) => c.json({ events: supportedEvents() }, 200));

  app.openapi(routes.getWebhook, async (c) => {
    const endpoint = await webhookInReach(c, c.req.valid('param').webhook_id);
    return c.json(await render(c, endpoint), 200);
  });

  app.openapi(routes.updateWebhook, async (c) => {
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
    return c.json(await render(c, updated), 200);
  });

  app.openapi(routes.deleteWebhook, async (c) => {
    const endpoint = await webhookInReach(c, c.req.valid('param').webhook_id);
    await deleteEndpoint(c.var.services.db, endpoint.id);
    return c.body(null, 204);
  });

  app.openapi(routes.listDeliveries, async (c) => {
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

  app.openapi(routes.getDelivery, async (c) => {
    const { webhook_id, delivery_id } = c.req.valid('param');
    const endpoint = await webhookInReach(c, webhook_id);
    const delivery = await getEndpointDelivery(c.var.services.db, endpoint.id, delivery_id);
    if (!delivery) throw notFound('Delivery not found');
    return c.json({ ...toDeliveryJson(delivery), payload: delivery.payload, attempts: delivery.attempts.map(toAttemptJson) }, 200);
  });

  app.openapi(routes.retryDelivery, async (c) => {
    const { webhook_id, delivery_id } = c.req.valid('param');
    const endpoint = await webhookInReach(c, webhook_id);
    if (!(await getEndpointDelivery(c.var.services.db, endpoint.id, delivery_id))) throw notFound('Delivery not found');
    const attempt = await c.var.services.engine.attemptNow(delivery_id, 'manual');
    if (!attempt) throw conflict('Delivery is already in flight');
    return c.json({ delivery_id, retried: true as const, attempt }, 200);
  });

  app.openapi(routes.rotateSecret, async (c) => {
    const endpoint = await webhookInReach(c, c.req.valid('param').webhook_id);
    const { endpoint: rotated, secret } = await rotateAdminSecret(c.var.services, endpoint);
    return c.json({ id: rotated.id, secret, previous_secret_expires_at: toIso(rotated.previous_secret_expires_at) }, 200);
  });

  app.openapi(routes.getStats, async (c) => {
    const endpoint = await webhookInReach(c, c.req.valid('param').webhook_id);
    const [stats, head] = await Promise.all([endpointDeliveryStats(c.var.services.db, endpoint.id), blockingHead(c.var.services.db, endpoint)]);
    return c.json(toStatsJson(endpoint, stats, head), 200);
  });

  app.openapi(routes.recoverDeliveries, async (c) => {
    const endpoint = await webhookInReach(c, c.req.valid('param').webhook_id);
    const body = c.req.valid('json');
    const range = { since: Date.parse(body.since), until: body.until ? Date.parse(body.until) : null, status: body.status };
    if (body.dry_run) return c.json({ dry_run: true as const, count: await countRecoverable(c.var.services.db, endpoint.id, range) }, 200);
    const job = await startRecovery(c.var.services.db, endpoint, range, c.var.services.clock.now());
    return c.json(toRecoveryJson(job), 202);
  });

  app.openapi(routes.getRecovery, async (c) => {
    const { webhook_id, job_id } = c.req.valid('param');
    const endpoint = await webhookInReach(c, webhook_id);
    const job = await findRecovery(c.var.services.db, endpoint.id, job_id);
    if (!job) throw notFound('Recovery not found');
    return c.json(toRecoveryJson(job), 200);
  });

  app.openapi(routes.testWebhook, async (c) => {
    const endpoint = await webhookInReach(c, c.req.valid('param').webhook_id);
    return c.json(toTestResultJson(await sendTestEvent(c.var.services, endpoint)), 200);
  });

  return app;
}

async function list(c: Context<AppEnv>, query: ListQuery) {
  const reach = await narrowReach(c, await adminReach(c), { tenantId: query.tenant_id, partnerOrgId: query.partner_id });
  const { items, total } = await listEndpoints(c.var.services.db, {
    surface: 'admin',
    tenantIds: reach,
    limit: query.per_page,
    offset: (query.page - 1) * query.per_page,
  });
  const partners = await partnerOrgsOf(c.var.services, items.map((endpoint) => endpoint.tenant_id));
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

async function create(c: Context<AppEnv>, body: CreateBody) {
  assertTargetUrl(c.var.services, body.url, ['body', 'url']);
  const events = canonicalAdminEvents(body.events);
  const tenant = await tenantInReach(c, body.tenant_id);
  const { endpoint, secret } = await createAdminWebhook(c.var.services, {
    tenant,
    url: body.url,
    events,
    description: body.description ?? null,
    isActive: body.is_active ?? true,
    secret: body.secret ?? null,
    ordering: body.ordering,
    rateLimit: body.rate_limit ?? null,
  });
  return c.json({ ...toWebhookJson(endpoint, tenant.partner_org_id), secret }, 201);
}

async function tenantInReach(c: Context<AppEnv>, tenantId: string): Promise<Tenant> {
  const reach = await adminReach(c);
  const tenant = reach && !reach.includes(tenantId) ? undefined : await getTenant(c.var.services.db, tenantId);
  if (!tenant) throw notFound('Tenant not found');
  return tenant;
}

async function webhookInReach(c: Context<AppEnv>, id: string): Promise<Endpoint> {
  const endpoint = await findEndpoint(c.var.services.db, id, { surface: 'admin', tenantIds: await adminReach(c) });
  if (!endpoint) throw notFound('Webhook not found');
  return endpoint;
}

async function render(c: Context<AppEnv>, endpoint: Endpoint) {
  const partners = await partnerOrgsOf(c.var.services, [endpoint.tenant_id]);
  return toWebhookJson(endpoint, partners.get(endpoint.tenant_id) ?? null);
}
