import { createRoute, z } from '@hono/zod-openapi';
import { headerNameProblem, SUBSCRIPTION_EVENT_NAMES } from '../../domain/subscriptions.ts';

const security = [{ BearerJWT: [] }];
const tags = ['Subscription management'];

export const SubscriptionError = z
  .object({
    status: z.number().int().openapi({ example: 400 }),
    error: z.string().openapi({ example: 'Bad Request' }),
    message: z.string().openapi({ example: 'Invalid subscription ID format' }),
    violations: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .openapi('SubscriptionError');

const error = (description: string) => ({ description, content: { 'application/json': { schema: SubscriptionError } } });
const unauthorized = error('Missing, invalid or expired token, or a token without sub or tenant_id');
const notFound = error('Subscription not found (or owned by another subscriber)');
const rateLimited = error('Rate limit exceeded; retry after `Retry-After` seconds');

/** Any 8-4-4-4-12 hexadecimal UUID; anything else is a 400 before the lookup. */
const UUID_SHAPE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const idParam = z.object({
  id: z
    .string()
    .regex(UUID_SHAPE, 'Invalid subscription ID format')
    .transform((id) => id.toLowerCase())
    .openapi({ param: { name: 'id', in: 'path' }, description: 'Subscription identifier (UUID format).', example: 'a3f1c2d4-1234-5678-abcd-ef0123456789' }),
});

const httpUrl = z.url({ protocol: /^https?$/, error: (issue) => (issue.code === 'invalid_format' ? 'Invalid URL' : undefined) }).max(2083);
/** Values that end up in request headers must not carry CR, LF or other control characters. */
const hasNoControl = (value: string) => ![...value].some((char) => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f);
const credential = (name: string) => z.string().min(1, `${name} must not be empty`).max(4096).refine(hasNoControl, `${name} must not contain control characters`);

const OAuth2Authentication = z
  .strictObject({
    method: z.literal('OAUTH2'),
    clientId: credential('clientId').openapi({ example: 'my-client-id' }),
    clientSecret: credential('clientSecret').openapi({ example: 'my-client-secret', writeOnly: true }),
    tokenUrl: httpUrl.openapi({ example: 'https://auth.your-server.com/oauth/token' }),
  })
  .openapi('OAuth2Authentication');

const BasicAuthentication = z
  .strictObject({
    method: z.literal('BASIC_AUTH'),
    username: credential('username')
      .refine((value) => !value.includes(':'), 'username must not contain ":"')
      .openapi({ example: 'webhook-user' }),
    password: credential('password').openapi({ example: 's3cr3t', writeOnly: true }),
  })
  .openapi('BasicAuthentication');

const ApiKeyAuthentication = z
  .strictObject({
    method: z.literal('API_KEY'),
    headerName: z
      .string()
      .min(1, 'headerName must not be empty')
      .max(256)
      .superRefine((value, ctx) => {
        const problem = headerNameProblem(value);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .openapi({ example: 'X-API-Key' }),
    key: credential('key').openapi({ example: 'my-secret-api-key', writeOnly: true }),
  })
  .openapi('ApiKeyAuthentication');

const Authentication = z
  .discriminatedUnion('method', [OAuth2Authentication, BasicAuthentication, ApiKeyAuthentication], {
    error: (issue) => (issue.code === 'invalid_union' ? 'method must be one of OAUTH2, BASIC_AUTH, API_KEY' : undefined),
  })
  .openapi({ description: 'How the platform authenticates itself when delivering notifications.' });

/** A string first, so a missing eventType reads "Field required" like the other fields. */
const EventTypeName = z
  .string()
  .pipe(z.enum(SUBSCRIPTION_EVENT_NAMES as [string, ...string[]], { error: `eventType must be one of ${SUBSCRIPTION_EVENT_NAMES.join(', ')}` }))
  .openapi({ type: 'string', enum: [...SUBSCRIPTION_EVENT_NAMES] });

const requestFields = {
  notificationUrl: httpUrl.openapi({ example: 'https://your-server.com/webhook', description: 'HTTPS endpoint that will receive event notifications.' }),
  eventType: EventTypeName.openapi({ example: 'DOCUMENT_STATUS_CHANGED' }),
  description: z.string().max(500).nullable().optional().openapi({ example: 'Production listener' }),
  authentication: Authentication,
};

export const WebhookSubscriptionRequest = z.strictObject(requestFields).openapi('WebhookSubscriptionRequest');
export const WebhookSubscriptionUpdateRequest = z.strictObject(requestFields).openapi('WebhookSubscriptionUpdateRequest');

export const WebhookSubscriptionResponse = z
  .object({
    id: z.string().openapi({ example: 'a3f1c2d4-1234-5678-abcd-ef0123456789' }),
    notificationUrl: z.string(),
    eventType: z.string().openapi({ example: 'DOCUMENT_STATUS_CHANGED' }),
    description: z.string().nullable(),
    authentication: z.discriminatedUnion('method', [
      z.object({ method: z.literal('OAUTH2'), clientId: z.string(), tokenUrl: z.string() }),
      z.object({ method: z.literal('BASIC_AUTH'), username: z.string() }),
      z.object({ method: z.literal('API_KEY'), headerName: z.string() }),
    ]),
    enabled: z.boolean().openapi({ description: 'False once hookgate has disabled the subscription; a PUT enables it again' }),
    disabledReason: z.string().nullable().openapi({ description: 'Why it was disabled (`gone`: the receiver answered 410), null while enabled' }),
    createdAt: z.string().openapi({ format: 'date-time' }),
    updatedAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('WebhookSubscriptionResponse');

const json = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } });

export const listSubscriptions = createRoute({
  method: 'get',
  operationId: 'listSubscriptions',
  path: '/',
  tags,
  summary: 'List webhook subscriptions of the authenticated subscriber (credential values are never returned)',
  security,
  responses: {
    200: { description: 'List of subscriptions', content: json(z.array(WebhookSubscriptionResponse)) },
    401: unauthorized,
    429: rateLimited,
  },
});

export const getSubscription = createRoute({
  method: 'get',
  operationId: 'getSubscription',
  path: '/{id}',
  tags,
  summary: 'Get webhook subscription',
  security,
  request: { params: idParam },
  responses: {
    200: { description: 'Subscription found', content: json(WebhookSubscriptionResponse) },
    400: error('Invalid subscription ID format'),
    401: unauthorized,
    429: rateLimited,
    404: notFound,
  },
});

export const createSubscription = createRoute({
  method: 'post',
  operationId: 'createSubscription',
  path: '/',
  tags,
  summary: 'Create webhook subscription',
  security,
  request: { body: { required: true, content: json(WebhookSubscriptionRequest) } },
  responses: {
    201: { description: 'Subscription created', content: json(WebhookSubscriptionResponse) },
    400: error('Invalid request parameters'),
    401: unauthorized,
    429: rateLimited,
  },
});

export const updateSubscription = createRoute({
  method: 'put',
  operationId: 'updateSubscription',
  path: '/{id}',
  tags,
  summary: 'Update webhook subscription (every field is replaced)',
  security,
  request: { params: idParam, body: { required: true, content: json(WebhookSubscriptionUpdateRequest) } },
  responses: {
    200: { description: 'Subscription updated', content: json(WebhookSubscriptionResponse) },
    400: error('Invalid request parameters'),
    401: unauthorized,
    429: rateLimited,
    404: notFound,
  },
});

export const deleteSubscription = createRoute({
  method: 'delete',
  operationId: 'deleteSubscription',
  path: '/{id}',
  tags,
  summary: 'Delete webhook subscription',
  security,
  request: { params: idParam },
  responses: {
    204: { description: 'Subscription deleted' },
    400: error('Invalid subscription ID format'),
    401: unauthorized,
    429: rateLimited,
    404: notFound,
  },
});
