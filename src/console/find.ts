import type { Context, Hono } from 'hono';
import { MAX_REACH } from '../db/limits.ts';
import { searchDeliveries } from '../db/repo/delivery-search.ts';
import { failingNow } from '../db/repo/event-lookup.ts';
import type { DeliveryStatus } from '../db/schema.ts';
import { eventReport } from '../domain/event-report.ts';
import { ApiError } from '../errors.ts';
import { reachOf, tenantsInReach } from './access.ts';
import { eventView, failingView, type SearchQuery, searchView } from './find-pages.ts';
import type { Html } from './layout.ts';
import type { ConsoleEnv } from './session.ts';

const STATUSES: readonly DeliveryStatus[] = ['pending', 'succeeded', 'failed'];
const RESULTS = 50;
const FAILING = 100;

/** A `datetime-local` value (read as UTC) or an ISO time; anything else is a 400 naming the field. */
export function timeOf(value: string | undefined, field: string): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(/Z$|[+-]\d\d:\d\d$/.test(value) ? value : `${value}Z`);
  if (Number.isNaN(ms)) throw new ApiError('validation', `${field} must be a date and time, e.g. 2026-01-31T09:30`);
  return ms;
}

/** The session's reach, narrowed to `tenant` when one is chosen; one too large to bind in a query is a 400 asking for a tenant. */
async function boundReach(c: Context<ConsoleEnv>, tenant: string | undefined): Promise<readonly string[] | undefined> {
  const reach = await reachOf(c);
  const narrowed = reach && tenant ? reach.filter((id) => id === tenant) : reach;
  if (narrowed && narrowed.length > MAX_REACH)
    throw new ApiError('validation', `You reach ${narrowed.length} tenants, more than one query can search (${MAX_REACH}): choose a tenant.`);
  return narrowed;
}

/** Search, one event's page ("who received event X") and the cross-tenant "failing now" view. */
export function registerFind(app: Hono<ConsoleEnv>, render: (c: Context<ConsoleEnv>, title: string, body: Html) => Response | Promise<Response>): void {
  app.get('/search', async (c) => {
    const read = (name: string) => c.req.query(name)?.trim() || undefined;
    const query: SearchQuery = {
      event_id: read('event_id'),
      delivery_id: read('delivery_id'),
      url: read('url'),
      tenant: read('tenant'),
      status: STATUSES.find((known) => known === read('status')),
      since: read('since'),
      until: read('until'),
    };
    const tenants = await tenantsInReach(c);
    const asked = Object.values(query).some((value) => value !== undefined);
    if (!asked) return render(c, 'Search', searchView({ query, tenants, results: undefined }));
    const deliveryId = query.delivery_id === undefined ? undefined : Number(query.delivery_id.replace(/^#/, ''));
    if (deliveryId !== undefined && !Number.isSafeInteger(deliveryId)) throw new ApiError('validation', 'The delivery id is a number, e.g. 42');
    const results = await searchDeliveries(c.var.services.db, {
      tenantIds: await boundReach(c, query.tenant),
      tenantId: query.tenant,
      eventId: query.event_id,
      deliveryId,
      url: query.url,
      status: query.status,
      since: timeOf(query.since, 'From'),
      until: timeOf(query.until, 'Until'),
      limit: RESULTS,
      offset: 0,
    });
    return render(c, 'Search', searchView({ query, tenants, results }));
  });

  app.get('/events/:eventId', async (c) => {
    const report = await eventReport(c.var.services.db, c.req.param('eventId'), await reachOf(c));
    if (!report) throw new ApiError('not_found', 'Event not found');
    return render(c, `Event ${report.id}`, eventView(report));
  });

  app.get('/failing', async (c) => {
    const failing = await failingNow(c.var.services.db, { tenantIds: await boundReach(c, undefined), limit: FAILING });
    return render(c, 'Failing now', failingView(failing, FAILING));
  });
}
