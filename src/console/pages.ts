import { html } from 'hono/html';
import type { DeliveryView } from '../db/repo/delivery-history.ts';
import type { EndpointSummary } from '../db/repo/endpoint-summaries.ts';
import type { Attempt, DeliveryStatus, Endpoint, Tenant } from '../db/schema.ts';
import { surfaceNamed } from '../surfaces/index.ts';
import { actionForm, badge, empty, type Html, notice, pager, when } from './layout.ts';
import { LIVE_REFRESH_S } from './live.ts';

/** The console's views: plain functions from data to HTML, escaped by `hono/html`. */

const state = (endpoint: Endpoint) =>
  endpoint.enabled === 1 ? badge('enabled') : html`${badge('disabled')}${endpoint.disabled_reason ? html` <span class="muted">${endpoint.disabled_reason}</span>` : ''}`;

export function loginView(options: { csrf: string; credentialsEnabled: boolean; error?: string }): Html {
  return html`<div class="login card">
  <h1>Sign in</h1>
  ${notice(options.error, 'error')}
  <form method="post" action="/console/login">
    <input type="hidden" name="_csrf" value="${options.csrf}">
    <label for="token">Admin token (JWT with scope webhooks:admin)</label>
    <textarea id="token" name="token" rows="4" autocomplete="off" spellcheck="false"></textarea>
    ${
      options.credentialsEnabled
        ? html`<p class="muted">or sign in with the admin credentials:</p>
    <label for="user">User</label><input id="user" name="user" autocomplete="username">
    <label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password">`
        : ''
    }
    <p><button type="submit" class="primary" data-busy="Signing in…">Sign in</button></p>
  </form>
</div>`;
}

export function tenantsView(tenants: readonly Tenant[], endpointCounts: Map<string, number>): Html {
  if (tenants.length === 0) return html`<h1>Tenants</h1>${empty(html`No tenants yet. Create one below, or with <code>hookgate tenant create --name NAME</code>.`)}`;
  return html`<h1>Tenants</h1>
<table>
  <thead><tr><th>Name</th><th>Tenant id</th><th>Partner organisation</th><th>Endpoints</th><th>Created</th></tr></thead>
  <tbody>${tenants.map(
    (tenant) => html`<tr>
    <td><a href="/console/tenants/${tenant.id}">${tenant.name}</a></td>
    <td><code>${tenant.id}</code></td>
    <td>${tenant.partner_org_id ?? html`<span class="muted">—</span>`}</td>
    <td>${endpointCounts.get(tenant.id) ?? 0}</td>
    <td>${when(tenant.created_at)}</td>
  </tr>`,
  )}</tbody>
</table>`;
}

const successRate = (recent: Record<DeliveryStatus, number>) => {
  const finished = recent.succeeded + recent.failed;
  if (finished === 0) return html`<span class="muted">—</span>`;
  const rate = (recent.succeeded / finished) * 100;
  return html`${rate.toFixed(rate === 100 || rate === 0 ? 0 : 1)}% <span class="muted">(${recent.succeeded}/${finished})</span>`;
};

export function tenantView(tenant: Tenant, summaries: readonly EndpointSummary[], extra: { notice?: { text: string; kind: 'ok' | 'error' }; actions?: Html | '' } = {}): Html {
  return html`<p><a href="/console">Tenants</a> ›</p>
<h1>${tenant.name} <span class="muted"><code>${tenant.id}</code></span></h1>
${notice(extra.notice?.text, extra.notice?.kind)}
<h2>Endpoints (every surface)</h2>
${extra.actions ?? ''}
${
  summaries.length === 0
    ? empty('This tenant has no endpoints on any surface yet.')
    : html`<table>
  <thead><tr><th>Surface</th><th>Endpoint</th><th>URL</th><th>State</th><th>Last delivery</th><th>Success rate (24 h)</th><th>Pending (24 h)</th></tr></thead>
  <tbody>${summaries.map(
    ({ endpoint, lastDelivery, recent }) => html`<tr>
    <td>${surfaceNamed(endpoint.surface).label}</td>
    <td><a href="/console/endpoints/${endpoint.id}"><code>${endpoint.id}</code></a></td>
    <td><code>${endpoint.url}</code></td>
    <td>${state(endpoint)}</td>
    <td>${
      lastDelivery
        ? html`<a href="/console/endpoints/${endpoint.id}/deliveries/${lastDelivery.id}">${badge(lastDelivery.status)}</a> ${when(lastDelivery.createdAt)}`
        : html`<span class="muted">never</span>`
    }</td>
    <td>${successRate(recent)}</td>
    <td>${recent.pending}</td>
  </tr>`,
  )}</tbody>
</table>`
}`;
}

export interface EndpointPageData {
  tenant: Tenant;
  endpoint: Endpoint;
  deliveries: readonly DeliveryView[];
  total: number;
  page: number;
  perPage: number;
  status: DeliveryStatus | undefined;
  csrf: string;
  /** Whether the session may act on the endpoint (the operator role): a viewer is not offered the actions. */
  canOperate: boolean;
  notice?: { text: string; kind: 'ok' | 'error' };
}

const FILTERS: (DeliveryStatus | undefined)[] = [undefined, 'pending', 'succeeded', 'failed'];

export function endpointView(data: EndpointPageData): Html {
  const { endpoint, csrf } = data;
  const base = `/console/endpoints/${endpoint.id}`;
  const link = (status: DeliveryStatus | undefined, page = 1) => {
    const query = new URLSearchParams();
    if (status) query.set('status', status);
    if (page > 1) query.set('page', String(page));
    const text = query.toString();
    return text ? `${base}?${text}` : base;
  };
  const pages = Math.max(1, Math.ceil(data.total / data.perPage));
  return html`<p><a href="/console">Tenants</a> › <a href="/console/tenants/${data.tenant.id}">${data.tenant.name}</a> ›</p>
<h1><code>${endpoint.id}</code></h1>
${notice(data.notice?.text, data.notice?.kind)}
<div class="card"><dl class="grid">
  <dt>Surface</dt><dd>${surfaceNamed(endpoint.surface).label}</dd>
  <dt>URL</dt><dd><code>${endpoint.url}</code></dd>
  <dt>State</dt><dd>${state(endpoint)}</dd>
  <dt>Events</dt><dd>${endpoint.event_types ? (JSON.parse(endpoint.event_types) as string[]).join(', ') : html`<span class="muted">all of the surface</span>`}</dd>
  <dt>Last attempt</dt><dd>${when(endpoint.last_triggered_at)}</dd>
</dl>
${
  data.canOperate
    ? html`<div class="actions">
  ${actionForm(`${base}/test`, csrf, 'Send test event', { busy: 'Sending…' })}
  ${endpoint.enabled === 1 ? actionForm(`${base}/disable`, csrf, 'Disable') : actionForm(`${base}/enable`, csrf, 'Enable')}
  <a class="button" href="${base}/rotate-secret">Rotate secret…</a>
  <a class="button" href="${base}/edit">Edit…</a>
  <a class="button" href="${base}/recover">Recover deliveries…</a>
  <a class="button" href="${base}/delete">Delete…</a>
</div>`
    : ''
}</div>
<h2>Deliveries</h2>
<p><a href="${base}/charts">Charts of this endpoint</a> <span class="muted">· the list refreshes every ${LIVE_REFRESH_S} s</span></p>
<p class="filters">${FILTERS.map((status) => html`<a href="${link(status)}"${status === data.status ? html` class="current" aria-current="page"` : ''}>${status ?? 'all'}</a>`)}</p>
<div data-live>${
    data.deliveries.length === 0
      ? empty(data.status ? `No ${data.status} deliveries.` : 'No deliveries yet. Send a test event to see one here.')
      : html`${deliveriesTable(data.deliveries, base)}
${pager(data.page, pages, `${data.total} deliveries`, (n) => link(data.status, n))}`
  }</div>
<script src="/console/assets/live.js" defer></script>`;
}

/** An endpoint's deliveries, each linking to its page under `base` (the endpoint's page). */
export const deliveriesTable = (deliveries: readonly DeliveryView[], base: string): Html => html`<table>
  <thead><tr><th>Delivery</th><th>Event</th><th>Status</th><th>Attempts</th><th>Last response</th><th>Created</th></tr></thead>
  <tbody>${deliveries.map(
    (delivery) => html`<tr>
    <td><a href="${base}/deliveries/${delivery.id}">#${delivery.id}</a></td>
    <td>${delivery.event_type} <span class="muted"><code>${delivery.event_id}</code></span></td>
    <td>${badge(delivery.status)}</td>
    <td>${delivery.attempt_count}</td>
    <td>${delivery.last_status_code ?? ''} <span class="muted">${delivery.last_error ?? ''}</span></td>
    <td>${when(delivery.created_at)}</td>
  </tr>`,
  )}</tbody>
</table>`;

/** Header names whose values are credentials: shown masked even if an older attempt stored them. */
const SECRET_HEADER = /authorization|api[-_]?key|token|secret|cookie|password/i;

function headersTable(headers: Record<string, string> | null): Html {
  if (!headers || Object.keys(headers).length === 0) return html`<p class="muted">none</p>`;
  return html`<table><tbody>${Object.entries(headers).map(
    ([name, value]) => html`<tr><th>${name}</th><td><code>${SECRET_HEADER.test(name) ? maskValue(value) : value}</code></td></tr>`,
  )}</tbody></table>`;
}

const maskValue = (value: string) => {
  const scheme = /^(Basic|Bearer) /i.exec(value)?.[1];
  return scheme ? `${scheme} ****` : '****';
};

export interface DeliveryPageData {
  tenant: Tenant;
  endpoint: Endpoint;
  delivery: DeliveryView;
  attempts: readonly Attempt[];
  payload: string;
  csrf: string;
  canOperate: boolean;
  notice?: { text: string; kind: 'ok' | 'error' };
}

const parseHeaders = (text: string | null): Record<string, string> | null => {
  if (text === null) return null;
  try {
    return JSON.parse(text) as Record<string, string>;
  } catch {
    return null;
  }
};

export const pretty = (text: string) => {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
};

/** A delivery's event, message id, attempts and times, as the rows of a `dl.grid`. */
export const deliveryFacts = (delivery: DeliveryView): Html => html`
  <dt>Event</dt><dd>${delivery.event_type} <code>${delivery.event_id}</code></dd>
  <dt>Message id</dt><dd><code>${delivery.message_id}</code></dd>
  <dt>Attempts</dt><dd>${delivery.attempt_count}</dd>
  <dt>Next attempt</dt><dd>${delivery.status === 'pending' ? when(delivery.next_attempt_at) : html`<span class="muted">—</span>`}</dd>
  <dt>Last error</dt><dd>${delivery.last_error ?? html`<span class="muted">—</span>`}</dd>
  <dt>Created</dt><dd>${when(delivery.created_at)}</dd>
  <dt>Completed</dt><dd>${when(delivery.completed_at)}</dd>
`;

export function deliveryView(data: DeliveryPageData): Html {
  const { endpoint, delivery } = data;
  const base = `/console/endpoints/${endpoint.id}`;
  return html`<p><a href="/console">Tenants</a> › <a href="/console/tenants/${data.tenant.id}">${data.tenant.name}</a> › <a href="${base}"><code>${endpoint.id}</code></a> ›</p>
<h1>Delivery #${delivery.id} ${badge(delivery.status)}</h1>
${notice(data.notice?.text, data.notice?.kind)}
<div class="card"><dl class="grid">${deliveryFacts(delivery)}</dl>
${data.canOperate ? html`<div class="actions">${actionForm(`${base}/deliveries/${delivery.id}/retry`, data.csrf, 'Retry now', { primary: true, busy: 'Retrying…' })}</div>` : ''}
</div>
<h2>Payload</h2>
<pre>${pretty(data.payload)}</pre>
<h2>Attempts</h2>
${attemptsView(delivery, data.attempts)}`;
}

/** A delivery's attempts, newest first: status, duration, request and response (credentials masked). */
export function attemptsView(delivery: Pick<DeliveryView, 'status'>, attempts: readonly Attempt[]): Html {
  if (attempts.length === 0) return empty(delivery.status === 'pending' ? 'No attempt yet: the first one is on its way.' : 'No attempt was made.');
  return html`${[...attempts].reverse().map(
    (attempt) => html`<section class="attempt" id="attempt-${attempt.attempt_number}">
  <h3>Attempt ${attempt.attempt_number} ${badge(attempt.succeeded === 1 ? 'succeeded' : 'failed')} <span class="muted">${attempt.trigger}</span></h3>
  <dl class="grid">
    <dt>Started</dt><dd>${when(attempt.started_at)}</dd>
    <dt>Duration</dt><dd>${attempt.duration_ms} ms</dd>
    <dt>Response status</dt><dd class="status-code">${attempt.status_code ?? html`<span class="muted">no response</span>`}</dd>
    ${attempt.error_message ? html`<dt>Error</dt><dd>${attempt.error_class}: ${attempt.error_message}</dd>` : ''}
    <dt>Request</dt><dd><code>POST ${attempt.request_url}</code></dd>
  </dl>
  <h4>Request headers</h4>${headersTable(parseHeaders(attempt.request_headers))}
  <h4>Response headers</h4>${headersTable(parseHeaders(attempt.response_headers))}
  <h4>Response body</h4>${attempt.response_body ? html`<pre>${attempt.response_body}</pre>` : html`<p class="muted">empty</p>`}
</section>`,
  )}`;
}

/** The value of the confirmation page's hidden `confirm` field; a rotation post without it only asks. */
export const ROTATE_CONFIRMATION = 'rotate';

export function rotateConfirmView(endpoint: Endpoint, csrf: string, now: number, graceMs: number): Html {
  const base = `/console/endpoints/${endpoint.id}`;
  const stillSigning = endpoint.previous_secret_enc !== null && (endpoint.previous_secret_expires_at ?? 0) > now;
  return html`<p><a href="${base}">← back to <code>${endpoint.id}</code></a></p>
<h1>Rotate the signing secret of <code>${endpoint.id}</code>?</h1>
<div class="card">
  <p>A new secret is generated and shown once, on the next page. The current secret keeps signing
  alongside it until about ${when(now + graceMs)}; then only the new one signs. Give the receiver the
  new secret before then.</p>
  ${stillSigning ? html`<p class="notice error" role="status">A secret rotated out earlier still signs until ${when(endpoint.previous_secret_expires_at)}: it stops signing now.</p>` : ''}
  <div class="actions">
    ${actionForm(`${base}/rotate-secret`, csrf, 'Rotate secret', { primary: true, busy: 'Rotating…', fields: { confirm: ROTATE_CONFIRMATION } })}
    <a class="button" href="${base}">Cancel</a>
  </div>
</div>`;
}

export function rotatedView(endpoint: Endpoint, secret: string, graceUntil: number | null): Html {
  return html`<p><a href="/console/endpoints/${endpoint.id}">← back to <code>${endpoint.id}</code></a></p>
<h1>New signing secret</h1>
<p>This is the only time the secret is shown. Copy it to the receiver now.</p>
<p class="secret"><code id="new-secret">${secret}</code></p>
${graceUntil ? html`<p class="muted">The previous secret keeps signing alongside it until ${when(graceUntil)}.</p>` : ''}`;
}

export function errorView(status: number, message: string, requestId: string): Html {
  return html`<h1>${status === 404 ? 'Not found' : status === 403 ? 'Forbidden' : 'Something went wrong'}</h1>
${notice(message, 'error')}
<p class="muted">Request id <code>${requestId}</code>. <a href="/console">Back to the console</a></p>`;
}
