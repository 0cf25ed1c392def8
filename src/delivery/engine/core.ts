import type { Lease } from '../../db/repo/deliveries.ts';
import type { Delivery } from '../../db/schema.ts';
import type { AttemptContext, AttemptDeps, AttemptTrigger } from '../attempt.ts';
import type { Backlog } from './backlog.ts';

export type EngineDeps = Omit<AttemptDeps, 'owner' | 'authenticator' | 'checkTarget'> & {
  /** Given each detached task (attempts, claims), so a runtime can keep it alive (Workers: `ctx.waitUntil`). */
  background?: (task: Promise<unknown>) => void;
};

/** What the sweep and the fast path use of the engine they belong to. */
export interface EngineCore {
  readonly deps: EngineDeps;
  readonly owner: string;
  /** Set when shutdown begins: from then on nothing is claimed or started. */
  readonly stopping: boolean;
  readonly backlog: Backlog;
  /** A lease from now, for a claim. */
  lease(): Lease;
  /** How long a lease lasts. */
  readonly leaseMs: number;
  /** Queues one attempt; resolves once it has run (or been skipped). `known` is asked for when the attempt starts. */
  enqueue(delivery: Delivery, tenantId: string, trigger: AttemptTrigger, known?: () => Partial<AttemptContext>): Promise<void>;
  /** Runs a claim (or a release) detached: kept alive through `background`, waited for by `settled`, its failure logged. */
  detach<T>(task: Promise<T>): Promise<T>;
}
