import { claimDue, claimForManualAttempt, claimIds, type Lease, releaseLeases } from '../db/repo/deliveries.ts';
import { getEndpoints } from '../db/repo/endpoints.ts';
import { getEvents } from '../db/repo/events.ts';
import type { Delivery, Endpoint, EventRow } from '../db/schema.ts';
import { createOperationalEmitter } from '../domain/operational-events.ts';
import { advanceRecoveries } from '../domain/recovery.ts';
import { randomHex } from '../lib/random.ts';
import { type AttemptContext, type AttemptDeps, type AttemptTrigger, runAttempt } from './attempt.ts';
import type { AttemptOutcome, DeliveryEngine, FreshDelivery } from './engine.ts';
import { Limiter } from './limiter.ts';
import { OutboundAuthenticator } from './outbound-auth.ts';
import { pruneHistory } from './retention.ts';

export type EngineDeps = Omit<AttemptDeps, 'owner' | 'authenticator'> & {
  /** Given each detached fast-path task, so a runtime can keep it alive (Workers: `ctx.waitUntil`). */
  background?: (task: Promise<unknown>) => void;
};

export interface SweepReport {
  claimed: number;
  pruned: number;
  durationMs: number;
}

export interface RunningEngine extends DeliveryEngine {
  /** Claims and attempts every due delivery (the cron job). Runs never overlap. */
  sweep(): Promise<SweepReport>;
  /** Stops claiming, lets in-flight attempts finish within `graceMs`, and releases the rest. */
  shutdown(graceMs: number): Promise<void>;
  readonly owner: string;
}

const PRUNE_EVERY_MS = 3600_000;

/**
 * How long the endpoint rows a sweep read with its batch serve that batch's attempts. Past this,
 * or once an attempt to the endpoint has failed since the read, an attempt reads its endpoint
 * again (its circuit state, its URL and whether it is still enabled).
 */
const BATCH_ENDPOINT_TTL_MS = 1000;

/**
 * The delivery engine of one process: the fast path right after ingestion, the sweep for due and
 * orphaned deliveries, and manual attempts, all through one limiter. Every attempt first holds a
 * lease; a leased delivery whose lease would run out before the attempt could finish is left
 * alone (it falls due for whoever claims it next), so no attempt is sent twice.
 */
export function createDeliveryEngine(deps: EngineDeps): RunningEngine {
  const owner = `w_${randomHex(8)}`;
  const attemptDeps: AttemptDeps = {
    ...deps,
    owner,
    authenticator: new OutboundAuthenticator(deps.transport, deps.now, deps.config.attemptTimeoutMs),
    emit: (event) => emit(event),
  };
  const limiter = new Limiter(deps.config.concurrency, deps.config.endpointConcurrency);
  // Long enough for a queued attempt to start and finish; short enough that a crashed owner's work is soon due again.
  const leaseMs = deps.config.attemptTimeoutMs + 10_000;
  const queued = new Map<number, Delivery>();
  let stopping = false;
  /** Deliveries handed to the fast path in this turn of the event loop, not claimed yet. */
  const fastPath = new Map<number, FreshDelivery>();
  let fastPathTask: Promise<void> | null = null;
  let sweeping: Promise<SweepReport> | null = null;
  let lastPrune = 0;

  const lease = (): Lease => ({ owner, now: deps.now(), leaseMs });

  /** When an attempt to each endpoint last failed (entries older than BATCH_ENDPOINT_TTL_MS are dropped). */
  const lastFailure = new Map<string, number>();
  const noteOutcome = (endpointId: string, succeeded: boolean) => {
    if (succeeded) return;
    const now = deps.now();
    if (lastFailure.size >= 10_000) for (const [id, at] of lastFailure) if (now - at > BATCH_ENDPOINT_TTL_MS) lastFailure.delete(id);
    lastFailure.set(endpointId, now);
  };

  /** Queues one attempt; resolves once it has run (or been skipped). `known` is asked for when the attempt starts. */
  const enqueue = (delivery: Delivery, trigger: AttemptTrigger, known?: () => Partial<AttemptContext>): Promise<void> =>
    new Promise((done) => {
      queued.set(delivery.id, delivery);
      limiter.submit({
        endpointId: delivery.endpoint_id,
        run: async () => {
          queued.delete(delivery.id);
          try {
            // `next_attempt_at` of a leased delivery is its lease expiry.
            if (stopping || deps.now() + deps.config.attemptTimeoutMs > (delivery.next_attempt_at ?? 0)) return;
            const outcome = await runAttempt(attemptDeps, delivery, trigger, known?.());
            noteOutcome(delivery.endpoint_id, outcome.succeeded);
          } catch (error) {
            deps.log({ level: 'error', msg: 'attempt crashed', delivery_id: delivery.id, error: (error as Error).message });
          } finally {
            done();
            catchUp();
          }
        },
      });
    });

  const capacity = () => Math.max(0, deps.config.concurrency * 4 - limiter.size);

  /**
   * The fast path turned deliveries away (no room): they are due in the store, and are swept as
   * soon as half the room is free again rather than at the next cron tick.
   */
  let behind = false;
  const catchUp = () => {
    if (!behind || stopping || capacity() < deps.config.concurrency * 2) return;
    behind = false;
    // After the sweep in progress, if any (it may have claimed before these were turned away).
    const swept = (sweeping ?? Promise.resolve()).then(() => engine.sweep()).catch((error: unknown) => deps.log({ level: 'error', msg: 'catch-up sweep failed', error: (error as Error).message }));
    deps.background?.(swept);
  };

  async function sweepOnce(): Promise<SweepReport> {
    const started = deps.now();
    let claimed = 0;
    await advanceRecoveries(deps.db, started);
    while (!stopping) {
      const room = capacity();
      if (room === 0) {
        await limiter.idle();
        continue;
      }
      const batch = await claimDue(deps.db, lease(), Math.min(room, 500));
      claimed += batch.length;
      // The batch's events (which never change) and endpoints are read together; see BATCH_ENDPOINT_TTL_MS for the endpoints'.
      // `readAt` is taken first: a failure noted from then on may be missing from the rows read.
      const readAt = deps.now();
      const [events, endpoints] = await Promise.all([
        getEvents(deps.db, batch.map((delivery) => delivery.event_id)).catch(() => new Map<string, EventRow>()),
        getEndpoints(deps.db, batch.map((delivery) => delivery.endpoint_id)).catch(() => new Map<string, Endpoint>()),
      ]);
      const rowServes = (endpointId: string) => deps.now() - readAt < BATCH_ENDPOINT_TTL_MS && (lastFailure.get(endpointId) ?? -1) < readAt;
      for (const delivery of batch) {
        enqueue(delivery, 'sweep', () => ({ event: events.get(delivery.event_id), endpoint: rowServes(delivery.endpoint_id) ? endpoints.get(delivery.endpoint_id) : undefined }));
      }
      if (batch.length < Math.min(room, 500)) break;
    }
    await limiter.idle();
    let pruned = 0;
    if (!stopping && started - lastPrune >= PRUNE_EVERY_MS) {
      lastPrune = started;
      pruned = await pruneHistory(deps.db, started - deps.config.retentionDays * 86_400_000);
    }
    const report = { claimed, pruned, durationMs: deps.now() - started };
    deps.metrics?.sweepFinished(report);
    return report;
  }

  const engine: RunningEngine = {
    owner,
    fastPathLease(count) {
      if (stopping || capacity() < fastPath.size + count) return null;
      return { owner, until: deps.now() + leaseMs };
    },
    dispatch(fresh) {
      // Written with our lease: attempt them now (or give them back if we are stopping).
      const leased = fresh.filter(({ delivery }) => delivery.lease_owner === owner);
      if (stopping) {
        if (leased.length) releaseLeases(deps.db, owner, leased.map(({ delivery }) => delivery.id), deps.now()).catch(() => {});
        return;
      }
      for (const { delivery, endpoint, event } of leased) {
        const attempt = enqueue(delivery, 'fast_path', () => ({ endpoint, event }));
        deps.background?.(attempt);
      }
      const unleased = fresh.filter(({ delivery }) => delivery.lease_owner === null);
      if (unleased.length === 0) return;
      if (capacity() < fastPath.size + unleased.length) {
        behind = true; // swept as soon as there is room: now, or when enough attempts have finished
        catchUp();
        return;
      }
      for (const item of unleased) fastPath.set(item.delivery.id, item);
      // The unleased deliveries of every request answered in this turn are claimed together, by one UPDATE.
      fastPathTask ??= Promise.resolve()
        .then(() => {
          const batch = new Map(fastPath);
          fastPath.clear();
          fastPathTask = null;
          return claimIds(deps.db, lease(), [...batch.keys()]).then((claimed) => Promise.all(claimed.map((delivery) => enqueue(delivery, 'fast_path', () => batch.get(delivery.id) ?? {}))));
        })
        .then(
          () => undefined,
          (error: unknown) => deps.log({ level: 'error', msg: 'fast path claim failed', error: (error as Error).message }),
        );
      deps.background?.(fastPathTask);
    },
    async attemptNow(deliveryId, trigger): Promise<AttemptOutcome | null> {
      const delivery = await claimForManualAttempt(deps.db, lease(), deliveryId);
      if (!delivery) return null;
      return runAttempt(attemptDeps, delivery, trigger);
    },
    sweep() {
      sweeping ??= sweepOnce().finally(() => {
        sweeping = null;
      });
      return sweeping;
    },
    async shutdown(graceMs) {
      stopping = true;
      const dropped = limiter.drain().length;
      await Promise.race([limiter.idle(), new Promise((resolve) => setTimeout(resolve, graceMs))]);
      const unsent = [...queued.keys()];
      await releaseLeases(deps.db, owner, unsent, deps.now());
      deps.log({ msg: 'delivery engine stopped', released: unsent.length, dropped });
      await deps.transport.close?.();
    },
  };
  const emit = deps.emit ?? createOperationalEmitter({ ...deps, clock: { now: deps.now }, engine });
  return engine;
}
