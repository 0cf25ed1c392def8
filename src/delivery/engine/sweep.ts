import { claimDue, claimDueByEndpoint, claimDueOf, claimNextInLine, releaseLeases } from '../../db/repo/deliveries.ts';
import { getEndpoints } from '../../db/repo/endpoints.ts';
import { getEvents } from '../../db/repo/events.ts';
import type { Delivery, Endpoint, EventRow } from '../../db/schema.ts';
import { advanceRecoveries } from '../../domain/recovery.ts';
import { pruneHistory } from '../retention.ts';
import type { EngineCore } from './core.ts';

export interface SweepReport {
  claimed: number;
  pruned: number;
  durationMs: number;
}

const PRUNE_EVERY_MS = 3600_000;

/** The most deliveries one claim statement takes. */
const MAX_CLAIM = 500;

/**
 * How many of the longest-due deliveries a claim looks at: a few times what it may take, so that
 * endpoints and tenants at their bound (skipped) or an ordered endpoint's queue (only its head is
 * claimable) cost a bounded scan, not their whole backlog (10–360 ms a claim with a backlog of
 * tens of thousands, each time an attempt finished: the largest cost of a delivery in the profile,
 * docs/performance.md). Due work lying behind more skipped rows than that is claimed endpoint by
 * endpoint (`claimDueByEndpoint`, which never walks a skipped endpoint's rows) when the window comes
 * short, at most every CLAIM_BY_ENDPOINT_EVERY_MS (its cost grows with the number of endpoints).
 */
const claimWindow = (limit: number) => 4 * limit + 64;
const CLAIM_BY_ENDPOINT_EVERY_MS = 250;

/**
 * How long the endpoint rows a sweep read with its batch serve that batch's attempts. Past this,
 * or once an attempt to the endpoint has failed since the read, an attempt reads its endpoint
 * again (its circuit state, its URL and whether it is still enabled).
 */
const BATCH_ENDPOINT_TTL_MS = 1000;

/**
 * Claiming due work: the sweep (the cron job: recovery jobs, a claim run, hourly pruning), the
 * claims that take up work left behind once there is room again, and the next delivery of an
 * ordered endpoint once its previous attempt is done. Every claim takes at most what the backlog
 * has room for, and queues what it claimed in the engine.
 */
export class Sweep {
  private readonly core: EngineCore;
  /** The sweep in progress: runs never overlap. */
  private running: Promise<SweepReport> | null = null;
  private lastPrune = 0;
  /** When a claim round last claimed endpoint by endpoint (CLAIM_BY_ENDPOINT_EVERY_MS). */
  private lastClaimByEndpoint = Number.NEGATIVE_INFINITY;
  /** The claim run in progress, and whether a call during it asked for one more round. */
  private claiming: Promise<number> | null = null;
  private claimAgain = false;
  /** When an attempt to each endpoint last failed (entries older than BATCH_ENDPOINT_TTL_MS are dropped). */
  private readonly lastFailure = new Map<string, number>();

  constructor(core: EngineCore) {
    this.core = core;
  }

  /** The sweep in progress, if any. */
  get inProgress(): Promise<SweepReport> | null {
    return this.running;
  }

  /** Runs one sweep, or joins the one in progress. Resolves once its work is claimed, never waiting for attempts. */
  run(): Promise<SweepReport> {
    this.running ??= this.once().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async once(): Promise<SweepReport> {
    const { db, now, config, metrics } = this.core.deps;
    const started = now();
    await advanceRecoveries(db, started);
    const claimed = await this.claimAll();
    let pruned = 0;
    if (!this.core.stopping && started - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = started;
      pruned = await pruneHistory(db, started - config.retentionDays * 86_400_000);
    }
    const report = { claimed, pruned, durationMs: now() - started };
    metrics?.sweepFinished(report);
    return report;
  }

  /**
   * Claims due work until none is left that the process may take on. Each claim takes at most half
   * the free backlog and `HOOKGATE_ENDPOINT_CONCURRENCY` per endpoint, and skips the endpoints and
   * tenants at their bound, so one busy or hanging endpoint's due work never crowds out the
   * others'. A call during a run joins it, and the run goes round once more.
   */
  claimAll(): Promise<number> {
    if (this.claiming) {
      this.claimAgain = true;
      return this.claiming;
    }
    this.claiming = (async () => {
      let claimed = 0;
      try {
        do {
          this.claimAgain = false;
          claimed += await this.claimRound();
        } while (this.claimAgain && !this.core.stopping);
      } finally {
        // In the same step as the last look at `claimAgain`: a call after it starts a new run. (Cleared a
        // microtask later, in a `.finally` of the run's promise, a call in between was lost: an attempt
        // finishing then found the run still there, asked it for one more round after it had ended, and
        // the process waited for the next sweep.)
        this.claiming = null;
      }
      return claimed;
    })();
    return this.claiming;
  }

  private async claimRound(): Promise<number> {
    const { core } = this;
    const { backlog } = core;
    const perEndpoint = core.deps.config.endpointConcurrency;
    backlog.startRound();
    let claimed = 0;
    let byEndpoint = false;
    while (!core.stopping) {
      const room = backlog.room;
      if (room === 0) {
        backlog.leaveBehind();
        break;
      }
      const limit = Math.min(MAX_CLAIM, Math.ceil(room / 2));
      const full = backlog.full();
      const shares = { perEndpoint, skipEndpoints: full.endpoints, skipTenants: full.tenants };
      const batch = byEndpoint
        ? await claimDueByEndpoint(core.deps.db, core.lease(), limit, shares, claimWindow(limit))
        : await claimDue(core.deps.db, core.lease(), limit, shares, claimWindow(limit));
      claimed += batch.length;
      backlog.noteSkipped(full);
      await this.take(batch);
      // Fewer than asked for, and no endpoint cut short: nothing else is due, or the rest lies
      // beyond the window, behind rows of skipped endpoints and tenants: looked for endpoint by endpoint.
      if (batch.length < limit && !reachesShare(batch, perEndpoint)) {
        // What it skipped at its bound may have drained while the claim was out; if every attempt
        // finished meanwhile, none is left to ask for the next round: claim again now.
        if (backlog.drainedSince(full)) continue;
        const now = core.deps.now();
        if (byEndpoint || now - this.lastClaimByEndpoint < CLAIM_BY_ENDPOINT_EVERY_MS) break;
        byEndpoint = true;
        this.lastClaimByEndpoint = now;
      }
    }
    backlog.noteFull();
    return claimed;
  }

  /** Claims the due work of one endpoint, through its own index (no scan past other endpoints' due work). */
  async claimFor(endpointId: string, tenantId: string): Promise<void> {
    const { core } = this;
    const room = Math.min(core.backlog.roomFor(endpointId, tenantId), MAX_CLAIM);
    if (room === 0 || core.stopping) return;
    const batch = await claimDueOf(core.deps.db, core.lease(), endpointId, room);
    await this.take(batch);
    if (batch.length === room) core.backlog.leaveBehindFor(endpointId);
  }

  /** Claims and queues the next delivery of an ordered endpoint, if it is due (its head may be waiting for a retry). */
  async followInLine(endpoint: Endpoint): Promise<void> {
    const { core } = this;
    if (core.stopping) return;
    const next = await claimNextInLine(core.deps.db, core.lease(), endpoint.id);
    if (!next) return;
    // Stopped meanwhile: give it back at once rather than at the end of its lease.
    if (core.stopping) await releaseLeases(core.deps.db, core.owner, [next.id], core.deps.now());
    else core.enqueue(next, endpoint.tenant_id, 'sweep');
  }

  /** Notes an attempt's outcome: after a failure, the endpoint's row read with a batch no longer serves. */
  noteOutcome(endpointId: string, succeeded: boolean): void {
    if (succeeded) return;
    const now = this.core.deps.now();
    if (this.lastFailure.size >= 10_000) for (const [id, at] of this.lastFailure) if (now - at > BATCH_ENDPOINT_TTL_MS) this.lastFailure.delete(id);
    this.lastFailure.set(endpointId, now);
  }

  /** Queues a claimed batch, its events and endpoints read together (see BATCH_ENDPOINT_TTL_MS for how long the endpoints serve). */
  private async take(batch: readonly Delivery[]): Promise<void> {
    if (batch.length === 0) return;
    const { core } = this;
    const { db, now } = core.deps;
    // `readAt` is taken first: a failure noted from then on may be missing from the rows read.
    const readAt = now();
    const [events, endpoints] = await Promise.all([
      getEvents(
        db,
        batch.map((delivery) => delivery.event_id),
      ).catch(() => new Map<string, EventRow>()),
      getEndpoints(
        db,
        batch.map((delivery) => delivery.endpoint_id),
      ).catch(() => new Map<string, Endpoint>()),
    ]);
    const rowServes = (endpointId: string) => now() - readAt < BATCH_ENDPOINT_TTL_MS && (this.lastFailure.get(endpointId) ?? -1) < readAt;
    core.backlog.together(() => {
      for (const delivery of batch) {
        const endpoint = endpoints.get(delivery.endpoint_id);
        // Without its endpoint's row (deleted, or the read failed), the endpoint stands for its own tenant.
        core.enqueue(delivery, endpoint?.tenant_id ?? delivery.endpoint_id, 'sweep', () => ({
          event: events.get(delivery.event_id),
          endpoint: rowServes(delivery.endpoint_id) ? endpoint : undefined,
        }));
      }
    });
  }
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
