import { z } from '@hono/zod-openapi';

export const ValidationError = z.object({ loc: z.array(z.union([z.string(), z.number()])), msg: z.string(), type: z.string() }).openapi('ValidationError');
export const HTTPValidationError = z.object({ detail: z.array(ValidationError) }).openapi('HTTPValidationError');
export const ErrorDetail = z.object({ detail: z.string() }).openapi('ErrorDetail');

const json = (schema: z.ZodType) => ({ 'application/json': { schema } });

/** The error answers every Bearer-JWT admin route can give. */
export const errorResponses = {
  401: { description: 'Missing, invalid or expired token', content: json(ErrorDetail) },
  429: { description: 'Rate limit exceeded; retry after `Retry-After` seconds', content: json(ErrorDetail) },
  403: { description: 'The token lacks the webhooks:admin scope', content: json(ErrorDetail) },
  404: { description: 'Unknown id, or outside the token’s tenants', content: json(ErrorDetail) },
  422: { description: 'Validation Error', content: json(HTTPValidationError) },
} as const;
