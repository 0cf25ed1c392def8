import type { Hono } from 'hono';
import { html } from 'hono/html';
import { listAuditEntries } from '../db/repo/audit-log.ts';
import type { AuditEntry, Tenant } from '../db/schema.ts';
import { reachOf, tenantsInReach } from './access.ts';
import { empty, type Html, page, pager, when } from './layout.ts';
import type { ConsoleEnv } from './session.ts';

const PER_PAGE = 50;
const ACTION = /^[a-z0-9_]+\.[a-z0-9_]+$/;

interface AuditFilters {
  tenantId?: string;
  actor?: string;
  action?: string;
}

/** /console/audit: the audit log the session may read (the reach of GET /api/v1/admin/audit), newest first, with filters. */
export function registerAuditPage(app: Hono<ConsoleEnv>): void {
  app.get('/audit', async (c) => {
    const query = (name: string) => c.req.query(name)?.trim() || undefined;
    const action = query('action');
    const filters: AuditFilters = { tenantId: query('tenant_id'), actor: query('actor')?.slice(0, 200), action: action && ACTION.test(action) ? action : undefined };
    const pageNumber = Math.max(1, Math.min(1_000_000, Number.parseInt(c.req.query('page') ?? '1', 10) || 1));
    const reach = await reachOf(c);
    const tenantIds = filters.tenantId ? (reach && !reach.includes(filters.tenantId) ? [] : [filters.tenantId]) : reach;
    const { items, total } = await listAuditEntries(c.var.services.db, {
      tenantIds,
      actor: filters.actor,
      action: filters.action,
      limit: PER_PAGE,
      offset: (pageNumber - 1) * PER_PAGE,
    });
    const body = auditView({ items, total, page: pageNumber, filters, tenants: await tenantsInReach(c) });
    return c.html(page({ title: 'Audit log', body, csrf: c.var.session.csrf, signedInAs: c.var.claims.sub ?? 'admin token' }));
  });
}

function auditView(data: { items: AuditEntry[]; total: number; page: number; filters: AuditFilters; tenants: Tenant[] }): Html {
  const { filters } = data;
  const pages = Math.max(1, Math.ceil(data.total / PER_PAGE));
  const link = (pageNumber: number) => {
    const params = new URLSearchParams({
      ...(filters.tenantId ? { tenant_id: filters.tenantId } : {}),
      ...(filters.actor ? { actor: filters.actor } : {}),
      ...(filters.action ? { action: filters.action } : {}),
    });
    params.set('page', String(pageNumber));
    return `/console/audit?${params}`;
  };
  return html`<h1>Audit log</h1>
<form method="get" action="/console/audit" class="actions" role="search">
  <label>Tenant <select name="tenant_id"><option value="">all</option>${data.tenants.map(
    (tenant) => html`<option value="${tenant.id}"${tenant.id === filters.tenantId ? html` selected` : ''}>${tenant.name}</option>`,
  )}</select></label>
  <label>Actor <input name="actor" value="${filters.actor ?? ''}" placeholder="sub or hg_…"></label>
  <label>Action <input name="action" value="${filters.action ?? ''}" placeholder="webhook.created"></label>
  <button type="submit">Filter</button>
</form>
${
  data.items.length === 0
    ? empty('No changes recorded for these filters.')
    : html`<table>
  <thead><tr><th>When</th><th>Actor</th><th>Action</th><th>Target</th><th>Changes</th><th>From</th></tr></thead>
  <tbody>${data.items.map(
    (entry) => html`<tr>
    <td>${when(entry.created_at)}</td>
    <td><code>${entry.actor}</code> <span class="muted">${entry.actor_kind}</span></td>
    <td><code>${entry.action}</code></td>
    <td>${entry.target_type} <code>${entry.target_id}</code>${entry.tenant_id ? html` <span class="muted">tenant <code>${entry.tenant_id}</code></span>` : ''}</td>
    <td>${entry.changes ? html`<code>${entry.changes}</code>` : html`<span class="muted">—</span>`}</td>
    <td>${entry.ip ?? ''} <span class="muted">${entry.request_id ?? ''}</span></td>
  </tr>`,
  )}</tbody>
</table>
${pager(data.page, pages, `${data.total} changes`, link)}`
}`;
}
