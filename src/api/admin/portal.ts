import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Tenant } from '../../db/schema.ts';
import { issuePortalLink, LINK_TTL_SECONDS } from '../../domain/portal.ts';
import { noteChange } from '../audit.ts';
import { ADMIN_SCOPE, requireToken } from '../auth.ts';
import type { AppEnv } from '../context.ts';
import { fastApiErrors } from '../error-formats.ts';
import { errorResponses } from '../fastapi-schemas.ts';
import { createSurface } from '../surface.ts';
import { tenantInReach } from './reach.ts';
import { dateTime, json, ok, security } from './schemas.ts';

/** Mounted at /api/v1/admin/tenants: single-use links to a tenant's portal (docs/portal.md). */

/** A scheme, a host (optionally `*.` for its subdomains) and a port: nothing that could end or extend a CSP directive. */
const ORIGIN = /^https?:\/\/(\*\.)?[a-zA-Z0-9-]+(\.[a-zA-Z0-9-]+)*(:\d{1,5})?$/;

export const PortalLinkRequest = z
  .object({
    ttl_seconds: z
      .number()
      .int()
      .min(LINK_TTL_SECONDS.min)
      .max(LINK_TTL_SECONDS.max)
      .optional()
      .openapi({ default: LINK_TTL_SECONDS.default, description: 'How long the link may be opened; once opened, the portal session lasts 4 hours' }),
    theme: z
      .object({
        accent: z
          .string()
          .regex(/^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, 'Expected a hex colour, e.g. #0a7d55')
          .nullish()
          .openapi({ example: '#0a7d55' }),
        logo_url: z
          .string()
          .max(2048)
          .pipe(z.url({ protocol: /^https$/, error: 'Expected an https URL' }))
          .nullish()
          .openapi({ example: 'https://app.example.com/logo.svg' }),
      })
      .optional(),
    frame_ancestors: z
      .array(z.string().max(255).regex(ORIGIN, 'Expected an origin, e.g. https://app.example.com (a path, query or wildcard other than *. is not one)'))
      .max(10)
      .optional()
      .openapi({
        example: ['https://app.example.com'],
        description: 'Origins allowed to embed the portal in a frame (CSP frame-ancestors). Absent or empty: the portal refuses every frame.',
      }),
  })
  .openapi('PortalLinkRequest');

const PortalLink = z
  .object({
    url: z.string().openapi({ description: 'Opens the portal once; give it to the tenant (or load it in your iframe) right away' }),
    expires_at: dateTime,
  })
  .openapi('PortalLink');

export const createPortalLink = createRoute({
  method: 'post',
  operationId: 'adminCreatePortalLink',
  path: '/{tenant_id}/portal',
  tags: ['Portal'],
  summary: 'Create a Portal Link',
  description:
    'A single-use link that opens a self-service portal scoped to this tenant: its admin webhooks, their deliveries, the event catalogue and how to verify signatures. Opening the link starts a portal session (a cookie); a second opening is refused.',
  security,
  request: {
    params: z.object({ tenant_id: z.string().min(1).max(64).openapi({ example: 'ten_0123456789abcdef01234567' }) }),
    body: { required: false, content: json(PortalLinkRequest) },
  },
  responses: { 201: ok(PortalLink, 'Link created'), ...errorResponses },
});

export function portalLinkApi() {
  const app = createSurface(fastApiErrors);
  app.use(requireToken({ anyScope: [ADMIN_SCOPE] }));
  app.openapi(createPortalLink, async (c) => {
    const tenant = await tenantInReach(c, c.req.valid('param').tenant_id);
    // The body is optional: without a JSON content type the validator hands over {}.
    return c.json(await createPortalLinkFor(c, tenant, c.req.valid('json')), 201);
  });
  return app;
}

/**
 * Issues a tenant's portal link as the request's actor and audits it (`portal_link.created`): what
 * `POST /api/v1/admin/tenants/{tenant_id}/portal` and the console's "Create portal link" both do.
 */
export async function createPortalLinkFor(c: Context<AppEnv>, tenant: Tenant, body: z.infer<typeof PortalLinkRequest>): Promise<{ url: string; expires_at: string }> {
  const settings = {
    accent: body.theme?.accent ?? null,
    logo_url: body.theme?.logo_url ?? null,
    frame_ancestors: [...new Set((body.frame_ancestors ?? []).map((origin) => origin.toLowerCase()))],
  };
  const { services } = c.var;
  const link = await issuePortalLink(services, { tenant, settings, ttlSeconds: body.ttl_seconds ?? LINK_TTL_SECONDS.default, createdBy: c.var.auditActor.id });
  const base = services.config.publicUrl ?? new URL(c.req.url).origin;
  const expiresAt = new Date(link.expiresAt).toISOString();
  await noteChange(c, { action: 'portal_link.created', target: { type: 'portal_link', id: link.id, tenantId: tenant.id }, changes: { ...settings, expires_at: expiresAt } });
  return { url: `${base}/portal/open?token=${encodeURIComponent(link.token)}`, expires_at: expiresAt };
}
