import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { pendingMigrations } from '../../db/migrate.ts';
import { pingStore, writeStoreProbe } from '../../db/repo/store-probe.ts';
import type { AppEnv } from '../context.ts';

const health = createRoute({
  method: 'get',
  operationId: 'getHealth',
  path: '/health',
  tags: ['Operator'],
  security: [],
  summary: 'Health check endpoint (alive)',
  responses: { 200: { description: 'Successful Response', content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } } } },
});

const ready = createRoute({
  method: 'get',
  operationId: 'getReadiness',
  path: '/ready',
  tags: ['Operator'],
  security: [],
  summary: 'Readiness: the store answers, every migration has run, and the last write succeeded',
  responses: {
    200: { description: 'Ready', content: { 'application/json': { schema: z.object({ status: z.literal('ready') }) } } },
    503: {
      description: 'Not ready',
      content: { 'application/json': { schema: z.object({ status: z.literal('unavailable'), reason: z.string() }) } },
    },
  },
});

export function healthApi() {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(health, (c) => c.json({ status: 'ok' as const }, 200));
  app.openapi(ready, async (c) => {
    const { db, storeHealth, clock } = c.var.services;
    try {
      await pingStore(db);
      const pending = await pendingMigrations(db);
      if (pending.length) return c.json({ status: 'unavailable' as const, reason: `pending migrations: ${pending.join(', ')}` }, 503);
    } catch {
      return c.json({ status: 'unavailable' as const, reason: 'store unreachable' }, 503);
    }
    // After a failed write, ready again only once a write succeeds: this probe, or any write meanwhile.
    if (storeHealth?.failure) {
      await writeStoreProbe(db, clock.now()).then(storeHealth.writeSucceeded, storeHealth.writeFailed);
      if (storeHealth.failure) return c.json({ status: 'unavailable' as const, reason: `store cannot take writes: ${storeHealth.failure}` }, 503);
    }
    return c.json({ status: 'ready' as const }, 200);
  });
  return app;
}
