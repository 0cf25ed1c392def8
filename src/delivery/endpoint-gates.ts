import type { Kysely } from 'kysely';
import { reserveRateSlot, takeCircuitProbe, takeSendTurn } from '../db/repo/endpoint-gates.ts';
import type { Database, Delivery, Endpoint } from '../db/schema.ts';

/**
 * What an endpoint's policies say about an automatic attempt, before it is made:
 * - the circuit breaker: while open, deliveries wait for the cool-down; then exactly one probe goes;
 * - the rate limit (deliveries per second): each delivery reserves one slot of the endpoint's
 *   schedule (GCRA, stored on the endpoint row so every process and Workers invocation shares it);
 *   a delivery whose slot is in the future waits for it. Just before the request goes, the send
 *   takes its turn (`awaitSendTurn`), so sends released together still go one interval apart.
 *   Waiting is never a failure.
 * Every transition is one conditional UPDATE, so concurrent sweepers agree.
 */
export type GateDecision = { proceed: true; probe: boolean } | { proceed: false; until: number; rateSlot: number | null; reason: string };

export interface GateSettings {
  now: number;
  /** How long a probe may take before another may be sent (attempt timeout + margin). */
  probeLeaseMs: number;
  /** How long deliveries wait while another attempt probes the endpoint. */
  probeWaitMs: number;
}

export async function passGates(db: Kysely<Database>, endpoint: Endpoint, delivery: Delivery, settings: GateSettings): Promise<GateDecision> {
  const { now } = settings;
  let probe = false;
  if (endpoint.circuit_state !== 'closed') {
    if ((endpoint.circuit_retry_at ?? 0) > now) {
      const probing = endpoint.circuit_state === 'half_open';
      return {
        proceed: false,
        until: probing ? now + settings.probeWaitMs : endpoint.circuit_retry_at!,
        rateSlot: null,
        reason: probing ? 'circuit probe in flight' : 'circuit open',
      };
    }
    if (!(await takeCircuitProbe(db, endpoint.id, now, settings.probeLeaseMs)))
      return { proceed: false, until: now + settings.probeWaitMs, rateSlot: null, reason: 'circuit probe in flight' };
    probe = true;
  }
  if (endpoint.rate_limit !== null && endpoint.rate_limit > 0) {
    const slot = delivery.rate_slot_at ?? (await reserveRateSlot(db, endpoint.id, endpoint.rate_limit, now));
    if (slot > now) return { proceed: false, until: slot, rateSlot: slot, reason: 'rate limited' };
  }
  return { proceed: true, probe };
}

/**
 * The rate limit's second check, made after any slot wait, just before the request goes: the endpoint's
 * send turn (a GCRA on send times, shared through the endpoint row). A process that was starved of CPU
 * wakes with several slot waits due at once; each then takes its turn one interval after the previous
 * send instead of going together. Waits in-process up to `maxWaitMs`; null when the turn is taken,
 * otherwise the time to come back.
 */
export async function awaitSendTurn(db: Kysely<Database>, endpoint: Endpoint, clock: () => number, maxWaitMs: number): Promise<number | null> {
  if (endpoint.rate_limit === null || endpoint.rate_limit <= 0) return null;
  // Timer jitter allowance: a quarter interval, at most 50 ms. In any one second it admits no send more than the limit does.
  const toleranceMs = Math.min(250 / endpoint.rate_limit, 50);
  const giveUpAt = clock() + maxWaitMs;
  for (;;) {
    const retryAt = await takeSendTurn(db, endpoint.id, endpoint.rate_limit, clock(), toleranceMs);
    if (retryAt === null) return null;
    if (retryAt > giveUpAt) return retryAt;
    await new Promise((resolve) => setTimeout(resolve, Math.max(1, retryAt - clock())));
  }
}
