import type { DeliveryView } from '../db/repo/delivery-history.ts';
import type { EndpointDeliveryStats } from '../db/repo/delivery-stats.ts';
import type { Attempt, Delivery, Endpoint } from '../db/schema.ts';
import type { AttemptOutcome } from '../delivery/engine.ts';
import { toIso } from './endpoint-fields.ts';

/** How page 001 renders deliveries, attempts, statistics and pages. */

export const pageCount = (total: number, perPage: number): number => Math.ceil(total / perPage);

/** Where a delivery stands, as every delivery answer shows it. */
export const toDeliveryStateJson = (delivery: Delivery) => ({
  status: delivery.status,
  attempt_count: delivery.attempt_count,
  next_attempt_at: toIso(delivery.next_attempt_at),
  last_status_code: delivery.last_status_code,
  last_error: delivery.last_error,
  created_at: toIso(delivery.created_at)!,
  updated_at: toIso(delivery.updated_at)!,
  completed_at: toIso(delivery.completed_at),
});

export const toDeliveryJson = (delivery: DeliveryView) => ({
  id: delivery.id,
  webhook_id: delivery.endpoint_id,
  event_id: delivery.event_id,
  event_type: delivery.event_type,
  ...toDeliveryStateJson(delivery),
});

/** A stored header map (JSON text); anything unreadable shows as null rather than failing the request. */
function headerMap(text: string | null): Record<string, string> | null {
  if (text === null) return null;
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, string>) : null;
  } catch {
    return null;
  }
}

export const toAttemptJson = (attempt: Attempt) => ({
  id: attempt.id,
  attempt_number: attempt.attempt_number,
  trigger: attempt.trigger,
  started_at: toIso(attempt.started_at)!,
  duration_ms: attempt.duration_ms,
  succeeded: attempt.succeeded === 1,
  status_code: attempt.status_code,
  error_class: attempt.error_class,
  error_message: attempt.error_message,
  request_url: attempt.request_url,
  request_headers: headerMap(attempt.request_headers) ?? {},
  response_headers: headerMap(attempt.response_headers),
  response_body: attempt.response_body,
});

export const toStatsJson = (endpoint: Endpoint, stats: EndpointDeliveryStats, blockedBy: number | null) => {
  const finished = stats.byStatus.succeeded + stats.byStatus.failed;
  return {
    webhook_id: endpoint.id,
    total: stats.total,
    by_status: stats.byStatus,
    success_rate: finished === 0 ? null : stats.byStatus.succeeded / finished,
    attempts: stats.attempts,
    latency_ms: stats.latencyMs,
    last_success_at: toIso(stats.lastSuccessAt),
    last_failure_at: toIso(stats.lastFailureAt),
    circuit: {
      state: endpoint.circuit_state,
      consecutive_failures: endpoint.consecutive_failures,
      opened_at: toIso(endpoint.circuit_opened_at),
      retry_at: toIso(endpoint.circuit_state === 'closed' ? null : endpoint.circuit_retry_at),
    },
    ordering: endpoint.ordering,
    blocked_by: blockedBy,
    rate_limit: endpoint.rate_limit,
  };
};

/** The answer to "send a test event": the attempt's outcome, or why there was none. */
export function toTestResultJson(result: { event_id: string; event_type: string; outcome: AttemptOutcome | null }) {
  const { outcome } = result;
  return {
    success: outcome?.succeeded ?? false,
    status_code: outcome?.status_code ?? null,
    duration_ms: outcome?.duration_ms ?? null,
    error: outcome ? (outcome.succeeded ? null : (outcome.error_message ?? outcome.error_class ?? `HTTP ${outcome.status_code}`)) : 'Delivery is already in flight',
    delivery_id: outcome?.delivery_id ?? null,
    event_id: result.event_id,
    event_type: result.event_type,
  };
}
