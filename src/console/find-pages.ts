import { html } from 'hono/html';
import type { DeliveryRow } from '../db/repo/delivery-search.ts';
import type { FailingNow } from '../db/repo/event-lookup.ts';
import type { Endpoint, Tenant } from '../db/schema.ts';
import type { EventReport } from '../domain/event-report.ts';
import { surfaceNamed } from '../surfaces/index.ts';
import { badge, empty, type Html, when } from './layout.ts';

/** The views of search, an event's page and "failing now". */

export interface SearchQuery {
  event_id?: string;
  delivery_id?: string;
  url?: string;
  tenant?: string;
  status?: 'pending' | 'succeeded' | 'failed';
  since?: string;
  until?: string;
}

const iso = (text: string | null) => (text === null ? null : Date.parse(text));
const deliveryLink = (endpointId: string, deliveryId: number) => html`<a href="/console/endpoints/${endpointId}/deliveries/${deliveryId}">#${deliveryId}</a>`;
const endpointLink = (endpointId: string) => html`<a href="/console/endpoints/${endpointId}"><code>${endpointId}</code></a>`;
const tenantLink = (tenantId: string) => html`<a href="/console/tenants/${tenantId}"><code>${tenantId}</code></a>`;
const selected = (on: boolean) => (on ? html` selected` : '');

export function searchView(data: { query: SearchQuery; tenants: readonly Tenant[]; results: { items: DeliveryRow[]; total: number } | undefined }): Html {
  const { query, results } = data;
  const field = (name: keyof SearchQuery, label: string, type = 'text', placeholder = '') =>
    html`<label>${label}<input name="${name}" type="${type}" value="${query[name] ?? ''}" placeholder="${placeholder}"></label>`;
  return html`<h1>Search deliveries</h1>
<form class="card search" method="get" action="/console/search" role="search">
  ${field('event_id', 'Event id', 'text', 'evt_…')}
  ${field('delivery_id', 'Delivery id', 'text', '42')}
  ${field('url', 'Endpoint URL contains', 'text', 'https://…')}
  <label>Tenant<select name="tenant"><option value="">any</option>${data.tenants.map(
    (tenant) => html`<option value="${tenant.id}"${selected(tenant.id === query.tenant)}>${tenant.name} (${tenant.id})</option>`,
  )}</select></label>
  <label>Status<select name="status"><option value="">any</option>${(['pending', 'succeeded', 'failed'] as const).map(
    (status) => html`<option${selected(status === query.status)}>${status}</option>`,
  )}</select></label>
  ${field('since', 'Created from (UTC)', 'datetime-local')}
  ${field('until', 'Created until (UTC)', 'datetime-local')}
  <p><button type="submit" class="primary">Search</button></p>
</form>
${results === undefined ? '' : results.items.length === 0 ? empty('No delivery matches.') : resultsTable(results)}`;
}

const resultsTable = (results: { items: DeliveryRow[]; total: number }) => html`<table class="results">
  <thead><tr><th>Delivery</th><th>Event</th><th>Status</th><th>Endpoint</th><th>Tenant</th><th>Attempts</th><th>Last response</th><th>Created</th></tr></thead>
  <tbody>${results.items.map(
    (row) => html`<tr>
    <td>${deliveryLink(row.endpoint_id, row.id)}</td>
    <td><a href="/console/events/${row.event_id}"><code>${row.event_id}</code></a> <span class="muted">${row.event_type}</span></td>
    <td>${badge(row.status)}</td>
    <td>${endpointLink(row.endpoint_id)} <span class="muted">${surfaceNamed(row.surface).label}</span></td>
    <td>${tenantLink(row.tenant_id)}</td>
    <td>${row.attempt_count}</td>
    <td>${row.last_status_code ?? ''} <span class="muted">${row.last_error ?? ''}</span></td>
    <td>${when(row.created_at)}</td>
  </tr>`,
  )}</tbody>
</table>
<p class="muted">${results.items.length} of ${results.total} matching deliveries, newest first.</p>`;

export function eventView(report: EventReport): Html {
  return html`<p><a href="/console/search">Search</a> ›</p>
<h1>Event <code>${report.id}</code></h1>
<div class="card"><dl class="grid">
  <dt>Type</dt><dd>${report.event_type}${report.requested_type === report.event_type ? '' : html` <span class="muted">(sent as ${report.requested_type})</span>`}</dd>
  <dt>Tenant</dt><dd>${tenantLink(report.tenant_id)}</dd>
  <dt>Occurred</dt><dd>${when(iso(report.occurred_at))}</dd>
  <dt>Received</dt><dd>${when(iso(report.created_at))}</dd>
  <dt>Fanned out to</dt><dd>${report.deliveries.length} endpoint${report.deliveries.length === 1 ? '' : 's'}</dd>
</dl></div>
<h2>Who received it</h2>
${
  report.deliveries.length === 0
    ? empty('No endpoint took this event: none of the tenant’s enabled endpoints subscribed to its type when it arrived.')
    : report.deliveries.map(
        (delivery) => html`<section class="attempt delivery" id="delivery-${delivery.id}">
  <h3>${deliveryLink(delivery.endpoint_id, delivery.id)} ${badge(delivery.status)} → ${endpointLink(delivery.endpoint_id)} <span class="muted">${surfaceNamed(delivery.surface).label} · tenant ${delivery.tenant_id}</span></h3>
  <p><code>${delivery.url}</code></p>
  ${delivery.last_error ? html`<p class="muted">Last error: ${delivery.last_error}</p>` : ''}
  ${
    delivery.attempts.length === 0
      ? html`<p class="muted">${delivery.status === 'pending' ? 'No attempt yet.' : 'No attempt was made.'}</p>`
      : html`<table>
    <thead><tr><th>Attempt</th><th>Outcome</th><th>Response status</th><th>Latency</th><th>Started</th><th>Response body</th></tr></thead>
    <tbody>${delivery.attempts.map(
      (attempt) => html`<tr>
      <td>${attempt.attempt_number} <span class="muted">${attempt.trigger}</span></td>
      <td>${badge(attempt.succeeded ? 'succeeded' : 'failed')}${attempt.error_class ? html` <span class="muted">${attempt.error_class}</span>` : ''}</td>
      <td class="status-code">${attempt.status_code ?? html`<span class="muted">no response</span>`}</td>
      <td>${attempt.duration_ms} ms</td>
      <td>${when(iso(attempt.started_at))}</td>
      <td>${attempt.response_body ? html`<pre>${attempt.response_body}</pre>` : html`<span class="muted">empty</span>`}</td>
    </tr>`,
    )}</tbody>
  </table>`
  }
</section>`,
      )
}`;
}

const endpointRows = (endpoints: readonly Endpoint[], detail: (endpoint: Endpoint) => Html | string) =>
  endpoints.map(
    (endpoint) => html`<tr>
    <td>${endpointLink(endpoint.id)}</td>
    <td>${tenantLink(endpoint.tenant_id)}</td>
    <td>${surfaceNamed(endpoint.surface).label}</td>
    <td><code>${endpoint.url}</code></td>
    <td>${detail(endpoint)}</td>
  </tr>`,
  );

const capped = (count: number, cap: number) => (count >= cap ? html`<p class="muted">The ${cap} most recent are shown.</p>` : '');

export function failingView(failing: FailingNow, cap: number): Html {
  return html`<h1>Failing now</h1>
<h2>Open circuits</h2>
${
  failing.openCircuits.length === 0
    ? empty('No endpoint’s circuit is open.')
    : html`<table id="open-circuits">
  <thead><tr><th>Endpoint</th><th>Tenant</th><th>Surface</th><th>URL</th><th>Circuit</th></tr></thead>
  <tbody>${endpointRows(
    failing.openCircuits,
    (endpoint) => html`${badge(endpoint.circuit_state)} ${endpoint.consecutive_failures} failures in a row; next try ${when(endpoint.circuit_retry_at)}`,
  )}</tbody>
</table>${capped(failing.openCircuits.length, cap)}`
}
<h2>Disabled endpoints</h2>
${
  failing.disabled.length === 0
    ? empty('No endpoint is disabled.')
    : html`<table id="disabled-endpoints">
  <thead><tr><th>Endpoint</th><th>Tenant</th><th>Surface</th><th>URL</th><th>Reason</th></tr></thead>
  <tbody>${endpointRows(failing.disabled, (endpoint) => html`${badge('disabled')} ${endpoint.disabled_reason ?? html`<span class="muted">no reason recorded</span>`}`)}</tbody>
</table>${capped(failing.disabled.length, cap)}`
}
<h2>Deliveries failing right now</h2>
<p class="muted">Pending deliveries whose last attempt failed: they will be retried.</p>
${
  failing.deliveries.length === 0
    ? empty('No pending delivery has failed an attempt.')
    : html`<table id="failing-deliveries">
  <thead><tr><th>Delivery</th><th>Event</th><th>Endpoint</th><th>Tenant</th><th>Attempts</th><th>Last response</th><th>Next attempt</th></tr></thead>
  <tbody>${failing.deliveries.map(
    (delivery) => html`<tr>
    <td>${deliveryLink(delivery.endpoint_id, delivery.id)}</td>
    <td><a href="/console/events/${delivery.event_id}"><code>${delivery.event_id}</code></a></td>
    <td>${endpointLink(delivery.endpoint_id)} <span class="muted">${surfaceNamed(delivery.surface).label}</span></td>
    <td>${tenantLink(delivery.tenant_id)}</td>
    <td>${delivery.attempt_count}</td>
    <td>${delivery.last_status_code ?? ''} <span class="muted">${delivery.last_error ?? ''}</span></td>
    <td>${when(delivery.next_attempt_at)}</td>
  </tr>`,
  )}</tbody>
</table>${capped(failing.deliveries.length, cap)}`
}`;
}
