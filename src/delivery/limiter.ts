/**
 * Bounded concurrency, overall and per endpoint. Jobs of a saturated endpoint wait in that
 * endpoint's own queue, so one slow receiver never holds up the others (no head-of-line blocking).
 */
export interface Job {
  endpointId: string;
  run(): Promise<void>;
}

export class Limiter {
  private running = 0;
  private readonly inFlight = new Map<string, number>();
  private readonly queues = new Map<string, Job[]>();
  private queued = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly total: number;
  private readonly perEndpoint: number;

  constructor(total: number, perEndpoint: number) {
    this.total = total;
    this.perEndpoint = perEndpoint;
  }

  get size(): number {
    return this.running + this.queued;
  }

  get active(): number {
    return this.running;
  }

  submit(job: Job): void {
    const queue = this.queues.get(job.endpointId);
    if (queue) queue.push(job);
    else this.queues.set(job.endpointId, [job]);
    this.queued++;
    this.pump();
  }

  /** Drops every job not yet started and returns them. */
  drain(): Job[] {
    const dropped = [...this.queues.values()].flat();
    this.queues.clear();
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
    for (const [endpointId, queue] of this.queues) {
      if (this.running >= this.total) return;
      let busy = this.inFlight.get(endpointId) ?? 0;
      while (queue.length && busy < this.perEndpoint && this.running < this.total) {
        const job = queue.shift()!;
        this.queued--;
        busy++;
        this.start(job);
      }
      if (queue.length === 0) this.queues.delete(endpointId);
    }
  }

  private start(job: Job): void {
    this.running++;
    this.inFlight.set(job.endpointId, (this.inFlight.get(job.endpointId) ?? 0) + 1);
    job
      .run()
      .catch(() => {})
      .finally(() => {
        this.running--;
        const left = (this.inFlight.get(job.endpointId) ?? 1) - 1;
        if (left === 0) this.inFlight.delete(job.endpointId);
        else this.inFlight.set(job.endpointId, left);
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
