import { type CompiledQuery, type Kysely, type SqlBool, sql } from 'kysely';
import { isoTimestamp } from '../dialect.ts';
import { prepared } from '../prepared.ts';
import type { Database, Endpoint } from '../schema.ts';

export interface HealthSettings {
  /** Consecutive failures that open the circuit. */
  circuitFailureThreshold: number;
  circuitCooldownMs: number;
  /** An endpoint failing every attempt this long is disabled. */
  disableAfterMs: number;
}

export interface HealthChange {
  /** The endpoint was disabled by this outcome. */
  disabled: boolean;
  /** The circuit went from closed to open with this outcome. */
  circuitOpened: boolean;
}

/** `last_triggered_at` is kept to this resolution while an endpoint is healthy. */
const LAST_TRIGGERED_RESOLUTION_MS = 1000;

/**
 * Whether the outcome UPDATE may be skipped: a success on an endpoint that was healthy when read
 * (no failing streak, circuit closed) would only move `last_triggered_at`, and that is skipped while
 * the stored value is under a second old. Spares most successful attempts one write of the row.
 */
export function outcomeChangesNothing(endpoint: Endpoint, succeeded: boolean, now: number): boolean {
  return (
    succeeded &&
    endpoint.consecutive_failures === 0 &&
    endpoint.failing_since === null &&
    endpoint.circuit_state === 'closed' &&
    endpoint.last_triggered_at !== null &&
    now - endpoint.last_triggered_at < LAST_TRIGGERED_RESOLUTION_MS
  );
}

/**
 * Records one attempt's outcome on its endpoint in a single UPDATE evaluated on the current row
 * (so concurrent attempts never lose a count): last attempt time (page 000's `last_triggered_at`),
 * the failing streak that disables an endpoint, and the circuit breaker. A success closes the
 * circuit; a run of failures, or a failed probe, opens it for the cool-down. Compiled, so an
 * attempt runs it in the same atomic unit as its attempt row (one commit instead of two); read its
 * rows with `healthChange`.
 */
export function endpointOutcomeQuery(db: Kysely<Database>, endpointId: string, succeeded: boolean, now: number, settings: HealthSettings): CompiledQuery<OutcomeRow> {
  return outcomeUpdate(db, {
    endpointId,
    ok: succeeded ? 1 : 0,
    now,
    freshSince: now - LAST_TRIGGERED_RESOLUTION_MS,
    threshold: settings.circuitFailureThreshold,
    retryAt: now + settings.circuitCooldownMs,
    disableAfterMs: settings.disableAfterMs,
  });
}

const outcomeUpdate = prepared((db, v: { endpointId: string; ok: 0 | 1; now: number; freshSince: number; threshold: number; retryAt: number; disableAfterMs: number }) => {
  const trips = sql`(${v.ok} = 0 AND (circuit_state = 'half_open' OR (circuit_state = 'closed' AND consecutive_failures + 1 >= ${v.threshold})))`;
  const opens = sql`(${v.ok} = 0 AND circuit_state = 'closed' AND consecutive_failures + 1 >= ${v.threshold})`;
  const disables = sql`(${v.ok} = 0 AND enabled = 1 AND ${v.now} - coalesce(failing_since, ${v.now}) >= ${v.disableAfterMs})`;
  return (
    db
      .updateTable('endpoints')
      .set({
        last_triggered_at: v.now,
        failing_since: sql`CASE WHEN ${v.ok} = 1 THEN NULL ELSE coalesce(failing_since, ${v.now}) END`,
        consecutive_failures: sql`CASE WHEN ${v.ok} = 1 THEN 0 ELSE consecutive_failures + 1 END`,
        circuit_state: sql`CASE WHEN ${v.ok} = 1 THEN 'closed' WHEN ${trips} THEN 'open' ELSE circuit_state END`,
        circuit_opened_at: sql`CASE WHEN ${v.ok} = 1 THEN NULL WHEN ${opens} THEN ${v.now} ELSE circuit_opened_at END`,
        circuit_retry_at: sql`CASE WHEN ${v.ok} = 1 THEN NULL WHEN ${trips} THEN ${v.retryAt} ELSE circuit_retry_at END`,
        enabled: sql`CASE WHEN ${disables} THEN 0 ELSE enabled END`,
        disabled_reason: sql`CASE WHEN ${disables} THEN 'Every delivery attempt failed since ' || ${isoTimestamp(db, sql`coalesce(failing_since, ${v.now})`)} ELSE disabled_reason END`,
        updated_at: sql`CASE WHEN ${disables} THEN ${v.now} ELSE updated_at END`,
      })
      .where('id', '=', v.endpointId)
      // A success on a row that is healthy now would only move last_triggered_at: the row is left
      // alone while that is under a second old. Checked on the current row, so attempts finishing
      // together on one endpoint do not queue on its row lock (Postgres) to write the same values.
      .where(
        sql<SqlBool>`NOT (${v.ok} = 1 AND consecutive_failures = 0 AND failing_since IS NULL AND circuit_state = 'closed' AND coalesce(last_triggered_at, 0) > ${v.freshSince})`,
      )
      .returning(['enabled', 'updated_at', 'circuit_state', 'circuit_opened_at', 'consecutive_failures'])
  );
});

/**
 * Disables an endpoint at once with `reason` (its receiver answered 410 Gone), in an attempt's
 * atomic unit; the UPDATE returns a row only if this statement disabled it.
 */
export function disableEndpointQuery(db: Kysely<Database>, endpointId: string, reason: string, now: number): CompiledQuery {
  return db.updateTable('endpoints').set({ enabled: 0, disabled_reason: reason, updated_at: now }).where('id', '=', endpointId).where('enabled', '=', 1).returning('id').compile();
}

type OutcomeRow = Pick<Endpoint, 'enabled' | 'updated_at' | 'circuit_state' | 'circuit_opened_at' | 'consecutive_failures'>;

/** What the outcome UPDATE changed, from its RETURNING row (none when the endpoint is gone). */
export function healthChange(rows: readonly unknown[], succeeded: boolean, now: number, threshold: number): HealthChange {
  const row = rows[0] as OutcomeRow | undefined;
  if (!row) return { disabled: false, circuitOpened: false };
  return {
    disabled: !succeeded && row.enabled === 0 && row.updated_at === now,
    // The failure that opened the circuit is the one that brought the streak to the threshold: another
    // worker's failure finishing in the same millisecond also reads circuit_opened_at === now, but a
    // longer streak (failures are counted one by one on the row), so the event is sent once.
    circuitOpened: row.circuit_state === 'open' && row.circuit_opened_at === now && row.consecutive_failures === threshold,
  };
}
