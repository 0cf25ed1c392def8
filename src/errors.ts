import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import { STORE_RETRY_AFTER_SECONDS, type StoreHealth, storeFailureOf } from './db/store-health.ts';

/** What went wrong, independent of how a surface words it. */
export type ErrorKind =
  | 'validation'
  | 'malformed'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'unavailable'
  | 'internal';

export interface ValidationIssue {
  loc: (string | number)[];
  msg: string;
  type: string;
}

/** The one error class handlers throw; each surface's `formatError` turns it into its wire format. */
export class ApiError extends Error {
  readonly kind: ErrorKind;
  readonly issues: ValidationIssue[];
  /** Response headers every surface sends with this error (e.g. `Retry-After`). */
  readonly headers: Record<string, string>;
  constructor(kind: ErrorKind, message: string, issues: ValidationIssue[] = [], headers: Record<string, string> = {}) {
    super(message);
    this.kind = kind;
    this.issues = issues;
    this.headers = headers;
  }
}

export const notFound = (message: string) => new ApiError('not_found', message);
export const conflict = (message: string) => new ApiError('conflict', message);
export const unauthorized = (message = 'Not authenticated') => new ApiError('unauthorized', message);
export const forbidden = (message: string) => new ApiError('forbidden', message);
export const rateLimited = (retryAfterSeconds: number) =>
  new ApiError('rate_limited', `Rate limit exceeded: retry in ${retryAfterSeconds} s`, [], { 'Retry-After': String(retryAfterSeconds) });
export const invalid = (loc: (string | number)[], msg: string, type = 'value_error') => new ApiError('validation', msg, [{ loc, msg, type }]);

/** The issue type of a JSON body nested deeper than HOOKGATE_MAX_JSON_DEPTH. */
export const JSON_TOO_DEEP = 'json_too_deep';
export const tooDeep = (limit: number) => invalid(['body'], `JSON nested deeper than ${limit} levels`, JSON_TOO_DEEP);

interface FormattedError {
  status: ContentfulStatusCode;
  body: unknown;
  headers?: Record<string, string>;
}
export type ErrorFormatter = (error: ApiError) => FormattedError;

const LOCATION: Record<string, string> = { json: 'body', form: 'body', query: 'query', param: 'path', header: 'header', cookie: 'cookie' };

/** zod issues in FastAPI's shape: `loc` starts with where the value came from. */
export function toValidationIssues(error: z.ZodError, target: string): ValidationIssue[] {
  return error.issues.map((issue) => {
    const missing = issue.code === 'invalid_type' && /received undefined/.test(issue.message);
    return {
      loc: [LOCATION[target] ?? target, ...issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part))],
      msg: missing ? 'Field required' : issue.message,
      type: missing ? 'missing' : issueType(issue),
    };
  });
}

function issueType(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `${issue.expected}_type`;
    case 'too_small':
      return issue.origin === 'string' ? 'string_too_short' : issue.origin === 'array' ? 'too_short' : 'greater_than_equal';
    case 'too_big':
      return issue.origin === 'string' ? 'string_too_long' : issue.origin === 'array' ? 'too_long' : 'less_than_equal';
    case 'invalid_value':
      return 'literal_error';
    case 'invalid_format':
      return issue.format === 'url' ? 'url_parsing' : `${issue.format}_parsing`;
    case 'unrecognized_keys':
      return 'extra_forbidden';
    default:
      return 'value_error';
  }
}

/** The store cannot take writes right now (disk full, I/O error, read-only, D1 storage error): 503, try again later. */
const storeUnavailable = () =>
  new ApiError('unavailable', 'The service cannot store this request right now; retry later', [], { 'Retry-After': String(STORE_RETRY_AFTER_SECONDS) });

/** Normalises anything thrown inside a surface into an ApiError, never leaking internals. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (storeFailureOf(error)) return storeUnavailable();
  if (error instanceof HTTPException) {
    if (error.status === 413) return new ApiError('payload_too_large', 'Request body too large');
    if (error.status === 415) return new ApiError('unsupported_media_type', 'Content-Type must be application/json');
    if (error.status === 401) return unauthorized();
    if (error.status === 400) return new ApiError('malformed', error.message || 'Malformed request');
  }
  return new ApiError('internal', 'Internal server error');
}

export const STATUS_OF: Record<ErrorKind, ContentfulStatusCode> = {
  validation: 400,
  malformed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

export interface ErrorServices {
  log?: (line: { level: 'error'; msg: string; error: string }) => void;
  storeHealth?: StoreHealth;
}

/** Marks the store not ready when `error` is a store failure, and logs it (its code, never a stack). */
export function noteStoreFailure(services: ErrorServices | undefined, error: unknown): void {
  const failure = services?.storeHealth?.writeFailed(error);
  if (failure) services?.log?.({ level: 'error', msg: 'store write failed', error: failure });
}

export function respondWithError(c: Context, error: unknown, format: ErrorFormatter): Response {
  const apiError = toApiError(error);
  const services = c.get('services' as never) as ErrorServices | undefined;
  if (apiError.kind === 'internal') {
    services?.log?.({ level: 'error', msg: 'unhandled error', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
  noteStoreFailure(services, error);
  const { status, body, headers } = format(apiError);
  if (apiError.kind === 'unauthorized') c.header('WWW-Authenticate', 'Bearer');
  // The unread remainder of an oversize body makes the connection unusable: close it.
  if (apiError.kind === 'payload_too_large') c.header('Connection', 'close');
  for (const [name, value] of Object.entries({ ...apiError.headers, ...headers })) c.header(name, value);
  return c.json(body as object, status);
}
