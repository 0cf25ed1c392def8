import { createHmac, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { signDevToken } from '../../../src/auth/sign-token.ts';
import { JWT_SECRET } from '../../support/server.ts';

export interface Claims {
  sub: string;
  scope?: string;
  tenantId?: string;
}

const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const payloadOf = (claims: Claims, now = Math.floor(Date.now() / 1000)) => ({
  sub: claims.sub,
  ...(claims.scope ? { scope: claims.scope } : {}),
  ...(claims.tenantId ? { tenant_id: claims.tenantId } : {}),
  iat: now,
  exp: now + 600,
});

/** An RS256 token signed with `key` (the JWKS key is accepted; any other is not). */
export const rsToken = (claims: Claims, key: KeyObject, kid: string) => new SignJWT(payloadOf(claims)).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }).sign(key);

const strangerKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

/**
 * Bearer tokens that must all be refused, each carrying the claims the route would accept:
 * only the way they are signed (or not) is wrong.
 */
export async function forgedTokens(claims: Claims, rsa: { publicPem: string; kid: string }): Promise<Record<string, string>> {
  const payload = b64url(payloadOf(claims));
  const hmac = (secret: string, input: string) => createHmac('sha256', secret).update(input).digest('base64url');
  const rsHeader = b64url({ alg: 'RS256', kid: rsa.kid, typ: 'JWT' });
  const hsHeader = b64url({ alg: 'HS256', typ: 'JWT' });
  return {
    expired: await signDevToken({ secret: JWT_SECRET, ...claims, ttlSeconds: 600, now: Date.now() - 3600_000 }),
    'wrong signature': await signDevToken({ secret: 'another-secret-that-is-at-least-32-characters', ...claims, ttlSeconds: 600 }),
    'alg none': `${b64url({ alg: 'none', typ: 'JWT' })}.${payload}.`,
    'alg None, signature kept': `${b64url({ alg: 'None', typ: 'JWT' })}.${payload}.${hmac(JWT_SECRET, `${hsHeader}.${payload}`)}`,
    'RS256 header, HMAC with the HS secret': `${rsHeader}.${payload}.${hmac(JWT_SECRET, `${rsHeader}.${payload}`)}`,
    'HS256 with the RSA public key as secret': `${hsHeader}.${payload}.${hmac(rsa.publicPem, `${hsHeader}.${payload}`)}`,
    'RS256 by a stranger key with the JWKS kid': await rsToken(claims, strangerKey, rsa.kid),
    'tampered payload': (() => {
      const header = hsHeader;
      const signature = hmac(JWT_SECRET, `${header}.${payload}`);
      return `${header}.${b64url({ ...payloadOf(claims), sub: `${claims.sub}-x` })}.${signature}`;
    })(),
  };
}

/** Authorization values that are not a usable credential at all. */
export const MALFORMED = ['Bearer not-a-jwt', 'Bearer a.b.c', 'Basic dXNlcjpwYXNz', 'hg_short', `Bearer ${'x'.repeat(4000)}`, 'Bearer'];
