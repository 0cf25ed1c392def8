import type { Context, MiddlewareHandler } from 'hono';
import { bearerToken } from '../auth/jwt.ts';
import { findTenantByApiKey } from '../db/repo/api-keys.ts';
import { listTenants } from '../db/repo/tenants.ts';
import { forbidden, rateLimited, unauthorized } from '../errors.ts';
import type { AppEnv } from './context.ts';

export type ApiKeyLocation = 'raw-authorization' | 'any';

/** Reads a tenant API key: raw in `Authorization` (page 000), or also `Bearer <key>` and `X-API-Key` (page 003). */
function presentedApiKey(c: Context<AppEnv>, location: ApiKeyLocation): string | null {
  const header = c.req.header('Authorization')?.trim();
  if (location === 'raw-authorization') return header || null;
  return bearerToken(header) ?? c.req.header('X-API-Key')?.trim() ?? (header || null);
}

export function requireApiKey(location: ApiKeyLocation): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const key = presentedApiKey(c, location);
    const tenant = key ? await findTenantByApiKey(c.var.services.db, key, c.var.services.verifiedApiKeys) : null;
    if (!tenant) throw unauthorized(key ? 'Invalid API key' : 'Not authenticated');
    const keyId = key!.slice(0, 19);
    takeRequest(c, `key:${keyId}`);
    c.set('tenant', tenant);
    c.set('auditActor', { kind: 'api_key', id: keyId, tenantId: tenant.id, partnerOrgId: tenant.partner_org_id });
    await next();
  };
}

/**
 * Per-caller rate limit, taken once authentication has succeeded: the bucket of an API key is its
 * public key id (`hg_<16 hex>`), that of a token its subject within its tenant / partner binding.
 */
function takeRequest(c: Context<AppEnv>, caller: string): void {
  const wait = c.var.rateLimiter.take(caller);
  if (wait > 0) throw rateLimited(wait);
}

export const ADMIN_SCOPE = 'webhooks:admin';

/** Requires a valid Bearer JWT; with `scopes`, at least one of them. */
export function requireToken(options: { anyScope?: readonly string[] } = {}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = bearerToken(c.req.header('Authorization'));
    const claims = token ? await c.var.services.verifyToken(token) : null;
    if (!claims) throw unauthorized(token ? 'Invalid or expired token' : 'Not authenticated');
    takeRequest(c, `sub:${claims.sub ?? ''}\u0000${claims.tenantId ?? ''}\u0000${claims.partnerOrgId ?? ''}`);
    if (options.anyScope && !options.anyScope.some((scope) => claims.scopes.has(scope))) {
      throw forbidden(`Missing required scope: ${options.anyScope.join(' or ')}`);
    }
    c.set('claims', claims);
    c.set('auditActor', { kind: 'token', id: claims.sub ?? '(no sub)', tenantId: claims.tenantId, partnerOrgId: claims.partnerOrgId });
    await next();
  };
}

/**
 * The tenants an admin token may act on: one tenant for a tenant-bound token, the tenants of a
 * partner organisation for a partner-bound one, and every tenant (undefined) for a platform token.
 */
export async function adminReach(c: Context<AppEnv>): Promise<string[] | undefined> {
  const { tenantId, partnerOrgId } = c.var.claims;
  if (tenantId) {
    if (!partnerOrgId) return [tenantId];
    const inOrg = await listTenants(c.var.services.db, { partnerOrgId });
    return inOrg.some((tenant) => tenant.id === tenantId) ? [tenantId] : [];
  }
  if (partnerOrgId) return (await listTenants(c.var.services.db, { partnerOrgId })).map((tenant) => tenant.id);
  return undefined;
}

/** Narrows a reach by a requested tenant / partner-organisation filter. */
export async function narrowReach(
  c: Context<AppEnv>,
  reach: string[] | undefined,
  filter: { tenantId?: string | null; partnerOrgId?: string | null },
): Promise<string[] | undefined> {
  let ids = reach;
  if (filter.partnerOrgId) {
    const inOrg = (await listTenants(c.var.services.db, { partnerOrgId: filter.partnerOrgId })).map((tenant) => tenant.id);
    ids = ids ? ids.filter((id) => inOrg.includes(id)) : inOrg;
  }
  if (filter.tenantId) ids = ids ? ids.filter((id) => id === filter.tenantId) : [filter.tenantId];
  return ids;
}
