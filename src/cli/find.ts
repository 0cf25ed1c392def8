import { failingNow } from '../db/repo/event-lookup.ts';
import { type EventReport, eventReport, toFailingJson } from '../domain/event-report.ts';
import { type Command, positiveInt, UsageError, withRuntime } from './command.ts';
import { formatTable } from './table.ts';

/** Lookups an operator starts from: one event and where it went; what is failing now. */
export const findCommands: Record<string, Command> = {
  'events show': {
    summary: 'Show an event: every endpoint it fanned out to (surface, tenant) and every attempt (status, latency, response)',
    usage: 'hookgate events show EVENT_ID [--json]',
    options: {},
    positionals: true,
    run: (_values, positionals) =>
      withRuntime(async ({ services }) => {
        const eventId = positionals[0];
        if (!eventId) throw new UsageError('the event id is required');
        const report = await eventReport(services.db, eventId, undefined);
        if (!report) throw new UsageError(`event ${eventId} does not exist`);
        return report;
      }),
    table: (report: EventReport) => {
      const head = `event ${report.id}  ${report.event_type}  tenant ${report.tenant_id}  ${report.created_at}\n\n`;
      const attempts = report.deliveries.flatMap((delivery) =>
        delivery.attempts.map((attempt) => ({
          delivery: delivery.id,
          endpoint_id: delivery.endpoint_id,
          attempt: attempt.attempt_number,
          status_code: attempt.status_code,
          outcome: attempt.succeeded ? 'succeeded' : (attempt.error_class ?? 'failed'),
          duration_ms: attempt.duration_ms,
        })),
      );
      return `${head}${formatTable(report.deliveries, ['id', 'status', 'surface', 'tenant_id', 'endpoint_id', 'url', 'attempt_count', 'last_status_code'])}\n${formatTable(attempts, ['delivery', 'endpoint_id', 'attempt', 'status_code', 'outcome', 'duration_ms'])}`;
    },
  },

  'endpoints failing': {
    summary: 'List what is failing now, across tenants: open circuits, disabled endpoints (with reason), pending deliveries with a last error',
    usage: 'hookgate endpoints failing [--tenant TENANT_ID] [--limit N] [--json]',
    options: { tenant: { type: 'string' }, limit: { type: 'string' } },
    run: (values) =>
      withRuntime(async ({ services }) => {
        const limit = Math.min(positiveInt(values.limit, '--limit', 50), 500);
        const tenant = values.tenant as string | undefined;
        return toFailingJson(await failingNow(services.db, { tenantIds: tenant ? [tenant] : undefined, limit }));
      }),
    table: (failing: ReturnType<typeof toFailingJson>) =>
      [
        `open circuits\n${formatTable(failing.open_circuits, ['endpoint_id', 'tenant_id', 'surface', 'circuit_state', 'consecutive_failures', 'circuit_retry_at', 'url'])}`,
        `disabled\n${formatTable(failing.disabled, ['endpoint_id', 'tenant_id', 'surface', 'disabled_reason', 'url'])}`,
        `failing deliveries\n${formatTable(failing.failing_deliveries, ['id', 'event_id', 'endpoint_id', 'attempt_count', 'last_status_code', 'last_error', 'next_attempt_at'])}`,
      ].join('\n'),
  },
};
