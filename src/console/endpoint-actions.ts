import type { Context, Hono } from 'hono';
import { html } from 'hono/html';
import { listAs2Partners } from '../db/repo/as2-partners.ts';
import { deleteEndpoint } from '../db/repo/endpoints.ts';
import type { Endpoint, Tenant } from '../db/schema.ts';
import { endpointTarget } from '../domain/audit.ts';
import { notFound } from '../errors.ts';
import { SURFACES } from '../surfaces/index.ts';
import { endpointInReach, tenantInReach } from './access.ts';
import { audit } from './actions.ts';
import {
  createdView,
  createFromForm,
  type EndpointFormValues,
  emptyValues,
  endpointFormView,
  type SurfaceName,
  updateFromForm,
  valuesOf,
  valuesOfEndpoint,
} from './endpoint-editor.ts';
import { orRefusal, postedForm, type RefusalStatus } from './forms.ts';
import { actionForm, type Html } from './layout.ts';
import { type ConsoleEnv, requireRole } from './session.ts';

type Render = (c: Context<ConsoleEnv>, title: string, body: Html, status?: 200 | RefusalStatus) => Response | Promise<Response>;

/** The value of the delete confirmation's hidden `confirm` field; a delete post without it only asks. */
export const DELETE_CONFIRMATION = 'delete';

const surfaceOf = (name: string | undefined): SurfaceName => {
  const surface = SURFACES.find((known) => known.name === name);
  if (!surface) throw notFound('There is no such surface: choose sponsor, admin, subscription or as2.');
  return surface.name;
};

/** Endpoints of every surface: create, edit and delete (pause, resume, rotate and test are in actions.ts). */
export function registerEndpointActions(app: Hono<ConsoleEnv>, render: Render): void {
  const formPage = async (
    c: Context<ConsoleEnv>,
    options: { tenant: Tenant; surface: SurfaceName; endpoint?: Endpoint; values: EndpointFormValues; error?: { status: RefusalStatus; message: string } },
  ) => {
    const partners = options.surface === 'as2' && !options.endpoint ? await listAs2Partners(c.var.services.db, options.tenant.id) : [];
    const body = endpointFormView({ ...options, partners, csrf: c.var.session.csrf, error: options.error?.message });
    return render(c, options.endpoint ? `Edit ${options.endpoint.id}` : 'New endpoint', body, options.error?.status ?? 200);
  };

  app.get('/tenants/:tenantId/endpoints/new', async (c) => {
    requireRole(c, 'operator', 'create endpoints');
    const tenant = await tenantInReach(c, c.req.param('tenantId'));
    return formPage(c, { tenant, surface: surfaceOf(c.req.query('surface')), values: emptyValues() });
  });

  app.post('/tenants/:tenantId/endpoints', async (c) => {
    const tenant = await tenantInReach(c, c.req.param('tenantId'));
    const form = await postedForm(c);
    const surface = surfaceOf(form.text('surface'));
    return orRefusal(
      async () => {
        const { endpoint, secret } = await createFromForm(c.var.services, tenant, surface, form);
        const values = valuesOf(form);
        await audit(c, {
          action: 'webhook.created',
          target: endpointTarget(endpoint),
          changes: { surface, url: endpoint.url, events: values.events, subscriber: values.subscriber || undefined, partner_id: endpoint.as2_partner_id ?? undefined },
        });
        return render(c, 'Endpoint created', createdView(endpoint, secret));
      },
      (error) => formPage(c, { tenant, surface, values: valuesOf(form), error }),
    );
  });

  app.get('/endpoints/:endpointId/edit', async (c) => {
    requireRole(c, 'operator', 'edit endpoints');
    const { endpoint, tenant } = await endpointInReach(c, c.req.param('endpointId'));
    return formPage(c, { tenant, endpoint, surface: endpoint.surface, values: await valuesOfEndpoint(c.var.services, endpoint) });
  });

  app.post('/endpoints/:endpointId/edit', async (c) => {
    const { endpoint, tenant } = await endpointInReach(c, c.req.param('endpointId'));
    const form = await postedForm(c);
    return orRefusal(
      async () => {
        const updated = await updateFromForm(c.var.services, endpoint, form);
        await audit(c, {
          action: 'webhook.updated',
          target: endpointTarget(endpoint),
          changes: { url: updated.url, events: form.all('events'), secret: form.text('secret') || undefined },
        });
        return c.redirect(`/console/endpoints/${endpoint.id}?notice=updated`, 303);
      },
      async (error) => {
        const stored = await valuesOfEndpoint(c.var.services, endpoint);
        const values = { ...valuesOf(form), subscriber: stored.subscriber, partnerId: stored.partnerId };
        return formPage(c, { tenant, endpoint, surface: endpoint.surface, values, error });
      },
    );
  });

  app.get('/endpoints/:endpointId/delete', async (c) => {
    requireRole(c, 'operator', 'delete endpoints');
    const { endpoint } = await endpointInReach(c, c.req.param('endpointId'));
    return render(c, 'Delete endpoint?', deleteConfirmView(endpoint, c.var.session.csrf));
  });

  app.post('/endpoints/:endpointId/delete', async (c) => {
    const { endpoint, tenant } = await endpointInReach(c, c.req.param('endpointId'));
    if ((await postedForm(c)).text('confirm') !== DELETE_CONFIRMATION) return c.redirect(`/console/endpoints/${endpoint.id}/delete`, 303);
    await deleteEndpoint(c.var.services.db, endpoint.id);
    await audit(c, { action: 'webhook.deleted', target: endpointTarget(endpoint) });
    return c.redirect(`/console/tenants/${tenant.id}?notice=deleted`, 303);
  });
}

function deleteConfirmView(endpoint: Endpoint, csrf: string): Html {
  const base = `/console/endpoints/${endpoint.id}`;
  return html`<p><a href="${base}">← back to <code>${endpoint.id}</code></a></p>
<h1>Delete <code>${endpoint.id}</code>?</h1>
<div class="card">
  <p>The endpoint stops receiving events at once, and its delivery history (every delivery and attempt) is deleted with it.
  This cannot be undone. It delivers to <code>${endpoint.url}</code>.</p>
  <div class="actions">
    ${actionForm(`${base}/delete`, csrf, 'Delete endpoint', { primary: true, busy: 'Deleting…', fields: { confirm: DELETE_CONFIRMATION } })}
    <a class="button" href="${base}">Cancel</a>
  </div>
</div>`;
}
