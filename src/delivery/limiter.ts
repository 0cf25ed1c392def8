/**
 * The process's attempt slots, shared fairly between tenants and, within a tenant, its endpoints.
 *
 * - A free slot goes to the tenant with the fewest jobs running that has one that may start, and
 *   within it to its endpoint with the fewest running (among equals, the one whose last start is
 *   oldest). Jobs of an endpoint that may not start wait in that endpoint's own queue, so they hold
 *   up nobody else.
 * - An endpoint runs at most `perEndpoint` jobs.
 * - Fair share with room for one more: while a tenant runs fewer than `total / (n + 1)` jobs (n:
 *   the tenants with jobs running or waiting), it may take any free slot; beyond that, only while
 *   `reserve` slots stay free after it. Endpoints likewise, with the endpoints with work. Slots
 *   are work-conserving up to `total - reserve`, and the last `reserve` go only to a tenant and
 *   endpoint within their share: attempts cannot be taken back, so a tenant whose attempts all
 *   hang (until the attempt timeout) still leaves free slots to whoever comes next.
 *
 * It also bounds the work a process takes on (its backlog: jobs running or waiting): `maxBacklog`
 * in all, `2 × perEndpoint` per endpoint, and per tenant its share with room for one more,
 * `maxBacklog / (n + 1)`. The engine claims no more for an endpoint or tenant at its bound.
 */
/**
 * The share of its backlog bound an endpoint or tenant that left due work in the store is down to
 * when the engine claims for it again. Early enough that its slots do not run dry while the claim
 * is out: at half, a lone tenant (bound 128, 56 slots) had 8 attempts waiting, gone before a
 * Postgres claim (25–40 ms) came back, and its slots stood idle (docs/scaling.md).
 */
export const REFILL_AT = 0.75;

export interface Job {
  endpointId: string;
  tenantId: string;
  run(): Promise<void>;
}

export interface LimiterSettings {
  total: number;
  perEndpoint: number;
  /** Called after each job has finished and its slot is free again. */
  afterJob?: (job: Job) => void;
}

/** Ids filed by a count (jobs running), lowest first; within a count, in the order they were filed. */
class Ranks {
  private readonly byCount: (Set<string> | undefined)[] = [];

  move(id: string, from: number | null, to: number | null): void {
    if (from === to) return;
    if (from !== null) this.byCount[from]!.delete(id);
    if (to === null) return;
    const ids = this.byCount[to] ?? new Set<string>();
    this.byCount[to] = ids;
    ids.add(id);
  }

  first(): string | undefined {
    for (const ids of this.byCount) if (ids) for (const id of ids) return id;
    return undefined;
  }

  *inOrder(): Generator<string> {
    for (const ids of this.byCount) if (ids) yield* ids;
  }
}

interface TenantState {
  running: number;
  waiting: number;
  /** Its endpoints with a job waiting and room under `perEndpoint`, by jobs running. */
  ready: Ranks;
  readyCount: number;
  /** Its place in `readyTenants` (its `running`), or null while none of its endpoints is ready. */
  rank: number | null;
}

interface EndpointState {
  tenantId: string;
  tenant: TenantState;
  running: number;
  queue: Job[];
  /** Its place in its tenant's `ready` (its `running`), or null. */
  rank: number | null;
}

export class Limiter {
  readonly total: number;
  readonly perEndpoint: number;
  /** Slots kept free for tenants and endpoints within their share. */
  readonly reserve: number;
  readonly maxBacklog: number;
  private running = 0;
  private queued = 0;
  /** Inside `together`: submitted jobs wait for the batch. */
  private gathering = 0;
  private readonly endpoints = new Map<string, EndpointState>();
  private readonly tenants = new Map<string, TenantState>();
  /** Tenants with a ready endpoint, by jobs running. */
  private readonly readyTenants = new Ranks();
  private idleWaiters: (() => void)[] = [];
  private readonly afterJob?: (job: Job) => void;

  constructor(settings: LimiterSettings) {
    this.total = settings.total;
    this.perEndpoint = settings.perEndpoint;
    this.reserve = Math.ceil(settings.total / 8);
    this.maxBacklog = settings.total * 4;
    this.afterJob = settings.afterJob;
  }

  /** Jobs running or waiting. */
  get size(): number {
    return this.running + this.queued;
  }

  get active(): number {
    return this.running;
  }

  /** How many more jobs the process may take on in all. */
  get room(): number {
    return Math.max(0, this.maxBacklog - this.size);
  }

  /** How many more jobs the process may take on for this endpoint and tenant (0 once either is at its backlog bound). */
  roomFor(endpointId: string, tenantId: string): number {
    const endpoint = this.endpoints.get(endpointId);
    const tenant = this.tenants.get(tenantId);
    const forEndpoint = this.endpointBound() - (endpoint ? endpointBacklog(endpoint) : 0);
    const forTenant = this.tenantBound(tenant ? 0 : 1) - (tenant ? tenantBacklog(tenant) : 0);
    return Math.max(0, Math.min(forEndpoint, forTenant, this.room));
  }

  /** The endpoints and tenants at their backlog bound: a sweep claims nothing for them. */
  full(): { endpoints: string[]; tenants: string[] } {
    const endpoints: string[] = [];
    const tenants: string[] = [];
    for (const [id, endpoint] of this.endpoints) if (endpointBacklog(endpoint) >= this.endpointBound()) endpoints.push(id);
    for (const [id, tenant] of this.tenants) if (tenantBacklog(tenant) >= this.tenantBound()) tenants.push(id);
    return { endpoints, tenants };
  }

  /** Whether the endpoint is down to its refill point (REFILL_AT of its backlog bound): worth claiming for again. */
  endpointRefillable(endpointId: string): boolean {
    const endpoint = this.endpoints.get(endpointId);
    return !endpoint || endpointBacklog(endpoint) <= REFILL_AT * this.endpointBound();
  }

  /** Whether the tenant is down to its refill point. */
  tenantRefillable(tenantId: string): boolean {
    const tenant = this.tenants.get(tenantId);
    return !tenant || tenantBacklog(tenant) <= REFILL_AT * this.tenantBound();
  }

  submit(job: Job): void {
    let endpoint = this.endpoints.get(job.endpointId);
    if (!endpoint) {
      let tenant = this.tenants.get(job.tenantId);
      if (!tenant) {
        tenant = { running: 0, waiting: 0, ready: new Ranks(), readyCount: 0, rank: null };
        this.tenants.set(job.tenantId, tenant);
      }
      endpoint = { tenantId: job.tenantId, tenant, running: 0, queue: [], rank: null };
      this.endpoints.set(job.endpointId, endpoint);
    }
    endpoint.queue.push(job);
    endpoint.tenant.waiting++;
    this.queued++;
    this.place(job.endpointId, endpoint);
    if (this.gathering === 0) this.pump();
  }

  /** Submits jobs together: none starts before all of them wait, so the batch is shared out fairly (not first come, first served). */
  together(submitAll: () => void): void {
    this.gathering++;
    try {
      submitAll();
    } finally {
      this.gathering--;
    }
    if (this.gathering === 0) this.pump();
  }

  /** Drops every job not yet started and returns them. */
  drain(): Job[] {
    const dropped: Job[] = [];
    for (const [endpointId, endpoint] of this.endpoints) {
      endpoint.tenant.waiting -= endpoint.queue.length;
      dropped.push(...endpoint.queue.splice(0));
      this.place(endpointId, endpoint);
    }
    this.queued = 0;
    this.notifyIfIdle();
    return dropped;
  }

  /** Resolves when nothing runs or waits. */
  idle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private endpointBound(): number {
    return 2 * this.perEndpoint;
  }

  /** A tenant's share of the backlog with room for one more (`arriving`: one not counted yet). */
  private tenantBound(arriving = 0): number {
    return Math.max(1, Math.floor(this.maxBacklog / (this.tenants.size + arriving + 1)));
  }

  /** A fair share of the slots among `count` with work, with room for one more. */
  private share(count: number): number {
    return Math.max(1, Math.floor(this.total / (count + 1)));
  }

  private pump(): void {
    while (this.running < this.total) {
      const endpointId = this.next();
      if (endpointId === undefined) return;
      const endpoint = this.endpoints.get(endpointId)!;
      this.start(endpoint.queue.shift()!, endpointId, endpoint);
    }
  }

  /** The endpoint whose job takes the next slot, if any may. */
  private next(): string | undefined {
    // With the reserve still free after this start, anyone may take it: the fewest running first.
    if (this.total - this.running - 1 >= this.reserve) {
      const tenantId = this.readyTenants.first();
      return tenantId === undefined ? undefined : this.tenants.get(tenantId)!.ready.first();
    }
    const tenantShare = this.share(this.tenants.size);
    const endpointShare = this.share(this.endpoints.size);
    for (const tenantId of this.readyTenants.inOrder()) {
      const tenant = this.tenants.get(tenantId)!;
      // Tenants come by jobs running: once one is at its share, so is every later one.
      if (tenant.running >= tenantShare) return undefined;
      // Its endpoint with the fewest running: if that one is at its share, so are the tenant's others.
      const endpointId = tenant.ready.first()!;
      if (this.endpoints.get(endpointId)!.running < endpointShare) return endpointId;
    }
    return undefined;
  }

  /** Files the endpoint (and its tenant) by jobs running, at the back among equals; forgets them when idle. */
  private place(endpointId: string, endpoint: EndpointState): void {
    const { tenant } = endpoint;
    const rank = endpoint.queue.length > 0 && endpoint.running < this.perEndpoint ? endpoint.running : null;
    if (rank !== endpoint.rank) {
      tenant.ready.move(endpointId, endpoint.rank, rank);
      tenant.readyCount += (rank === null ? 0 : 1) - (endpoint.rank === null ? 0 : 1);
      endpoint.rank = rank;
    }
    const tenantRank = tenant.readyCount > 0 ? tenant.running : null;
    if (tenantRank !== tenant.rank) {
      this.readyTenants.move(endpoint.tenantId, tenant.rank, tenantRank);
      tenant.rank = tenantRank;
    }
    if (endpoint.running === 0 && endpoint.queue.length === 0) this.endpoints.delete(endpointId);
    if (tenant.running === 0 && tenant.waiting === 0) this.tenants.delete(endpoint.tenantId);
  }

  private start(job: Job, endpointId: string, endpoint: EndpointState): void {
    this.queued--;
    this.running++;
    endpoint.tenant.waiting--;
    endpoint.tenant.running++;
    endpoint.running++;
    this.place(endpointId, endpoint);
    job
      .run()
      .catch(() => {})
      .finally(() => {
        this.running--;
        endpoint.tenant.running--;
        endpoint.running--;
        this.place(endpointId, endpoint);
        this.pump();
        this.afterJob?.(job);
        this.notifyIfIdle();
      });
  }

  private notifyIfIdle(): void {
    if (this.size !== 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

const endpointBacklog = (endpoint: EndpointState) => endpoint.running + endpoint.queue.length;
const tenantBacklog = (tenant: TenantState) => tenant.running + tenant.waiting;
