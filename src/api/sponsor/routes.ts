import { createRoute, z } from '@hono/zod-openapi';
import { ErrorDetail, errorResponses as fastApiErrorResponses } from '../fastapi-schemas.ts';

const detail = ErrorDetail;
const errorResponses = { 401: fastApiErrorResponses[401], 422: fastApiErrorResponses[422], 429: fastApiErrorResponses[429] };

const security = [{ APIKeyHeader: [] }];

export const WebhookEventPayload = z
  .object({
    event_id: z.string().openapi({ example: 'evt_abc123def456' }),
    event_type: z.string().openapi({ example: 'invoice.created' }),
    timestamp: z.string().openapi({ format: 'date-time' }),
    sponsor_id: z.string().openapi({ example: 'sandbox-sponsor-1' }),
    data: z.record(z.string(), z.unknown()),
  })
  .openapi('WebhookEventPayload');

export const listEventTypes = createRoute({
  method: 'get',
  operationId: 'sponsorListEventTypes',
  path: '/event-types',
  tags: ['Sponsor webhooks'],
  summary: 'Get information about available webhook event types and their payload structures',
  security,
  responses: {
    200: {
      description: 'List of available webhook event types',
      content: {
        'application/json': {
          schema: z.object({
            event_types: z.array(z.object({ event_type: z.string(), description: z.string(), example_payload: WebhookEventPayload })),
          }),
        },
      },
    },
    401: errorResponses[401],
    429: errorResponses[429],
  },
});

export const WebhookResponse = z
  .object({
    webhook_id: z.string(),
    url: z.string(),
    events: z.array(z.string()),
    is_active: z.boolean(),
    disabled_reason: z.string().nullable().openapi({ description: 'Why hookgate disabled the webhook (`gone`: the receiver answered 410), null while active' }),
    created_at: z.string().openapi({ format: 'date-time' }),
    last_triggered_at: z.string().nullable().openapi({ format: 'date-time' }),
  })
  .openapi('WebhookResponse');

export const getWebhook = createRoute({
  method: 'get',
  operationId: 'sponsorGetWebhook',
  path: '/',
  tags: ['Sponsor webhooks'],
  summary: 'Get the current webhook configuration for this sponsor (the secret is never included)',
  security,
  responses: {
    200: { description: 'Successful Response', content: { 'application/json': { schema: WebhookResponse } } },
    401: errorResponses[401],
    429: errorResponses[429],
    404: { description: 'No webhook configured', content: { 'application/json': { schema: detail } } },
  },
});

export const WebhookCreateRequest = z
  .object({
    url: z.string().min(1).max(2083).pipe(z.url()).openapi({ example: 'https://api.example.com/webhooks/pdp' }),
    events: z
      .array(z.string())
      .nullable()
      .optional()
      .openapi({ example: ['invoice.created'], description: 'Event types to subscribe to. If not provided, subscribes to all events.' }),
  })
  .openapi('WebhookCreateRequest');

export const createWebhook = createRoute({
  method: 'post',
  operationId: 'sponsorCreateWebhook',
  path: '/',
  tags: ['Sponsor webhooks'],
  summary: 'Create the webhook for the sponsor (one per sponsor; the secret is returned only here)',
  security,
  request: { body: { required: true, content: { 'application/json': { schema: WebhookCreateRequest } } } },
  responses: {
    201: {
      description: 'Webhook created successfully',
      content: {
        'application/json': {
          schema: z
            .object({
              webhook_id: z.string().openapi({ example: 'webhook_abc123def456' }),
              url: z.string(),
              secret: z.string().openapi({ example: 'a1b2c3d4...64char_hex_secret' }),
              events: z.array(z.string()),
              created_at: z.string().openapi({ format: 'date-time' }),
              message: z.string().default('Webhook created successfully'),
            })
            .openapi('WebhookCreateResponse'),
        },
      },
    },
    ...errorResponses,
    409: { description: 'The sponsor already has a webhook', content: { 'application/json': { schema: detail } } },
  },
});

export const deleteWebhook = createRoute({
  method: 'delete',
  operationId: 'sponsorDeleteWebhook',
  path: '/',
  tags: ['Sponsor webhooks'],
  summary: 'Delete the webhook configuration for this sponsor',
  security,
  responses: {
    204: { description: 'Successful Response' },
    401: errorResponses[401],
    429: errorResponses[429],
    404: { description: 'No webhook configured', content: { 'application/json': { schema: detail } } },
  },
});
