import { scryptAsync } from '@noble/hashes/scrypt.js';
import { base64ToBytes, bytesToBase64Url, utf8 } from './encoding.ts';
import { timingSafeEqual } from './hash.ts';
import { randomBytes } from './random.ts';

/**
 * Console passwords are hashed with scrypt (memory-hard; @noble/hashes runs on Node, Bun and
 * Workers) at N = 2^15, r = 8, p = 1 (32 MiB, the parameters RFC 7914 and OWASP name for
 * interactive logins), with a 16-byte random salt, and stored as `scrypt$N$r$p$salt$hash`
 * (salt and hash base64url) so the parameters can be raised later without breaking old hashes.
 */
const PARAMS = { N: 2 ** 15, r: 8, p: 1 };
const KEY_BYTES = 32;
/** The most a stored hash may ask for: a tampered row cannot make a sign-in allocate gigabytes. */
const MAX_N = 2 ** 20;

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(utf8.encode(password), salt, { ...PARAMS, dkLen: KEY_BYTES });
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, bytesToBase64Url(salt), bytesToBase64Url(hash)].join('$');
}

/** Whether `password` is the one `stored` was made from; the hashes are compared in constant time. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  const N = Number(n);
  const params = { N, r: Number(r), p: Number(p) };
  if (scheme !== 'scrypt' || !salt || !hash || !Number.isInteger(N) || N < 2 || N > MAX_N || !(params.r >= 1 && params.r <= 32) || !(params.p >= 1 && params.p <= 16)) return false;
  try {
    const actual = await scryptAsync(utf8.encode(password), fromBase64Url(salt), { ...params, dkLen: KEY_BYTES });
    return timingSafeEqual(bytesToBase64Url(actual), hash);
  } catch {
    return false;
  }
}

const fromBase64Url = (text: string): Uint8Array =>
  base64ToBytes(
    text
      .replaceAll('-', '+')
      .replaceAll('_', '/')
      .padEnd(Math.ceil(text.length / 4) * 4, '='),
  );
