import { OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ApiError, type ErrorFormatter, respondWithError, toValidationIssues } from '../errors.ts';
import type { AppEnv } from './context.ts';
import { limitJsonDepth } from './json-depth.ts';

const tooLarge = () => {
  throw new ApiError('payload_too_large', 'Request body too large');
};

/**
 * Answers 413 to a body over `maxBytes`. A declared Content-Length is checked without touching the
 * body (the HTTP parser holds a request to exactly that many bytes), so the runtime's adapter still
 * reads the body in one piece: on Node, asking for `raw.body` rebuilds the request as a web stream,
 * which was about a tenth of the CPU of an ingestion request. Chunked bodies are counted as they
 * stream, by Hono's bodyLimit.
 */
const limitBody: MiddlewareHandler<AppEnv> = (c, next) => {
  const maxSize = c.var.services.config.maxBodyBytes;
  if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
  const declared = c.req.header('content-length');
  if (declared !== undefined && c.req.header('transfer-encoding') === undefined) return Number(declared) > maxSize ? tooLarge() : next();
  return bodyLimit({ maxSize, onError: tooLarge })(c, next);
};

/**
 * A router for one API surface, mounted under its own prefix. Validation failures, oversize or
 * too deeply nested bodies and thrown errors are all answered in the surface's wire format by `format`; nothing reaches the
 * client as a 500 with internals.
 */
export function createSurface(format: ErrorFormatter): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const issues = toValidationIssues(result.error, result.target);
        return respondWithError(c, new ApiError('validation', issues[0]?.msg ?? 'Invalid request', issues), format);
      }
    },
  });
  app.use(limitBody, limitJsonDepth);
  app.onError((error, c) => respondWithError(c, error, format));
  app.notFound((c) => respondWithError(c, new ApiError('not_found', 'Not Found'), format));
  return app;
}
