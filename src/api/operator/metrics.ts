import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { bearerToken } from '../../auth/jwt.ts';
import { countDue } from '../../db/repo/deliveries.ts';
import { createDeliveryMetrics } from '../../delivery/metrics.ts';
import { timingSafeEqual } from '../../lib/hash.ts';
import type { AppEnv } from '../context.ts';

const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8';

const metricsRoute = createRoute({
  method: 'get',
  operationId: 'getMetrics',
  path: '/metrics',
  tags: ['Operator'],
  summary: 'Prometheus metrics: attempts by outcome, attempt latency, due deliveries, sweeper run time',
  description: 'Open unless `HOOKGATE_METRICS_TOKEN` is set; then it takes `Authorization: Bearer <that token>`.',
  security: [{}, { MetricsToken: [] }],
  responses: {
    200: {
      description: 'Prometheus text exposition format 0.0.4',
      content: { 'text/plain': { schema: z.string().openapi({ example: 'hookgate_deliveries_due 0\n' }) } },
    },
    401: {
      description: 'HOOKGATE_METRICS_TOKEN is set and the request does not carry it',
      content: { 'application/json': { schema: z.object({ detail: z.string() }) } },
    },
  },
});

/**
 * GET /metrics. Counters and histograms live in memory (per process); the due-work gauges are one
 * indexed query at scrape time, so the delivery path never pays for them.
 */
export function metricsApi() {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(metricsRoute, async (c) => {
    const { config, db, clock } = c.var.services;
    if (config.metricsToken) {
      const presented = bearerToken(c.req.header('Authorization')) ?? '';
      if (!timingSafeEqual(presented, config.metricsToken)) {
        c.header('WWW-Authenticate', 'Bearer');
        return c.json({ detail: 'Not authenticated' }, 401);
      }
    }
    const metrics = c.var.services.metrics ?? createDeliveryMetrics();
    const now = clock.now();
    const { due, oldest } = await countDue(db, now);
    metrics.dueWork(due, oldest === null ? 0 : Math.max(0, (now - oldest) / 1000));
    return c.text(metrics.registry.render(), 200, { 'Content-Type': PROMETHEUS_TEXT, 'Cache-Control': 'no-store' });
  });
  return app;
}
