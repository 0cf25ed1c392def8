import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { csrf } from 'hono/csrf';
import { getEndpointDelivery, listEndpointDeliveries } from '../db/repo/delivery-history.ts';
import { getEvent } from '../db/repo/events.ts';
import type { DeliveryStatus } from '../db/schema.ts';
import { buildPayload } from '../delivery/payload.ts';
import { ApiError } from '../errors.ts';
import { pageSecurityHeaders } from '../lib/page-security.ts';
import type { RateLimiter } from '../lib/rate-limiter.ts';
import type { Services } from '../services.ts';
import { endpointInReach } from './access.ts';
import { registerActions } from './actions.ts';
import { registerAuditPage } from './audit-page.ts';
import { registerCharts } from './charts-page.ts';
import { registerEndpointActions } from './endpoint-actions.ts';
import { registerFind } from './find.ts';
import { CONSOLE_CSS, CONSOLE_JS, type Html, page } from './layout.ts';
import { LIVE_JS } from './live.ts';
import { NOTICES } from './notices.ts';
import { describePageError } from './page-error.ts';
import { deliveryView, endpointView, errorView, loginView } from './pages.ts';
import { registerRecoveryPages } from './recovery-page.ts';
import {
  type ConsoleEnv,
  csrfMatches,
  endSession,
  hasRole,
  issueLoginCsrf,
  loginCsrfMatches,
  passwordMatches,
  readSession,
  requireRole,
  startSession,
  tokenClaims,
} from './session.ts';
import { signInLimiter } from './sign-in-limit.ts';
import { registerTenantActions } from './tenant-actions.ts';
import { registerUsersPage } from './users-page.ts';

const PER_PAGE = 20;
const STATUSES: readonly DeliveryStatus[] = ['pending', 'succeeded', 'failed'];

/**
 * The operator console at /console: server-rendered HTML (hono/html), one small script for the
 * loading state, Web APIs only so it runs on every runtime. Every page needs a session; every
 * form carries the session's CSRF token, and `hono/csrf` also rejects cross-origin posts.
 */
export function consoleApp(): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();
  // The services' limiter outlives the app (Workers build an app per request); services built by hand (tests) have none.
  let ownSignIns: RateLimiter | undefined;
  const signInsOf = (services: Services): RateLimiter => {
    if (services.consoleSignIns) return services.consoleSignIns;
    ownSignIns ??= signInLimiter(() => services.clock.now());
    return ownSignIns;
  };

  app.use(async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(pageSecurityHeaders())) c.header(name, value);
    if (!c.req.path.startsWith('/console/assets/')) c.header('Cache-Control', 'no-store');
  });
  app.get('/assets/console.css', (c) => c.body(CONSOLE_CSS, 200, { 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'max-age=3600' }));
  app.get('/assets/console.js', (c) => c.body(CONSOLE_JS, 200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'max-age=3600' }));
  app.get('/assets/live.js', (c) => c.body(LIVE_JS, 200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'max-age=3600' }));
  app.use(csrf());
  // Console forms are a few fields; nothing larger is read, signed in or not.
  const formTooLarge = () => {
    throw new ApiError('payload_too_large', 'Form too large');
  };
  app.use(bodyLimit({ maxSize: 16 * 1024, onError: formTooLarge }));

  app.get('/login', async (c) => {
    if (await readSession(c, c.var.services)) return c.redirect('/console', 303);
    return loginPage(c);
  });

  app.post('/login', async (c) => {
    const services = c.var.services;
    const form = await c.req.parseBody();
    if (!loginCsrfMatches(c, form._csrf)) return loginPage(c, 'Your sign-in form expired. Please try again.', 403);
    const token = typeof form.token === 'string' ? form.token.trim() : '';
    if (token) {
      if (!(await tokenClaims(services, token))) return loginPage(c, 'That token is invalid, expired, or lacks the webhooks:admin scope.', 401);
      await startSession(c, services, 'token', token);
      return c.redirect('/console', 303);
    }
    const user = typeof form.user === 'string' ? form.user : '';
    const password = typeof form.password === 'string' ? form.password : '';
    if (!user && !password) return loginPage(c, 'Paste an admin token, or enter the admin user and password.', 400);
    const wait = signInsOf(services).take('password');
    if (wait > 0) {
      c.header('Retry-After', String(wait));
      return loginPage(c, `Too many sign-in attempts. Try again in ${wait} s, or paste an admin token.`, 429);
    }
    if (!(await passwordMatches(services, user, password))) return loginPage(c, 'Wrong user or password.', 401);
    await startSession(c, services, 'password', user);
    return c.redirect('/console', 303);
  });

  app.use(async (c, next) => {
    const found = await readSession(c, c.var.services);
    if (!found) {
      await endSession(c, c.var.services);
      return c.redirect('/console/login', 303);
    }
    c.set('session', found.session);
    c.set('claims', found.claims);
    c.set('role', found.role);
    const { claims } = found;
    c.set('auditActor', { kind: `console_${found.session.kind}`, id: claims.sub ?? '(no sub)', tenantId: claims.tenantId, partnerOrgId: claims.partnerOrgId });
    // Any method but a read changes something: each needs the session's token (forms only post, but a route added with another method is covered too).
    const changes = c.req.method !== 'GET' && c.req.method !== 'HEAD';
    if (changes && !csrfMatches(found.session, (await c.req.parseBody())._csrf)) {
      throw new ApiError('forbidden', 'The form’s CSRF token does not match your session. Reload the page and try again.');
    }
    // Every console action changes something: a viewer only reads (handlers needing admin ask for it themselves).
    if (changes && c.req.path !== '/console/logout') requireRole(c, 'operator', 'change anything');
    await next();
  });

  app.post('/logout', async (c) => {
    await endSession(c, c.var.services, c.var.session);
    return c.redirect('/console/login', 303);
  });

  app.get('/endpoints/:endpointId', async (c) => {
    const { endpoint, tenant } = await endpointInReach(c, c.req.param('endpointId'));
    const status = STATUSES.find((known) => known === c.req.query('status'));
    const page = Math.max(1, Math.min(1_000_000, Number.parseInt(c.req.query('page') ?? '1', 10) || 1));
    const { items, total } = await listEndpointDeliveries(c.var.services.db, { endpointId: endpoint.id, status, limit: PER_PAGE, offset: (page - 1) * PER_PAGE });
    const data = { tenant, endpoint, deliveries: items, total, page, perPage: PER_PAGE, status, csrf: c.var.session.csrf, canOperate: hasRole(c, 'operator'), notice: noticeOf(c) };
    return render(c, endpoint.id, endpointView(data));
  });

  app.get('/endpoints/:endpointId/deliveries/:deliveryId', async (c) => {
    const { endpoint, tenant } = await endpointInReach(c, c.req.param('endpointId'));
    const deliveryId = Number(c.req.param('deliveryId'));
    const delivery = Number.isSafeInteger(deliveryId) ? await getEndpointDelivery(c.var.services.db, endpoint.id, deliveryId) : undefined;
    if (!delivery) throw new ApiError('not_found', 'Delivery not found');
    const event = await getEvent(c.var.services.db, delivery.event_id);
    if (!event) throw new ApiError('not_found', 'Delivery not found');
    const { attempts, ...view } = delivery;
    const data = {
      tenant,
      endpoint,
      delivery: view,
      attempts,
      payload: buildPayload(endpoint, event),
      csrf: c.var.session.csrf,
      canOperate: hasRole(c, 'operator'),
      notice: noticeOf(c),
    };
    return render(c, `Delivery #${delivery.id}`, deliveryView(data));
  });

  registerActions(app);
  registerTenantActions(app, render);
  registerEndpointActions(app, render);
  registerRecoveryPages(app, render);
  registerUsersPage(app, render);
  registerAuditPage(app);
  registerFind(app, render);
  registerCharts(app, render);

  app.all('*', () => {
    throw new ApiError('not_found', 'There is no such console page.');
  });
  app.onError((error, c) => {
    const { status, message } = describePageError(c, error, 'console');
    return c.html(page({ title: 'Error', body: errorView(status, message, c.var.requestId), csrf: c.var.session?.csrf }), status);
  });
  return app;
}

function render(c: Context<ConsoleEnv>, title: string, body: Html, status: 200 | 400 | 409 = 200) {
  const { claims } = c.var;
  const who = `${claims.sub ?? 'admin token'} (${c.var.role})`;
  return c.html(page({ title, body, csrf: c.var.session.csrf, signedInAs: claims.tenantId ? `${who} · tenant ${claims.tenantId}` : who }), status);
}

function loginPage(c: Context<ConsoleEnv>, error?: string, status: 200 | 400 | 401 | 403 | 429 = 200) {
  const body = loginView({ csrf: issueLoginCsrf(c, c.var.services), credentialsEnabled: true, error });
  return c.html(page({ title: 'Sign in', body }), status);
}

/** Notices come as a fixed key in the query after an action (post → redirect → get), never as free text. */
function noticeOf(c: Context<ConsoleEnv>) {
  const key = c.req.query('notice');
  return key && key in NOTICES ? NOTICES[key as keyof typeof NOTICES] : undefined;
}
