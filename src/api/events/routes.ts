import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses } from '../fastapi-schemas.ts';

export type EventInput = z.infer<typeof EventInput>;
export const EventInput = z
  .object({
    type: z.string().min(1).max(100).openapi({ example: 'invoice.created', description: 'Any name of a catalogue event: canonical, upper snake or Spanish' }),
    data: z.record(z.string(), z.unknown()).openapi({ example: { invoice_id: 'inv_abc123', status: 'submitted' } }),
    tenant_id: z.string().min(1).max(64).optional().openapi({ description: 'Required with a platform token; implied by an API key' }),
    partner_id: z.number().int().positive().optional().openapi({ description: 'The AS2 trading partner, for AS2 events' }),
    idempotency_key: z.string().min(1).max(255).optional(),
    occurred_at: z.iso.datetime({ offset: true }).optional(),
  })
  .openapi('EventInput');

const Accepted = z
  .object({
    event_id: z.string().openapi({ example: 'evt_0123456789abcdef01234567' }),
    deliveries: z.number().int(),
    warning: z.string().optional().openapi({ description: 'Why no endpoint takes the event, when the request can fix it (an AS2 event without `partner_id`)' }),
  })
  .openapi('EventAccepted');

/** A Bearer JWT, or a tenant API key raw in `Authorization`, as `Bearer <key>` or in `X-API-Key`. */
const security: Record<string, string[]>[] = [{ BearerJWT: [] }, { APIKeyHeader: [] }, { PartnerApiKey: [] }];

export const publishRoute = createRoute({
  method: 'post',
  operationId: 'publishEvent',
  path: '/',
  tags: ['Ingestion'],
  summary: 'Publish one event: it is stored with one delivery per matching endpoint, atomically',
  security,
  request: { body: { required: true, content: { 'application/json': { schema: EventInput } } } },
  responses: {
    202: { description: 'Accepted (also the answer to a replayed idempotency key)', content: { 'application/json': { schema: Accepted } } },
    ...errorResponses,
  },
});

export const MAX_BATCH = 1000;

export const publishBatchRoute = createRoute({
  method: 'post',
  operationId: 'publishEventBatch',
  path: '/batch',
  tags: ['Ingestion'],
  summary: `Publish up to ${MAX_BATCH} events in one transaction`,
  security,
  request: {
    body: { required: true, content: { 'application/json': { schema: z.object({ events: z.array(EventInput).min(1).max(MAX_BATCH) }) } } },
  },
  responses: {
    202: {
      description: 'Accepted',
      content: { 'application/json': { schema: z.object({ events: z.array(Accepted), deliveries: z.number().int() }) } },
    },
    ...errorResponses,
  },
});
