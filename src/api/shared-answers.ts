/**
 * How the OpenAPI document describes the answers middleware gives on every route of a mount,
 * whatever the route declares: the body limit (413), the content-type check (415 where the mount has
 * one), the per-caller rate limit (429 with `Retry-After`) and a write the store refused (503 with
 * `Retry-After`, src/errors.ts). src/api/openapi-document.ts adds them to every operation.
 */
export interface SharedAnswers {
  /** The component schema of the mount's error body. */
  error: string;
  tooLarge: string;
  unsupportedMediaType?: string;
  rateLimited: string;
  unavailable: string;
}

export const STORE_UNAVAILABLE = 'The store cannot take the write now (disk full, I/O error, read-only, D1 storage error): nothing was stored, retry after `Retry-After` seconds';

/** The plain English answers, with `error` as the body's schema. */
export const plainAnswers = (error: string, overrides: Partial<SharedAnswers> = {}): SharedAnswers => ({
  error,
  tooLarge: 'Request body too large (`HOOKGATE_MAX_BODY_BYTES`)',
  rateLimited: 'Rate limit exceeded',
  unavailable: STORE_UNAVAILABLE,
  ...overrides,
});
