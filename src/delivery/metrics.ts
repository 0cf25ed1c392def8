import { createMetricsRegistry, type MetricsRegistry } from '../lib/metrics.ts';

/** What the engine reports as it works; the due-work gauges are read from the store at scrape time. */
export interface DeliveryMetrics {
  attemptFinished(outcome: 'succeeded' | 'retry_scheduled' | 'failed', trigger: string, durationMs: number): void;
  sweepFinished(report: { claimed: number; durationMs: number }): void;
  /** Sets the gauges of work waiting in the store (called at scrape time). */
  dueWork(due: number, oldestDueAgeSeconds: number): void;
  registry: MetricsRegistry;
}

/** Seconds: from a fast local receiver to the default 15 s attempt timeout and beyond. */
const ATTEMPT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30];
const SWEEP_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60];

export function createDeliveryMetrics(registry: MetricsRegistry = createMetricsRegistry()): DeliveryMetrics {
  const attempts = registry.counter('hookgate_delivery_attempts_total', 'HTTP delivery attempts by outcome (succeeded, retry_scheduled, failed) and trigger');
  const latency = registry.histogram('hookgate_delivery_attempt_duration_seconds', 'Duration of delivery attempts, by outcome', ATTEMPT_BUCKETS);
  const due = registry.gauge('hookgate_deliveries_due', 'Pending deliveries whose next attempt time has passed');
  const oldest = registry.gauge('hookgate_deliveries_oldest_due_age_seconds', 'How long the oldest due delivery has been waiting (0 when none)');
  const sweeps = registry.histogram('hookgate_sweep_duration_seconds', 'Run time of sweeper runs (claiming due deliveries; the attempts run on after it)', SWEEP_BUCKETS);
  const claimed = registry.counter('hookgate_sweep_claimed_total', 'Deliveries claimed by sweeper runs');
  const lastSweep = registry.gauge('hookgate_sweep_last_run_timestamp_seconds', 'Unix time at which the last sweeper run finished');
  return {
    registry,
    attemptFinished(outcome, trigger, durationMs) {
      attempts.inc({ outcome, trigger });
      latency.observe(durationMs / 1000, { outcome });
    },
    sweepFinished(report) {
      sweeps.observe(report.durationMs / 1000);
      claimed.inc(undefined, report.claimed);
      lastSweep.set(Date.now() / 1000);
    },
    dueWork(count, oldestAgeSeconds) {
      due.set(count);
      oldest.set(oldestAgeSeconds);
    },
  };
}
