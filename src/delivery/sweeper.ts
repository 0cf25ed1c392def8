import { claimDue, claimDueOf, claimForManualAttempt, claimIds, claimNextInLine, type Lease, releaseLeases } from '../db/repo/deliveries.ts';
import { getEndpoints } from '../db/repo/endpoints.ts';
import { getEvents } from '../db/repo/events.ts';
import type { Delivery, Endpoint, EventRow } from '../db/schema.ts';
import { createOperationalEmitter } from '../domain/operational-events.ts';
import { advanceRecoveries } from '../domain/recovery.ts';
import { randomHex } from '../lib/random.ts';
import { type AttemptContext, type AttemptDeps, type AttemptTrigger, loadContext, runAttempt } from './attempt.ts';
import type { AttemptOutcome, DeliveryEngine, FreshDelivery } from './engine.ts';
import { Limiter } from './limiter.ts';
import { OutboundAuthenticator } from './outbound-auth.ts';
import { pruneHistory } from './retention.ts';

export type EngineDeps = Omit<AttemptDeps, 'owner' | 'authenticator'> & {
  /** Given each detached task (attempts, claims), so a runtime can keep it alive (Workers: `ctx.waitUntil`). */
  background?: (task: Promise<unknown>) => void;
};

export interface SweepReport {
  claimed: number;
  pruned: number;
  durationMs: number;
}

export interface RunningEngine extends DeliveryEngine {
  /**
   * Claims the due deliveries this process may take on and hands them to the limiter (the cron
   * job). Resolves once they are claimed: it never waits for attempts, its own or anyone's. Runs
   * never overlap.
   */
  sweep(): Promise<SweepReport>;
  /** Resolves once every attempt taken on so far, and every claim in progress, has run. */
  settled(): Promise<void>;
  /** Stops claiming, lets in-flight attempts finish within `graceMs`, and releases the rest. */
  shutdown(graceMs: number): Promise<void>;
  readonly owner: string;
}

const PRUNE_EVERY_MS = 3600_000;

/** The most deliveries one claim statement takes. */
const MAX_CLAIM = 500;

/**
 * How long the endpoint rows a sweep read with its batch serve that batch's attempts. Past this,
 * or once an attempt to the endpoint has failed since the read, an attempt reads its endpoint
 * again (its circuit state, its URL and whether it is still enabled).
 */
const BATCH_ENDPOINT_TTL_MS = 1000;

/**
 * The delivery engine of one process: the fast path right after ingestion, the sweep for due and
 * orphaned deliveries, the next delivery of an ordered endpoint, and manual attempts, all through
 * one limiter (src/delivery/limiter.ts shares its slots and its backlog between tenants and
 * endpoints). Every attempt first holds a lease; a leased delivery whose lease would run out
 * before the attempt could finish is left alone (it falls due for whoever claims it next), so no
 * attempt is sent twice.
 */
export function createDeliveryEngine(deps: EngineDeps): RunningEngine {
  const owner = `w_${randomHex(8)}`;
  const attemptDeps: AttemptDeps = {
    ...deps,
    owner,
    authenticator: new OutboundAuthenticator(deps.transport, deps.now, deps.config.attemptTimeoutMs),
    emit: (event) => emit(event),
  };
  const limiter = new Limiter({ total: deps.config.concurrency, perEndpoint: deps.config.endpointConcurrency, afterJob: (job) => catchUp(job) });
  // Long enough for a queued attempt to start and finish; short enough that a crashed owner's work is soon due again.
  const leaseMs = deps.config.attemptTimeoutMs + 10_000;
  const queued = new Map<number, Delivery>();
  let stopping = false;
  /** Deliveries handed to the fast path in this turn of the event loop, not claimed yet. */
  const fastPath = new Map<number, FreshDelivery>();
  let sweeping: Promise<SweepReport> | null = null;
  let lastPrune = 0;
  /** Detached claims in progress (kept alive on Workers through `background`), for `settled`. */
  const claims = new Set<Promise<unknown>>();
  const detach = <T>(task: Promise<T>): Promise<T> => {
    claims.add(task);
    deps.background?.(task);
    task.then(
      () => claims.delete(task),
      (error: unknown) => {
        claims.delete(task);
        deps.log({ level: 'error', msg: 'claim failed', error: (error as Error).message });
      },
    );
    return task;
  };

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
  const enqueue = (delivery: Delivery, tenantId: string, trigger: AttemptTrigger, known?: () => Partial<AttemptContext>): Promise<void> => {
    const attempt = new Promise<void>((done) => {
      queued.set(delivery.id, delivery);
      limiter.submit({
        endpointId: delivery.endpoint_id,
        tenantId,
        run: async () => {
          queued.delete(delivery.id);
          try {
            // `next_attempt_at` of a leased delivery is its lease expiry.
            if (stopping || deps.now() + deps.config.attemptTimeoutMs > (delivery.next_attempt_at ?? 0)) return;
            const context = await loadContext(attemptDeps, delivery, known?.() ?? {});
            const outcome = await runAttempt(attemptDeps, delivery, trigger, context);
            noteOutcome(delivery.endpoint_id, outcome.succeeded);
            // An ordered endpoint's next delivery goes now, not at the next sweep (unless this one only waited).
            if (context.endpoint?.ordering === 'fifo' && outcome.error_class !== 'postponed') await followInLine(context.endpoint);
          } catch (error) {
            deps.log({ level: 'error', msg: 'attempt crashed', delivery_id: delivery.id, error: (error as Error).message });
          } finally {
            done();
          }
        },
      });
    });
    deps.background?.(attempt);
    return attempt;
  };

  /** Claims and queues the next delivery of an ordered endpoint, if it is due (its head may be waiting for a retry). */
  async function followInLine(endpoint: Endpoint): Promise<void> {
    if (stopping) return;
    const next = await claimNextInLine(deps.db, lease(), endpoint.id);
    if (!next) return;
    // Stopped meanwhile: give it back at once rather than at the end of its lease.
    if (stopping) await releaseLeases(deps.db, owner, [next.id], deps.now());
    else enqueue(next, endpoint.tenant_id, 'sweep');
  }

  /** Queues a claimed batch, its events and endpoints read together (see BATCH_ENDPOINT_TTL_MS for how long the endpoints serve). */
  async function take(batch: readonly Delivery[]): Promise<void> {
    if (batch.length === 0) return;
    // `readAt` is taken first: a failure noted from then on may be missing from the rows read.
    const readAt = deps.now();
    const [events, endpoints] = await Promise.all([
      getEvents(deps.db, batch.map((delivery) => delivery.event_id)).catch(() => new Map<string, EventRow>()),
      getEndpoints(deps.db, batch.map((delivery) => delivery.endpoint_id)).catch(() => new Map<string, Endpoint>()),
    ]);
    const rowServes = (endpointId: string) => deps.now() - readAt < BATCH_ENDPOINT_TTL_MS && (lastFailure.get(endpointId) ?? -1) < readAt;
    limiter.together(() => {
      for (const delivery of batch) {
        const endpoint = endpoints.get(delivery.endpoint_id);
        // Without its endpoint's row (deleted, or the read failed), the endpoint stands for its own tenant.
        enqueue(delivery, endpoint?.tenant_id ?? delivery.endpoint_id, 'sweep', () => ({ event: events.get(delivery.event_id), endpoint: rowServes(delivery.endpoint_id) ? endpoint : undefined }));
      }
    });
  }

  /**
   * Work left in the store because the process could not take it on: the backlog was full
   * (`behind`), or an endpoint or tenant was at its bound. It is claimed as soon as there is room
   * again: half the backlog, or half that endpoint's or tenant's bound.
   */
  let behind = false;
  const leftBehind = { endpoints: new Set<string>(), tenants: new Set<string>() };
  const noteFull = () => {
    const full = limiter.full();
    for (const id of full.endpoints) leftBehind.endpoints.add(id);
    for (const id of full.tenants) leftBehind.tenants.add(id);
  };
  const catchUp = ({ endpointId, tenantId }: { endpointId: string; tenantId: string }) => {
    if (stopping) return;
    if (leftBehind.endpoints.has(endpointId) && limiter.endpointHalfEmpty(endpointId)) {
      leftBehind.endpoints.delete(endpointId);
      // Through the endpoint's own index: no scan past other endpoints' due work.
      detach(claimFor(endpointId, tenantId));
    }
    const roomAgain = behind && 2 * limiter.room >= limiter.maxBacklog;
    if (roomAgain || (leftBehind.tenants.has(tenantId) && limiter.tenantHalfEmpty(tenantId))) detach(claimAll());
  };

  async function claimFor(endpointId: string, tenantId: string): Promise<void> {
    const room = Math.min(limiter.roomFor(endpointId, tenantId), MAX_CLAIM);
    if (room === 0 || stopping) return;
    const batch = await claimDueOf(deps.db, lease(), endpointId, room);
    await take(batch);
    if (batch.length === room) leftBehind.endpoints.add(endpointId);
  }

  /**
   * Claims due work until none is left that the process may take on. Each claim takes at most half
   * the free backlog and `HOOKGATE_ENDPOINT_CONCURRENCY` per endpoint, and skips the endpoints and
   * tenants at their bound, so one busy or hanging endpoint's due work never crowds out the
   * others'. A call during a run joins it, and the run goes round once more.
   */
  let claiming: Promise<number> | null = null;
  let claimAgain = false;
  function claimAll(): Promise<number> {
    if (claiming) {
      claimAgain = true;
      return claiming;
    }
    claiming = (async () => {
      let claimed = 0;
      do {
        claimAgain = false;
        claimed += await claimRound();
      } while (claimAgain && !stopping);
      return claimed;
    })().finally(() => {
      claiming = null;
    });
    return claiming;
  }

  async function claimRound(): Promise<number> {
    behind = false;
    leftBehind.endpoints.clear();
    leftBehind.tenants.clear();
    const perEndpoint = deps.config.endpointConcurrency;
    let claimed = 0;
    while (!stopping) {
      const room = limiter.room;
      if (room === 0) {
        behind = true;
        break;
      }
      const limit = Math.min(MAX_CLAIM, Math.ceil(room / 2));
      const full = limiter.full();
      const batch = await claimDue(deps.db, lease(), limit, { perEndpoint, skipEndpoints: full.endpoints, skipTenants: full.tenants });
      claimed += batch.length;
      await take(batch);
      // Fewer than asked for, and no endpoint cut short: nothing else is due.
      if (batch.length < limit && !reachesShare(batch, perEndpoint)) break;
    }
    noteFull();
    return claimed;
  }

  async function sweepOnce(): Promise<SweepReport> {
    const started = deps.now();
    await advanceRecoveries(deps.db, started);
    const claimed = await claimAll();
    let pruned = 0;
    if (!stopping && started - lastPrune >= PRUNE_EVERY_MS) {
      lastPrune = started;
      pruned = await pruneHistory(deps.db, started - deps.config.retentionDays * 86_400_000);
    }
    const report = { claimed, pruned, durationMs: deps.now() - started };
    deps.metrics?.sweepFinished(report);
    return report;
  }

  /** Queues fresh deliveries leased to this engine (written so, or claimed), up to what their endpoints and tenants may take on; gives back the rest. */
  function takeLeased(leased: readonly FreshDelivery[]): void {
    const givenBack: number[] = [];
    limiter.together(() => {
      for (const { delivery, endpoint, event } of leased) {
        if (limiter.roomFor(delivery.endpoint_id, endpoint.tenant_id) > 0) enqueue(delivery, endpoint.tenant_id, 'fast_path', () => ({ endpoint, event }));
        else givenBack.push(delivery.id);
      }
    });
    if (givenBack.length === 0) return;
    noteFull();
    detach(releaseLeases(deps.db, owner, givenBack, deps.now()));
  }

  /** Whether a claim of `fastPath` is due in this turn. */
  let fastPathClaim = false;
  const engine: RunningEngine = {
    owner,
    fastPathLease(count) {
      if (stopping || limiter.room < fastPath.size + count) return null;
      return { owner, until: deps.now() + leaseMs };
    },
    dispatch(fresh) {
      // Written with our lease: attempt them now (or give them back if we are stopping).
      const leased = fresh.filter(({ delivery }) => delivery.lease_owner === owner);
      if (stopping) {
        if (leased.length) releaseLeases(deps.db, owner, leased.map(({ delivery }) => delivery.id), deps.now()).catch(() => {});
        return;
      }
      takeLeased(leased);
      const unleased = fresh.filter(({ delivery }) => delivery.lease_owner === null);
      if (unleased.length === 0) return;
      if (limiter.room < fastPath.size + unleased.length) {
        behind = true; // claimed as soon as there is room: now, or when enough attempts have finished
        if (2 * limiter.room >= limiter.maxBacklog) detach(claimAll());
        return;
      }
      for (const item of unleased) fastPath.set(item.delivery.id, item);
      // The unleased deliveries of every request answered in this turn are claimed together, by one UPDATE.
      if (fastPathClaim) return;
      fastPathClaim = true;
      detach(
        Promise.resolve().then(async () => {
          const batch = new Map(fastPath);
          fastPath.clear();
          fastPathClaim = false;
          const claimed = await claimIds(deps.db, lease(), [...batch.keys()]);
          takeLeased(claimed.map((delivery) => ({ ...batch.get(delivery.id)!, delivery })));
        }),
      );
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
    async settled() {
      while (sweeping || claims.size > 0 || limiter.size > 0) await Promise.allSettled([sweeping, ...claims, limiter.idle()]);
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

/** Whether some endpoint got its whole share of a claim (so more of its due work may be waiting). */
function reachesShare(batch: readonly Delivery[], perEndpoint: number): boolean {
  const counts = new Map<string, number>();
  for (const { endpoint_id } of batch) {
    const count = (counts.get(endpoint_id) ?? 0) + 1;
    if (count >= perEndpoint) return true;
    counts.set(endpoint_id, count);
  }
  return false;
}
