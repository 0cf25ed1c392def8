import { base64ToBytes, bytesToBase64, bytesToHex, utf8 } from '../lib/encoding.ts';

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): `v1,<base64 HMAC-SHA256 of
 * "id.timestamp.body">`. A `whsec_<base64>` secret signs with its decoded bytes, any other secret
 * with its UTF-8 bytes.
 */
const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(raw: Uint8Array<ArrayBuffer>, cacheKey: string): Promise<CryptoKey> {
  let key = keys.get(cacheKey);
  if (!key) {
    if (keys.size > 10_000) keys.clear();
    key = crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    keys.set(cacheKey, key);
  }
  return key;
}

const standardKeyBytes = (secret: string) => (secret.startsWith('whsec_') ? base64ToBytes(secret.slice(6)) : utf8.encode(secret));

async function hmac(secret: string, raw: Uint8Array<ArrayBuffer>, kind: string, message: string): Promise<Uint8Array> {
  const key = await hmacKey(raw, `${kind}:${secret}`);
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, utf8.encode(message)));
}

export async function standardSignature(secret: string, messageId: string, timestampSeconds: number, body: string): Promise<string> {
  const mac = await hmac(secret, standardKeyBytes(secret), 'std', `${messageId}.${timestampSeconds}.${body}`);
  return `v1,${bytesToBase64(mac)}`;
}

/** `X-Webhook-Signature: sha256=<hex HMAC-SHA256 of the raw body>` keyed with the secret's UTF-8 bytes (pages 000 and 003). */
export async function bodySignature(secret: string, body: string): Promise<string> {
  return `sha256=${bytesToHex(await hmac(secret, utf8.encode(secret), 'body', body))}`;
}

export interface SigningSecrets {
  current: string;
  /** The secret before the last rotation, still signing during its grace period. */
  previous: string | null;
}

/** The signature headers for one request. During a rotation grace period both secrets sign. */
export async function signatureHeaders(
  secrets: SigningSecrets,
  messageId: string,
  timestampSeconds: number,
  body: string,
  withBodySignature: boolean,
): Promise<Record<string, string>> {
  const all = secrets.previous ? [secrets.current, secrets.previous] : [secrets.current];
  const signatures = await Promise.all(all.map((secret) => standardSignature(secret, messageId, timestampSeconds, body)));
  const headers: Record<string, string> = {
    'webhook-id': messageId,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': signatures.join(' '),
  };
  if (withBodySignature) headers['x-webhook-signature'] = await bodySignature(secrets.current, body);
  return headers;
}
