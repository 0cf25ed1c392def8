import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { badRequestsFor } from './support/bad-requests.ts';
import { credentialsFor } from './support/callers.ts';
import { ROUTES, type Route } from './support/catalogue.ts';
import { errorShapeProblem, formatOfPath } from './support/error-shapes.ts';
import { storeDigest } from './support/store-digest.ts';
import { buildWorld, type World } from './support/world.ts';

const RUNS_PER_SURFACE = Number(process.env.RELIABILITY_RUNS ?? 350);
const SEED = Number(process.env.RELIABILITY_SEED ?? 20261123);
const MAX_BODY_BYTES = 64 * 1024;

const SURFACES: [string, (route: Route) => boolean][] = [
  ['sponsor (page 000, /api/webhooks)', (route) => route.template.startsWith('/api/webhooks')],
  ['admin (page 001, /api/v1/admin/webhooks)', (route) => route.template.startsWith('/api/v1/admin/')],
  ['subscriptions (page 002, /subscription-management)', (route) => route.template.startsWith('/subscription-management')],
  ['AS2 (page 003, /api/v1/webhooks)', (route) => route.template.startsWith('/api/v1/webhooks/')],
  ['operator (/api/v1/tenants)', (route) => route.template.startsWith('/api/v1/tenants')],
  ['ingestion (/api/v1/events)', (route) => route.template.startsWith('/api/v1/events')],
];

describe('bad input: generated requests against every endpoint of every surface', () => {
  let world: World;
  const figures = { requests: 0, rejected: 0, accepted: 0, byStatus: new Map<number, number>() };

  before(async () => {
    world = await buildWorld({ HOOKGATE_MAX_BODY_BYTES: String(MAX_BODY_BYTES) });
  });
  after(async () => {
    const statuses = [...figures.byStatus].sort(([a], [b]) => a - b).map(([status, count]) => `${status}:${count}`);
    console.log(`# bad-input: seed=${SEED} requests=${figures.requests} rejected=${figures.rejected} accepted=${figures.accepted} statuses=${statuses.join(',')}`);
    await world?.close();
  });

  for (const [surface, belongs] of SURFACES) {
    it(`${surface}: never a 5xx, always the surface’s error format, and a rejected request leaves the store unchanged`, async () => {
      const routes = ROUTES.filter(belongs);
      assert.ok(routes.length > 0);
      const credentials = new Map(await Promise.all(routes.map(async (route) => [route, await credentialsFor(route.caller, world.a)] as const)));
      const requests = fc.constantFrom(...routes).chain((route) => badRequestsFor(route, world.a, world.receiver.url).map((request) => ({ route, request })));
      await fc.assert(
        fc.asyncProperty(requests, async ({ route, request }) => {
          const before = storeDigest(world.server.dbPath);
          const headers: Record<string, string> = { ...credentials.get(route)! };
          if (request.contentType) headers['content-type'] = request.contentType;
          const response = await fetch(`${world.server.url}${request.path}`, { method: request.method, headers, body: request.body });
          const text = await response.text();
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {}
          figures.requests++;
          figures.byStatus.set(response.status, (figures.byStatus.get(response.status) ?? 0) + 1);
          assert.ok(response.status < 500, `${request.label} → ${response.status} ${text.slice(0, 300)}`);
          if (response.status < 400) {
            figures.accepted++;
            return;
          }
          figures.rejected++;
          const problem = errorShapeProblem(formatOfPath(request.path), { status: response.status, body, headers: response.headers, text });
          assert.equal(problem, null, `${request.label} → ${response.status} ${text.slice(0, 300)}`);
          assert.equal(storeDigest(world.server.dbPath), before, `${request.label} → ${response.status} changed the store`);
        }),
        { numRuns: RUNS_PER_SURFACE, seed: SEED, endOnFailure: true },
      );
    });
  }
});
