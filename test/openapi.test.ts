import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { createApp } from '../src/app.ts';
import { type NodeRuntime, setUpNode } from '../src/runtime/node-setup.ts';
import { ENCRYPTION_KEY, JWT_SECRET } from './support/server.ts';

type Operation = {
  security?: Record<string, string[]>[];
  parameters?: unknown[];
  requestBody?: unknown;
  responses: Record<string, unknown>;
};
type Spec = { openapi: string; paths: Record<string, Record<string, Operation>>; components: { securitySchemes: Record<string, unknown> } };

/** Pages for people, not API operations: the console (HTML), the reference UI and the document itself. */
const NOT_API = [/^\/console(\/|$)/, /^\/docs$/, /^\/openapi\.json$/];
/** Operations anyone may call: liveness, readiness, and /metrics (open unless HOOKGATE_METRICS_TOKEN is set). */
const PUBLIC = new Set(['GET /health', 'GET /ready']);

/** Hono's `/:id` and `/:id{regex}` in OpenAPI's `{id}` form. */
const toOpenApiPath = (path: string) => path.replace(/:(\w+)(\{(?:[^{}]|\{[^{}]*\})*\})?/g, '{$1}');

describe('OpenAPI 3.1 document at /openapi.json', () => {
  let runtime: NodeRuntime;
  let app: ReturnType<typeof createApp>;
  let spec: Spec;
  const operations = () => Object.entries(spec.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, op })));

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hookgate-openapi-'));
    runtime = await setUpNode({ DATABASE_URL: join(dir, 'hookgate.db'), JWT_SECRET, HOOKGATE_ENCRYPTION_KEY: ENCRYPTION_KEY, LOG_LEVEL: 'silent' });
    app = createApp(runtime.services);
    const response = await app.request('/openapi.json');
    assert.equal(response.status, 200);
    spec = (await response.json()) as Spec;
  });
  after(async () => {
    await runtime.engine.shutdown(0);
    await runtime.store.close();
  });

  it('is a valid OpenAPI 3.1 document (@seriousme/openapi-schema-validator)', async () => {
    assert.equal(spec.openapi, '3.1.0');
    const result = await new Validator().validate(spec as never);
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
  });

  it('documents every route the app serves', async () => {
    const documented = new Set(operations().map(({ key }) => key));
    const missing: string[] = [];
    for (const route of app.routes) {
      if (route.method === 'ALL' || NOT_API.some((pattern) => pattern.test(route.path))) continue;
      const key = `${route.method} ${toOpenApiPath(route.path)}`;
      if (documented.has(key)) continue;
      // The slashed alias of a documented collection (`/api/v1/admin/webhooks/`), hidden so it is not listed twice.
      if (route.path.includes(':trailing_slash') && documented.has(`${route.method} ${toOpenApiPath(route.path.replace(/\/:trailing_slash.*$/, ''))}`)) continue;
      // A wrong-method responder of a documented path (page 003 is POST-only): it must answer 405.
      const path = toOpenApiPath(route.path);
      if (Object.keys(spec.paths[path] ?? {}).length > 0) {
        const response = await app.request(route.path, { method: route.method });
        if (response.status === 405) continue;
      }
      missing.push(`${route.method} ${route.path}`);
    }
    assert.deepEqual([...new Set(missing)], []);
  });

  it('covers the four surfaces, ingestion and the operator endpoints', () => {
    const keys = operations().map(({ key }) => key);
    for (const expected of [
      'GET /api/webhooks', // page 000
      'POST /api/v1/admin/webhooks/{webhook_id}/deliveries/{delivery_id}/retry', // page 001
      'PUT /subscription-management/{id}', // page 002
      'POST /api/v1/webhooks/configure', // page 003
      'POST /api/v1/events', // ingestion
      'POST /api/v1/tenants',
      'GET /health',
      'GET /ready',
      'GET /metrics',
    ]) {
      assert.ok(keys.includes(expected), expected);
    }
  });

  it('declares security on every non-public operation, with schemes that exist, and documents 401 and 429', () => {
    for (const { key, op } of operations()) {
      if (PUBLIC.has(key)) continue;
      assert.ok(op.security?.length, `${key} declares its security`);
      for (const requirement of op.security!) {
        for (const scheme of Object.keys(requirement)) assert.ok(spec.components.securitySchemes[scheme], `${key}: scheme ${scheme} is defined`);
      }
      assert.ok(op.responses['401'], `${key} documents 401`);
      // Every authenticated caller is rate-limited (HOOKGATE_RATE_LIMIT_PER_MINUTE); /metrics has its own token.
      if (key !== 'GET /metrics') assert.ok(op.responses['429'], `${key} documents 429`);
    }
  });

  it('documents the validation error of every operation that takes input', () => {
    for (const { key, op } of operations()) {
      const takesInput = op.requestBody !== undefined || (op.parameters?.length ?? 0) > 0;
      if (!takesInput) continue;
      assert.ok(op.responses['422'] ?? op.responses['400'], `${key} documents its validation error (422 or 400)`);
    }
  });

  it('carries the reference pages’ examples', () => {
    const text = JSON.stringify(spec);
    for (const example of ['https://api.example.com/webhooks/pdp', 'webhook_abc123def456', 'evt_abc123def456', 'sandbox-sponsor-1', 'https://myapp.com/webhook/as2', 'Socio no encontrado']) {
      assert.ok(text.includes(example), example);
    }
  });

  it('serves an interactive reference at /docs pointing at the document', async () => {
    const response = await app.request('/docs');
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type')!, /text\/html/);
    assert.match(await response.text(), /\/openapi\.json/);
  });
});
