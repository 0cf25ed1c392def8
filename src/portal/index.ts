import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { csrf } from 'hono/csrf';
import { CONSOLE_JS, type Html } from '../console/layout.ts';
import { describePageError } from '../console/page-error.ts';
import { csrfMatches } from '../console/session.ts';
import { getEndpointDelivery, listEndpointDeliveries } from '../db/repo/delivery-history.ts';
import { listEndpoints } from '../db/repo/endpoints.ts';
import { getEvent } from '../db/repo/events.ts';
import { getTenant } from '../db/repo/tenants.ts';
import { buildPayload } from '../delivery/payload.ts';
import { endPortalSession, NO_SETTINGS, parseSettings, portalSessionOf, redeemPortalLink } from '../domain/portal.ts';
import { ApiError } from '../errors.ts';
import { ownEndpoint, registerEndpointActions } from './endpoints.ts';
import { catalogueView, verifyingView } from './guide.ts';
import { PORTAL_CSS, portalPage, portalSecurityHeaders, themeCss } from './layout.ts';
import { portalNotice } from './notices.ts';
import { deliveryView, endpointsView, endpointView, linkRefusedView, portalErrorView, sessionEndedView } from './pages.ts';
import { dropSessionCookie, type PortalEnv, sessionCookie, setSessionCookie } from './session.ts';

const PER_PAGE = 20;
/** A tenant's portal lists at most this many endpoints (the per-tenant quota is 500 by default across surfaces). */
const MAX_LISTED = 500;

/**
 * The tenant portal at /portal (docs/portal.md): a single-use link opens a session scoped to one
 * tenant, whose admin webhooks it manages with the same domain calls as the admin API. Pages are
 * server-rendered like the console's, with its stylesheet and script; framing follows the link's
 * `frame_ancestors` (none by default), every form carries the session's CSRF token, and
 * `hono/csrf` also refuses cross-origin posts.
 */
export function portalApp(): Hono<PortalEnv> {
  const app = new Hono<PortalEnv>();

  app.use(async (c, next) => {
    await next();
    const settings = c.var.portalSettings ?? NO_SETTINGS;
    for (const [name, value] of Object.entries(portalSecurityHeaders(settings))) c.header(name, value);
    if (!c.req.path.startsWith('/portal/assets/')) c.header('Cache-Control', 'no-store');
  });
  const asset = (type: string, body: string) => (c: Context<PortalEnv>) => c.body(body, 200, { 'Content-Type': `${type}; charset=utf-8`, 'Cache-Control': 'max-age=3600' });
  app.get('/assets/portal.css', asset('text/css', PORTAL_CSS));
  app.get('/assets/portal.js', asset('text/javascript', CONSOLE_JS));
  app.get('/assets/theme.css', (c) => asset('text/css', themeCss(c.req.query('accent')))(c));
  app.use(csrf());
  app.use(
    bodyLimit({
      maxSize: 16 * 1024,
      onError: () => {
        throw new ApiError('payload_too_large', 'Form too large');
      },
    }),
  );

  // The link: exchanged once for a session cookie, then the portal itself, without the token in the address bar.
  app.get('/open', async (c) => {
    // A HEAD (link checkers, some previewers) learns nothing and uses nothing up.
    if (c.req.method === 'HEAD') return c.body(null, 200);
    const redeemed = await redeemPortalLink(c.var.services, c.req.query('token') ?? '');
    if (!redeemed.ok) {
      if (redeemed.reason !== 'unknown') c.set('portalSettings', redeemed.settings);
      return c.html(portalPage({ title: 'Link already used or expired', body: linkRefusedView(redeemed.reason), settings: c.var.portalSettings ?? NO_SETTINGS }), 410);
    }
    setSessionCookie(c, redeemed.sid, redeemed.session.expires_at);
    c.set('portalSettings', parseSettings(redeemed.session.settings));
    c.var.services.log({ msg: 'portal opened', request_id: c.var.requestId, tenant_id: redeemed.session.tenant_id, link_id: redeemed.session.link_id });
    return c.redirect('/portal', 303);
  });

  app.use(async (c, next) => {
    const sid = sessionCookie(c);
    const { live: session, settings } = sid ? await portalSessionOf(c.var.services, sid) : { live: null, settings: NO_SETTINGS };
    const tenant = session ? await getTenant(c.var.services.db, session.tenant_id) : undefined;
    if (!session || !tenant) {
      if (sid) dropSessionCookie(c);
      c.set('portalSettings', settings);
      return c.html(portalPage({ title: 'Session ended', body: sessionEndedView(), settings }), 401);
    }
    c.set('portal', session);
    c.set('portalTenant', tenant);
    c.set('portalSettings', parseSettings(session.settings));
    c.set('auditActor', { kind: 'portal', id: session.link_id, tenantId: tenant.id, partnerOrgId: tenant.partner_org_id });
    if (c.req.method === 'POST' && !csrfMatches(session, (await c.req.parseBody())._csrf)) {
      throw new ApiError('forbidden', 'The form’s CSRF token does not match your session. Reload the page and try again.');
    }
    await next();
  });

  app.post('/logout', async (c) => {
    await endPortalSession(c.var.services, c.var.portal);
    dropSessionCookie(c);
    return c.html(portalPage({ title: 'Signed out', body: sessionEndedView(), settings: c.var.portalSettings }), 200);
  });

  app.get('/', async (c) => {
    const { items } = await listEndpoints(c.var.services.db, { surface: 'admin', tenantIds: [c.var.portal.tenant_id], limit: MAX_LISTED, offset: 0 });
    return render(c, 'Endpoints', endpointsView(items, portalNotice(c.req.query('notice'))));
  });

  app.get('/events', (c) => render(c, 'Event catalogue', catalogueView(c.var.portal.tenant_id)));
  app.get('/verifying', (c) => render(c, 'Verifying signatures', verifyingView()));

  registerEndpointActions(app, render);

  app.get('/endpoints/:endpointId', async (c) => {
    const endpoint = await ownEndpoint(c, c.req.param('endpointId'));
    const page = Math.max(1, Math.min(1_000_000, Number.parseInt(c.req.query('page') ?? '1', 10) || 1));
    const { items, total } = await listEndpointDeliveries(c.var.services.db, { endpointId: endpoint.id, limit: PER_PAGE, offset: (page - 1) * PER_PAGE });
    const data = { endpoint, deliveries: items, total, page, perPage: PER_PAGE, csrf: c.var.portal.csrf, notice: portalNotice(c.req.query('notice')) };
    return render(c, endpoint.url, endpointView(data));
  });

  app.get('/endpoints/:endpointId/deliveries/:deliveryId', async (c) => {
    const endpoint = await ownEndpoint(c, c.req.param('endpointId'));
    const deliveryId = Number(c.req.param('deliveryId'));
    const delivery = Number.isSafeInteger(deliveryId) ? await getEndpointDelivery(c.var.services.db, endpoint.id, deliveryId) : undefined;
    const event = delivery && (await getEvent(c.var.services.db, delivery.event_id));
    if (!delivery || !event) throw new ApiError('not_found', 'Delivery not found');
    const { attempts, ...view } = delivery;
    const data = { endpoint, delivery: view, attempts, payload: buildPayload(endpoint, event), notice: portalNotice(c.req.query('notice')) };
    return render(c, `Delivery #${delivery.id}`, deliveryView(data));
  });

  app.all('*', () => {
    throw new ApiError('not_found', 'There is no such portal page.');
  });
  app.onError((error, c) => {
    const { status, message } = describePageError(c, error, 'portal');
    const body = portalErrorView(status, message, c.var.requestId);
    return c.html(portalPage({ title: 'Error', body, settings: c.var.portalSettings ?? NO_SETTINGS, tenantName: c.var.portalTenant?.name, csrf: c.var.portal?.csrf }), status);
  });
  return app;
}

function render(c: Context<PortalEnv>, title: string, body: Html, status: 200 | 422 = 200) {
  return c.html(portalPage({ title, body, settings: c.var.portalSettings, tenantName: c.var.portalTenant.name, csrf: c.var.portal.csrf }), status);
}
