import { createRoute, z } from '@hono/zod-openapi';
import { ErrorDetail, errorResponses } from '../fastapi-schemas.ts';

const security = [{ BearerJWT: [] }];
const tags = ['Webhooks'];
const dateTime = z.string().openapi({ format: 'date-time' });
const json = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } });
const ok = <T extends z.ZodType>(schema: T, description = 'Successful Response') => ({ description, content: json(schema) });

const webhookParam = z.object({ webhook_id: z.string().openapi({ example: 'wh_0123456789abcdef01234567' }) });
const deliveryParam = webhookParam.extend({ delivery_id: z.coerce.number().int().openapi({ type: 'integer', example: 42, param: { required: true } }) });
const paging = {
  page: z.coerce.number().int().min(1).default(1).openapi({ type: 'integer' }),
  per_page: z.coerce.number().int().min(1).max(100).default(20).openapi({ type: 'integer' }),
};
const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), total: z.number().int(), page: z.number().int(), per_page: z.number().int(), pages: z.number().int() });

const url = z.string().min(1).max(2083).pipe(z.url()).openapi({ example: 'https://api.example.com/webhooks' });
const events = z.array(z.string()).min(1).openapi({ example: ['invoice.created', 'INVOICE_STATUS_CHANGED'], description: 'Any catalogue name; stored canonical' });
const description = z.string().max(1000).nullish();
const ordering = z.enum(['none', 'fifo']).optional().openapi({ description: '`fifo`: strictly in event order; a failing head blocks the rest' });
const rateLimit = z.number().positive().max(10_000).nullish().openapi({ description: 'Deliveries per second; null removes the limit' });

export const Webhook = z
  .object({
    id: z.string(),
    tenant_id: z.string(),
    partner_id: z.string().nullable().openapi({ description: 'The tenant’s partner organisation' }),
    url: z.string(),
    events: z.array(z.string()),
    description: z.string().nullable(),
    is_active: z.boolean(),
    disabled_reason: z.string().nullable(),
    ordering: z.enum(['none', 'fifo']).openapi({ description: '`fifo`: deliveries are attempted strictly in event order' }),
    rate_limit: z.number().nullable().openapi({ description: 'Deliveries per second the engine sends at most; null = unlimited' }),
    created_at: dateTime,
    updated_at: dateTime,
  })
  .openapi('AdminWebhook');

export const Delivery = z
  .object({
    id: z.number().int(),
    webhook_id: z.string(),
    event_id: z.string(),
    event_type: z.string(),
    status: z.enum(['pending', 'succeeded', 'failed']),
    attempt_count: z.number().int(),
    next_attempt_at: dateTime.nullable(),
    last_status_code: z.number().int().nullable(),
    last_error: z.string().nullable(),
    created_at: dateTime,
    updated_at: dateTime,
    completed_at: dateTime.nullable(),
  })
  .openapi('AdminWebhookDelivery');

export const Attempt = z
  .object({
    id: z.number().int(),
    attempt_number: z.number().int(),
    trigger: z.enum(['fast_path', 'sweep', 'manual', 'test']),
    started_at: dateTime,
    duration_ms: z.number().int(),
    succeeded: z.boolean(),
    status_code: z.number().int().nullable(),
    error_class: z.string().nullable(),
    error_message: z.string().nullable(),
    request_url: z.string(),
    request_headers: z.record(z.string(), z.string()),
    response_headers: z.record(z.string(), z.string()).nullable(),
    response_body: z.string().nullable(),
  })
  .openapi('AdminWebhookAttempt');

const AttemptOutcome = z
  .object({
    delivery_id: z.number().int(),
    attempt_number: z.number().int(),
    succeeded: z.boolean(),
    status_code: z.number().int().nullable(),
    error_class: z.string().nullable(),
    error_message: z.string().nullable(),
    duration_ms: z.number().int(),
  })
  .openapi('AdminAttemptOutcome');

export const listWebhooks = createRoute({
  method: 'get',
  operationId: 'adminListWebhooks',
  path: '/',
  tags,
  summary: 'List Webhooks',
  description: 'List webhook endpoints.',
  security,
  request: {
    query: z.object({
      ...paging,
      tenant_id: z.string().min(1).nullish(),
      partner_id: z.string().min(1).nullish().openapi({ description: 'Filter by partner (all tenants in partner)' }),
    }),
  },
  responses: { 200: ok(pageOf(Webhook)), ...errorResponses },
});

export const createWebhook = createRoute({
  method: 'post',
  operationId: 'adminCreateWebhook',
  path: '/',
  tags,
  summary: 'Create Webhook',
  description: 'Create a new webhook endpoint. The signing secret is returned only in this response.',
  security,
  request: {
    body: {
      required: true,
      content: json(
        z
          .object({
            tenant_id: z.string().min(1),
            url,
            events,
            description,
            is_active: z.boolean().optional().openapi({ default: true }),
            secret: z.string().min(16).max(256).nullish().openapi({ description: 'Your own signing secret; generated (whsec_…) when absent' }),
            ordering,
            rate_limit: rateLimit,
          })
          .openapi('AdminWebhookCreate'),
      ),
    },
  },
  responses: { 201: ok(Webhook.extend({ secret: z.string() }), 'Webhook created'), ...errorResponses },
});

export const listSupportedEvents = createRoute({
  method: 'get',
  operationId: 'adminListSupportedEvents',
  path: '/events',
  tags,
  summary: 'List Supported Events',
  description: 'List supported event types for webhooks.',
  security,
  responses: {
    200: ok(z.object({ events: z.array(z.object({ event_type: z.string(), description: z.string(), aliases: z.array(z.string()) })) })),
    401: errorResponses[401],
    403: errorResponses[403],
    429: errorResponses[429],
  },
});

export const getWebhook = createRoute({
  method: 'get',
  operationId: 'adminGetWebhook',
  path: '/{webhook_id}',
  tags,
  summary: 'Get Webhook',
  description: 'Get a webhook by ID.',
  security,
  request: { params: webhookParam },
  responses: { 200: ok(Webhook), ...errorResponses },
});

export const updateWebhook = createRoute({
  method: 'patch',
  operationId: 'adminUpdateWebhook',
  path: '/{webhook_id}',
  tags,
  summary: 'Update Webhook',
  description: 'Update a webhook. `is_active: true` also re-enables an endpoint that was disabled after failing.',
  security,
  request: {
    params: webhookParam,
    body: {
      required: true,
      content: json(
        z
          .object({ url: url.optional(), events: events.optional(), description, is_active: z.boolean().optional(), ordering, rate_limit: rateLimit })
          .openapi('AdminWebhookUpdate'),
      ),
    },
  },
  responses: { 200: ok(Webhook), ...errorResponses },
});

export const deleteWebhook = createRoute({
  method: 'delete',
  operationId: 'adminDeleteWebhook',
  path: '/{webhook_id}',
  tags,
  summary: 'Delete Webhook',
  description: 'Delete a webhook.',
  security,
  request: { params: webhookParam },
  responses: { 204: { description: 'Successful Response' }, ...errorResponses },
});

export const listDeliveries = createRoute({
  method: 'get',
  operationId: 'adminListDeliveries',
  path: '/{webhook_id}/deliveries',
  tags,
  summary: 'List Webhook Deliveries',
  description: 'List delivery history for a webhook, newest first.',
  security,
  request: { params: webhookParam, query: z.object({ ...paging, status: z.enum(['pending', 'succeeded', 'failed']).nullish() }) },
  responses: { 200: ok(pageOf(Delivery)), ...errorResponses },
});

export const getDelivery = createRoute({
  method: 'get',
  operationId: 'adminGetDelivery',
  path: '/{webhook_id}/deliveries/{delivery_id}',
  tags,
  summary: 'Get Webhook Delivery',
  description: 'Get details of a specific delivery: its event data and every attempt.',
  security,
  request: { params: deliveryParam },
  responses: { 200: ok(Delivery.extend({ payload: z.unknown(), attempts: z.array(Attempt) })), ...errorResponses },
});

export const retryDelivery = createRoute({
  method: 'post',
  operationId: 'adminRetryDelivery',
  path: '/{webhook_id}/deliveries/{delivery_id}/retry',
  tags,
  summary: 'Retry Webhook Delivery',
  description: 'Manually retry a delivery now (failed ones included) and return the attempt’s outcome.',
  security,
  request: { params: deliveryParam },
  responses: {
    200: ok(z.object({ delivery_id: z.number().int(), retried: z.literal(true), attempt: AttemptOutcome })),
    ...errorResponses,
    409: { description: 'The delivery is being attempted right now', content: json(ErrorDetail) },
  },
});

export const rotateSecret = createRoute({
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

const nullableMs = z.number().int().nullable();
export const getStats = createRoute({
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
        blocked_by: z
          .number()
          .int()
          .nullable()
          .openapi({ description: 'fifo only: the delivery at the head that the others wait for, while it is being retried' }),
        rate_limit: z.number().nullable(),
      }),
    ),
    ...errorResponses,
  },
});

export const testWebhook = createRoute({
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

/**
 * The page lists the collection as `/api/v1/admin/webhooks/`; Hono's strict routing would answer
 * only the slash-less form. A parameter that matches the empty last segment serves the slashed
 * form too, hidden from the spec so the operation is not listed twice.
 */
const TRAILING_SLASH = '/:trailing_slash{.{0}}';
export const listWebhooksSlash = { ...listWebhooks, path: TRAILING_SLASH, hide: true } as const;
export const createWebhookSlash = { ...createWebhook, path: TRAILING_SLASH, hide: true } as const;

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

export const recoverDeliveries = createRoute({
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

export const getRecovery = createRoute({
  method: 'get',
  operationId: 'adminGetRecovery',
  path: '/{webhook_id}/recoveries/{job_id}',
  tags,
  summary: 'Get Recovery Progress',
  security,
  request: { params: webhookParam.extend({ job_id: z.string().max(64) }) },
  responses: { 200: ok(RecoveryJob), ...errorResponses },
});
