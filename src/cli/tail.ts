import { type AttemptLine, attemptsAfter, lastAttemptId } from '../db/repo/delivery-search.ts';
import { toIso } from '../domain/endpoint-fields.ts';
import { type Command, positiveInt, withRuntime } from './command.ts';

const toJson = (line: AttemptLine) => ({
  attempt_id: line.id,
  at: toIso(line.started_at),
  tenant_id: line.tenant_id,
  endpoint_id: line.endpoint_id,
  surface: line.surface,
  delivery_id: line.delivery_id,
  event_type: line.event_type,
  attempt: line.attempt_number,
  trigger: line.trigger,
  outcome: line.succeeded === 1 ? 'succeeded' : 'failed',
  status: line.status_code,
  error_class: line.error_class,
  duration_ms: line.duration_ms,
});

const human = (line: ReturnType<typeof toJson>) =>
  `${line.at}  ${line.outcome === 'succeeded' ? 'OK  ' : 'FAIL'}  ${String(line.status ?? line.error_class ?? '-').padEnd(16)} ${String(line.duration_ms).padStart(6)} ms  delivery ${line.delivery_id} #${line.attempt} (${line.trigger})  ${line.event_type} → ${line.endpoint_id} [${line.surface}]`;

/**
 * `hookgate tail`: follows new delivery attempts as the store records them (any process, any
 * runtime sharing the file), one line each: JSON lines for scripts, a readable line on a terminal.
 */
export const tailCommand: Command = {
  summary: 'Follow new delivery attempts live (JSON lines; a readable line per attempt on a terminal)',
  usage: 'hookgate tail [--tenant TENANT_ID] [--endpoint ENDPOINT_ID] [--interval MS] [--count N] [--json]',
  options: { tenant: { type: 'string' }, endpoint: { type: 'string' }, interval: { type: 'string' }, count: { type: 'string' } },
  run: (values) =>
    withRuntime(async ({ services, engine }) => {
      await engine.shutdown(0); // tail only reads
      const interval = positiveInt(values.interval, '--interval', 500);
      const count = values.count === undefined ? Number.POSITIVE_INFINITY : positiveInt(values.count, '--count');
      const asJson = values.json === true || !process.stdout.isTTY;
      const filter = { tenantId: values.tenant as string | undefined, endpointId: values.endpoint as string | undefined, limit: 200 };
      let cursor = await lastAttemptId(services.db);
      let printed = 0;
      let stopped = false;
      const stop = () => {
        stopped = true;
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      if (!asJson) process.stderr.write('following new delivery attempts (Ctrl-C to stop)\n');
      while (!stopped && printed < count) {
        for (const line of await attemptsAfter(services.db, cursor, filter)) {
          cursor = line.id;
          const json = toJson(line);
          process.stdout.write(`${asJson ? JSON.stringify(json) : human(json)}\n`);
          if (++printed >= count) break;
        }
        if (printed < count && !stopped) await new Promise((resolve) => setTimeout(resolve, interval));
      }
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      return undefined;
    }),
};
