import { SignJWT } from 'jose';

export interface DevTokenRequest {
  secret: string;
  sub: string;
  tenantId?: string;
  partnerOrgId?: string;
  scope?: string;
  ttlSeconds: number;
  issuer?: string;
  audience?: string;
  now?: number;
}

/** Signs an HS256 token with JWT_SECRET: `hookgate token`, tests and scripts. */
export async function signDevToken(request: DevTokenRequest): Promise<string> {
  const issuedAt = Math.floor((request.now ?? Date.now()) / 1000);
  const claims: Record<string, unknown> = {};
  if (request.scope) claims.scope = request.scope;
  if (request.tenantId) claims.tenant_id = request.tenantId;
  if (request.partnerOrgId) claims.partner_id = request.partnerOrgId;
  let jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(request.sub)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + request.ttlSeconds);
  if (request.issuer) jwt = jwt.setIssuer(request.issuer);
  if (request.audience) jwt = jwt.setAudience(request.audience);
  return jwt.sign(new TextEncoder().encode(request.secret));
}
