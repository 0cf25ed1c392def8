import type { OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { ApiError, type ErrorFormatter, respondWithError } from '../errors.ts';
import type { AppEnv } from './context.ts';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/**
 * A path that exists but not for this method answers 405 with `Allow`, as FastAPI does, before
 * authentication (routing comes first there too), in the error format of the surface it hit. Only
 * routes count: the surfaces' middleware (authentication, body limit) matches every method.
 */
export function answerWrongMethod(app: OpenAPIHono<AppEnv>, formatFor: (path: string) => ErrorFormatter): MiddlewareHandler<AppEnv> {
  const routed = (method: string, path: string) => app.router.match(method, path)[0].some(([[, route]]) => route.method !== 'ALL');
  return (c, next) => {
    const method = c.req.method === 'HEAD' ? 'GET' : c.req.method;
    if (routed(method, c.req.path)) return next();
    const allowed = METHODS.filter((candidate) => routed(candidate, c.req.path));
    if (allowed.length === 0) return next();
    c.header('Allow', allowed.join(', '));
    return Promise.resolve(respondWithError(c, new ApiError('method_not_allowed', 'Method Not Allowed'), formatFor(c.req.path)));
  };
}
