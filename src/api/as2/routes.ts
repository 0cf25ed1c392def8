import { createRoute, z } from '@hono/zod-openapi';

/**
 * Page 003 (legacy AS2 partner webhooks), mounted at /api/v1/webhooks: four POST routes with a
 * JSON body. Legacy clients send Spanish aliases and numbers as strings; `legacyBody` folds
 * those into the English fields before validation, so every schema below sees one shape.
 */

const security: Record<string, string[]>[] = [{ APIKeyHeader: [] }, { PartnerApiKey: [] }];
const tags = ['AS2 partner webhooks'];

/** Spanish alias → English field; the alias is used only when the English field is absent. */
const ALIASES: readonly [alias: string, field: string][] = [
  ['socio_id', 'partner_id'],
  ['webhook_activo', 'webhook_enabled'],
  ['webhook_eventos', 'webhook_events'],
];

const DIGITS = /^\d{1,16}$/;

/** Copies aliases onto absent English fields; digit strings become numbers; a null or empty id counts as missing. */
function normaliseLegacy(input: unknown, numericFields: readonly string[]): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  const body: Record<string, unknown> = { ...input };
  for (const [alias, field] of ALIASES) {
    if (body[field] === undefined && body[alias] !== undefined) body[field] = body[alias];
    delete body[alias];
  }
  if (body.partner_id === null || body.partner_id === '') delete body.partner_id;
  for (const field of numericFields) {
    const value = body[field];
    if (typeof value === 'string' && DIGITS.test(value.trim())) body[field] = Number(value.trim());
  }
  return body;
}

/** The declared input is any JSON object: the aliases and string numbers are what the schema does not name. */
const legacyBody = <T extends z.ZodType>(schema: T, numericFields: readonly string[] = ['partner_id']) =>
  z.preprocess((input: Record<string, unknown>) => normaliseLegacy(input, numericFields), schema);

const partnerId = z
  .number()
  .int()
  .min(1)
  .max(Number.MAX_SAFE_INTEGER)
  .openapi({ type: ['integer', 'string'], pattern: DIGITS.source, example: 123, description: 'The AS2 partner (alias `socio_id`): a number, or a string of 1 to 16 digits' });

/**
 * The Spanish aliases, as the document lists them: each is accepted in place of its English field
 * (which wins when both are sent). `legacyBody` removes them before validation, so they never reach a handler.
 */
const spanishAliases = {
  socio_id: partnerId.optional().openapi({ description: 'Alias of `partner_id`, used when `partner_id` is absent' }),
  webhook_activo: z
    .unknown()
    .optional()
    .openapi({ type: ['boolean', 'integer'], description: 'Alias of `webhook_enabled`' }),
  webhook_eventos: z
    .unknown()
    .optional()
    .openapi({ type: ['array', 'null'], items: { type: 'string' }, description: 'Alias of `webhook_events`' }),
};
/** A request of this page: `partner_id` or its alias `socio_id` is required (the schema cannot say "one of two names"). */
const withAliases = <T extends z.ZodRawShape, A extends keyof typeof spanishAliases>(shape: T, aliases: readonly A[]) => {
  const listed = Object.fromEntries(aliases.map((alias) => [alias, spanishAliases[alias]])) as Pick<typeof spanishAliases, A>;
  return z.object({ ...shape, ...listed }).openapi({ required: [] });
};

const enabled = z
  .union([z.boolean(), z.literal(0), z.literal(1)])
  .transform((value) => value === true || value === 1)
  .openapi({ type: 'boolean', description: 'Alias `webhook_activo`; 1/0 are accepted too' });

export const ConfigureRequest = withAliases(
  {
    partner_id: partnerId,
    webhook_url: z.string().min(1).max(2083).optional().openapi({ example: 'https://myapp.com/webhook/as2' }),
    webhook_secret: z.string().min(1).max(512).optional().openapi({ example: 'my_secret', description: 'Stored encrypted, never returned' }),
    webhook_enabled: enabled.optional(),
    webhook_events: z
      .array(z.string().max(100))
      .max(50)
      .nullable()
      .optional()
      .openapi({
        example: ['message.received', 'mdn.received'],
        description: 'Alias `webhook_eventos`; English or Spanish names. Empty or null: every AS2 event',
      }),
  },
  ['socio_id', 'webhook_activo', 'webhook_eventos'],
).openapi('As2ConfigureRequest');

const PartnerRequest = withAliases({ partner_id: partnerId }, ['socio_id']).openapi('As2PartnerRequest');

const LogsRequest = withAliases(
  {
    partner_id: partnerId,
    limit: z.number().int().min(1).max(500).default(50).openapi({ description: 'A digit string is accepted too' }),
    offset: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0).openapi({ description: 'A digit string is accepted too' }),
  },
  ['socio_id'],
).openapi('As2LogsRequest');

export const As2Error = z.object({ status: z.literal('error'), msg: z.string().openapi({ example: 'Socio no encontrado' }) }).openapi('As2Error');

const json = (schema: z.ZodType) => ({ 'application/json': { schema } });
const body = <T extends z.ZodType>(schema: T) => ({ body: { required: true, content: { 'application/json': { schema } } } });

const errors = {
  400: { description: 'Missing or invalid field, e.g. `Campo requerido: socio_id`, `Evento no válido: x`', content: json(As2Error) },
  401: { description: '`No autorizado`: missing or unknown API key', content: json(As2Error) },
  404: { description: '`Socio no encontrado` (not in the current site) or `Webhook no configurado`', content: json(As2Error) },
  429: { description: '`Demasiadas solicitudes`: rate limit exceeded; retry after `Retry-After` seconds', content: json(As2Error) },
} as const;

const dateTime = z.string().openapi({ format: 'date-time' });

export const configureWebhook = createRoute({
  method: 'post',
  operationId: 'as2ConfigureWebhook',
  path: '/configure',
  tags,
  summary: 'Configure the webhook of a partner (the first call creates it; later calls change only the fields given)',
  security,
  request: body(legacyBody(ConfigureRequest)),
  responses: {
    200: {
      description: 'Webhook configured',
      content: json(z.object({ status: z.literal('success'), msg: z.string().openapi({ example: 'Webhook configured' }) })),
    },
    ...errors,
  },
});

export const getWebhook = createRoute({
  method: 'post',
  operationId: 'as2GetWebhook',
  path: '/get',
  tags,
  summary: 'Get the persisted webhook configuration of a partner (never the secret)',
  security,
  request: body(legacyBody(PartnerRequest)),
  responses: {
    200: {
      description: 'The configuration',
      content: json(
        z.object({
          status: z.literal('success'),
          data: z.object({
            partner_id: z.number(),
            webhook_url: z.string(),
            webhook_enabled: z.boolean(),
            webhook_events: z.array(z.string()),
            webhook_eventos: z.array(z.string()),
            webhook_activo: z.boolean(),
            disabled_reason: z.string().nullable().openapi({ description: 'Why hookgate disabled the webhook (`gone`: the receiver answered 410), null while active' }),
            has_secret: z.boolean(),
            created_at: dateTime,
            updated_at: dateTime,
          }),
        }),
      ),
    },
    ...errors,
  },
});

const testResult = {
  http_code: z.number().nullable(),
  requested_event_name: z.string().openapi({ example: 'mensaje.recibido' }),
  event_name: z.string().openapi({ example: 'mensaje.recibido' }),
  event: z.string().openapi({ example: 'message.received' }),
};

export const testWebhook = createRoute({
  method: 'post',
  operationId: 'as2TestWebhook',
  path: '/test',
  tags,
  summary: 'Send a test delivery with the first configured event (message.received when none)',
  security,
  request: body(legacyBody(PartnerRequest)),
  responses: {
    200: {
      description: 'The test ran; `status` says whether the receiver accepted it',
      content: json(z.union([z.object({ status: z.literal('success'), ...testResult }), z.object({ status: z.literal('error'), ...testResult, msg: z.string() })])),
    },
    ...errors,
    409: { description: '`Webhook no activo`: the webhook is disabled', content: json(As2Error) },
  },
});

export const listLogs = createRoute({
  method: 'post',
  operationId: 'as2ListLogs',
  path: '/logs',
  tags,
  summary: 'List the delivery logs of a partner’s webhook, newest first',
  security,
  request: body(legacyBody(LogsRequest, ['partner_id', 'limit', 'offset'])),
  responses: {
    200: {
      description: 'Delivery logs',
      content: json(
        z.object({
          status: z.literal('success'),
          total: z.number(),
          limit: z.number(),
          offset: z.number(),
          logs: z.array(
            z.object({
              id: z.number(),
              event_id: z.string(),
              event: z.string().openapi({ example: 'message.received' }),
              event_name: z.string().openapi({ example: 'mensaje.recibido' }),
              status: z.enum(['pending', 'succeeded', 'failed']),
              attempts: z.number(),
              http_code: z.number().nullable(),
              error: z.string().nullable(),
              created_at: dateTime,
              delivered_at: dateTime.nullable(),
            }),
          ),
        }),
      ),
    },
    ...errors,
  },
});

/** The four paths, for the 405 answer to any other method. */
export const AS2_PATHS = ['/configure', '/get', '/test', '/logs'] as const;
