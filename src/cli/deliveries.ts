import { getEndpointDelivery } from '../db/repo/delivery-history.ts';
import { type DeliveryRow, searchDeliveries } from '../db/repo/delivery-search.ts';
import { getEndpoint } from '../db/repo/endpoints.ts';
import { getEvent } from '../db/repo/events.ts';
import type { DeliveryStatus } from '../db/schema.ts';
import { buildPayload } from '../delivery/payload.ts';
import { toAttemptJson, toDeliveryJson } from '../domain/admin-views.ts';
import { toIso } from '../domain/endpoint-fields.ts';
import type { Services } from '../services.ts';
import { type Command, ExitWith, positiveInt, UsageError, withRuntime } from './command.ts';
import { formatTable } from './table.ts';

const STATUSES: readonly DeliveryStatus[] = ['pending', 'succeeded', 'failed'];

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
  const located = await services.db.selectFrom('deliveries').select('endpoint_id').where('id', '=', id).executeTakeFirst();
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

export const deliveryCommands: Record<string, Command> = {
  'deliveries list': {
    summary: 'List deliveries, newest first, by tenant and/or endpoint and status',
    usage: 'hookgate deliveries list [--tenant TENANT_ID] [--endpoint ENDPOINT_ID] [--status pending|succeeded|failed] [--limit N] [--offset N] [--json]',
    options: { tenant: { type: 'string' }, endpoint: { type: 'string' }, status: { type: 'string' }, limit: { type: 'string' }, offset: { type: 'string' } },
    run: (values) =>
      withRuntime(async ({ services }) => {
        const status = values.status === undefined ? undefined : STATUSES.find((known) => known === values.status);
        if (values.status !== undefined && !status) throw new UsageError(`--status must be one of ${STATUSES.join(', ')}`);
        const limit = Math.min(positiveInt(values.limit, '--limit', 20), 500);
        const offset = values.offset === undefined || values.offset === '0' ? 0 : positiveInt(values.offset, '--offset');
        const { items, total } = await searchDeliveries(services.db, {
          tenantId: values.tenant as string | undefined,
          endpointId: values.endpoint as string | undefined,
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
    summary: 'Attempt a delivery now (failed ones too); exits 1 if the attempt fails',
    usage: 'hookgate deliveries retry DELIVERY_ID [--json]',
    options: { id: { type: 'string' } },
    positionals: true,
    run: (values, positionals) =>
      withRuntime(async ({ services, engine }) => {
        const id = deliveryId(positionals, values);
        if (!(await services.db.selectFrom('deliveries').select('id').where('id', '=', id).executeTakeFirst())) throw new UsageError(`delivery ${id} does not exist`);
        try {
          const outcome = await engine.attemptNow(id, 'manual');
          if (!outcome) throw new Error(`delivery ${id} is being attempted right now`);
          return outcome.succeeded ? outcome : new ExitWith(outcome, 1);
        } finally {
          await engine.shutdown(0);
        }
      }),
    table: (outcome: { delivery_id: number; attempt_number: number; succeeded: boolean; status_code: number | null; error_message: string | null; duration_ms: number }) =>
      `delivery ${outcome.delivery_id}: attempt ${outcome.attempt_number} ${outcome.succeeded ? 'succeeded' : 'failed'} (${outcome.status_code ?? outcome.error_message ?? 'no response'}) in ${outcome.duration_ms} ms\n`,
  },
};
