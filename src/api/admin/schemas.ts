import { z } from '@hono/zod-openapi';

/** What every admin route shares: its security, its tag, and the schemas more than one resource uses. */
export const security = [{ BearerJWT: [] }];
export const tags = ['Webhooks'];
export const dateTime = z.string().openapi({ format: 'date-time' });
export const json = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } });
export const ok = <T extends z.ZodType>(schema: T, description = 'Successful Response') => ({ description, content: json(schema) });

export const webhookParam = z.object({ webhook_id: z.string().openapi({ example: 'wh_0123456789abcdef01234567' }) });
export const paging = {
  page: z.coerce.number().int().min(1).default(1).openapi({ type: 'integer' }),
  per_page: z.coerce.number().int().min(1).max(100).default(20).openapi({ type: 'integer' }),
};
export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), total: z.number().int(), page: z.number().int(), per_page: z.number().int(), pages: z.number().int() });
