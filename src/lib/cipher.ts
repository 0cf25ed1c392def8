import { base64ToBytes, bytesToBase64, utf8 } from './encoding.ts';
import { Lru } from './lru.ts';
import { randomBytes } from './random.ts';

const DECRYPTED_CACHE_SIZE = 1000;

/**
 * Encrypts secrets and credentials at rest with AES-256-GCM (Web Crypto).
 * Stored form: `v1.<base64 iv>.<base64 ciphertext+tag>`; the version leaves room for key rotation.
 */
export interface SecretCipher {
  encrypt(plaintext: string): Promise<string>;
  decrypt(stored: string): Promise<string>;
}

export async function createSecretCipher(keyBase64: string): Promise<SecretCipher> {
  const raw = base64ToBytes(keyBase64);
  if (raw.length !== 32) throw new Error('HOOKGATE_ENCRYPTION_KEY must decode to 32 bytes');
  const key = await crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']);
  // Every delivery attempt decrypts its endpoint's signing secret: remember recent plaintexts by
  // ciphertext (a rotated secret is a new ciphertext), as the signer already keeps its HMAC keys.
  const decrypted = new Lru<string, string>(DECRYPTED_CACHE_SIZE);
  return {
    async encrypt(plaintext) {
      const iv = randomBytes(12);
      const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, utf8.encode(plaintext));
      return `v1.${bytesToBase64(iv)}.${bytesToBase64(new Uint8Array(sealed))}`;
    },
    async decrypt(stored) {
      const known = decrypted.get(stored);
      if (known !== undefined) return known;
      const [version, iv, sealed] = stored.split('.');
      if (version !== 'v1' || !iv || !sealed) throw new Error('unknown ciphertext format');
      const plain = utf8.decode(new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: base64ToBytes(iv) }, key, base64ToBytes(sealed))));
      decrypted.set(stored, plain);
      return plain;
    },
  };
}
