import type { Context, MiddlewareHandler } from 'hono';
import { getTenant } from '../../db/repo/tenants.ts';
import { endpointTarget } from '../../domain/audit.ts';
import {
  createSubscription as create,
  findSubscription,
  listSubscriptions as list,
  removeSubscription,
  replaceSubscription,
  type Subscriber,
  toSubscriptionView,
} from '../../domain/subscriptions.ts';
import { notFound, unauthorized } from '../../errors.ts';
import type { SurfaceRouting } from '../../surfaces/surface.ts';
import { noteChange } from '../audit.ts';
import type { AppEnv } from '../context.ts';
import { createSurface } from '../surface.ts';
import { createSubscription, deleteSubscription, getSubscription, listSubscriptions, updateSubscription } from './routes.ts';

/** The subscriber is the token's `sub` inside the tenant its `tenant_id` names; both must be present and the tenant must exist. */
export const requireSubscriber: MiddlewareHandler<AppEnv> = async (c, next) => {
  const { sub, tenantId } = c.var.claims;
  if (!tenantId) throw unauthorized('Token has no tenant_id claim');
  if (!sub) throw unauthorized('Token has no sub claim');
  const tenant = await getTenant(c.var.services.db, tenantId);
  if (!tenant) throw unauthorized('Token tenant_id names no known tenant');
  c.set('tenant', tenant);
  await next();
};

const subscriberOf = (c: Context<AppEnv>): Subscriber => ({ tenantId: c.var.tenant.id, subscriber: c.var.claims.sub! });

const NOT_FOUND = 'Subscription not found';

/** Page 002, mounted at /subscription-management: a subscriber's webhook subscriptions, Bearer JWT. */
export function subscriptionApi(surface: SurfaceRouting) {
  const app = createSurface(surface.errors);
  app.use(...surface.authentication);

  app.openapi(listSubscriptions, async (c) => c.json(await list(c.var.services, subscriberOf(c)), 200));

  app.openapi(getSubscription, async (c) => {
    const endpoint = await findSubscription(c.var.services, subscriberOf(c), c.req.valid('param').id);
    if (!endpoint) throw notFound(NOT_FOUND);
    return c.json(await toSubscriptionView(c.var.services, endpoint), 200);
  });

  app.openapi(createSubscription, async (c) => {
    const body = c.req.valid('json');
    const created = await create(c.var.services, subscriberOf(c), body, surface.newSecret());
    await noteChange(c, { action: 'webhook.created', target: endpointTarget({ id: created.id, tenant_id: c.var.tenant.id }), changes: { surface: 'subscriptions', ...body } });
    return c.json(created, 201);
  });

  app.openapi(updateSubscription, async (c) => {
    const endpoint = await findSubscription(c.var.services, subscriberOf(c), c.req.valid('param').id);
    if (!endpoint) throw notFound(NOT_FOUND);
    const body = c.req.valid('json');
    const replaced = await replaceSubscription(c.var.services, endpoint, body);
    await noteChange(c, { action: 'webhook.updated', target: endpointTarget(endpoint), changes: body });
    return c.json(replaced, 200);
  });

  app.openapi(deleteSubscription, async (c) => {
    const endpoint = await findSubscription(c.var.services, subscriberOf(c), c.req.valid('param').id);
    if (!endpoint) throw notFound(NOT_FOUND);
    await removeSubscription(c.var.services, endpoint);
    await noteChange(c, { action: 'webhook.deleted', target: endpointTarget(endpoint) });
    return c.body(null, 204);
  });

  return app;
}
