import type { OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../api/context.ts';
import type { SharedAnswers } from '../api/shared-answers.ts';
import type { SurfaceName } from '../catalogue.ts';
import type { Endpoint, EventRow } from '../db/schema.ts';
import type { ErrorFormatter } from '../errors.ts';

/**
 * One webhook-management API (a seed page) and every rule that differs between them: where it is
 * mounted, how callers authenticate, how its errors read, what its deliveries carry and how they are
 * signed, its secrets and which events its endpoints take. The app, the engine, the console and
 * publishing read these records (src/surfaces/index.ts); nothing outside this folder compares a
 * surface's name.
 */
export interface Surface {
  /** The value of `endpoints.surface` for the endpoints made through this API. */
  name: SurfaceName;
  /** How the console names it. */
  label: string;
  /** Where app.ts mounts `routes`. */
  mountPath: string;
  /** How callers authenticate: the middleware its routes run before their handlers. */
  authentication: readonly MiddlewareHandler<AppEnv>[];
  /** Its error wire format, for its routes and for paths under `mountPath` that no route matches. */
  errors: ErrorFormatter;
  /** The JSON object a delivery to one of its endpoints carries, before the event's `data` is added. */
  envelope(endpoint: Pick<Endpoint, 'tenant_id' | 'as2_partner_id'>, event: EventRow, timestamp: string): Record<string, unknown>;
  /** Whether deliveries also sign the body alone in `X-Webhook-Signature` (besides the Standard Webhooks headers). */
  signsBody: boolean;
  /** A fresh signing secret in this API's format. */
  newSecret(): string;
  /**
   * Which events its endpoints take: those the catalogue lists for `name` (src/catalogue.ts) and,
   * when partner-bound, only those published for the endpoint's own AS2 partner (see `endpointTakes`).
   */
  partnerBound: boolean;
  /** Its tag and its shared answers in the OpenAPI document. */
  documentation: { tag: { name: string; description: string }; sharedAnswers: SharedAnswers };
  /** Its router, mounted at `mountPath` (the `xxxApi()` factory of src/api/<surface>/, given this record's `SurfaceRouting`). */
  routes(): OpenAPIHono<AppEnv>;
}

/** What a surface's router takes from its record: its error format, its authentication and its secrets. */
export type SurfaceRouting = Pick<Surface, 'errors' | 'authentication' | 'newSecret'>;
