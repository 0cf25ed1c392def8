import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { base64ToBytes, bytesToBase64, bytesToHex, utf8 } from '../lib/encoding.ts';
import { Lru } from '../lib/lru.ts';
import type { Mac } from '../lib/mac.ts';

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): `v1,<base64 HMAC-SHA256 of
 * "id.timestamp.body">`. A `whsec_<base64>` secret signs with its decoded bytes, any other secret
 * with its UTF-8 bytes.
 *
 * HMAC-SHA256 is synchronous: Web Crypto's `subtle.sign` hops to a thread pool and back for every
 * call, which cost about 13 % of the delivery worker's CPU. The default, `nobleMac`, is
 * @noble/hashes (audited, pure JavaScript, the same on every runtime). The engine's own,
 * `createNobleMac()`, keeps the keyed state of each secret and clones it per message (the key's two
 * blocks are hashed once per secret); `nobleMac` keeps nothing.
 */

const encoded = (digest: Uint8Array, encoding: 'base64' | 'hex') => (encoding === 'hex' ? bytesToHex(digest) : bytesToBase64(digest));

/** @noble/hashes' HMAC-SHA256, keeping nothing between calls. */
export const nobleMac: Mac = (_cacheKey, keyBytes, message, encoding) => encoded(hmac(sha256, keyBytes(), utf8.encode(message)), encoding);

/** @noble/hashes' HMAC-SHA256 with the keyed state of up to 10,000 secrets kept by its caller (each delivery engine has its own). */
export function createNobleMac(): Mac {
  const keyed = new Lru<string, ReturnType<typeof hmac.create>>(10_000);
  return (cacheKey, keyBytes, message, encoding) => {
    let state = keyed.get(cacheKey);
    if (!state) {
      state = hmac.create(sha256, keyBytes());
      keyed.set(cacheKey, state);
    }
    return encoded(state.clone().update(utf8.encode(message)).digest(), encoding);
  };
}

const standardKeyBytes = (secret: string) => (secret.startsWith('whsec_') ? base64ToBytes(secret.slice(6)) : utf8.encode(secret));

export function standardSignature(secret: string, messageId: string, timestampSeconds: number, body: string, mac: Mac = nobleMac): string {
  return `v1,${mac(`std:${secret}`, () => standardKeyBytes(secret), `${messageId}.${timestampSeconds}.${body}`, 'base64')}`;
}

/** `X-Webhook-Signature: sha256=<hex HMAC-SHA256 of the raw body>` keyed with the secret's UTF-8 bytes (pages 000 and 003). */
export function bodySignature(secret: string, body: string, mac: Mac = nobleMac): string {
  return `sha256=${mac(`body:${secret}`, () => utf8.encode(secret), body, 'hex')}`;
}

export interface SigningSecrets {
  current: string;
  /** The secret before the last rotation, still signing during its grace period. */
  previous: string | null;
}

/**
 * The signature headers for one request. During a rotation grace period both secrets sign, newest
 * first: `webhook-signature` lists both space-separated (Standard Webhooks), `X-Webhook-Signature`
 * comma-separated (`sha256=<new>,sha256=<old>`), so a receiver holding either secret verifies.
 */
export function signatureHeaders(
  secrets: SigningSecrets,
  messageId: string,
  timestampSeconds: number,
  body: string,
  withBodySignature: boolean,
  mac: Mac = nobleMac,
): Record<string, string> {
  const all = secrets.previous ? [secrets.current, secrets.previous] : [secrets.current];
  const signatures = all.map((secret) => standardSignature(secret, messageId, timestampSeconds, body, mac));
  const headers: Record<string, string> = {
    'webhook-id': messageId,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': signatures.join(' '),
  };
  if (withBodySignature) headers['x-webhook-signature'] = all.map((secret) => bodySignature(secret, body, mac)).join(',');
  return headers;
}
