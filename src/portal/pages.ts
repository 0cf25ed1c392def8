import { html } from 'hono/html';
import { eventTypesFor } from '../catalogue.ts';
import { actionForm, badge, empty, type Html, notice, pager, when } from '../console/layout.ts';
import { attemptsView, deliveriesTable, deliveryFacts, pretty } from '../console/pages.ts';
import type { DeliveryView } from '../db/repo/delivery-history.ts';
import type { Attempt, Endpoint } from '../db/schema.ts';
import { eventTypesOf } from '../domain/endpoint-fields.ts';

/** The portal's views: plain functions from data to HTML, escaped by `hono/html`; every path is under /portal. */

type Notice = { text: string; kind: 'ok' | 'error' } | undefined;

const state = (endpoint: Endpoint) =>
  endpoint.enabled === 1 ? badge('enabled') : html`${badge('disabled')}${endpoint.disabled_reason ? html` <span class="muted">${endpoint.disabled_reason}</span>` : ''}`;

const eventsOf = (endpoint: Endpoint) => eventTypesOf(endpoint) ?? eventTypesFor('admin').map((type) => type.name);

export function endpointsView(endpoints: readonly Endpoint[], note: Notice): Html {
  return html`<h1>Endpoints</h1>
${notice(note?.text, note?.kind)}
<p class="actions"><a class="button" href="/portal/endpoints/new">Add endpoint</a></p>
${
  endpoints.length === 0
    ? empty('No endpoints yet. Add one to start receiving webhooks.')
    : html`<table>
  <thead><tr><th>URL</th><th>Events</th><th>State</th><th>Last attempt</th><th>Created</th></tr></thead>
  <tbody>${endpoints.map(
    (endpoint) => html`<tr>
    <td><a href="/portal/endpoints/${endpoint.id}"><code>${endpoint.url}</code></a>${endpoint.description ? html`<br><span class="muted">${endpoint.description}</span>` : ''}</td>
    <td>${eventsOf(endpoint).join(', ')}</td>
    <td>${state(endpoint)}</td>
    <td>${when(endpoint.last_triggered_at)}</td>
    <td>${when(endpoint.created_at)}</td>
  </tr>`,
  )}</tbody>
</table>`
}`;
}

export interface EndpointForm {
  url: string;
  description: string;
  events: readonly string[];
  active: boolean;
}

/** The add and edit form; `endpoint` absent: a new endpoint. */
export function endpointFormView(options: { endpoint?: Endpoint; form: EndpointForm; csrf: string; error?: string }): Html {
  const { endpoint, form } = options;
  const action = endpoint ? `/portal/endpoints/${endpoint.id}` : '/portal/endpoints';
  return html`<p><a href="${endpoint ? `/portal/endpoints/${endpoint.id}` : '/portal'}">← back</a></p>
<h1>${endpoint ? 'Edit endpoint' : 'Add endpoint'}</h1>
${notice(options.error, 'error')}
<form method="post" action="${action}" class="edit card">
  <input type="hidden" name="_csrf" value="${options.csrf}">
  <label for="url">Endpoint URL</label>
  <input id="url" name="url" type="url" required maxlength="2083" value="${form.url}" placeholder="https://example.com/webhooks">
  <label for="description">Description <span class="muted">(optional)</span></label>
  <input id="description" name="description" type="text" maxlength="1000" value="${form.description}">
  <fieldset>
    <legend>Events to receive</legend>
    ${eventTypesFor('admin').map(
      (type) => html`<label><input type="checkbox" name="events" value="${type.name}"${form.events.includes(type.name) ? html` checked` : ''}> <code>${type.name}</code></label>`,
    )}
  </fieldset>
  ${endpoint ? html`<label><input type="checkbox" name="active" value="true"${form.active ? html` checked` : ''}> Active (deliveries are sent)</label>` : ''}
  <p><button type="submit" class="primary" data-busy="Saving…">${endpoint ? 'Save changes' : 'Add endpoint'}</button></p>
</form>`;
}

export function endpointView(data: { endpoint: Endpoint; deliveries: readonly DeliveryView[]; total: number; page: number; perPage: number; csrf: string; notice: Notice }): Html {
  const { endpoint, csrf } = data;
  const base = `/portal/endpoints/${endpoint.id}`;
  const pages = Math.max(1, Math.ceil(data.total / data.perPage));
  return html`<p><a href="/portal">Endpoints</a> ›</p>
<h1><code>${endpoint.url}</code></h1>
${notice(data.notice?.text, data.notice?.kind)}
<div class="card"><dl class="grid">
  <dt>Endpoint id</dt><dd><code>${endpoint.id}</code></dd>
  <dt>Description</dt><dd>${endpoint.description ?? html`<span class="muted">—</span>`}</dd>
  <dt>State</dt><dd>${state(endpoint)}</dd>
  <dt>Events</dt><dd>${eventsOf(endpoint).join(', ')}</dd>
  <dt>Last attempt</dt><dd>${when(endpoint.last_triggered_at)}</dd>
</dl>
<div class="actions">
  ${actionForm(`${base}/test`, csrf, 'Send test event', { busy: 'Sending…' })}
  <a class="button" href="${base}/edit">Edit</a>
  <a class="button" href="${base}/rotate-secret">Rotate secret…</a>
  <a class="button" href="${base}/delete">Delete…</a>
</div></div>
<h2>Deliveries</h2>
${
  data.deliveries.length === 0
    ? empty('No deliveries yet. Send a test event to see one here.')
    : html`${deliveriesTable(data.deliveries, base)}
${pager(data.page, pages, `${data.total} deliveries`, (n) => `${base}?page=${n}`)}`
}`;
}

export function deliveryView(data: { endpoint: Endpoint; delivery: DeliveryView; attempts: readonly Attempt[]; payload: string; notice: Notice }): Html {
  const { endpoint, delivery } = data;
  return html`<p><a href="/portal">Endpoints</a> › <a href="/portal/endpoints/${endpoint.id}"><code>${endpoint.url}</code></a> ›</p>
<h1>Delivery #${delivery.id} ${badge(delivery.status)}</h1>
${notice(data.notice?.text, data.notice?.kind)}
<div class="card"><dl class="grid">${deliveryFacts(delivery)}</dl></div>
<h2>Payload</h2>
<pre>${pretty(data.payload)}</pre>
<h2>Attempts</h2>
${attemptsView(delivery, data.attempts)}`;
}

/** The value of a confirmation page's hidden `confirm` field: a post without it only asks again. */
export const CONFIRMED = 'yes';

export function confirmView(options: { endpoint: Endpoint; csrf: string; title: string; text: Html; action: 'rotate-secret' | 'delete'; button: string }): Html {
  const base = `/portal/endpoints/${options.endpoint.id}`;
  return html`<p><a href="${base}">← back</a></p>
<h1>${options.title}</h1>
<div class="card">
  <p><code>${options.endpoint.url}</code></p>
  ${options.text}
  <div class="actions">
    ${actionForm(`${base}/${options.action}`, options.csrf, options.button, { primary: true, fields: { confirm: CONFIRMED } })}
    <a class="button" href="${base}">Cancel</a>
  </div>
</div>`;
}

export function secretView(endpoint: Endpoint, secret: string, heading: string, graceUntil: number | null): Html {
  return html`<p><a href="/portal/endpoints/${endpoint.id}">Continue to the endpoint →</a></p>
<h1>${heading}</h1>
<p>This is the only time the signing secret is shown. Copy it to your receiver now (see <a href="/portal/verifying">Verifying signatures</a>).</p>
<p class="secret"><code id="signing-secret">${secret}</code></p>
${graceUntil ? html`<p class="muted">The previous secret keeps signing alongside it until ${when(graceUntil)}.</p>` : ''}`;
}

/** What a link that cannot be opened shows: never which of the reasons applies to an unknown token. */
export function linkRefusedView(reason: 'unknown' | 'used' | 'expired'): Html {
  const why =
    reason === 'used'
      ? 'This portal link has already been used. Each link opens the portal once.'
      : reason === 'expired'
        ? 'This portal link has expired.'
        : 'This portal link is not valid.';
  return html`<div class="login card">
  <h1>Link already used or expired</h1>
  ${notice(why, 'error')}
  <p>Ask for a new link where you found this one (for example, reload the page of the application that embeds the portal).</p>
</div>`;
}

export function sessionEndedView(): Html {
  return html`<div class="login card">
  <h1>Your portal session has ended</h1>
  ${notice('Portal sessions last a few hours and end when you sign out.', 'error')}
  <p>Open the portal again from the application that gave you the link.</p>
</div>`;
}

export function portalErrorView(status: number, message: string, requestId: string): Html {
  return html`<h1>${status === 404 ? 'Not found' : status === 403 ? 'Forbidden' : 'Something went wrong'}</h1>
${notice(message, 'error')}
<p class="muted">Request id <code>${requestId}</code>. <a href="/portal">Back to your endpoints</a></p>`;
}
