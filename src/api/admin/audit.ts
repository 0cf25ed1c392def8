import { createRoute, z } from '@hono/zod-openapi';
import { listAuditEntries } from '../../db/repo/audit-log.ts';
import type { AuditEntry } from '../../db/schema.ts';
import { pageCount } from '../../domain/admin-views.ts';
import { toIso } from '../../domain/endpoint-fields.ts';
import { ADMIN_SCOPE, adminReach, narrowReach, requireToken } from '../auth.ts';
import { fastApiErrors } from '../error-formats.ts';
import { errorResponses } from '../fastapi-schemas.ts';
import { createSurface } from '../surface.ts';
import { dateTime, ok, pageOf, paging, security } from './schemas.ts';

/** The audit log, mounted at /api/v1/admin/audit: who changed what, when and from where (see src/domain/audit.ts). */

const AuditEntryJson = z
  .object({
    id: z.number().int(),
    created_at: dateTime,
    actor: z.object({
      kind: z
        .enum(['token', 'api_key', 'console_token', 'console_password', 'portal'])
        .openapi({ description: 'A Bearer JWT, a tenant API key, a console session of either kind, or a tenant portal session (id: its link’s `pl_…`)' }),
      id: z.string().openapi({ description: 'The token’s `sub`, the API key’s public id (`hg_<16 hex>`) or the console user; never a credential' }),
      tenant_id: z.string().nullable(),
      partner_org_id: z.string().nullable(),
    }),
    action: z.string().openapi({ example: 'webhook.created' }),
    target: z.object({ type: z.string().openapi({ example: 'webhook' }), id: z.string(), tenant_id: z.string().nullable() }),
    ip: z.string().nullable().openapi({ description: 'The client address as the runtime gives it' }),
    request_id: z.string().nullable(),
    changes: z.record(z.string(), z.unknown()).nullable().openapi({ description: 'Fields changed and their new values; secret fields read `"(set)"`' }),
  })
  .openapi('AuditEntry');

const auditQuery = z.object({
  ...paging,
  tenant_id: z.string().min(1).max(64).nullish(),
  actor: z.string().min(1).max(200).optional(),
  action: z
    .string()
    .regex(/^[a-z0-9_]+\.[a-z0-9_]+$/, 'Expected <target>.<change>, e.g. webhook.created')
    .optional(),
  since: z.iso.datetime({ offset: true }).optional().openapi({ description: 'Entries at or after this time' }),
  until: z.iso.datetime({ offset: true }).optional().openapi({ description: 'Entries before this time' }),
});

export const listAudit = createRoute({
  method: 'get',
  operationId: 'adminListAuditLog',
  path: '/',
  tags: ['Audit'],
  summary: 'List the Audit Log',
  description:
    'Changes made through the console and the APIs, newest first. A tenant- or partner-bound token sees only its tenants’ entries; platform-wide entries (no tenant) only a platform token.',
  security,
  request: { query: auditQuery },
  responses: { 200: ok(pageOf(AuditEntryJson)), ...errorResponses },
});

export function auditApi() {
  const app = createSurface(fastApiErrors);
  app.use(requireToken({ anyScope: [ADMIN_SCOPE] }));
  app.openapi(listAudit, async (c) => {
    const query = c.req.valid('query');
    const reach = await narrowReach(c, await adminReach(c), { tenantId: query.tenant_id });
    const { items, total } = await listAuditEntries(c.var.services.db, {
      tenantIds: reach,
      actor: query.actor,
      action: query.action,
      since: query.since === undefined ? undefined : Date.parse(query.since),
      until: query.until === undefined ? undefined : Date.parse(query.until),
      limit: query.per_page,
      offset: (query.page - 1) * query.per_page,
    });
    return c.json({ items: items.map(toAuditJson), total, page: query.page, per_page: query.per_page, pages: pageCount(total, query.per_page) }, 200);
  });
  return app;
}

export const toAuditJson = (entry: AuditEntry) => ({
  id: entry.id,
  created_at: toIso(entry.created_at)!,
  actor: { kind: entry.actor_kind, id: entry.actor, tenant_id: entry.actor_tenant_id, partner_org_id: entry.actor_partner_org_id },
  action: entry.action,
  target: { type: entry.target_type, id: entry.target_id, tenant_id: entry.tenant_id },
  ip: entry.ip,
  request_id: entry.request_id,
  changes: entry.changes === null ? null : (JSON.parse(entry.changes) as Record<string, unknown>),
});
