import { scheduleNow } from '../db/repo/deliveries.ts';
import { attemptAndStatus, endpointOfDelivery, getEndpointDelivery } from '../db/repo/delivery-history.ts';
import { type DeliveryRow, searchDeliveries } from '../db/repo/delivery-search.ts';
import { getEndpoint } from '../db/repo/endpoints.ts';
import { getEvent } from '../db/repo/events.ts';
import type { Delivery, DeliveryStatus } from '../db/schema.ts';
import type { AttemptOutcome } from '../delivery/engine.ts';
import { buildPayload } from '../delivery/payload.ts';
import { toAttemptJson, toDeliveryJson } from '../domain/admin-views.ts';
import { toIso } from '../domain/endpoint-fields.ts';
import type { Services } from '../services.ts';
import { type Command, ExitWith, positiveInt, UsageError, withRuntime } from './command.ts';
import { formatTable } from './table.ts';

const STATUSES: readonly DeliveryStatus[] = ['pending', 'succeeded', 'failed'];

/** An ISO 8601 time option (e.g. 2026-01-31T09:30:00Z), as epoch milliseconds. */
function timeOption(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw new UsageError(`${name} must be an ISO 8601 time, e.g. 2026-01-31T09:30:00Z`);
  return ms;
}

const deliveryId = (positionals: string[], values: Record<string, unknown>) => positiveInt(positionals[0] ?? values.id, 'the delivery id');

const toListJson = (row: DeliveryRow) => ({
  id: row.id,
  tenant_id: row.tenant_id,
  endpoint_id: row.endpoint_id,
  surface: row.surface,
  event_id: row.event_id,
  event_type: row.event_type,
  status: row.status,
  attempt_count: row.attempt_count,
  last_status_code: row.last_status_code,
  last_error: row.last_error,
  next_attempt_at: toIso(row.next_attempt_at),
  created_at: toIso(row.created_at),
});

async function showDelivery(services: Services, id: number) {
  const located = await endpointOfDelivery(services.db, id);
  const delivery = located ? await getEndpointDelivery(services.db, located.endpoint_id, id) : undefined;
  if (!delivery) throw new UsageError(`delivery ${id} does not exist`);
  const [endpoint, event] = await Promise.all([getEndpoint(services.db, delivery.endpoint_id), getEvent(services.db, delivery.event_id)]);
  if (!endpoint || !event) throw new UsageError(`delivery ${id} does not exist`);
  return {
    ...toDeliveryJson(delivery),
    endpoint_id: endpoint.id,
    tenant_id: endpoint.tenant_id,
    surface: endpoint.surface,
    url: endpoint.url,
    payload: JSON.parse(buildPayload(endpoint, event)) as unknown,
    attempts: delivery.attempts.map(toAttemptJson),
  };
}

type Shown = Awaited<ReturnType<typeof showDelivery>>;

const POLL_MS = 200;

/**
 * Waits for the attempt a sweeper makes of a delivery just scheduled (the CLI only reads the
 * store: the attempt is the server's). A delivery failed without an attempt (its endpoint was
 * disabled meanwhile) answers as the engine does; no attempt within the timeout is an error.
 */
async function nextAttemptOf(services: Services, scheduled: Delivery, timeoutSeconds: number): Promise<AttemptOutcome> {
  const attemptNumber = scheduled.attempt_count + 1;
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const { attempt, delivery } = await attemptAndStatus(services.db, scheduled.id, attemptNumber);
    const outcome = { delivery_id: scheduled.id, attempt_number: attemptNumber };
    if (attempt) {
      const { succeeded, status_code, error_class, error_message, duration_ms } = attempt;
      return { ...outcome, succeeded: succeeded === 1, status_code, error_class, error_message, duration_ms };
    }
    if (!delivery) throw new Error(`delivery ${scheduled.id} no longer exists (its endpoint was deleted)`);
    if (delivery.status === 'failed')
      return { ...outcome, succeeded: false, status_code: null, error_class: 'endpoint_disabled', error_message: delivery.last_error, duration_ms: 0 };
    if (Date.now() > deadline) {
      throw new Error(
        `delivery ${scheduled.id} is due, but no attempt was recorded within ${timeoutSeconds} s: is a hookgate server (HOOKGATE_ROLE all or worker) running on this database?`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

export const deliveryCommands: Record<string, Command> = {
  'deliveries list': {
    summary: 'List deliveries, newest first, by tenant, endpoint, event, endpoint URL, status and creation time',
    usage:
      'hookgate deliveries list [--tenant TENANT_ID] [--endpoint ENDPOINT_ID] [--event EVENT_ID] [--url PART] [--status pending|succeeded|failed] [--since ISO] [--until ISO] [--limit N] [--offset N] [--json]',
    options: {
      tenant: { type: 'string' },
      endpoint: { type: 'string' },
      event: { type: 'string' },
      url: { type: 'string' },
      status: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      limit: { type: 'string' },
      offset: { type: 'string' },
    },
    run: (values) =>
      withRuntime(async ({ services }) => {
        const status = values.status === undefined ? undefined : STATUSES.find((known) => known === values.status);
        if (values.status !== undefined && !status) throw new UsageError(`--status must be one of ${STATUSES.join(', ')}`);
        const limit = Math.min(positiveInt(values.limit, '--limit', 20), 500);
        const offset = values.offset === undefined || values.offset === '0' ? 0 : positiveInt(values.offset, '--offset');
        const { items, total } = await searchDeliveries(services.db, {
          tenantId: values.tenant as string | undefined,
          endpointId: values.endpoint as string | undefined,
          eventId: values.event as string | undefined,
          url: values.url as string | undefined,
          since: timeOption(values.since, '--since'),
          until: timeOption(values.until, '--until'),
          status,
          limit,
          offset,
        });
        return { items: items.map(toListJson), total, limit, offset };
      }),
    table: (result: { items: ReturnType<typeof toListJson>[]; total: number }) =>
      `${formatTable(result.items, ['id', 'status', 'event_type', 'surface', 'endpoint_id', 'attempt_count', 'last_status_code', 'created_at'])}${result.items.length} of ${result.total}\n`,
  },

  'deliveries show': {
    summary: 'Show one delivery: its payload and every attempt (request headers with credentials masked, response)',
    usage: 'hookgate deliveries show DELIVERY_ID [--json]',
    options: { id: { type: 'string' } },
    positionals: true,
    run: (values, positionals) => withRuntime(({ services }) => showDelivery(services, deliveryId(positionals, values))),
    table: (shown: Shown) => {
      const head = `delivery ${shown.id}  ${shown.status}  ${shown.event_type}  attempts ${shown.attempt_count}\nendpoint ${shown.endpoint_id} (${shown.surface}) ${shown.url}\n`;
      const attempts = shown.attempts.map((attempt) => ({ ...attempt, outcome: attempt.succeeded ? 'succeeded' : (attempt.error_class ?? 'failed') }));
      return `${head}\n${formatTable(attempts, ['attempt_number', 'trigger', 'started_at', 'duration_ms', 'status_code', 'outcome', 'error_message'])}`;
    },
  },

  'deliveries retry': {
    summary: 'Make a delivery due now (failed ones too) for the running server to attempt; --wait waits for the outcome and exits 1 if it failed',
    usage: 'hookgate deliveries retry DELIVERY_ID [--wait] [--timeout SECONDS] [--json]',
    options: { id: { type: 'string' }, wait: { type: 'boolean' }, timeout: { type: 'string' } },
    positionals: true,
    run: (values, positionals) =>
      withRuntime(async ({ services }) => {
        const id = deliveryId(positionals, values);
        const timeoutSeconds = positiveInt(values.timeout, '--timeout', 60);
        const target = await endpointOfDelivery(services.db, id);
        if (!target) throw new UsageError(`delivery ${id} does not exist`);
        if (target.enabled !== 1)
          throw new Error(`endpoint ${target.endpoint_id} is disabled (${target.disabled_reason ?? 'no reason given'}): enable it before retrying its deliveries`);
        const scheduled = await scheduleNow(services.db, id, services.clock.now());
        if (!scheduled) throw new Error(`delivery ${id} is being attempted right now`);
        if (values.wait !== true) return { delivery_id: id, status: scheduled.status, next_attempt_at: toIso(scheduled.next_attempt_at) };
        const outcome = await nextAttemptOf(services, scheduled, timeoutSeconds);
        return outcome.succeeded ? outcome : new ExitWith(outcome, 1);
      }),
    table: (result: { delivery_id: number; next_attempt_at?: string } | AttemptOutcome) =>
      'attempt_number' in result
        ? `delivery ${result.delivery_id}: attempt ${result.attempt_number} ${result.succeeded ? 'succeeded' : 'failed'} (${result.status_code ?? result.error_message ?? 'no response'}) in ${result.duration_ms} ms\n`
        : `delivery ${result.delivery_id}: due now (${result.next_attempt_at}); the server's next sweep attempts it (--wait to wait for the outcome)\n`,
  },
};
