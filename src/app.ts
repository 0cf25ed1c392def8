import { OpenAPIHono } from '@hono/zod-openapi';
import { auditApi } from './api/admin/audit.ts';
import { adminEventsApi } from './api/admin/events.ts';
import { portalLinkApi } from './api/admin/portal.ts';
import type { AppEnv } from './api/context.ts';
import { docsApi } from './api/docs.ts';
import { fastApiErrors } from './api/error-formats.ts';
import { eventsApi } from './api/events/index.ts';
import { answerWrongMethod } from './api/method-not-allowed.ts';
import { openApiDocument } from './api/openapi-document.ts';
import { healthApi } from './api/operator/health.ts';
import { operatorApi } from './api/operator/index.ts';
import { metricsApi } from './api/operator/metrics.ts';
import { SECURITY_SCHEMES } from './api/security-schemes.ts';
import { consoleApp } from './console/index.ts';
import { ApiError, respondWithError } from './errors.ts';
import { pageSecurityHeaders } from './lib/page-security.ts';
import { randomHex } from './lib/random.ts';
import { createRateLimiter } from './lib/rate-limiter.ts';
import { portalApp } from './portal/index.ts';
import type { Services } from './services.ts';
import { errorFormatForPath, SURFACES } from './surfaces/index.ts';
import { VERSION } from './version.ts';

/** A caller's request id is echoed and logged only if it is short and plain; anything else gets a fresh one. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;
const safeRequestId = (presented: string | undefined) => (presented && REQUEST_ID.test(presented) ? presented : undefined);

/** The whole service as one Hono app; each runtime entry point supplies the services. */
export function createApp(services: Services): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  const rateLimiter = services.rateLimiter ?? createRateLimiter(services.config.rateLimitPerMinute, () => services.clock.now());

  app.use(async (c, next) => {
    const requestId = safeRequestId(c.req.header('X-Request-Id')) ?? randomHex(8);
    c.set('services', services);
    c.set('rateLimiter', rateLimiter);
    c.set('requestId', requestId);
    const started = services.clock.now();
    await next();
    c.header('X-Request-Id', requestId);
    c.header('X-Content-Type-Options', 'nosniff');
    // Every page gets the page headers its route did not set: the strict policy unless it set its own (an embeddable page's allow-list), so pages added later are covered.
    if (c.res.headers.get('Content-Type')?.startsWith('text/html')) {
      const ownPolicy = c.res.headers.has('Content-Security-Policy');
      for (const [name, value] of Object.entries(pageSecurityHeaders())) {
        if (!c.res.headers.has(name) && !(ownPolicy && name === 'X-Frame-Options')) c.header(name, value);
      }
    }
    services.log({
      msg: 'request',
      request_id: requestId,
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      duration_ms: services.clock.now() - started,
      tenant_id: c.get('tenant')?.id ?? c.get('claims')?.tenantId ?? undefined,
    });
  });
  app.use(answerWrongMethod(app, errorFormatForPath));
  app.route('/', healthApi());
  app.route('/', metricsApi());
  for (const surface of SURFACES) app.route(surface.mountPath, surface.routes());
  app.route('/api/v1/tenants', operatorApi());
  app.route('/api/v1/admin/audit', auditApi());
  app.route('/api/v1/admin/events', adminEventsApi());
  app.route('/api/v1/admin/tenants', portalLinkApi());
  app.route('/api/v1/events', eventsApi());
  app.route('/console', consoleApp());
  app.route('/portal', portalApp());
  app.route('/', docsApi(services.apiReference));
  // A mounted sub-app's notFound is never consulted, so unknown paths under a surface's prefix are answered here in its format.
  app.notFound((c) => respondWithError(c, new ApiError('not_found', 'Not Found'), errorFormatForPath(c.req.path)));
  app.onError((error, c) => respondWithError(c, error, fastApiErrors));

  // Built on first request, once every route is registered.
  let document: ReturnType<typeof openApiDocument> | undefined;
  app.get('/openapi.json', (c) => {
    document ??= openApiDocument(app, VERSION);
    return c.json(document);
  });
  for (const [name, scheme] of Object.entries(SECURITY_SCHEMES)) app.openAPIRegistry.registerComponent('securitySchemes', name, scheme);
  return app;
}
