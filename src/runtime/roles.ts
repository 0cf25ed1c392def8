import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../api/context.ts';
import { healthApi } from '../api/operator/health.ts';
import { metricsApi } from '../api/operator/metrics.ts';
import type { Env } from '../config.ts';
import type { Services } from '../services.ts';

export type Role = Env['HOOKGATE_ROLE'];

/**
 * What one process does (`HOOKGATE_ROLE`), for scaling out over one store:
 * - `all` (default): the HTTP API, the fast path right after ingestion, and the sweeper;
 * - `api`: the HTTP API only; accepted events wait in the store for a worker (explicit manual
 *   retries and test sends are still attempted by the process that answers them);
 * - `worker`: the sweeper only, with `/health`, `/ready` and `/metrics` on the HTTP port.
 *
 * The whole app (every surface, the console, the portal, the API reference) is loaded only by the
 * roles that serve it: a worker process is about 3 MB smaller without it (docs/performance.md, Memory).
 */
export async function appForRole(role: Role, services: Services): Promise<{ app: OpenAPIHono<AppEnv>; sweeps: boolean }> {
  if (role === 'worker') return { app: createWorkerApp(services), sweeps: true };
  const { createApp } = await import('../app.ts');
  if (role === 'api') {
    // No fast path: new deliveries are written unleased and left to the workers' sweeps.
    const engine = { ...services.engine, dispatch: () => {}, fastPathLease: () => null };
    return { app: createApp({ ...services, engine }), sweeps: false };
  }
  return { app: createApp(services), sweeps: true };
}

function createWorkerApp(services: Services): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  app.use(async (c, next) => {
    c.set('services', services);
    await next();
  });
  app.route('/', healthApi());
  app.route('/', metricsApi());
  app.notFound((c) => c.json({ detail: 'Not Found' }, 404));
  return app;
}
