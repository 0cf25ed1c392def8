import type { Context } from 'hono';
import { issueApiKey, listApiKeys, revokeApiKey } from '../../db/repo/api-keys.ts';
import { createAs2Partner, listAs2Partners } from '../../db/repo/as2-partners.ts';
import { getTenant, listTenants } from '../../db/repo/tenants.ts';
import type { As2Partner, Tenant } from '../../db/schema.ts';
import { toIso } from '../../domain/endpoint-fields.ts';
import { createTenantWithKey } from '../../domain/tenants.ts';
import { forbidden, notFound } from '../../errors.ts';
import { noteChange } from '../audit.ts';
import { ADMIN_SCOPE, adminReach, requireToken } from '../auth.ts';
import type { AppEnv } from '../context.ts';
import { fastApiErrors } from '../error-formats.ts';
import { createSurface } from '../surface.ts';
import * as routes from './routes.ts';

/** Mounted at /api/v1/tenants: bootstrap endpoints none of the four pages has: tenants, their API keys, AS2 trading partners. */
export function operatorApi() {
  const app = createSurface(fastApiErrors);
  app.use(requireToken({ anyScope: [ADMIN_SCOPE] }));

  app.openapi(routes.createTenantRoute, async (c) => {
    const body = c.req.valid('json');
    const claims = c.var.claims;
    if (claims.tenantId) throw forbidden('A tenant-bound token cannot create tenants');
    if (claims.partnerOrgId && body.partner_org_id && body.partner_org_id !== claims.partnerOrgId) {
      throw forbidden('A partner-bound token creates tenants only in its own partner organisation');
    }
    const { tenant, key } = await createTenantWithKey(c.var.services.db, {
      name: body.name,
      partnerOrgId: body.partner_org_id ?? claims.partnerOrgId ?? null,
      now: c.var.services.clock.now(),
    });
    await noteChange(c, {
      action: 'tenant.created',
      target: tenantTarget(tenant.id),
      changes: { name: tenant.name, partner_org_id: tenant.partner_org_id, key_id: `hg_${key.id}` },
    });
    return c.json({ ...toTenantResponse(tenant), api_key: key.key }, 201);
  });

  app.openapi(routes.listTenantsRoute, async (c) => {
    const reach = await adminReach(c);
    const tenants = (await listTenants(c.var.services.db)).filter((tenant) => !reach || reach.includes(tenant.id));
    return c.json({ items: tenants.map(toTenantResponse), total: tenants.length }, 200);
  });

  app.openapi(routes.issueKeyRoute, async (c) => {
    const tenant = await tenantInReach(c, c.req.valid('param').tenant_id);
    const key = await issueApiKey(c.var.services.db, {
      tenantId: tenant.id,
      label: c.req.valid('json').label ?? null,
      now: c.var.services.clock.now(),
    });
    await noteChange(c, { action: 'api_key.issued', target: { type: 'api_key', id: `hg_${key.id}`, tenantId: tenant.id }, changes: { label: c.req.valid('json').label ?? null } });
    return c.json({ key_id: key.id, label: c.req.valid('json').label ?? null, created_at: toIso(key.created_at)!, revoked_at: null, api_key: key.key }, 201);
  });

  app.openapi(routes.listKeysRoute, async (c) => {
    const tenant = await tenantInReach(c, c.req.valid('param').tenant_id);
    const keys = await listApiKeys(c.var.services.db, tenant.id);
    const items = keys.map((key) => ({ key_id: key.id, label: key.label, created_at: toIso(key.created_at)!, revoked_at: toIso(key.revoked_at) }));
    return c.json({ items }, 200);
  });

  app.openapi(routes.revokeKeyRoute, async (c) => {
    const { tenant_id, key_id } = c.req.valid('param');
    const tenant = await tenantInReach(c, tenant_id);
    const revoked = await revokeApiKey(c.var.services.db, { tenantId: tenant.id, keyId: key_id, now: c.var.services.clock.now() });
    if (!revoked) throw notFound('API key not found');
    await noteChange(c, { action: 'api_key.revoked', target: { type: 'api_key', id: `hg_${key_id}`, tenantId: tenant.id } });
    return c.body(null, 204);
  });

  app.openapi(routes.createAs2PartnerRoute, async (c) => {
    const tenant = await tenantInReach(c, c.req.valid('param').tenant_id);
    const partner = await createAs2Partner(c.var.services.db, { tenantId: tenant.id, name: c.req.valid('json').name, now: c.var.services.clock.now() });
    await noteChange(c, { action: 'as2_partner.created', target: { type: 'as2_partner', id: partner.id, tenantId: tenant.id }, changes: { name: partner.name } });
    return c.json(toPartnerResponse(partner), 201);
  });

  app.openapi(routes.listAs2PartnersRoute, async (c) => {
    const tenant = await tenantInReach(c, c.req.valid('param').tenant_id);
    return c.json({ items: (await listAs2Partners(c.var.services.db, tenant.id)).map(toPartnerResponse) }, 200);
  });

  return app;
}

const tenantTarget = (id: string) => ({ type: 'tenant', id, tenantId: id });

async function tenantInReach(c: Context<AppEnv>, tenantId: string): Promise<Tenant> {
  const reach = await adminReach(c);
  const tenant = reach && !reach.includes(tenantId) ? undefined : await getTenant(c.var.services.db, tenantId);
  if (!tenant) throw notFound('Tenant not found');
  return tenant;
}

const toTenantResponse = (tenant: Tenant) => ({
  tenant_id: tenant.id,
  name: tenant.name,
  partner_org_id: tenant.partner_org_id,
  created_at: toIso(tenant.created_at)!,
});

const toPartnerResponse = (partner: As2Partner) => ({
  partner_id: partner.id,
  tenant_id: partner.tenant_id,
  name: partner.name,
  created_at: toIso(partner.created_at)!,
});
