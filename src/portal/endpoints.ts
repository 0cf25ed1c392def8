import type { Context, Hono } from 'hono';
import { html } from 'hono/html';
import { noteChange } from '../api/audit.ts';
import type { AppEnv } from '../api/context.ts';
import { deleteEndpoint, findEndpoint } from '../db/repo/endpoints.ts';
import type { Endpoint } from '../db/schema.ts';
import { canonicalAdminEvents, createAdminWebhook, rotateAdminSecret, updateAdminWebhook } from '../domain/admin-webhooks.ts';
import { type AuditChange, endpointTarget } from '../domain/audit.ts';
import { assertTargetUrl, eventTypesOf } from '../domain/endpoint-fields.ts';
import { sendTestEvent } from '../domain/test-event.ts';
import { ApiError, notFound } from '../errors.ts';
import { surfaceNamed } from '../surfaces/index.ts';
import type { PortalNoticeKey } from './notices.ts';
import { CONFIRMED, confirmView, type EndpointForm, endpointFormView, secretView } from './pages.ts';
import type { PortalEnv } from './session.ts';

type Render = (c: Context<PortalEnv>, title: string, body: ReturnType<typeof html>, status?: 200 | 422) => Response | Promise<Response>;

/** The portal's context carries the API's variables: its changes are audited like the API's, as actor kind `portal`. */
const audit = (c: Context<PortalEnv>, change: AuditChange) => noteChange(c as unknown as Context<AppEnv>, change);

/** An admin webhook of the session's tenant; any other id, of any tenant or surface, answers like an unknown one. */
export async function ownEndpoint(c: Context<PortalEnv>, id: string): Promise<Endpoint> {
  const endpoint = await findEndpoint(c.var.services.db, id, { surface: 'admin', tenantIds: [c.var.portal.tenant_id] });
  if (!endpoint) throw notFound('Endpoint not found');
  return endpoint;
}

const formOf = (body: Record<string, string | File | (string | File)[]>): EndpointForm => {
  const text = (value: unknown) => (typeof value === 'string' ? value.trim() : '');
  const events = ([] as unknown[]).concat(body.events ?? []).filter((name): name is string => typeof name === 'string');
  return { url: text(body.url), description: text(body.description), events, active: body.active === 'true' };
};

/**
 * Checks a submitted form with the admin API's own rules (URL policy, catalogue names), throwing
 * its validation error; the message is shown above the form.
 */
function validated(c: Context<PortalEnv>, form: EndpointForm): { url: string; events: string[]; description: string | null } {
  if (!form.url) throw new ApiError('validation', 'Enter the URL of your endpoint.');
  if (form.url.length > 2083 || !URL.canParse(form.url)) throw new ApiError('validation', 'The URL is not a valid URL.');
  if (form.description.length > 1000) throw new ApiError('validation', 'The description is longer than 1000 characters.');
  if (form.events.length === 0) throw new ApiError('validation', 'Choose at least one event.');
  assertTargetUrl(c.var.services, form.url, ['body', 'url']);
  return { url: form.url, events: canonicalAdminEvents(form.events), description: form.description || null };
}

/** Runs `act`; a validation error re-renders the form with what was typed and the reason. */
async function withForm(c: Context<PortalEnv>, render: Render, form: EndpointForm, endpoint: Endpoint | undefined, act: () => Promise<Response>): Promise<Response> {
  try {
    return await act();
  } catch (error) {
    if (!(error instanceof ApiError) || error.kind !== 'validation') throw error;
    const body = endpointFormView({ endpoint, form, csrf: c.var.portal.csrf, error: error.message });
    return render(c, endpoint ? 'Edit endpoint' : 'Add endpoint', body, 422);
  }
}

export function registerEndpointActions(app: Hono<PortalEnv>, render: Render): void {
  const to = (path: string, notice: PortalNoticeKey) => `${path}?notice=${notice}`;

  app.get('/endpoints/new', (c) => render(c, 'Add endpoint', endpointFormView({ form: { url: '', description: '', events: [], active: true }, csrf: c.var.portal.csrf })));

  app.post('/endpoints', async (c) => {
    const form = formOf(await c.req.parseBody({ all: true }));
    return withForm(c, render, form, undefined, async () => {
      const fields = validated(c, form);
      const { endpoint, secret } = await createAdminWebhook(c.var.services, {
        tenant: c.var.portalTenant,
        ...fields,
        isActive: true,
        secret: surfaceNamed('admin').newSecret(),
      });
      await audit(c, { action: 'webhook.created', target: endpointTarget(endpoint), changes: { url: fields.url, events: fields.events, description: fields.description } });
      c.header('Cache-Control', 'no-store');
      return render(c, 'Endpoint added', secretView(endpoint, secret, 'Endpoint added', null));
    });
  });

  app.get('/endpoints/:endpointId/edit', async (c) => {
    const endpoint = await ownEndpoint(c, c.req.param('endpointId'));
    const form = { url: endpoint.url, description: endpoint.description ?? '', events: eventTypesOf(endpoint) ?? [], active: endpoint.enabled === 1 };
    return render(c, 'Edit endpoint', endpointFormView({ endpoint, form, csrf: c.var.portal.csrf }));
  });

  app.post('/endpoints/:endpointId', async (c) => {
    const endpoint = await ownEndpoint(c, c.req.param('endpointId'));
    const form = formOf(await c.req.parseBody({ all: true }));
    return withForm(c, render, form, endpoint, async () => {
      const fields = validated(c, form);
      await updateAdminWebhook(c.var.services, endpoint, { ...fields, isActive: form.active });
      await audit(c, { action: 'webhook.updated', target: endpointTarget(endpoint), changes: { ...fields, is_active: form.active } });
      return c.redirect(to(`/portal/endpoints/${endpoint.id}`, 'updated'), 303);
    });
  });

  app.post('/endpoints/:endpointId/test', async (c) => {
    const endpoint = await ownEndpoint(c, c.req.param('endpointId'));
    const { outcome } = await sendTestEvent(c.var.services, endpoint);
    await audit(c, { action: 'webhook.tested', target: endpointTarget(endpoint), changes: { delivery_id: outcome?.delivery_id ?? null } });
    const base = `/portal/endpoints/${endpoint.id}`;
    if (!outcome) return c.redirect(to(base, 'test-busy'), 303);
    return c.redirect(to(`${base}/deliveries/${outcome.delivery_id}`, outcome.succeeded ? 'test-succeeded' : 'test-failed'), 303);
  });

  // Rotation and deletion ask first: the endpoint page links to a confirmation whose form alone carries `confirm`.
  app.get('/endpoints/:endpointId/rotate-secret', async (c) => {
    const endpoint = await ownEndpoint(c, c.req.param('endpointId'));
    const graceHours = Math.round(c.var.services.config.secretGraceSeconds / 360) / 10;
    const text = html`<p>A new signing secret is generated and shown once. The current secret keeps signing alongside it for ${graceHours} h, so your receiver can switch without missing a delivery.</p>`;
    return render(
      c,
      'Rotate secret?',
      confirmView({ endpoint, csrf: c.var.portal.csrf, title: 'Rotate the signing secret?', text, action: 'rotate-secret', button: 'Rotate secret' }),
    );
  });

  app.post('/endpoints/:endpointId/rotate-secret', async (c) => {
    const endpoint = await ownEndpoint(c, c.req.param('endpointId'));
    if ((await c.req.parseBody()).confirm !== CONFIRMED) return c.redirect(`/portal/endpoints/${endpoint.id}/rotate-secret`, 303);
    const { endpoint: rotated, secret } = await rotateAdminSecret(c.var.services, endpoint, surfaceNamed('admin').newSecret());
    await audit(c, { action: 'webhook.secret_rotated', target: endpointTarget(endpoint), changes: { secret: true } });
    return render(c, 'New secret', secretView(rotated, secret, 'New signing secret', rotated.previous_secret_expires_at));
  });

  app.get('/endpoints/:endpointId/delete', async (c) => {
    const endpoint = await ownEndpoint(c, c.req.param('endpointId'));
    const text = html`<p>The endpoint stops receiving events at once and its delivery history is deleted with it. This cannot be undone.</p>`;
    return render(c, 'Delete endpoint?', confirmView({ endpoint, csrf: c.var.portal.csrf, title: 'Delete this endpoint?', text, action: 'delete', button: 'Delete endpoint' }));
  });

  app.post('/endpoints/:endpointId/delete', async (c) => {
    const endpoint = await ownEndpoint(c, c.req.param('endpointId'));
    if ((await c.req.parseBody()).confirm !== CONFIRMED) return c.redirect(`/portal/endpoints/${endpoint.id}/delete`, 303);
    await deleteEndpoint(c.var.services.db, endpoint.id);
    await audit(c, { action: 'webhook.deleted', target: endpointTarget(endpoint) });
    return c.redirect(to('/portal', 'deleted'), 303);
  });
}
