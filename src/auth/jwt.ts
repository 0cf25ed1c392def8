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

function toClaims(payload: JWTPayload): TokenClaims {
  const scope = payload.scope ?? payload.scp;
  const scopes = Array.isArray(scope) ? scope.map(String) : typeof scope === 'string' ? scope.split(' ') : [];
  const text = (value: unknown) => (typeof value === 'string' && value.length > 0 ? value : null);
  return {
    sub: text(payload.sub),
    scopes: new Set(scopes.filter(Boolean)),
    tenantId: text(payload.tenant_id),
    partnerOrgId: text(payload.partner_id),
  };
}

/** Extracts the token of `Authorization: Bearer <token>`. */
export function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1] ?? null;
}
