import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { countRecoverable, findRecovery, startRecovery, toRecoveryJson } from '../../domain/recovery.ts';
import { notFound } from '../../errors.ts';
import { noteChange } from '../audit.ts';
import type { AppEnv } from '../context.ts';
import { errorResponses } from '../fastapi-schemas.ts';
import { webhookInReach } from './reach.ts';
import { dateTime, json, ok, security, tags, webhookParam } from './schemas.ts';

/** Recovery: re-scheduling a webhook's past deliveries in a time range, and the job's progress. */

const RecoveryJob = z
  .object({
    id: z.string(),
    webhook_id: z.string(),
    state: z.enum(['running', 'done']),
    since: dateTime,
    until: dateTime.nullable(),
    status: z.enum(['failed', 'succeeded', 'all']),
    total: z.number().int(),
    done: z.number().int().openapi({ description: 'Deliveries re-scheduled so far' }),
    skipped: z.number().int().openapi({ description: 'Matching deliveries already scheduled or in flight: left alone' }),
    created_at: dateTime,
    finished_at: dateTime.nullable(),
  })
  .openapi('RecoveryJob');

const recoverDeliveries = createRoute({
  method: 'post',
  operationId: 'adminRecoverDeliveries',
  path: '/{webhook_id}/recover',
  tags,
  summary: 'Recover Webhook Deliveries',
  description:
    'Re-schedules every delivery of this webhook created in [since, until) with the given status (default `failed`). `dry_run` answers the count only. Deliveries already scheduled or in flight are skipped, never attempted twice.',
  security,
  request: {
    params: webhookParam,
    body: {
      required: true,
      content: json(
        z
          .object({
            since: z.iso.datetime({ offset: true }),
            until: z.iso.datetime({ offset: true }).nullish(),
            status: z.enum(['failed', 'succeeded', 'all']).default('failed'),
            dry_run: z.boolean().default(false),
          })
          .openapi('RecoveryRequest'),
      ),
    },
  },
  responses: {
    200: ok(z.object({ dry_run: z.literal(true), count: z.number().int() }), 'Dry run: how many deliveries would be re-scheduled'),
    202: ok(RecoveryJob, 'Recovery started'),
    ...errorResponses,
  },
});

const getRecovery = createRoute({
  method: 'get',
  operationId: 'adminGetRecovery',
  path: '/{webhook_id}/recoveries/{job_id}',
  tags,
  summary: 'Get Recovery Progress',
  security,
  request: { params: webhookParam.extend({ job_id: z.string().max(64) }) },
  responses: { 200: ok(RecoveryJob), ...errorResponses },
});

export function registerRecovery(app: OpenAPIHono<AppEnv>): void {
  app.openapi(recoverDeliveries, async (c) => {
    const endpoint = await webhookInReach(c, c.req.valid('param').webhook_id);
    const body = c.req.valid('json');
    const range = { since: Date.parse(body.since), until: body.until ? Date.parse(body.until) : null, status: body.status };
    if (body.dry_run) return c.json({ dry_run: true as const, count: await countRecoverable(c.var.services.db, endpoint.id, range) }, 200);
    const job = await startRecovery(c.var.services.db, endpoint, range, c.var.services.clock.now());
    await noteChange(c, {
      action: 'recovery.started',
      target: { type: 'recovery', id: job.id, tenantId: endpoint.tenant_id },
      changes: { webhook_id: endpoint.id, since: body.since, until: body.until, status: body.status },
    });
    return c.json(toRecoveryJson(job), 202);
  });

  app.openapi(getRecovery, async (c) => {
    const { webhook_id, job_id } = c.req.valid('param');
    const endpoint = await webhookInReach(c, webhook_id);
    const job = await findRecovery(c.var.services.db, endpoint.id, job_id);
    if (!job) throw notFound('Recovery not found');
    return c.json(toRecoveryJson(job), 200);
  });
}
