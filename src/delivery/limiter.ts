/**
 * Bounded concurrency, overall and per endpoint. Jobs of a saturated endpoint wait in that
 * endpoint's own queue, so one slow receiver never holds up the others (no head-of-line blocking),
 * and a free overall slot goes to the waiting endpoint with the fewest jobs running (among equals,
 * the one that has waited longest since its last start): endpoints that answer slowly, and so hold
 * their slots longest, cannot keep the others from their share.
 */
export interface Job {
  endpointId: string;
  run(): Promise<void>;
}

interface EndpointState {
  running: number;
  queue: Job[];
  /** The `ready` bucket it is in (its `running`), or null when it has nothing waiting or no room. */
  bucket: number | null;
}

export class Limiter {
  private running = 0;
  private queued = 0;
  private readonly endpoints = new Map<string, EndpointState>();
  /** Endpoints with waiting jobs and room under their limit, by how many of their jobs run. */
  private readonly ready: Set<string>[];
  private idleWaiters: (() => void)[] = [];
  private readonly total: number;
  private readonly perEndpoint: number;

  constructor(total: number, perEndpoint: number) {
    this.total = total;
    this.perEndpoint = perEndpoint;
    this.ready = Array.from({ length: perEndpoint }, () => new Set<string>());
  }

  get size(): number {
    return this.running + this.queued;
  }

  get active(): number {
    return this.running;
  }

  submit(job: Job): void {
    let state = this.endpoints.get(job.endpointId);
    if (!state) {
      state = { running: 0, queue: [], bucket: null };
      this.endpoints.set(job.endpointId, state);
    }
    state.queue.push(job);
    this.queued++;
    this.place(job.endpointId, state);
    this.pump();
  }

  /** Drops every job not yet started and returns them. */
  drain(): Job[] {
    const dropped: Job[] = [];
    for (const [endpointId, state] of this.endpoints) {
      dropped.push(...state.queue.splice(0));
      this.place(endpointId, state);
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

  private pump(): void {
    while (this.running < this.total) {
      const endpointId = this.nextReady();
      if (endpointId === undefined) return;
      const state = this.endpoints.get(endpointId)!;
      const job = state.queue.shift()!;
      this.queued--;
      this.start(job, endpointId, state);
    }
  }

  private nextReady(): string | undefined {
    for (const bucket of this.ready) {
      for (const endpointId of bucket) return endpointId;
    }
    return undefined;
  }

  /** Files the endpoint under its current count of running jobs (at the back: it goes after its equals), or forgets it. */
  private place(endpointId: string, state: EndpointState): void {
    const bucket = state.queue.length > 0 && state.running < this.perEndpoint ? state.running : null;
    if (bucket !== state.bucket) {
      if (state.bucket !== null) this.ready[state.bucket]!.delete(endpointId);
      if (bucket !== null) this.ready[bucket]!.add(endpointId);
      state.bucket = bucket;
    }
    if (state.running === 0 && state.queue.length === 0) this.endpoints.delete(endpointId);
  }

  private start(job: Job, endpointId: string, state: EndpointState): void {
    this.running++;
    state.running++;
    this.place(endpointId, state);
    job
      .run()
      .catch(() => {})
      .finally(() => {
        this.running--;
        state.running--;
        this.place(endpointId, state);
        this.pump();
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
