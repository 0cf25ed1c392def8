import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { AppEnv } from '../api/context.ts';
import { ApiError, noteStoreFailure, toApiError } from '../errors.ts';

export type PageStatus = 400 | 401 | 403 | 404 | 409 | 413 | 500 | 503;

const STATUS: Partial<Record<ApiError['kind'], PageStatus>> = {
  not_found: 404,
  forbidden: 403,
  unauthorized: 401,
  conflict: 409,
  validation: 400,
  malformed: 400,
  payload_too_large: 413,
  unavailable: 503,
};

/**
 * What an HTML page (console or portal) says about a thrown error: its status and a message that
 * never carries internals. Sets the error's headers, notes a refused store write, logs internal errors.
 */
export function describePageError(c: Context, error: unknown, what: 'console' | 'portal'): { status: PageStatus; message: string } {
  const { services, requestId } = (c as Context<AppEnv>).var;
  // hono/csrf answers a cross-origin form post with a 403 HTTPException.
  const crossOrigin = error instanceof HTTPException && error.status === 403;
  const apiError = crossOrigin ? new ApiError('forbidden', 'Form posts from another origin are refused.') : toApiError(error);
  noteStoreFailure(services, error);
  for (const [name, value] of Object.entries(apiError.headers)) c.header(name, value);
  if (apiError.kind === 'internal') {
    services.log({ level: 'error', msg: `${what} error`, request_id: requestId, error: error instanceof Error ? error.message : String(error) });
  }
  const status = STATUS[apiError.kind] ?? 500;
  const message = apiError.kind === 'internal' ? `The ${what} could not complete this request. Try again; if it persists, check the server log.` : apiError.message;
  return { status, message };
}
