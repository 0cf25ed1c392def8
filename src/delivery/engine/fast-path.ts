import { claimIds, releaseLeases } from '../../db/repo/deliveries.ts';
import type { FastPathLease, FreshDelivery } from '../engine.ts';
import type { EngineCore } from './core.ts';

/**
 * The immediate attempt of deliveries just written, right after the 202. With room in the backlog
 * they were written leased to this engine and are queued at once; those of ordered endpoints are
 * written unleased and claimed in order, by one UPDATE for every request answered in the same turn
 * of the event loop. Whatever an endpoint or tenant has no room for is given back, due now; without
 * room at all, they wait in the store for a claim round once the backlog is down to its refill point. While work
 * left in the store that way waits for room, new deliveries of the same endpoint or tenant (of any,
 * when the whole backlog was full) do not jump ahead of it: they are written unleased and wait behind
 * it, and the claims take them in order. (Jumping ahead, they kept a busy endpoint at its bound, and
 * the work left behind waited until new work stopped coming: test/fast-path.test.ts.)
 */
export class FastPath {
  private readonly core: EngineCore;
  private readonly claimAll: () => Promise<number>;
  /** Unleased deliveries handed over in this turn of the event loop, not claimed yet. */
  private readonly unclaimed = new Map<number, FreshDelivery>();
  /** Whether their claim is due in this turn. */
  private claimDue = false;

  constructor(core: EngineCore, claimAll: () => Promise<number>) {
    this.core = core;
    this.claimAll = claimAll;
  }

  /** A lease for `count` deliveries about to be written, if the backlog has room for them. */
  lease(count: number): FastPathLease | null {
    const { core } = this;
    if (core.stopping || core.backlog.room < this.unclaimed.size + count) return null;
    return { owner: core.owner, until: core.deps.now() + core.leaseMs, covers: (endpoint) => !core.backlog.holdsBack(endpoint.id, endpoint.tenant_id) };
  }

  dispatch(fresh: readonly FreshDelivery[]): void {
    const { core } = this;
    const { db, now } = core.deps;
    // Written with our lease: attempt them now (or give them back if we are stopping).
    const leased = fresh.filter(({ delivery }) => delivery.lease_owner === core.owner);
    if (core.stopping) {
      if (leased.length)
        releaseLeases(
          db,
          core.owner,
          leased.map(({ delivery }) => delivery.id),
          now(),
        ).catch(() => {});
      return;
    }
    this.take(leased);
    // Older due work of their endpoint or tenant waits in the store: these wait behind it, claimed in order once there is room.
    const unleased = fresh.filter(({ delivery, endpoint }) => delivery.lease_owner === null && !core.backlog.holdsBack(endpoint.id, endpoint.tenant_id));
    if (unleased.length === 0) return;
    if (core.backlog.room < this.unclaimed.size + unleased.length) {
      core.backlog.leaveBehind(); // claimed as soon as there is room: now, or when enough attempts have finished
      if (core.backlog.refillable) core.detach(this.claimAll());
      return;
    }
    for (const item of unleased) this.unclaimed.set(item.delivery.id, item);
    // The unleased deliveries of every request answered in this turn are claimed together, by one UPDATE.
    if (this.claimDue) return;
    this.claimDue = true;
    core.detach(Promise.resolve().then(() => this.claimUnclaimed()));
  }

  private async claimUnclaimed(): Promise<void> {
    const batch = new Map(this.unclaimed);
    this.unclaimed.clear();
    this.claimDue = false;
    const claimed = await claimIds(this.core.deps.db, this.core.lease(), [...batch.keys()]);
    this.take(claimed.map((delivery) => ({ ...batch.get(delivery.id)!, delivery })));
  }

  /** Queues fresh deliveries leased to this engine (written so, or claimed), up to what their endpoints and tenants may take on; gives back the rest. */
  private take(leased: readonly FreshDelivery[]): void {
    const { core } = this;
    const givenBack: number[] = [];
    core.backlog.together(() => {
      for (const { delivery, endpoint, event } of leased) {
        if (core.backlog.roomFor(delivery.endpoint_id, endpoint.tenant_id) > 0) core.enqueue(delivery, endpoint.tenant_id, 'fast_path', () => ({ endpoint, event }));
        else givenBack.push(delivery.id);
      }
    });
    if (givenBack.length === 0) return;
    core.backlog.noteFull();
    if (core.backlog.room === 0) core.backlog.leaveBehind();
    core.detach(releaseLeases(core.deps.db, core.owner, givenBack, core.deps.now()));
  }
}
