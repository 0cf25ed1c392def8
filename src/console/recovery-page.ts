import type { Context, Hono } from 'hono';
import { html } from 'hono/html';
import type { Endpoint, RecoveryJob } from '../db/schema.ts';
import { countRecoverable, findRecovery, type RecoveryRange, type RecoveryStatus, startRecovery } from '../domain/recovery.ts';
import { notFound } from '../errors.ts';
import { endpointInReach } from './access.ts';
import { audit } from './actions.ts';
import { timeOf } from './find.ts';
import { csrfField, formError, inputField, orRefusal, type PostedForm, postedForm, type RefusalStatus, selectField } from './forms.ts';
import { type Html, notice, when } from './layout.ts';
import { LIVE_REFRESH_S } from './live.ts';
import { type ConsoleEnv, requireRole } from './session.ts';

type Render = (c: Context<ConsoleEnv>, title: string, body: Html, status?: 200 | RefusalStatus) => Response | Promise<Response>;

/** The value of the preview's hidden `confirm` field: a recover post without it is a dry run. */
export const RECOVER_CONFIRMATION = 'recover';
const DAY_MS = 86_400_000;
const STATUSES: readonly RecoveryStatus[] = ['failed', 'succeeded', 'all'];

interface RangeFields {
  since: string;
  until: string;
  status: string;
}

function rangeOf(fields: RangeFields): RecoveryRange {
  // A `datetime-local` value is read as UTC, as the search form reads it.
  const since = timeOf(fields.since || undefined, 'From');
  if (since === undefined) throw formError('From is required');
  const until = timeOf(fields.until || undefined, 'Until') ?? null;
  if (until !== null && until <= since) throw formError('Until must be after From');
  const status = STATUSES.find((known) => known === fields.status);
  if (!status) throw formError('Status must be failed, succeeded or all');
  return { since, until, status };
}

const fieldsOf = (form: PostedForm): RangeFields => ({ since: form.text('since'), until: form.text('until'), status: form.text('status') });
const localTime = (ms: number) => new Date(ms).toISOString().slice(0, 16);

/**
 * Bulk recovery of one endpoint's deliveries: a form, a dry run that counts what would be re-sent
 * (per status), then a job (src/domain/recovery.ts) the sweeper advances in chunks, whose page
 * refreshes its progress every LIVE_REFRESH_S seconds until it is done.
 */
export function registerRecoveryPages(app: Hono<ConsoleEnv>, render: Render): void {
  const formPage = (c: Context<ConsoleEnv>, endpoint: Endpoint, fields: RangeFields, error?: { status: RefusalStatus; message: string }) =>
    render(c, 'Recover deliveries', recoverFormView(endpoint, c.var.session.csrf, fields, error?.message), error?.status ?? 200);

  app.get('/endpoints/:endpointId/recover', async (c) => {
    requireRole(c, 'operator', 'recover deliveries');
    const { endpoint } = await endpointInReach(c, c.req.param('endpointId'));
    return formPage(c, endpoint, { since: localTime(c.var.services.clock.now() - DAY_MS), until: '', status: 'failed' });
  });

  app.post('/endpoints/:endpointId/recover', async (c) => {
    const { endpoint } = await endpointInReach(c, c.req.param('endpointId'));
    const form = await postedForm(c);
    const fields = fieldsOf(form);
    return orRefusal(
      async () => {
        const range = rangeOf(fields);
        const { db, clock } = c.var.services;
        if (form.text('confirm') !== RECOVER_CONFIRMATION) {
          const statuses: ('failed' | 'succeeded')[] = range.status === 'all' ? ['failed', 'succeeded'] : [range.status];
          const counts = await Promise.all(statuses.map(async (status) => [status, await countRecoverable(db, endpoint.id, { ...range, status })] as const));
          return render(c, 'Recovery preview', previewView(endpoint, c.var.session.csrf, fields, counts));
        }
        const job = await startRecovery(db, endpoint, range, clock.now());
        await audit(c, {
          action: 'recovery.started',
          target: { type: 'recovery', id: job.id, tenantId: endpoint.tenant_id },
          changes: {
            webhook_id: endpoint.id,
            since: new Date(range.since).toISOString(),
            until: range.until === null ? null : new Date(range.until).toISOString(),
            status: range.status,
          },
        });
        return c.redirect(`/console/endpoints/${endpoint.id}/recoveries/${job.id}`, 303);
      },
      (error) => formPage(c, endpoint, fields, error),
    );
  });

  app.get('/endpoints/:endpointId/recoveries/:jobId', async (c) => {
    const { endpoint } = await endpointInReach(c, c.req.param('endpointId'));
    const job = await findRecovery(c.var.services.db, endpoint.id, c.req.param('jobId'));
    if (!job) throw notFound('Recovery not found');
    return render(c, `Recovery ${job.id}`, progressView(endpoint, job));
  });
}

const back = (endpoint: Endpoint) => html`<p><a href="/console/endpoints/${endpoint.id}">← back to <code>${endpoint.id}</code></a></p>`;

function rangeFields(fields: RangeFields): Html {
  return html`${inputField('From (UTC)', 'since', fields.since, { type: 'datetime-local', required: true })}
${inputField('Until (UTC, optional)', 'until', fields.until, { type: 'datetime-local' })}
${selectField('Deliveries that', 'status', fields.status, [
  ['failed', 'failed'],
  ['succeeded', 'succeeded'],
  ['all', 'failed or succeeded'],
])}`;
}

function recoverFormView(endpoint: Endpoint, csrf: string, fields: RangeFields, error?: string): Html {
  return html`${back(endpoint)}
<h1>Recover deliveries of <code>${endpoint.id}</code></h1>
${notice(error, 'error')}
<form method="post" action="/console/endpoints/${endpoint.id}/recover" class="card form">${csrfField(csrf)}
  ${rangeFields(fields)}
  <p><button type="submit" class="primary" data-busy="Counting…">Preview</button></p>
  <p class="muted">The preview counts what would be re-sent and changes nothing. Deliveries already scheduled or in flight are never sent twice.</p>
</form>`;
}

function previewView(endpoint: Endpoint, csrf: string, fields: RangeFields, counts: readonly (readonly [string, number])[]): Html {
  const total = counts.reduce((sum, [, count]) => sum + count, 0);
  return html`${back(endpoint)}
<h1>Recovery preview</h1>
<div class="card">
  <p id="recovery-preview"><strong>${total}</strong> deliver${total === 1 ? 'y' : 'ies'} would be re-sent to <code>${endpoint.url}</code>.</p>
  <table><thead><tr><th>Status now</th><th>Would be re-sent</th></tr></thead>
  <tbody>${counts.map(([status, count]) => html`<tr><td>${status}</td><td class="count-${status}">${count}</td></tr>`)}</tbody></table>
  <form method="post" action="/console/endpoints/${endpoint.id}/recover">${csrfField(csrf)}
    <input type="hidden" name="since" value="${fields.since}"><input type="hidden" name="until" value="${fields.until}"><input type="hidden" name="status" value="${fields.status}">
    <input type="hidden" name="confirm" value="${RECOVER_CONFIRMATION}">
    <div class="actions"><button type="submit" class="primary" data-busy="Starting…"${total === 0 ? html` disabled` : ''}>Start recovery</button>
    <a class="button" href="/console/endpoints/${endpoint.id}/recover">Change the range</a></div>
  </form>
</div>`;
}

function progressView(endpoint: Endpoint, job: RecoveryJob): Html {
  const handled = job.done + job.skipped;
  return html`${back(endpoint)}
<h1>Recovery <code>${job.id}</code></h1>
<div data-live class="card" id="recovery-progress">
  <p><span class="badge ${job.state === 'done' ? 'succeeded' : 'pending'}" id="recovery-state">${job.state}</span>
  ${handled} of ${job.total} handled: <strong>${job.done}</strong> re-scheduled, ${job.skipped} skipped (already scheduled or in flight).</p>
  <progress max="${Math.max(job.total, 1)}" value="${job.total === 0 ? 1 : handled}" aria-label="Recovery progress">${handled} of ${job.total}</progress>
  <dl class="grid">
    <dt>Range</dt><dd>${when(job.since)} → ${job.until === null ? 'now' : when(job.until)} · ${job.status_filter}</dd>
    <dt>Started</dt><dd>${when(job.created_at)}</dd>
    <dt>Finished</dt><dd>${when(job.finished_at)}</dd>
  </dl>
  ${job.state === 'running' ? html`<p class="muted">The sweeper re-schedules the deliveries in chunks; this page refreshes every ${LIVE_REFRESH_S} s.</p>` : html`<p><a href="/console/endpoints/${endpoint.id}">See the deliveries</a></p>`}
</div>
<script src="/console/assets/live.js" defer></script>`;
}
