import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { rotateAdminSecret } from '../../domain/admin-webhooks.ts';
import { endpointTarget } from '../../domain/audit.ts';
import { toIso } from '../../domain/endpoint-fields.ts';
import type { SurfaceRouting } from '../../surfaces/surface.ts';
import { noteChange } from '../audit.ts';
import type { AppEnv } from '../context.ts';
import { errorResponses } from '../fastapi-schemas.ts';
import { webhookInReach } from './reach.ts';
import { dateTime, ok, security, tags, webhookParam } from './schemas.ts';

/** A webhook's signing secret: rotation, with the previous secret signing on for a grace period. */

const rotateSecret = createRoute({
  method: 'post',
  operationId: 'adminRotateSecret',
  path: '/{webhook_id}/rotate-secret',
  tags,
  summary: 'Rotate Webhook Secret',
  description: 'Rotate a webhook’s signing secret. The previous secret keeps signing until `previous_secret_expires_at`.',
  security,
  request: { params: webhookParam },
  responses: { 200: ok(z.object({ id: z.string(), secret: z.string(), previous_secret_expires_at: dateTime.nullable() })), ...errorResponses },
});

export function registerSecretRotation(app: OpenAPIHono<AppEnv>, surface: SurfaceRouting): void {
  app.openapi(rotateSecret, async (c) => {
    const endpoint = await webhookInReach(c, c.req.valid('param').webhook_id);
    const { endpoint: rotated, secret } = await rotateAdminSecret(c.var.services, endpoint, surface.newSecret());
    await noteChange(c, { action: 'webhook.secret_rotated', target: endpointTarget(endpoint), changes: { secret: true } });
    return c.json({ id: rotated.id, secret, previous_secret_expires_at: toIso(rotated.previous_secret_expires_at) }, 200);
  });
}
