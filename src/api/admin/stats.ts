import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { endpointDeliveryStats } from '../../db/repo/delivery-stats.ts';
import { toStatsJson } from '../../domain/admin-views.ts';
import { blockingHead } from '../../domain/recovery.ts';
import type { AppEnv } from '../context.ts';
import { errorResponses } from '../fastapi-schemas.ts';
import { webhookInReach } from './reach.ts';
import { dateTime, ok, security, tags, webhookParam } from './schemas.ts';

/** A webhook's delivery statistics, circuit and ordering state. */

const nullableMs = z.number().int().nullable();
const getStats = createRoute({
  method: 'get',
  operationId: 'adminGetStats',
  path: '/{webhook_id}/stats',
  tags,
  summary: 'Get Webhook Stats',
  description: 'Get delivery statistics for a webhook.',
  security,
  request: { params: webhookParam },
  responses: {
    200: ok(
      z.object({
        webhook_id: z.string(),
        total: z.number().int(),
        by_status: z.object({ pending: z.number().int(), succeeded: z.number().int(), failed: z.number().int() }),
        success_rate: z.number().nullable().openapi({ description: 'succeeded / (succeeded + failed); null before any finished' }),
        attempts: z.number().int(),
        latency_ms: z.object({ p50: nullableMs, p95: nullableMs, p99: nullableMs }),
        last_success_at: dateTime.nullable(),
        last_failure_at: dateTime.nullable(),
        circuit: z.object({
          state: z.enum(['closed', 'open', 'half_open']),
          consecutive_failures: z.number().int(),
          opened_at: dateTime.nullable(),
          retry_at: dateTime.nullable().openapi({ description: 'When the next probe may be sent' }),
        }),
        ordering: z.enum(['none', 'fifo']),
        blocked_by: z.number().int().nullable().openapi({ description: 'fifo only: the delivery at the head that the others wait for, while it is being retried' }),
        rate_limit: z.number().nullable(),
      }),
    ),
    ...errorResponses,
  },
});

export function registerStats(app: OpenAPIHono<AppEnv>): void {
  app.openapi(getStats, async (c) => {
    const endpoint = await webhookInReach(c, c.req.valid('param').webhook_id);
    const [stats, head] = await Promise.all([endpointDeliveryStats(c.var.services.db, endpoint.id), blockingHead(c.var.services.db, endpoint)]);
    return c.json(toStatsJson(endpoint, stats, head), 200);
  });
}
