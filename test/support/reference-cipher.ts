import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { CipherBinding } from '../../src/lib/cipher.ts';
import { ENCRYPTION_KEY } from './server.ts';

/** The stored formats, written independently of src/lib/cipher.ts with node:crypto. */

function seal(version: string, key: Buffer, plaintext: string, associatedData?: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  if (associatedData !== undefined) cipher.setAAD(Buffer.from(associatedData));
  const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `${version}.${iv.toString('base64')}.${sealed.toString('base64')}`;
}

/**
 * What releases before the v2 format stored (and how they sealed console session cookies):
 * AES-256-GCM under the raw HOOKGATE_ENCRYPTION_KEY, no associated data.
 */
export const sealV1 = (plaintext: string, keyBase64 = ENCRYPTION_KEY): string => seal('v1', Buffer.from(keyBase64, 'base64'), plaintext);

/** v2: AES-256-GCM under HKDF-SHA256(key, 32 zero bytes, `hookgate/<purpose>/v2`), `["<purpose>","<subject>"]` as associated data. */
export function sealV2(plaintext: string, binding: CipherBinding, keyBase64 = ENCRYPTION_KEY): string {
  const key = Buffer.from(hkdfSync('sha256', Buffer.from(keyBase64, 'base64'), Buffer.alloc(32), `hookgate/${binding.purpose}/v2`, 32));
  return seal('v2', key, plaintext, JSON.stringify([binding.purpose, binding.subject]));
}
