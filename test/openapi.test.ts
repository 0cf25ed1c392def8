import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { createApp } from '../src/app.ts';
import { type NodeRuntime, setUpNode } from '../src/runtime/node-setup.ts';
import { ENCRYPTION_KEY, JWT_SECRET, ROOT } from './support/server.ts';

type Operation = {
  operationId?: string;
  security?: Record<string, string[]>[];
  parameters?: unknown[];
  requestBody?: unknown;
  responses: Record<string, { headers?: Record<string, unknown>; content?: Record<string, { schema: { $ref?: string } }> }>;
};
type Spec = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, { properties?: Record<string, { type?: unknown }> }> };
};

/** Pages for people, not API operations: the console and the tenant portal (HTML), the reference UI and the document itself. */
const NOT_API = [/^\/console(\/|$)/, /^\/portal(\/|$)/, /^\/docs(\/|$)/, /^\/openapi\.json$/];
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

  it('gives the version package.json gives', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    assert.equal((spec as unknown as { info: { version: string } }).info.version, manifest.version);
  });

  it('names every operation with a unique operationId (what generated clients call)', () => {
    const ids = operations().map(({ key, op }) => op.operationId ?? `(none on ${key})`);
    assert.ok(
      ids.every((id) => /^[a-z][A-Za-z0-9]+$/.test(id)),
      ids.filter((id) => !/^[a-z][A-Za-z0-9]+$/.test(id)).join(', '),
    );
    assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
  });

  it('documents the answers every route of a surface can give: 413 for a body, 415 on page 003, 429 and 503 with Retry-After', () => {
    for (const { key, op } of operations()) {
      const [method, path] = key.split(' ') as [string, string];
      if (method !== 'GET' && path !== '/metrics') assert.ok(op.responses['413'], `${key} documents 413`);
      if (method !== 'GET' && path !== '/metrics') assert.ok(op.responses['503']?.headers?.['Retry-After'], `${key} documents 503 with Retry-After`);
      if (path.startsWith('/api/v1/webhooks/')) assert.ok(op.responses['415'], `${key} documents 415`);
      if (op.responses['429']) assert.ok(op.responses['429'].headers?.['Retry-After'], `${key}: 429 documents Retry-After`);
    }
    // Each in its surface's error body.
    assert.equal(spec.paths['/api/v1/webhooks/get']!.post!.responses['413']!.content!['application/json']!.schema.$ref, '#/components/schemas/As2Error');
    assert.equal(spec.paths['/subscription-management']!.post!.responses['413']!.content!['application/json']!.schema.$ref, '#/components/schemas/SubscriptionError');
    assert.equal(spec.paths['/api/webhooks']!.post!.responses['413']!.content!['application/json']!.schema.$ref, '#/components/schemas/ErrorDetail');
  });

  it('describes what the seed pages accept: page 003’s Spanish aliases and digit-string ids, page 001’s slashed collection', () => {
    const configure = spec.components.schemas.As2ConfigureRequest!.properties!;
    for (const alias of ['socio_id', 'webhook_activo', 'webhook_eventos']) assert.ok(configure[alias], `As2ConfigureRequest lists ${alias}`);
    assert.deepEqual(configure.partner_id!.type, ['integer', 'string']);
    assert.ok(spec.components.schemas.As2PartnerRequest!.properties!.socio_id);
    assert.deepEqual(Object.keys(spec.paths['/api/v1/admin/webhooks/']!).sort(), ['get', 'post']);
  });

  it('lists X-API-Key among the ways to authenticate ingestion', () => {
    for (const path of ['/api/v1/events', '/api/v1/events/batch']) {
      assert.ok(
        spec.paths[path]!.post!.security!.some((requirement) => 'PartnerApiKey' in requirement),
        path,
      );
    }
  });

  it('carries the reference pages’ examples', () => {
    const text = JSON.stringify(spec);
    for (const example of [
      'https://api.example.com/webhooks/pdp',
      'webhook_abc123def456',
      'evt_abc123def456',
      'sandbox-sponsor-1',
      'https://myapp.com/webhook/as2',
      'Socio no encontrado',
    ]) {
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
