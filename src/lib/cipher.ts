import { base64ToBytes, bytesToBase64, utf8 } from './encoding.ts';
import { Lru } from './lru.ts';
import { randomBytes } from './random.ts';

const DECRYPTED_CACHE_SIZE = 1000;

/**
 * What a ciphertext is for. Each purpose has its own AES-256-GCM key, derived from
 * `HOOKGATE_ENCRYPTION_KEY` with HKDF-SHA256 (info `hookgate/<purpose>/v2`), so a ciphertext made
 * for one purpose never opens as another (a stored secret is no session cookie).
 */
const PURPOSES = ['signing-secret', 'outbound-auth', 'console-session'] as const;
type CipherPurpose = (typeof PURPOSES)[number];

/** Purposes whose ciphertexts are stored at rest: the only ones that may still be in the v1 format. */
const AT_REST: ReadonlySet<CipherPurpose> = new Set(['signing-secret', 'outbound-auth']);

/** A ciphertext's purpose and the row it belongs to, sealed with it as AES-GCM associated data. */
export interface CipherBinding {
  purpose: CipherPurpose;
  /** The id of the row (an endpoint's), or the cookie's name for a session. */
  subject: string;
}

/** An endpoint's signing secret: `secret_enc`, and `previous_secret_enc` where a rotation moves it as is. */
export const signingSecretOf = (endpointId: string): CipherBinding => ({ purpose: 'signing-secret', subject: endpointId });
/** An endpoint's outbound authentication (`auth_enc`). */
export const outboundAuthOf = (endpointId: string): CipherBinding => ({ purpose: 'outbound-auth', subject: endpointId });

/**
 * Encrypts secrets at rest and console sessions with AES-256-GCM (Web Crypto: Node, Bun, Workers).
 *
 * Written form: `v2.<base64 iv>.<base64 ciphertext+tag>`, under the purpose's derived key, with the
 * binding as associated data: a ciphertext moved to another row, column kind or purpose fails to
 * decrypt. Read also: `v1.<iv>.<sealed>`, what releases before v2 wrote (the raw key, no associated
 * data), for at-rest purposes only, so stores written by them stay readable; a v1 session cookie is
 * refused (its holder signs in again). Every rewrite of a secret writes v2.
 */
export interface SecretCipher {
  encrypt(plaintext: string, binding: CipherBinding): Promise<string>;
  decrypt(stored: string, binding: CipherBinding): Promise<string>;
}

export async function createSecretCipher(keyBase64: string): Promise<SecretCipher> {
  const raw = base64ToBytes(keyBase64);
  if (raw.length !== 32) throw new Error('HOOKGATE_ENCRYPTION_KEY must decode to 32 bytes');
  const legacy = await crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['decrypt']);
  const master = await crypto.subtle.importKey('raw', raw, 'HKDF', false, ['deriveKey']);
  const keys = new Map(await Promise.all(PURPOSES.map(async (purpose) => [purpose, await derivePurposeKey(master, purpose)] as const)));
  // Every delivery attempt decrypts its endpoint's signing secret: remember recent plaintexts by
  // ciphertext (a rotated secret is a new ciphertext), as the signer keeps its HMAC keys. An entry
  // answers only for the binding it was opened with, never for another purpose or row.
  const decrypted = new Lru<string, { binding: CipherBinding; plain: string }>(DECRYPTED_CACHE_SIZE);
  return {
    async encrypt(plaintext, binding) {
      const iv = randomBytes(12);
      const params = { name: 'AES-GCM', iv, additionalData: utf8.encode(labelOf(binding)) };
      const sealed = await crypto.subtle.encrypt(params, keys.get(binding.purpose)!, utf8.encode(plaintext));
      return `v2.${bytesToBase64(iv)}.${bytesToBase64(new Uint8Array(sealed))}`;
    },
    async decrypt(stored, binding) {
      const known = decrypted.get(stored);
      if (known && known.binding.purpose === binding.purpose && known.binding.subject === binding.subject) return known.plain;
      const [version, iv, sealed, extra] = stored.split('.');
      if (!iv || !sealed || extra !== undefined) throw new Error('unknown ciphertext format');
      let opened: ArrayBuffer;
      if (version === 'v2') {
        opened = await crypto.subtle.decrypt(
          { name: 'AES-GCM', iv: base64ToBytes(iv), additionalData: utf8.encode(labelOf(binding)) },
          keys.get(binding.purpose)!,
          base64ToBytes(sealed),
        );
      } else if (version === 'v1' && AT_REST.has(binding.purpose)) {
        opened = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: base64ToBytes(iv) }, legacy, base64ToBytes(sealed));
      } else {
        throw new Error('unknown ciphertext format');
      }
      const plain = utf8.decode(new Uint8Array(opened));
      decrypted.set(stored, { binding: { ...binding }, plain });
      return plain;
    },
  };
}

/** HKDF-SHA256 with an all-zero salt (RFC 5869's default) and info `hookgate/<purpose>/v2`. */
function derivePurposeKey(master: CryptoKey, purpose: CipherPurpose): Promise<CryptoKey> {
  const params = { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(32), info: utf8.encode(`hookgate/${purpose}/v2`) };
  return crypto.subtle.deriveKey(params, master, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
}

/** The associated data (in UTF-8): `["<purpose>","<subject>"]`, unambiguous whatever the subject holds. */
const labelOf = (binding: CipherBinding): string => JSON.stringify([binding.purpose, binding.subject]);
