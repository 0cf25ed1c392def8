import type { Context, Hono } from 'hono';
import { html } from 'hono/html';
import { createPortalLinkFor, PortalLinkRequest } from '../api/admin/portal.ts';
import type { AppEnv } from '../api/context.ts';
import { issueApiKey, listApiKeys, revokeApiKey } from '../db/repo/api-keys.ts';
import { createAs2Partner, listAs2Partners } from '../db/repo/as2-partners.ts';
import { endpointCounts, tenantEndpointSummaries } from '../db/repo/endpoint-summaries.ts';
import { countTenantPortal, revokeTenantPortal } from '../db/repo/portal.ts';
import type { Tenant } from '../db/schema.ts';
import { createTenantWithKey } from '../domain/tenants.ts';
import { forbidden, notFound } from '../errors.ts';
import { SURFACES } from '../surfaces/index.ts';
import { tenantInReach, tenantsInReach } from './access.ts';
import { audit } from './actions.ts';
import { checked, formError, orRefusal, type PostedForm, postedForm, type RefusalStatus } from './forms.ts';
import type { Html } from './layout.ts';
import { NOTICES, type NoticeKey } from './notices.ts';
import { tenantsView, tenantView } from './pages.ts';
import { type ConsoleEnv, hasRole, requireRole } from './session.ts';
import {
  keyShownOnceView,
  NO_PORTAL_VALUES,
  type Notice,
  newEndpointLinks,
  newTenantForm,
  type PortalLinkValues,
  portalLinkForm,
  portalLinkShownOnceView,
  tenantAccessView,
} from './tenant-pages.ts';

const DAY_MS = 86_400_000;
const NAME_MAX = 200;
const PARTNER_ORG_MAX = 64;

type Render = (c: Context<ConsoleEnv>, title: string, body: Html, status?: 200 | RefusalStatus) => Response | Promise<Response>;

/** A required text field of at most `max` characters, or a refusal naming it. */
function textField(form: PostedForm, name: string, label: string, max: number, required = true): string {
  const value = form.text(name);
  if (required && !value) throw formError(`${label} is required`);
  if (value.length > max) throw formError(`${label} must be at most ${max} characters`);
  return value;
}

/** Tenants: the list with its create form, one tenant's page with its API keys and AS2 partners, and the admin's changes to them. */
export function registerTenantActions(app: Hono<ConsoleEnv>, render: Render): void {
  const tenantsPage = async (c: Context<ConsoleEnv>, form = { name: '', partnerOrg: '' }, error?: { status: RefusalStatus; message: string }) => {
    const tenants = await tenantsInReach(c);
    const counts = await endpointCounts(
      c.var.services.db,
      tenants.map((tenant) => tenant.id),
    );
    const create = hasRole(c, 'admin') && !c.var.claims.tenantId ? newTenantForm(c.var.session.csrf, form, error?.message) : '';
    return render(c, 'Tenants', html`${tenantsView(tenants, counts)}${create}`, error?.status ?? 200);
  };

  const tenantPage = async (c: Context<ConsoleEnv>, tenant: Tenant, shown: Notice, status: 200 | RefusalStatus = 200, portal?: { values: PortalLinkValues; error: string }) => {
    const { db, clock } = c.var.services;
    const [summaries, keys, partners] = await Promise.all([
      tenantEndpointSummaries(db, tenant.id, clock.now() - DAY_MS),
      listApiKeys(db, tenant.id),
      listAs2Partners(db, tenant.id),
    ]);
    const links = hasRole(c, 'operator') ? newEndpointLinks(tenant.id, SURFACES) : '';
    const access = tenantAccessView({ tenant, keys, partners, csrf: c.var.session.csrf, canAdminister: hasRole(c, 'admin') });
    const portalForm = hasRole(c, 'admin')
      ? portalLinkForm(tenant, c.var.session.csrf, portal?.values ?? NO_PORTAL_VALUES, await countTenantPortal(db, tenant.id, clock.now()), portal?.error)
      : '';
    return render(c, tenant.name, html`${tenantView(tenant, summaries, { notice: shown, actions: links })}${access}${portalForm}`, status);
  };

  app.get('/', (c) => tenantsPage(c));

  app.get('/tenants/:tenantId', async (c) => {
    const key = c.req.query('notice');
    return tenantPage(c, await tenantInReach(c, c.req.param('tenantId')), key && key in NOTICES ? NOTICES[key as NoticeKey] : undefined);
  });

  app.post('/tenants', async (c) => {
    requireRole(c, 'admin', 'create tenants');
    const { claims } = c.var;
    if (claims.tenantId) throw forbidden('A tenant-bound session cannot create tenants');
    const form = await postedForm(c);
    const values = { name: form.text('name'), partnerOrg: form.text('partner_org_id') };
    return orRefusal(
      async () => {
        const name = textField(form, 'name', 'Name', NAME_MAX);
        const partnerOrg = textField(form, 'partner_org_id', 'Partner organisation', PARTNER_ORG_MAX, false) || null;
        // A partner-bound session creates tenants only in its own organisation, as the operator API does.
        if (claims.partnerOrgId && partnerOrg && partnerOrg !== claims.partnerOrgId) throw formError('You may create tenants only in your own partner organisation');
        const { tenant, key } = await createTenantWithKey(c.var.services.db, { name, partnerOrgId: partnerOrg ?? claims.partnerOrgId, now: c.var.services.clock.now() });
        await audit(c, {
          action: 'tenant.created',
          target: { type: 'tenant', id: tenant.id, tenantId: tenant.id },
          changes: { name: tenant.name, partner_org_id: tenant.partner_org_id, key_id: `hg_${key.id}` },
        });
        return render(c, 'Tenant created', keyShownOnceView(tenant, `Tenant ${tenant.name} created`, key.id, key.key));
      },
      (refusal) => tenantsPage(c, values, refusal),
    );
  });

  app.post('/tenants/:tenantId/keys', async (c) => {
    requireRole(c, 'admin', 'create API keys');
    const tenant = await tenantInReach(c, c.req.param('tenantId'));
    const form = await postedForm(c);
    return orRefusal(
      async () => {
        const label = textField(form, 'label', 'Label', NAME_MAX, false) || null;
        const key = await issueApiKey(c.var.services.db, { tenantId: tenant.id, label, now: c.var.services.clock.now() });
        await audit(c, { action: 'api_key.issued', target: { type: 'api_key', id: `hg_${key.id}`, tenantId: tenant.id }, changes: { label } });
        return render(c, 'New API key', keyShownOnceView(tenant, `New API key of ${tenant.name}`, key.id, key.key));
      },
      (refusal) => tenantPage(c, tenant, { text: refusal.message, kind: 'error' }, refusal.status),
    );
  });

  app.post('/tenants/:tenantId/keys/:keyId/revoke', async (c) => {
    requireRole(c, 'admin', 'revoke API keys');
    const tenant = await tenantInReach(c, c.req.param('tenantId'));
    const keyId = c.req.param('keyId');
    if (!(await revokeApiKey(c.var.services.db, { tenantId: tenant.id, keyId, now: c.var.services.clock.now() }))) throw notFound('API key not found (or already revoked)');
    await audit(c, { action: 'api_key.revoked', target: { type: 'api_key', id: `hg_${keyId}`, tenantId: tenant.id } });
    return c.redirect(`/console/tenants/${tenant.id}?notice=key-revoked`, 303);
  });

  app.post('/tenants/:tenantId/partners', async (c) => {
    requireRole(c, 'admin', 'create AS2 partners');
    const tenant = await tenantInReach(c, c.req.param('tenantId'));
    const form = await postedForm(c);
    return orRefusal(
      async () => {
        const name = textField(form, 'name', 'Partner name', NAME_MAX);
        const partner = await createAs2Partner(c.var.services.db, { tenantId: tenant.id, name, now: c.var.services.clock.now() });
        await audit(c, { action: 'as2_partner.created', target: { type: 'as2_partner', id: partner.id, tenantId: tenant.id }, changes: { name } });
        return c.redirect(`/console/tenants/${tenant.id}?notice=partner-created`, 303);
      },
      (refusal) => tenantPage(c, tenant, { text: refusal.message, kind: 'error' }, refusal.status),
    );
  });

  app.post('/tenants/:tenantId/portal', async (c) => {
    requireRole(c, 'admin', 'create portal links');
    const tenant = await tenantInReach(c, c.req.param('tenantId'));
    const form = await postedForm(c);
    const values = { accent: form.text('accent'), logoUrl: form.text('logo_url'), frameAncestors: form.text('frame_ancestors') };
    return orRefusal(
      async () => {
        const body = checked(PortalLinkRequest, {
          theme: { accent: values.accent || undefined, logo_url: values.logoUrl || undefined },
          frame_ancestors: values.frameAncestors.split(/[\s,]+/).filter(Boolean),
        });
        const link = await createPortalLinkFor(c as unknown as Context<AppEnv>, tenant, body);
        return render(c, 'Portal link', portalLinkShownOnceView(tenant, link));
      },
      (refusal) => tenantPage(c, tenant, undefined, refusal.status, { values, error: refusal.message }),
    );
  });

  app.post('/tenants/:tenantId/portal/revoke', async (c) => {
    requireRole(c, 'admin', 'end portal access');
    const tenant = await tenantInReach(c, c.req.param('tenantId'));
    const ended = await revokeTenantPortal(c.var.services.db, tenant.id, c.var.services.clock.now());
    await audit(c, {
      action: 'portal.revoked',
      target: { type: 'tenant', id: tenant.id, tenantId: tenant.id },
      changes: { sessions_ended: ended.sessions, links_expired: ended.links },
    });
    return c.redirect(`/console/tenants/${tenant.id}?notice=portal-revoked`, 303);
  });
}
