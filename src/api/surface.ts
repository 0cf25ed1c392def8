import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { ApiError, type ErrorFormatter, respondWithError, toValidationIssues } from '../errors.ts';
import type { AppEnv } from './context.ts';

const tooLarge = () => {
  throw new ApiError('payload_too_large', 'Request body too large');
};

/**
 * A router for one API surface, mounted under its own prefix. Validation failures, oversize bodies
 * and thrown errors are all answered in the surface's wire format by `format`; nothing reaches the
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
  app.use((c, next) => bodyLimit({ maxSize: c.var.services.config.maxBodyBytes, onError: tooLarge })(c, next));
  app.onError((error, c) => respondWithError(c, error, format));
  app.notFound((c) => respondWithError(c, new ApiError('not_found', 'Not Found'), format));
  return app;
}
