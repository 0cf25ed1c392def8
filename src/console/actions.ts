import type { Context, Hono } from 'hono';
import { noteChange } from '../api/audit.ts';
import type { AppEnv } from '../api/context.ts';
import { getEndpointDelivery } from '../db/repo/delivery-history.ts';
import { rotateAdminSecret, updateAdminWebhook } from '../domain/admin-webhooks.ts';
import { type AuditChange, endpointTarget } from '../domain/audit.ts';
import { sendTestEvent } from '../domain/test-event.ts';
import { ApiError } from '../errors.ts';
import { surfaceNamed } from '../surfaces/index.ts';
import { endpointInReach } from './access.ts';
import { page } from './layout.ts';
import type { NoticeKey } from './notices.ts';
import { ROTATE_CONFIRMATION, rotateConfirmView, rotatedView } from './pages.ts';
import { type ConsoleEnv, requireRole } from './session.ts';

/** The console's context carries the API's variables (and its session): its changes are audited the same way. */
export const audit = (c: Context<ConsoleEnv>, change: AuditChange) => noteChange(c as unknown as Context<AppEnv>, change);

/**
 * The console's actions, each the same domain call the admin API makes. Each answers with a
 * redirect to a page (post → redirect → get) carrying a notice key; rotation instead shows the
 * new secret once, on a page that is never cached.
 */
export function registerActions(app: Hono<ConsoleEnv>): void {
  const to = (path: string, notice: NoticeKey) => `${path}?notice=${notice}`;

  app.post('/endpoints/:endpointId/deliveries/:deliveryId/retry', async (c) => {
    const { endpoint } = await endpointInReach(c, c.req.param('endpointId'));
    const deliveryId = Number(c.req.param('deliveryId'));
    if (!Number.isSafeInteger(deliveryId) || !(await getEndpointDelivery(c.var.services.db, endpoint.id, deliveryId))) {
      throw new ApiError('not_found', 'Delivery not found');
    }
    const outcome = await c.var.services.engine.attemptNow(deliveryId, 'manual');
    if (outcome) await audit(c, { action: 'delivery.retried', target: { type: 'delivery', id: deliveryId, tenantId: endpoint.tenant_id }, changes: { webhook_id: endpoint.id } });
    const notice: NoticeKey = outcome === null ? 'retry-busy' : outcome.succeeded ? 'retry-succeeded' : 'retry-failed';
    c.var.services.log({
      msg: 'console action',
      action: 'retry',
      request_id: c.var.requestId,
      tenant_id: endpoint.tenant_id,
      endpoint_id: endpoint.id,
      delivery_id: deliveryId,
      by: c.var.claims.sub,
    });
    return c.redirect(to(`/console/endpoints/${endpoint.id}/deliveries/${deliveryId}`, notice), 303);
  });

  app.post('/endpoints/:endpointId/test', async (c) => {
    const { endpoint } = await endpointInReach(c, c.req.param('endpointId'));
    const { outcome } = await sendTestEvent(c.var.services, endpoint);
    await audit(c, { action: 'webhook.tested', target: endpointTarget(endpoint), changes: { delivery_id: outcome?.delivery_id ?? null } });
    c.var.services.log({ msg: 'console action', action: 'test', request_id: c.var.requestId, tenant_id: endpoint.tenant_id, endpoint_id: endpoint.id, by: c.var.claims.sub });
    const base = `/console/endpoints/${endpoint.id}`;
    if (!outcome) return c.redirect(to(base, 'retry-busy'), 303);
    return c.redirect(to(`${base}/deliveries/${outcome.delivery_id}`, outcome.succeeded ? 'test-succeeded' : 'test-failed'), 303);
  });

  for (const action of ['enable', 'disable'] as const) {
    app.post(`/endpoints/:endpointId/${action}`, async (c) => {
      const { endpoint } = await endpointInReach(c, c.req.param('endpointId'));
      await updateAdminWebhook(c.var.services, endpoint, { isActive: action === 'enable' });
      await audit(c, { action: action === 'enable' ? 'webhook.enabled' : 'webhook.disabled', target: endpointTarget(endpoint), changes: { is_active: action === 'enable' } });
      c.var.services.log({ msg: 'console action', action, request_id: c.var.requestId, tenant_id: endpoint.tenant_id, endpoint_id: endpoint.id, by: c.var.claims.sub });
      return c.redirect(to(`/console/endpoints/${endpoint.id}`, action === 'enable' ? 'enabled' : 'disabled'), 303);
    });
  }

  // Rotation asks first: the endpoint page links to this confirmation, whose form alone carries `confirm`.
  app.get('/endpoints/:endpointId/rotate-secret', async (c) => {
    requireRole(c, 'operator', 'rotate a secret');
    const { endpoint } = await endpointInReach(c, c.req.param('endpointId'));
    const { clock, config } = c.var.services;
    const body = rotateConfirmView(endpoint, c.var.session.csrf, clock.now(), config.secretGraceSeconds * 1000);
    return c.html(page({ title: 'Rotate secret?', body, csrf: c.var.session.csrf, signedInAs: c.var.claims.sub ?? 'admin token' }));
  });

  app.post('/endpoints/:endpointId/rotate-secret', async (c) => {
    const { endpoint } = await endpointInReach(c, c.req.param('endpointId'));
    if ((await c.req.parseBody()).confirm !== ROTATE_CONFIRMATION) return c.redirect(`/console/endpoints/${endpoint.id}/rotate-secret`, 303);
    const { endpoint: rotated, secret } = await rotateAdminSecret(c.var.services, endpoint, surfaceNamed(endpoint.surface).newSecret());
    await audit(c, { action: 'webhook.secret_rotated', target: endpointTarget(endpoint), changes: { secret: true } });
    c.var.services.log({
      msg: 'console action',
      action: 'rotate-secret',
      request_id: c.var.requestId,
      tenant_id: endpoint.tenant_id,
      endpoint_id: endpoint.id,
      by: c.var.claims.sub,
    });
    return c.html(
      page({
        title: 'New secret',
        body: rotatedView(rotated, secret, rotated.previous_secret_expires_at),
        csrf: c.var.session.csrf,
        signedInAs: c.var.claims.sub ?? 'admin token',
      }),
    );
  });
}
