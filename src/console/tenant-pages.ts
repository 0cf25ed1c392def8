import { html } from 'hono/html';
import type { As2Partner, Tenant } from '../db/schema.ts';
import { csrfField, inputField } from './forms.ts';
import { actionForm, empty, type Html, notice, when } from './layout.ts';

/** The views of tenant administration: creating tenants, their API keys and AS2 partners. */

export interface ApiKeyRow {
  id: string;
  label: string | null;
  created_at: number;
  revoked_at: number | null;
}

export type Notice = { text: string; kind: 'ok' | 'error' } | undefined;

export function newTenantForm(csrf: string, values: { name: string; partnerOrg: string }, error?: string): Html {
  return html`<section class="card form" id="new-tenant">
  <h2>Create a tenant</h2>
  ${notice(error, 'error')}
  <form method="post" action="/console/tenants">${csrfField(csrf)}
    ${inputField('Name', 'name', values.name, { required: true, placeholder: 'Acme Invoicing' })}
    ${inputField('Partner organisation (optional)', 'partner_org_id', values.partnerOrg, { placeholder: 'partner-org-1' })}
    <p><button type="submit" class="primary" data-busy="Creating…">Create tenant</button></p>
  </form>
  <p class="muted">The tenant gets its first API key at once; it is shown once, on the next page.</p>
</section>`;
}

/** The raw key of a tenant, shown this once (the store keeps only its hash). */
export function keyShownOnceView(tenant: Tenant, heading: string, keyId: string, key: string): Html {
  return html`<p><a href="/console/tenants/${tenant.id}">← back to ${tenant.name}</a></p>
<h1>${heading}</h1>
<p>This is the only time the API key is shown: hookgate keeps only its hash. Copy it now.</p>
<p class="secret"><code id="new-api-key">${key}</code></p>
<p class="muted">Key id <code>hg_${keyId}</code> · tenant <code>${tenant.id}</code></p>`;
}

export interface TenantAccessData {
  tenant: Tenant;
  keys: readonly ApiKeyRow[];
  partners: readonly As2Partner[];
  csrf: string;
  /** Whether the session may change keys and partners (the admin role). */
  canAdminister: boolean;
}

export function tenantAccessView(data: TenantAccessData): Html {
  const { tenant, csrf } = data;
  const base = `/console/tenants/${tenant.id}`;
  return html`<h2>API keys</h2>
${
  data.keys.length === 0
    ? empty('This tenant has no API key.')
    : html`<table id="api-keys">
  <thead><tr><th>Key id</th><th>Label</th><th>Created</th><th>State</th>${data.canAdminister ? html`<th>Action</th>` : ''}</tr></thead>
  <tbody>${data.keys.map(
    (key) => html`<tr>
    <td><code>hg_${key.id}</code></td>
    <td>${key.label ?? html`<span class="muted">—</span>`}</td>
    <td>${when(key.created_at)}</td>
    <td>${key.revoked_at === null ? html`<span class="badge enabled">active</span>` : html`<span class="badge disabled">revoked</span> ${when(key.revoked_at)}`}</td>
    ${data.canAdminister ? html`<td>${key.revoked_at === null ? actionForm(`${base}/keys/${key.id}/revoke`, csrf, `Revoke hg_${key.id}`, { busy: 'Revoking…' }) : ''}</td>` : ''}
  </tr>`,
  )}</tbody>
</table>`
}
${
  data.canAdminister
    ? html`<form method="post" action="${base}/keys" class="actions inline-form">${csrfField(csrf)}
  <label for="key-label">Label</label><input id="key-label" name="label" placeholder="billing-service" autocomplete="off">
  <button type="submit" data-busy="Creating…">Create API key</button>
</form>`
    : ''
}
<h2>AS2 trading partners</h2>
${
  data.partners.length === 0
    ? empty('No AS2 trading partner yet.')
    : html`<table id="as2-partners">
  <thead><tr><th>Partner id</th><th>Name</th><th>Created</th></tr></thead>
  <tbody>${data.partners.map((partner) => html`<tr><td>${partner.id}</td><td>${partner.name}</td><td>${when(partner.created_at)}</td></tr>`)}</tbody>
</table>`
}
${
  data.canAdminister
    ? html`<form method="post" action="${base}/partners" class="actions inline-form">${csrfField(csrf)}
  <label for="partner-name">Partner name</label><input id="partner-name" name="name" required placeholder="Contoso EDI" autocomplete="off">
  <button type="submit" data-busy="Creating…">Create AS2 partner</button>
</form>`
    : ''
}`;
}

/** What was typed in the portal-link form (kept when it is refused). */
export interface PortalLinkValues {
  accent: string;
  logoUrl: string;
  frameAncestors: string;
}

export const NO_PORTAL_VALUES: PortalLinkValues = { accent: '', logoUrl: '', frameAncestors: '' };

/** The admin's form for a tenant's portal link (docs/portal.md): every field optional; and the way to end the portal access already given. */
export function portalLinkForm(tenant: Tenant, csrf: string, values: PortalLinkValues, open: { sessions: number; links: number }, error?: string): Html {
  return html`<section class="card form" id="portal-link">
  <h2>Tenant portal</h2>
  <p class="muted">A single-use link that opens a self-service portal for ${tenant.name} alone: its admin webhooks, their deliveries, the event catalogue and how to verify signatures.</p>
  ${notice(error, 'error')}
  <form method="post" action="/console/tenants/${tenant.id}/portal">${csrfField(csrf)}
    ${inputField('Accent colour (optional)', 'accent', values.accent, { placeholder: '#0a7d55' })}
    ${inputField('Logo URL (optional, https)', 'logo_url', values.logoUrl, { type: 'url', placeholder: 'https://app.example.com/logo.svg' })}
    ${inputField('Origins allowed to embed it (optional, separated by spaces)', 'frame_ancestors', values.frameAncestors, {
      placeholder: 'https://app.example.com',
      hint: 'None: the portal refuses every frame.',
    })}
    <p><button type="submit" data-busy="Creating…">Create portal link</button></p>
  </form>
  <p id="portal-open">${open.sessions} portal session${open.sessions === 1 ? '' : 's'} open, ${open.links} link${open.links === 1 ? '' : 's'} not yet opened.</p>
  ${open.sessions + open.links > 0 ? actionForm(`/console/tenants/${tenant.id}/portal/revoke`, csrf, 'End portal access', { busy: 'Ending…' }) : ''}
</section>`;
}

/** A new portal link, shown this once (the store keeps only its hash). */
export function portalLinkShownOnceView(tenant: Tenant, link: { url: string; expires_at: string }): Html {
  return html`<p><a href="/console/tenants/${tenant.id}">← back to ${tenant.name}</a></p>
<h1>Portal link of ${tenant.name}</h1>
<p>This is the only time the link is shown: hookgate keeps only its hash. Give it to the tenant (or load it in your app's iframe) now: it opens the portal once, until <strong>${when(Date.parse(link.expires_at))}</strong>; the portal session it starts lasts 4 hours.</p>
<p class="secret"><code id="portal-url">${link.url}</code></p>
<p class="muted">Expires at <time id="portal-expires" datetime="${link.expires_at}">${link.expires_at}</time></p>`;
}

/** Links to the new-endpoint form of each surface, for those who may create endpoints. */
export const newEndpointLinks = (tenantId: string, surfaces: readonly { name: string; label: string }[]): Html =>
  html`<div class="actions" id="new-endpoint">${surfaces.map(
    (surface) => html`<a class="button" href="/console/tenants/${tenantId}/endpoints/new?surface=${surface.name}">New ${surface.label} endpoint</a>`,
  )}</div>`;
