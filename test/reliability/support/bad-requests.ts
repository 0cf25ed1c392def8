import fc from 'fast-check';
import type { Route } from './catalogue.ts';
import type { TenantWorld } from './world.ts';

/** One generated request: what is sent, with a label for the failure message. */
export interface BadRequest {
  method: string;
  path: string;
  contentType: string | null;
  body: string | undefined;
  label: string;
}

const JSON_TYPE = 'application/json';
const CONTENT_TYPES = [
  JSON_TYPE,
  JSON_TYPE,
  JSON_TYPE,
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=utf-16',
  null,
];
const WRONG_METHODS = ['GET', 'POST', 'PUT', 'PATCH'];

/** Strings that break naive code: unicode of every plane, controls, NULs, long runs, path tricks. */
const nastyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom('', ' ', '\u0000', '../../etc/passwd', '%00', '%2e%2e%2f', '\r\nX-Injected: 1', '☃'.repeat(300), '\uD800', 'null', '-1', '1e309', "' OR 1=1 --"),
  fc.integer({ min: 1_000, max: 70_000 }).map((length) => 'x'.repeat(length)),
);

const scalar = fc.oneof(
  nastyString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.bigInt().map((value) => Number(value)),
);
const anyJson: fc.Arbitrary<unknown> = fc.oneof(scalar, fc.jsonValue({ maxDepth: 4 }), fc.array(scalar, { maxLength: 5 }), fc.dictionary(nastyString, scalar, { maxKeys: 5 }));

/** A valid body with one field dropped, retyped or added, or replaced outright. */
function mutatedBody(valid: unknown): fc.Arbitrary<string> {
  const base = (typeof valid === 'object' && valid !== null ? valid : {}) as Record<string, unknown>;
  const keys = Object.keys(base);
  const options: fc.Arbitrary<unknown>[] = [anyJson, fc.tuple(nastyString, anyJson).map(([key, value]) => ({ ...base, [key]: value }))];
  if (keys.length) {
    options.push(fc.constantFrom(...keys).map((key) => Object.fromEntries(Object.entries(base).filter(([name]) => name !== key))));
    options.push(fc.tuple(fc.constantFrom(...keys), anyJson).map(([key, value]) => ({ ...base, [key]: value })));
  }
  return fc.oneof(...options).map((value) => JSON.stringify(value) ?? 'null');
}

/** JSON nested `depth` levels deep, as objects or arrays, inside a plausible field. */
const deepJson = fc.tuple(fc.integer({ min: 50, max: 20_000 }), fc.boolean()).map(([depth, arrays]) => {
  const [open, close] = arrays ? ['[', ']'] : ['{"a":', '}'];
  return `{"data":${open.repeat(depth)}1${close.repeat(depth)},"url":${open.repeat(depth)}1${close.repeat(depth)}}`;
});

const brokenJson = fc.oneof(fc.string({ maxLength: 60 }), fc.constantFrom('{', '{"a":}', '[1,2', '{"a":1}}', '\uFEFF{}', 'NaN', '{"a":"\\ud800"}'));

/** Lone surrogates cannot be percent-encoded; they become U+FFFD (String#toWellFormed, ES2024). */
const wellFormed = (text: string) => text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');

/** Replaces path segments that look like ids (or appends junk) with nasty strings. */
function mangledPath(path: string): fc.Arbitrary<string> {
  const segments = path.split('/');
  return fc.tuple(fc.integer({ min: 1, max: segments.length }), nastyString, fc.option(fc.string({ maxLength: 30 }))).map(([index, junk, query]) => {
    const copy = [...segments];
    copy[index] = encodeURIComponent(wellFormed(junk)).slice(0, 8000);
    return `${copy.join('/') || '/'}${query === null ? '' : `?${encodeURIComponent(wellFormed(query))}=${encodeURIComponent(wellFormed(query))}&page=-1&per_page=abc&limit=1e9`}`;
  });
}

/** Requests that a route should refuse (most) or may accept (a few mutations happen to be valid). */
export function badRequestsFor(route: Route, tenant: TenantWorld, receiverUrl: string): fc.Arbitrary<BadRequest> {
  const valid = route.body?.(tenant, receiverUrl);
  const body = fc.oneof(
    { weight: 5, arbitrary: mutatedBody(valid) },
    { weight: 1, arbitrary: deepJson },
    { weight: 1, arbitrary: brokenJson },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
  // A DELETE of the real object is no bad input (and would leave the other routes nothing to find): DELETE routes get mangled ids only.
  const path =
    route.method === 'DELETE'
      ? mangledPath(route.path(tenant))
      : fc.oneof({ weight: 3, arbitrary: fc.constant(route.path(tenant)) }, { weight: 1, arbitrary: mangledPath(route.path(tenant)) });
  const method = fc.oneof({ weight: 6, arbitrary: fc.constant(route.method) }, { weight: 1, arbitrary: fc.constantFrom(...WRONG_METHODS) });
  return fc.record({ method, path, contentType: fc.constantFrom(...CONTENT_TYPES), body }).map((request) => ({
    ...request,
    body: request.method === 'GET' ? undefined : request.body,
    label: `${request.method} ${request.path.slice(0, 120)} [${request.contentType}] ${String(request.body).slice(0, 160)}`,
  }));
}
