import { claimForManualAttempt, type Lease, releaseLeases } from '../../db/repo/deliveries.ts';
import type { Delivery } from '../../db/schema.ts';
import { createOperationalEmitter } from '../../domain/operational-events.ts';
import { randomHex } from '../../lib/random.ts';
import { createTargetCheck } from '../address-policy.ts';
import { type AttemptContext, type AttemptDeps, type AttemptTrigger, loadContext, runAttempt } from '../attempt.ts';
import type { AttemptOutcome, DeliveryEngine } from '../engine.ts';
import { OutboundAuthenticator } from '../outbound-auth.ts';
import { createNobleMac } from '../signer.ts';
import { Backlog } from './backlog.ts';
import type { EngineCore, EngineDeps } from './core.ts';
import { FastPath } from './fast-path.ts';
import { Sweep, type SweepReport } from './sweep.ts';

export type { EngineDeps } from './core.ts';
export type { SweepReport } from './sweep.ts';

export interface RunningEngine extends DeliveryEngine {
  /**
   * Claims the due deliveries this process may take on and hands them to the limiter (the cron
   * job). Resolves once they are claimed: it never waits for attempts, its own or anyone's. Runs
   * never overlap.
   */
  sweep(): Promise<SweepReport>;
  /**
   * Claims due work now, without the sweep's other jobs (another process wrote deliveries for
   * anyone to claim). Joins a claim run in progress, which then goes round once more.
   */
  claimNow(): void;
  /** Resolves once every attempt taken on so far, and every claim in progress, has run. */
  settled(): Promise<void>;
  /** Stops claiming, lets in-flight attempts finish within `graceMs`, and releases the rest. */
  shutdown(graceMs: number): Promise<void>;
  readonly owner: string;
}

/**
 * The delivery engine of one process: the fast path right after ingestion (fast-path.ts), the
 * sweep for due and orphaned deliveries and the next delivery of an ordered endpoint (sweep.ts),
 * and manual attempts, all through one backlog (backlog.ts: the limiter shares its slots and its
 * room between tenants and endpoints). Every attempt first holds a lease; a leased delivery whose
 * lease would run out before the attempt could finish is left alone (it falls due for whoever
 * claims it next), so no attempt is sent twice.
 */
export function createDeliveryEngine(deps: EngineDeps): RunningEngine {
  return new Engine(deps).running;
}

/** The engine's lifecycle and its parts; `running` is what the process is given. */
class Engine implements EngineCore {
  readonly deps: EngineDeps;
  readonly owner = `w_${randomHex(8)}`;
  // Long enough for a queued attempt to start and finish; short enough that a crashed owner's work is soon due again.
  readonly leaseMs: number;
  stopping = false;
  readonly backlog: Backlog;
  readonly running: RunningEngine;
  private readonly sweep: Sweep;
  private readonly fastPath: FastPath;
  /** The attempts' own state (outbound tokens, target verdicts, keyed HMACs) lives as long as the engine. */
  private readonly attemptDeps: AttemptDeps;
  /** Detached claims in progress (kept alive on Workers through `background`), for `settled`. */
  private readonly claims = new Set<Promise<unknown>>();

  constructor(deps: EngineDeps) {
    this.deps = deps;
    this.leaseMs = deps.config.attemptTimeoutMs + 10_000;
    this.backlog = new Backlog({ total: deps.config.concurrency, perEndpoint: deps.config.endpointConcurrency, afterJob: (job) => this.catchUp(job) });
    this.sweep = new Sweep(this);
    this.fastPath = new FastPath(this, () => this.sweep.claimAll());
    this.running = {
      owner: this.owner,
      fastPathLease: (count) => this.fastPath.lease(count),
      dispatch: (fresh) => this.fastPath.dispatch(fresh),
      attemptNow: (deliveryId, trigger) => this.attemptNow(deliveryId, trigger),
      sweep: () => this.sweep.run(),
      claimNow: () => {
        if (!this.stopping) this.detach(this.sweep.claimAll());
      },
      settled: () => this.settled(),
      shutdown: (graceMs) => this.shutdown(graceMs),
    };
    this.attemptDeps = {
      ...deps,
      owner: this.owner,
      authenticator: new OutboundAuthenticator(deps.transport, deps.now, deps.config.attemptTimeoutMs),
      checkTarget: createTargetCheck({ allowPrivateTargets: deps.config.allowPrivateTargets, requireHttps: deps.config.env === 'production' }),
      mac: deps.mac ?? createNobleMac(),
      triggeredAt: new Map(),
      // The engine's own events (delivery.failed, …) are published, and delivered, like any other.
      emit: deps.emit ?? createOperationalEmitter({ ...deps, clock: { now: deps.now }, engine: this.running }),
    };
  }

  lease(): Lease {
    return { owner: this.owner, now: this.deps.now(), leaseMs: this.leaseMs };
  }

  enqueue(delivery: Delivery, tenantId: string, trigger: AttemptTrigger, known?: () => Partial<AttemptContext>): Promise<void> {
    const attempt = this.backlog.submit(delivery, tenantId, () => this.attempt(delivery, trigger, known));
    this.deps.background?.(attempt);
    return attempt;
  }

  detach<T>(task: Promise<T>): Promise<T> {
    this.claims.add(task);
    this.deps.background?.(task);
    task.then(
      () => this.claims.delete(task),
      (error: unknown) => {
        this.claims.delete(task);
        this.deps.log({ level: 'error', msg: 'claim failed', error: (error as Error).message });
      },
    );
    return task;
  }

  /** A queued attempt, once it has its slot; then, for an ordered endpoint, the next in line. */
  private async attempt(delivery: Delivery, trigger: AttemptTrigger, known?: () => Partial<AttemptContext>): Promise<void> {
    const { deps } = this;
    try {
      // `next_attempt_at` of a leased delivery is its lease expiry.
      if (this.stopping || deps.now() + deps.config.attemptTimeoutMs > (delivery.next_attempt_at ?? 0)) return;
      const context = await loadContext(this.attemptDeps, delivery, known?.() ?? {});
      const outcome = await runAttempt(this.attemptDeps, delivery, trigger, context);
      this.sweep.noteOutcome(delivery.endpoint_id, outcome.succeeded);
      // An ordered endpoint's next delivery goes now, not at the next sweep (unless this one only waited).
      if (context.endpoint?.ordering === 'fifo' && outcome.error_class !== 'postponed') await this.sweep.followInLine(context.endpoint);
    } catch (error) {
      deps.log({ level: 'error', msg: 'attempt crashed', delivery_id: delivery.id, error: (error as Error).message });
    }
  }

  /** After each attempt: work left in the store for want of room is claimed once there is room again. */
  private catchUp({ endpointId, tenantId }: { endpointId: string; tenantId: string }): void {
    if (this.stopping) return;
    if (this.backlog.endpointRoomAgain(endpointId)) this.detach(this.sweep.claimFor(endpointId, tenantId));
    if (this.backlog.roundDue(tenantId)) this.detach(this.sweep.claimAll());
  }

  private async attemptNow(deliveryId: number, trigger: 'manual' | 'test'): Promise<AttemptOutcome | null> {
    const delivery = await claimForManualAttempt(this.deps.db, this.lease(), deliveryId);
    if (!delivery) return null;
    return runAttempt(this.attemptDeps, delivery, trigger);
  }

  private async settled(): Promise<void> {
    while (this.sweep.inProgress || this.claims.size > 0 || this.backlog.size > 0) await Promise.allSettled([this.sweep.inProgress, ...this.claims, this.backlog.idle()]);
  }

  private async shutdown(graceMs: number): Promise<void> {
    this.stopping = true;
    const dropped = this.backlog.drop();
    await Promise.race([this.backlog.idle(), new Promise((resolve) => setTimeout(resolve, graceMs))]);
    const unsent = this.backlog.unstarted();
    await releaseLeases(this.deps.db, this.owner, unsent, this.deps.now());
    this.deps.log({ msg: 'delivery engine stopped', released: unsent.length, dropped });
    await this.deps.transport.close?.();
  }
}
