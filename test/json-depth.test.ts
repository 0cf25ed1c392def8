import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { jsonDeeperThan } from '../src/api/json-depth.ts';
import { credentialsFor } from './reliability/support/callers.ts';
import { ROUTES } from './reliability/support/catalogue.ts';
import { errorShapeProblem, formatOfPath } from './reliability/support/error-shapes.ts';
import { storeDigest } from './reliability/support/store-digest.ts';
import { buildWorld, type World } from './reliability/support/world.ts';
import { call, createTenant, type RunningServer, startServer } from './support/server.ts';

const DEFAULT_MAX_DEPTH = 64;

/** Objects nested `levels` deep, as JSON text (built as text: JSON.stringify itself recurses per level). */
const nested = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

/** A route's valid body with its `data` (or an added field) replaced by a value nested `levels` deep. */
function deepened(valid: unknown, levels: number): string {
  const MARK = '"deep value"';
  const body = structuredClone(valid) as Record<string, unknown>;
  const [event] = Array.isArray(body.events) ? body.events : [];
  const holder = typeof event === 'object' ? (event as Record<string, unknown>) : body;
  holder['data' in holder ? 'data' : 'extra'] = JSON.parse(MARK);
  return JSON.stringify(body).replace(MARK, nested(levels));
}

describe('JSON depth: a scan of brackets outside strings', () => {
  it('counts objects and arrays, and stops at the first level past the limit', () => {
    assert.equal(jsonDeeperThan('{"a":[{"b":[]}]}', 4), false);
    assert.equal(jsonDeeperThan('{"a":[{"b":[]}]}', 3), true);
    assert.equal(jsonDeeperThan('[]', 1), false);
    assert.equal(jsonDeeperThan('1', 0), false);
    assert.equal(jsonDeeperThan(nested(1_000_000), 64), true);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    assert.equal(jsonDeeperThan(JSON.stringify({ a: '[[[[{{{{', b: 'say \\"[[[[\\"', c: '\\', d: ']]]]' }), 1), false);
    assert.equal(jsonDeeperThan(`{"a":"\\\\"}${'['.repeat(3)}`, 3), false);
    assert.equal(jsonDeeperThan('["\\"[[[["]', 1), false);
    assert.equal(jsonDeeperThan(`{"a":"\\\\"}${'['.repeat(4)}`, 3), true);
  });

  it('lets unterminated strings and unbalanced brackets through to the parser, which refuses them', () => {
    assert.equal(jsonDeeperThan('{"a":"[[[[[[', 2), false);
    assert.equal(jsonDeeperThan(']]]]{', 1), false);
  });
});

describe('JSON depth: every endpoint that takes a JSON body refuses one nested deeper than HOOKGATE_MAX_JSON_DEPTH', () => {
  let world: World;
  before(async () => {
    world = await buildWorld();
  });
  after(() => world?.close());

  const jsonRoutes = ROUTES.filter((route) => route.body);
  it(`answers each of the ${jsonRoutes.length} routes’ deep body with the surface’s 4xx, in its format, changing nothing`, async () => {
    const problems: string[] = [];
    for (const route of jsonRoutes) {
      const before = storeDigest(world.server.dbPath);
      const path = route.path(world.a);
      const format = formatOfPath(path);
      const response = await call(world.server, route.method, path, {
        headers: { ...(await credentialsFor(route.caller, world.a)), 'content-type': 'application/json' },
        raw: deepened(route.body!(world.a, world.receiver.url), 5000),
      });
      const label = `${route.method} ${route.template}: ${response.status} ${response.text.slice(0, 160)}`;
      if (response.status !== (format === 'fastapi' ? 422 : 400)) problems.push(label);
      else if (errorShapeProblem(format, response) || !/JSON nested deeper than 64 levels|JSON con demasiados niveles/.test(response.text)) problems.push(`${label}: wrong error`);
      else if (storeDigest(world.server.dbPath) !== before) problems.push(`${label}: the store changed`);
    }
    assert.deepEqual(problems, []);
  });
});

for (const runtime of ['node', 'bun'] as const) {
  describe(`JSON depth on ${runtime}: the bound is the body's nesting, default ${DEFAULT_MAX_DEPTH}, and configurable`, () => {
    let server: RunningServer;
    let apiKey: string;
    before(async () => {
      server = await startServer({ HOOKGATE_RATE_LIMIT_PER_MINUTE: '0' }, undefined, runtime);
      apiKey = (await createTenant(server)).apiKey;
    });
    after(() => server.stop());

    // The event object is the first level, so its `data` may nest one level less than the bound.
    const publish = (dataLevels: number) =>
      call(server, 'POST', '/api/v1/events', {
        headers: { authorization: apiKey, 'content-type': 'application/json' },
        raw: `{"type":"invoice.created","data":${nested(dataLevels)}}`,
      });

    it(`accepts a body exactly ${DEFAULT_MAX_DEPTH} levels deep and refuses ${DEFAULT_MAX_DEPTH + 1}`, async () => {
      assert.equal((await publish(DEFAULT_MAX_DEPTH - 1)).status, 202);
      const refused = await publish(DEFAULT_MAX_DEPTH);
      assert.equal(refused.status, 422);
      assert.deepEqual(refused.body, { detail: [{ loc: ['body'], msg: `JSON nested deeper than ${DEFAULT_MAX_DEPTH} levels`, type: 'json_too_deep' }] });
    });

    it('refuses event data 5,000 and 100,000 levels deep with a 422, where it was a 500 (stack overflow)', async () => {
      for (const levels of [5_000, 100_000]) assert.equal((await publish(levels)).status, 422, `${levels} levels`);
    });
  });
}

describe('JSON depth: HOOKGATE_MAX_JSON_DEPTH sets the bound', () => {
  it('refuses a body one level past a configured bound of 8, and accepts one at it', async () => {
    const server = await startServer({ HOOKGATE_MAX_JSON_DEPTH: '8' });
    try {
      const { apiKey } = await createTenant(server);
      const publish = (levels: number) =>
        call(server, 'POST', '/api/v1/events', {
          headers: { authorization: apiKey, 'content-type': 'application/json' },
          raw: `{"type":"invoice.created","data":${nested(levels)}}`,
        });
      assert.equal((await publish(7)).status, 202);
      assert.equal((await publish(8)).status, 422);
    } finally {
      await server.stop();
    }
  });
});
