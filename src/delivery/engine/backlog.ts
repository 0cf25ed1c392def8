import type { Delivery } from '../../db/schema.ts';
import { Limiter, type LimiterSettings, REFILL_AT } from '../limiter.ts';

/**
 * The attempts one process has taken on (running, or waiting for a slot: the Limiter shares out
 * the slots and bounds the backlog), and the due work it left in the store for want of room:
 * because the backlog was full (`behind`), or an endpoint or tenant was at its bound. That work is
 * claimed as soon as there is room again: once the backlog, or that endpoint or tenant, is down to
 * its refill point (REFILL_AT of its bound: `endpointRoomAgain`, `roundDue`).
 */
export class Backlog {
  private readonly limiter: Limiter;
  /** Deliveries queued and not started: released at shutdown. */
  private readonly waiting = new Set<number>();
  private behind = false;
  private readonly leftBehind = { endpoints: new Set<string>(), tenants: new Set<string>() };

  constructor(settings: LimiterSettings) {
    this.limiter = new Limiter(settings);
  }

  /** Attempts running or waiting. */
  get size(): number {
    return this.limiter.size;
  }

  /** How many more attempts the process may take on in all. */
  get room(): number {
    return this.limiter.room;
  }

  /** Whether the backlog is down to its refill point (REFILL_AT of its bound). */
  get refillable(): boolean {
    return this.limiter.size <= REFILL_AT * this.limiter.maxBacklog;
  }

  roomFor(endpointId: string, tenantId: string): number {
    return this.limiter.roomFor(endpointId, tenantId);
  }

  /** The endpoints and tenants at their backlog bound. */
  full(): { endpoints: string[]; tenants: string[] } {
    return this.limiter.full();
  }

  /** Queues what `submitAll` submits as one batch (shared out fairly, not first come, first served). */
  together(submitAll: () => void): void {
    this.limiter.together(submitAll);
  }

  /** Queues `run` for the delivery's endpoint and tenant; resolves once it has run. */
  submit(delivery: Delivery, tenantId: string, run: () => Promise<void>): Promise<void> {
    return new Promise<void>((done) => {
      this.waiting.add(delivery.id);
      this.limiter.submit({
        endpointId: delivery.endpoint_id,
        tenantId,
        run: async () => {
          this.waiting.delete(delivery.id);
          try {
            await run();
          } finally {
            done();
          }
        },
      });
    });
  }

  /** Resolves when nothing runs or waits. */
  idle(): Promise<void> {
    return this.limiter.idle();
  }

  /** Drops every attempt not started (they stay `unstarted`); returns how many. */
  drop(): number {
    return this.limiter.drain().length;
  }

  /** The deliveries queued and never started. */
  unstarted(): number[] {
    return [...this.waiting];
  }

  /** A claim round starts: it looks at all due work, whatever was left behind. */
  startRound(): void {
    this.behind = false;
    this.leftBehind.endpoints.clear();
    this.leftBehind.tenants.clear();
  }

  /** Due work stays in the store because the backlog is full. */
  leaveBehind(): void {
    this.behind = true;
  }

  /** Whether due work of this endpoint or tenant (or of anyone, after the backlog was full) was left in the store and not claimed since. */
  holdsBack(endpointId: string, tenantId: string): boolean {
    return this.behind || this.leftBehind.endpoints.has(endpointId) || this.leftBehind.tenants.has(tenantId);
  }

  /** Due work of this endpoint may stay in the store (its claim took all it had room for). */
  leaveBehindFor(endpointId: string): void {
    this.leftBehind.endpoints.add(endpointId);
  }

  /** The endpoints and tenants at their bound now leave their due work in the store. */
  noteFull(): void {
    this.noteSkipped(this.limiter.full());
  }

  /**
   * A claim skipped these endpoints and tenants (they were at their bound): their due work stays in
   * the store, to be claimed once they are down to their refill point, even if attempts that finished
   * while the claim was out have taken them below it already.
   */
  noteSkipped(skipped: { endpoints: readonly string[]; tenants: readonly string[] }): void {
    for (const id of skipped.endpoints) this.leftBehind.endpoints.add(id);
    for (const id of skipped.tenants) this.leftBehind.tenants.add(id);
  }

  /** Whether any of these endpoints and tenants (skipped by a claim at their bound) is down to its refill point now. */
  drainedSince(skipped: { endpoints: readonly string[]; tenants: readonly string[] }): boolean {
    return skipped.tenants.some((id) => this.limiter.tenantRefillable(id)) || skipped.endpoints.some((id) => this.limiter.endpointRefillable(id));
  }

  /** After an attempt to the endpoint: whether it left due work behind and is down to its refill point (it then no longer counts as left behind). */
  endpointRoomAgain(endpointId: string): boolean {
    if (!this.leftBehind.endpoints.has(endpointId) || !this.limiter.endpointRefillable(endpointId)) return false;
    this.leftBehind.endpoints.delete(endpointId);
    return true;
  }

  /** After an attempt for the tenant: whether a claim round is due (the backlog was full and is down to its refill point, or the tenant left work behind and is down to its own). */
  roundDue(tenantId: string): boolean {
    return (this.behind && this.refillable) || (this.leftBehind.tenants.has(tenantId) && this.limiter.tenantRefillable(tenantId));
  }
}
