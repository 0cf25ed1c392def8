import type { OpenAPIHono } from '@hono/zod-openapi';
import { isUnder, SURFACES } from '../surfaces/index.ts';
import type { AppEnv } from './context.ts';
import { plainAnswers, type SharedAnswers } from './shared-answers.ts';

type Schema = Record<string, unknown>;
type Operation = { operationId?: string; security?: Record<string, string[]>[]; requestBody?: unknown; responses: Record<string, Schema> };
type Document = { paths: Record<string, Record<string, Operation>>; [key: string]: unknown };

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/**
 * The answers every route of a mount shares (src/api/shared-answers.ts): each surface's from the
 * registry, then the operator's and the ingestion's. Added to every operation of the document, so no
 * route can leave them out.
 */
const MOUNTS: readonly { prefix: string; answers: SharedAnswers }[] = [
  ...SURFACES.map((surface) => ({ prefix: surface.mountPath, answers: surface.documentation.sharedAnswers })),
  { prefix: '/api/v1/tenants', answers: plainAnswers('ErrorDetail') },
  { prefix: '/api/v1/admin/audit', answers: plainAnswers('ErrorDetail') },
  { prefix: '/api/v1/admin/events', answers: plainAnswers('ErrorDetail') },
  { prefix: '/api/v1/admin/tenants', answers: plainAnswers('ErrorDetail') },
  {
    prefix: '/api/v1/events',
    answers: plainAnswers('ErrorDetail', { tooLarge: 'Request body (`HOOKGATE_MAX_BODY_BYTES`) or an event’s `data` (`HOOKGATE_MAX_EVENT_BYTES`) too large' }),
  },
];

const RETRY_AFTER = { 'Retry-After': { description: 'Seconds to wait before the next request', schema: { type: 'integer', minimum: 1 } } };

/** Page 001 lists its collection with a trailing slash; the app serves both forms, so both are documented. */
const SLASHED_COLLECTIONS = ['/api/v1/admin/webhooks'];

const answersAt = (path: string) => MOUNTS.find(({ prefix }) => isUnder(path, prefix))?.answers;

function addSharedAnswers(path: string, method: string, operation: Operation): void {
  const surface = answersAt(path);
  if (!surface) return;
  const answer = (description: string, headers?: Schema) => ({ description, ...(headers ? { headers } : {}), content: { 'application/json': { schema: ref(surface.error) } } });
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
    Object.entries(item).map(([method, operation]) => [
      method,
      { ...operation, operationId: `${operation.operationId}Slash`, description: 'The same operation, at the path as page 001 lists it.' },
    ]),
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
      ...SURFACES.map((surface) => surface.documentation.tag),
      { name: 'Ingestion', description: 'Events in: each is stored with one delivery per matching endpoint' },
      { name: 'Operator', description: 'Tenants, API keys, AS2 partners, health and metrics' },
      { name: 'Audit', description: 'The audit log: every change made through the console or the APIs' },
      { name: 'Portal', description: 'Single-use links to a tenant’s own self-service portal' },
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
