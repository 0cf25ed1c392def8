import type { MiddlewareHandler } from 'hono';
import { tooDeep } from '../errors.ts';
import type { AppEnv } from './context.ts';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/** The index of the quote that closes the string opened before `from` (or the text's length). */
function stringEnd(text: string, from: number): number {
  for (let at = from; ; at++) {
    at = text.indexOf('"', at);
    if (at < 0) return text.length;
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
}

/**
 * True when a JSON text nests objects and arrays deeper than `limit`, found by counting brackets
 * outside strings: one pass, no parsing, no recursion, stopping at the first level too many.
 * Whether the text is valid JSON at all is left to the parser.
 */
export function jsonDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  for (let at = 0; at < text.length; at++) {
    const code = text.charCodeAt(at);
    if (code === QUOTE) at = stringEnd(text, at + 1);
    else if (code === OPEN_ARRAY || code === OPEN_OBJECT) {
      if (++depth > limit) return true;
    } else if (code === CLOSE_ARRAY || code === CLOSE_OBJECT) depth--;
  }
  return false;
}

/** The media types Hono's validator parses as JSON. */
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

/**
 * Answers the surface's 4xx to a JSON body nested deeper than HOOKGATE_MAX_JSON_DEPTH before
 * anything parses it: JSON.stringify and schema validation recurse once per level, and a document
 * thousands of levels deep overflowed the stack (a 500). The text read here is the one the
 * validator then parses (Hono caches it), so the check costs one scan of the body.
 */
export const limitJsonDepth: MiddlewareHandler<AppEnv> = async (c, next) => {
  const mediaType = (c.req.header('content-type') ?? '').split(';', 1)[0]!.trim();
  if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && JSON_MEDIA_TYPE.test(mediaType)) {
    const limit = c.var.services.config.maxJsonDepth;
    if (jsonDeeperThan(await c.req.text(), limit)) throw tooDeep(limit);
  }
  await next();
};
