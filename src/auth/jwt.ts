import { createRemoteJWKSet, decodeProtectedHeader, type JWTPayload, jwtVerify } from 'jose';
import type { Config } from '../config.ts';

export interface TokenClaims {
  sub: string | null;
  scopes: ReadonlySet<string>;
  /** Restricts the token to one tenant (page 002's tenant; an admin token may be tenant-bound). */
  tenantId: string | null;
  /** Restricts an admin token to the tenants of one partner organisation. */
  partnerOrgId: string | null;
}

export type TokenVerifier = (token: string) => Promise<TokenClaims | null>;

const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'];

/**
 * Verifies Bearer JWTs: HS256 with JWT_SECRET, asymmetric algorithms against JWT_JWKS_URL.
 * The accepted algorithms are pinned per key, so `alg: none` and HS/RS confusion fail.
 */
export function createTokenVerifier(jwt: Config['jwt'], now: () => number): TokenVerifier {
  const secret = jwt.secret ? new TextEncoder().encode(jwt.secret) : null;
  const jwks = jwt.jwksUrl ? createRemoteJWKSet(new URL(jwt.jwksUrl)) : null;
  const options = { issuer: jwt.issuer, audience: jwt.audience, clockTolerance: 5 };
  return async (token) => {
    try {
      const { alg } = decodeProtectedHeader(token);
      let payload: JWTPayload;
      if (alg === 'HS256' && secret) {
        ({ payload } = await jwtVerify(token, secret, { ...options, algorithms: ['HS256'], currentDate: new Date(now()) }));
      } else if (alg && ASYMMETRIC.includes(alg) && jwks) {
        ({ payload } = await jwtVerify(token, jwks, { ...options, algorithms: ASYMMETRIC, currentDate: new Date(now()) }));
      } else {
        return null;
      }
      return toClaims(payload);
    } catch {
      return null;
    }
  };
}

/**
 * The claims a verified payload grants, or null when a scoping claim (`tenant_id`, `partner_id`) is
 * present but not a non-blank string: such a token must not fall back to the platform-wide reach of
 * a token without the claim. A platform token omits both claims.
 */
function toClaims(payload: JWTPayload): TokenClaims | null {
  const tenantId = scopingClaim(payload.tenant_id);
  const partnerOrgId = scopingClaim(payload.partner_id);
  if (tenantId === INVALID || partnerOrgId === INVALID) return null;
  const scope = payload.scope ?? payload.scp;
  const scopes = Array.isArray(scope) ? scope.map(String) : typeof scope === 'string' ? scope.split(' ') : [];
  return {
    sub: typeof payload.sub === 'string' && payload.sub.length > 0 ? payload.sub : null,
    scopes: new Set(scopes.filter(Boolean)),
    tenantId,
    partnerOrgId,
  };
}

const INVALID = Symbol('invalid scoping claim');

/** Absent (undefined) means no restriction; anything but a non-blank string (null, number, array, object, "") is invalid. */
function scopingClaim(value: unknown): string | null | typeof INVALID {
  if (value === undefined) return null;
  return typeof value === 'string' && value.trim().length > 0 ? value : INVALID;
}

/** Extracts the token of `Authorization: Bearer <token>`. */
export function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1] ?? null;
}
