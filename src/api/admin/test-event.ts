import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { toTestResultJson } from '../../domain/admin-views.ts';
import { endpointTarget } from '../../domain/audit.ts';
import { sendTestEvent } from '../../domain/test-event.ts';
import { noteChange } from '../audit.ts';
import type { AppEnv } from '../context.ts';
import { errorResponses } from '../fastapi-schemas.ts';
import { webhookInReach } from './reach.ts';
import { ok, security, tags, webhookParam } from './schemas.ts';

/** Sending a test event to a webhook now. */

const testWebhook = createRoute({
  method: 'post',
  operationId: 'adminTestWebhook',
  path: '/{webhook_id}/test',
  tags,
  summary: 'Test Webhook',
  description: 'Send a test event to a webhook now and report the outcome. The delivery appears in its history.',
  security,
  request: { params: webhookParam },
  responses: {
    200: ok(
      z.object({
        success: z.boolean(),
        status_code: z.number().int().nullable(),
        duration_ms: z.number().int().nullable(),
        error: z.string().nullable(),
        delivery_id: z.number().int().nullable(),
        event_id: z.string(),
        event_type: z.string(),
      }),
    ),
    ...errorResponses,
  },
});

export function registerTestEvent(app: OpenAPIHono<AppEnv>): void {
  app.openapi(testWebhook, async (c) => {
    const endpoint = await webhookInReach(c, c.req.valid('param').webhook_id);
    const result = await sendTestEvent(c.var.services, endpoint);
    await noteChange(c, { action: 'webhook.tested', target: endpointTarget(endpoint), changes: { delivery_id: result.outcome?.delivery_id ?? null } });
    return c.json(toTestResultJson(result), 200);
  });
}
