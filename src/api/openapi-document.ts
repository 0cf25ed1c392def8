import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from './context.ts';

type Schema = Record<string, unknown>;
type Operation = { operationId?: string; security?: Record<string, string[]>[]; requestBody?: unknown; responses: Record<string, Schema> };
type Document = { paths: Record<string, Record<string, Operation>>; [key: string]: unknown };

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/**
 * The answers middleware gives on every route of a surface, whatever the route declares: the body
 * limit (413), the content-type check (415 where the surface has one), the per-caller rate limit
 * (429 with `Retry-After`) and a write the store refused (503 with `Retry-After`, src/errors.ts).
 * Listed here by mount path, with each surface's error body, and added to every operation of the
 * document, so no route can leave them out.
 */
interface SharedAnswers {
  prefix: string;
  error: Schema;
  tooLarge: string;
  unsupportedMediaType?: string;
  rateLimited: string;
  unavailable: string;
}

const STORE_UNAVAILABLE = 'The store cannot take the write now (disk full, I/O error, read-only, D1 storage error): nothing was stored, retry after `Retry-After` seconds';

const SURFACES: readonly SharedAnswers[] = [
  { prefix: '/api/webhooks', error: ref('ErrorDetail'), tooLarge: 'Request body too large (`HOOKGATE_MAX_BODY_BYTES`)', rateLimited: 'Rate limit exceeded', unavailable: STORE_UNAVAILABLE },
  { prefix: '/api/v1/admin/webhooks', error: ref('ErrorDetail'), tooLarge: 'Request body too large (`HOOKGATE_MAX_BODY_BYTES`)', rateLimited: 'Rate limit exceeded', unavailable: STORE_UNAVAILABLE },
  { prefix: '/api/v1/tenants', error: ref('ErrorDetail'), tooLarge: 'Request body too large (`HOOKGATE_MAX_BODY_BYTES`)', rateLimited: 'Rate limit exceeded', unavailable: STORE_UNAVAILABLE },
  {
    prefix: '/api/v1/events',
    error: ref('ErrorDetail'),
    tooLarge: 'Request body (`HOOKGATE_MAX_BODY_BYTES`) or an event’s `data` (`HOOKGATE_MAX_EVENT_BYTES`) too large',
    rateLimited: 'Rate limit exceeded',
    unavailable: STORE_UNAVAILABLE,
  },
  { prefix: '/subscription-management', error: ref('SubscriptionError'), tooLarge: 'Request body too large (`HOOKGATE_MAX_BODY_BYTES`)', rateLimited: 'Rate limit exceeded', unavailable: STORE_UNAVAILABLE },
  {
    prefix: '/api/v1/webhooks',
    error: ref('As2Error'),
    tooLarge: '`Cuerpo demasiado grande`: request body over `HOOKGATE_MAX_BODY_BYTES`',
    unsupportedMediaType: '`Content-Type debe ser application/json`',
    rateLimited: '`Demasiadas solicitudes`: rate limit exceeded',
    unavailable: `\`Servicio no disponible temporalmente, reintente más tarde\`: ${STORE_UNAVAILABLE}`,
  },
];

const RETRY_AFTER = { 'Retry-After': { description: 'Seconds to wait before the next request', schema: { type: 'integer', minimum: 1 } } };

/** Page 001 lists its collection with a trailing slash; the app serves both forms, so both are documented. */
const SLASHED_COLLECTIONS = ['/api/v1/admin/webhooks'];

const surfaceOf = (path: string) => SURFACES.find(({ prefix }) => path === prefix || path.startsWith(`${prefix}/`));

function addSharedAnswers(path: string, method: string, operation: Operation): void {
  const surface = surfaceOf(path);
  if (!surface) return;
  const answer = (description: string, headers?: Schema) => ({ description, ...(headers ? { headers } : {}), content: { 'application/json': { schema: surface.error } } });
  const { responses } = operation;
  if (method !== 'get') {
    responses['413'] ??= answer(surface.tooLarge);
    responses['503'] ??= answer(surface.unavailable, RETRY_AFTER);
    if (surface.unsupportedMediaType && operation.requestBody) responses['415'] ??= answer(surface.unsupportedMediaType);
  }
  if (operation.security?.length) {
    const declared = responses['429'];
    responses['429'] = { ...answer(surface.rateLimited), ...declared, headers: RETRY_AFTER };
  }
}

/** The slashed twin of a collection path, each operation with its own id. */
function slashedTwin(item: Record<string, Operation>): Record<string, Operation> {
  return Object.fromEntries(
    Object.entries(item).map(([method, operation]) => [method, { ...operation, operationId: `${operation.operationId}Slash`, description: 'The same operation, at the path as page 001 lists it.' }]),
  );
}

/** The service's OpenAPI 3.1 document: the routes' own declarations, completed with what every route of a surface shares. */
export function openApiDocument(app: OpenAPIHono<AppEnv>, version: string): Document {
  const document = app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'hookgate',
      version,
      description: 'Four webhook-management APIs over one store and one delivery engine.',
      license: { name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' },
      contact: { name: 'hookgate', url: 'https://github.com/hookgate/hookgate' },
    },
    servers: [{ url: '/', description: 'This hookgate server' }],
    tags: [
      { name: 'Sponsor webhooks', description: 'Page 000: one webhook per sponsor, raw API key' },
      { name: 'Webhooks', description: 'Page 001: webhook administration across tenants, Bearer JWT' },
      { name: 'Subscription management', description: 'Page 002: subscriptions with outbound OAuth2, Basic or API-key authentication' },
      { name: 'AS2 partner webhooks', description: 'Page 003: the legacy AS2 partner API, POST only, Spanish aliases' },
      { name: 'Ingestion', description: 'Events in: each is stored with one delivery per matching endpoint' },
      { name: 'Operator', description: 'Tenants, API keys, AS2 partners, health and metrics' },
    ],
  }) as unknown as Document;
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) addSharedAnswers(path, method, operation);
  }
  for (const path of SLASHED_COLLECTIONS) {
    const item = document.paths[path];
    if (item) document.paths[`${path}/`] = slashedTwin(item);
  }
  return document;
}
