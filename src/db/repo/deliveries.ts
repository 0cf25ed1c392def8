import { type CompiledQuery, type ExpressionBuilder, type Insertable, type Kysely, type SelectQueryBuilder, type SqlBool, sql } from 'kysely';
import { inJsonList, isPostgres, skipLocked, WAKE_CHANNEL } from '../dialect.ts';
import { chunked, MAX_BOUND_PARAMETERS } from '../limits.ts';
import { prepared } from '../prepared.ts';
import type { AttemptTable, Database, Delivery, DeliveryStatus, DeliveryTable } from '../schema.ts';

/**
 * Claiming work. A claimed delivery stays `pending`, gets an owner, and its `next_attempt_at`
 * moves to the lease expiry: if the owner dies, the delivery simply falls due again. One
 * `UPDATE … RETURNING` claims, so two sweepers (or two processes on one file, or D1) never take
 * the same delivery. The partial index `deliveries_due` keeps the search O(due), not O(history).
 *
 * On Postgres, processes on many hosts claim at once under READ COMMITTED. Each claim's candidates
 * are locked `FOR UPDATE SKIP LOCKED` (a row another claim holds is skipped, never waited for), and
 * a row that another claim updated and committed meanwhile is re-checked by Postgres against the
 * locking query's own conditions (status pending, due): its new `next_attempt_at` (the other
 * lease's expiry) fails them, so it is dropped. What the re-check does NOT redo is a subquery over
 * other rows (`id IN (…)`, `NOT EXISTS (older …)`), which stays as of the statement's snapshot; so
 * every UPDATE below also repeats the conditions on the row itself, never trusting a subquery's
 * verdict about a row that may have changed.
 */
export interface Lease {
  owner: string;
  now: number;
  leaseMs: number;
}

/** The columns a claim sets: the owner, and the lease expiry as the next attempt time. */
const leased = (lease: Lease) => ({ lease_owner: lease.owner, next_attempt_at: lease.now + lease.leaseMs, updated_at: lease.now });

/** A claimable row, checked on the row itself (see above: the part Postgres re-checks after a concurrent update). */
const claimable = (now: number) => (eb: ExpressionBuilder<Database, 'deliveries'>) => eb.and([eb('status', '=', 'pending'), eb('next_attempt_at', '<=', now)]);

/**
 * Ordered (`fifo`) endpoints: only their oldest unfinished delivery may be claimed, so a failing
 * head blocks the deliveries behind it until it succeeds or is given up.
 */
const inEventOrder = sql<SqlBool>`NOT EXISTS (
  SELECT 1 FROM endpoints e WHERE e.id = deliveries.endpoint_id AND e.ordering = 'fifo' AND EXISTS (
    SELECT 1 FROM deliveries older
    WHERE older.endpoint_id = deliveries.endpoint_id AND older.status = 'pending' AND older.id < deliveries.id))`;

/** How a sweep shares out one claim: at most `perEndpoint` deliveries of an endpoint, none of the endpoints and tenants skipped. */
export interface ClaimShares {
  perEndpoint: number;
  skipEndpoints: readonly string[];
  skipTenants: readonly string[];
}

/** The values of a sweep's claim (the skipped ids are one JSON parameter each, so the SQL never changes). */
interface ClaimValues {
  owner: string;
  now: number;
  until: number;
  limit: number;
  perEndpoint: number;
  skipEndpoints: string;
  skipTenants: string;
  window: number;
}

/**
 * A sweep's claim from `due` (the due deliveries, oldest first): at most `limit` of them, none of
 * the skipped endpoints and tenants, at most `perEndpoint` of each endpoint, fifo order kept.
 */
function claimFromDue(
  db: Kysely<Database>,
  due: SelectQueryBuilder<Database & { deliveries: Delivery }, 'deliveries', Pick<Delivery, 'id' | 'endpoint_id' | 'next_attempt_at'>>,
  values: ClaimValues,
  lockCandidates: boolean,
) {
  const candidates = due
    .where(inEventOrder)
    .where(sql<SqlBool>`NOT ${inJsonList(db, sql.ref('endpoint_id'), values.skipEndpoints)}`)
    .where(sql<SqlBool>`endpoint_id NOT IN (SELECT id FROM endpoints WHERE ${inJsonList(db, sql.ref('tenant_id'), values.skipTenants)})`)
    .orderBy('next_attempt_at')
    .limit(values.limit)
    // Postgres forbids FOR UPDATE beside a window function: the candidates are locked here, ranked outside.
    .$if(lockCandidates && skipLocked(db), (query) => query.forUpdate().skipLocked());
  const ranked = db.selectFrom(candidates.as('due')).select(['id', sql<number>`row_number() OVER (PARTITION BY endpoint_id ORDER BY next_attempt_at, id)`.as('place')]);
  const picked = db.selectFrom(ranked.as('ranked')).select('id').where('place', '<=', values.perEndpoint);
  return claimPicked(db, picked, values);
}

/** The claiming UPDATE of picked ids, re-checking on each row that it is still claimable (what Postgres re-checks after a concurrent claim). */
function claimPicked<DB, TB extends keyof DB>(db: Kysely<Database>, picked: SelectQueryBuilder<DB, TB, { id: number }>, values: ClaimValues) {
  return db
    .updateTable('deliveries')
    .set({ lease_owner: values.owner, next_attempt_at: values.until, updated_at: values.now })
    .where('id', 'in', picked)
    .where(claimable(values.now))
    .returningAll();
}

/** The claim over every due delivery: it walks the due index past the rows of skipped endpoints and tenants, however many. */
const claimDueQuery = prepared((db, values: ClaimValues) =>
  claimFromDue(
    db,
    db.selectFrom('deliveries').select(['id', 'endpoint_id', 'next_attempt_at']).where('status', '=', 'pending').where('next_attempt_at', '<=', values.now),
    values,
    true,
  ),
);

/**
 * The claim over the `window` longest-due deliveries only: its cost is bounded whatever the backlog
 * of the endpoints and tenants it skips (the unbounded claim walked a busy endpoint's whole backlog,
 * 10–100 ms a claim, each time an attempt finished). On Postgres the window's rows are the ones locked.
 */
const claimDueInWindowQuery = prepared((db, values: ClaimValues) => {
  const window = db
    .selectFrom('deliveries')
    .select(['id', 'endpoint_id', 'next_attempt_at'])
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', values.now)
    .orderBy('next_attempt_at')
    .limit(values.window)
    .$if(skipLocked(db), (query) => query.forUpdate().skipLocked());
  return claimFromDue(db, db.selectFrom(window.as('deliveries')).select(['id', 'endpoint_id', 'next_attempt_at']), values, false);
});

/**
 * Claims up to `limit` of the longest-due deliveries. With `shares`, an endpoint gets at most
 * `perEndpoint` of them, and skipped endpoints and tenants none (their ids go in as one JSON
 * parameter each, read as a list by the dialect, so any number of them fits D1's bound-parameter limit).
 * With `window`, only the `window` longest-due deliveries are looked at (see claimDueInWindowQuery).
 */
export async function claimDue(db: Kysely<Database>, lease: Lease, limit: number, shares?: ClaimShares, window?: number): Promise<Delivery[]> {
  const values: ClaimValues = {
    owner: lease.owner,
    now: lease.now,
    until: lease.now + lease.leaseMs,
    limit,
    perEndpoint: shares?.perEndpoint ?? limit,
    skipEndpoints: JSON.stringify(shares?.skipEndpoints ?? []),
    skipTenants: JSON.stringify(shares?.skipTenants ?? []),
    window: window ?? 0,
  };
  // Postgres looks at every due delivery (SKIP LOCKED passes rows other workers hold): the window and
  // its endpoint-by-endpoint catch-up drained a 10-endpoint backlog at half the rate there (bench:
  // npm run bench -- --store postgres --workers 1), while on SQLite they cut a claim's cost.
  const query = window === undefined || isPostgres(db) ? claimDueQuery(db, values) : claimDueInWindowQuery(db, values);
  return (await db.executeQuery(query)).rows;
}

/**
 * The claim that finds due work behind the rows of skipped endpoints and tenants without walking
 * them: endpoint by endpoint (the endpoints not skipped), each one's oldest due deliveries through
 * its index of pending ones, at most `perEndpoint` each and `limit` in all, fifo order kept.
 */
const claimDueByEndpointQuery = prepared((db, values: ClaimValues) => {
  const ofEndpoint = sql<number>`(
    SELECT deliveries.id FROM deliveries
    WHERE deliveries.endpoint_id = e.id AND deliveries.status = 'pending' AND deliveries.next_attempt_at <= ${values.now} AND ${inEventOrder}
    ORDER BY deliveries.id LIMIT ${values.perEndpoint})`;
  const picked = db
    .selectFrom(sql`endpoints`.as('e'))
    .innerJoin(sql`deliveries`.as('d'), (join) => join.on(sql<SqlBool>`d.id IN ${ofEndpoint}`))
    .select(sql<number>`d.id`.as('id'))
    .where(sql<SqlBool>`NOT ${inJsonList(db, sql.ref('e.id'), values.skipEndpoints)}`)
    .where(sql<SqlBool>`NOT ${inJsonList(db, sql.ref('e.tenant_id'), values.skipTenants)}`)
    .limit(values.limit);
  return claimPicked(db, picked, values);
});

/**
 * Whether at least `count` deliveries are due now, read from the due index (no more than `count` of
 * its entries). Fewer due than a claim's window means the window saw all of them: nothing lies
 * behind it for `claimDueByEndpoint` to find, which would otherwise walk every pending delivery of
 * every endpoint (a million pending and not yet due: 1.2–1.7 s a call, docs/performance.md).
 */
async function dueAtLeast(db: Kysely<Database>, now: number, count: number): Promise<boolean> {
  const due = db.selectFrom('deliveries').select('id').where('status', '=', 'pending').where('next_attempt_at', '<=', now).limit(count);
  const row = await db
    .selectFrom(due.as('due'))
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n) >= count;
}

/**
 * Claims up to `limit` due deliveries endpoint by endpoint (see claimDueByEndpointQuery): a sweep's
 * claim when its window (`window` rows) came short. Only when the window was full of due rows: with
 * fewer, it saw them all and what it left was skipped on purpose.
 */
export async function claimDueByEndpoint(db: Kysely<Database>, lease: Lease, limit: number, shares: ClaimShares, window: number): Promise<Delivery[]> {
  // On Postgres claimDue already looked past the skipped endpoints' rows: nothing is left to find here.
  if (isPostgres(db) || !(await dueAtLeast(db, lease.now, window))) return [];
  const values: ClaimValues = {
    owner: lease.owner,
    now: lease.now,
    until: lease.now + lease.leaseMs,
    limit,
    perEndpoint: shares.perEndpoint,
    skipEndpoints: JSON.stringify(shares.skipEndpoints),
    skipTenants: JSON.stringify(shares.skipTenants),
    window: 0,
  };
  return (await db.executeQuery(claimDueByEndpointQuery(db, values))).rows;
}

/** Claims up to `limit` due deliveries of one endpoint, oldest first (through its index of pending deliveries). */
export async function claimDueOf(db: Kysely<Database>, lease: Lease, endpointId: string, limit: number): Promise<Delivery[]> {
  const due = db
    .selectFrom('deliveries')
    .select('id')
    .where('endpoint_id', '=', endpointId)
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', lease.now)
    .where(inEventOrder)
    .orderBy('id')
    .limit(limit)
    .$if(skipLocked(db), (query) => query.forUpdate().skipLocked());
  return db.updateTable('deliveries').set(leased(lease)).where('id', 'in', due).where(claimable(lease.now)).returningAll().execute();
}

/**
 * Claims the next delivery of an ordered endpoint: its oldest unfinished one, if that is due (a
 * head waiting for its retry, or leased by another attempt, is not). One statement, so two
 * processes (or D1 invocations) finishing attempts of the same endpoint never both take it.
 */
export async function claimNextInLine(db: Kysely<Database>, lease: Lease, endpointId: string): Promise<Delivery | undefined> {
  const head = db.selectFrom('deliveries').select('id').where('endpoint_id', '=', endpointId).where('status', '=', 'pending').orderBy('id').limit(1);
  return db.updateTable('deliveries').set(leased(lease)).where('id', '=', head).where(claimable(lease.now)).returningAll().executeTakeFirst();
}

/** Claims specific deliveries if they are due and not leased (the fast path right after ingestion). */
export async function claimIds(db: Kysely<Database>, lease: Lease, ids: readonly number[]): Promise<Delivery[]> {
  const claimed: Delivery[] = [];
  // Room for the lease's own parameters next to the ids (D1 binds at most 100 per statement).
  for (const run of chunked(ids, MAX_BOUND_PARAMETERS - 10)) {
    const rows = await db.updateTable('deliveries').set(leased(lease)).where('id', 'in', run).where(claimable(lease.now)).where(inEventOrder).returningAll().execute();
    claimed.push(...rows);
  }
  return claimed;
}

/** No live lease holds the delivery: no attempt of it is in flight. */
const notInFlight = (now: number) => (eb: ExpressionBuilder<Database, 'deliveries'>) =>
  eb.or([eb('lease_owner', 'is', null), eb('status', '!=', 'pending'), eb('next_attempt_at', '<=', now)]);

/**
 * Claims one delivery for an immediate attempt whatever its status (manual retry, test send), unless
 * another owner holds a live lease on it: then undefined, and no second attempt is made.
 */
export async function claimForManualAttempt(db: Kysely<Database>, lease: Lease, id: number): Promise<Delivery | undefined> {
  return db
    .updateTable('deliveries')
    .set({ ...leased(lease), status: 'pending', completed_at: null })
    .where('id', '=', id)
    .where(notInFlight(lease.now))
    .returningAll()
    .executeTakeFirst();
}

/**
 * Makes one delivery, whatever its status, pending and due now, for the sweepers to attempt (a retry
 * asked for outside the server: the CLI). Undefined while an attempt of it is in flight.
 */
export async function scheduleNow(db: Kysely<Database>, id: number, now: number): Promise<Delivery | undefined> {
  return db
    .updateTable('deliveries')
    .set({ status: 'pending', lease_owner: null, next_attempt_at: now, updated_at: now, completed_at: null })
    .where('id', '=', id)
    .where(notInFlight(now))
    .returningAll()
    .executeTakeFirst();
}

export interface AttemptResult {
  deliveryId: number;
  owner: string;
  now: number;
  status: DeliveryStatus;
  nextAttemptAt: number | null;
  statusCode: number | null;
  error: string | null;
}

const insertAttempt = prepared((db, attempt: Insertable<AttemptTable>) =>
  db.insertInto('attempts').values({
    delivery_id: attempt.delivery_id,
    attempt_number: attempt.attempt_number,
    trigger: attempt.trigger,
    started_at: attempt.started_at,
    duration_ms: attempt.duration_ms,
    succeeded: attempt.succeeded,
    status_code: attempt.status_code,
    error_class: attempt.error_class,
    error_message: attempt.error_message,
    request_url: attempt.request_url,
    request_headers: attempt.request_headers,
    response_headers: attempt.response_headers,
    response_body: attempt.response_body,
  }),
);

const closeAttempt = prepared((db, result: AttemptResult & { completedAt: number | null }) =>
  db
    .updateTable('deliveries')
    .set({
      status: result.status,
      attempt_count: sql`attempt_count + 1`,
      next_attempt_at: result.nextAttemptAt,
      lease_owner: null,
      rate_slot_at: null,
      last_status_code: result.statusCode,
      last_error: result.error,
      updated_at: result.now,
      completed_at: result.completedAt,
    })
    .where('id', '=', result.deliveryId)
    .where('lease_owner', '=', result.owner),
);

/** The writes that close one attempt, to be run atomically together with the attempt row. */
export function attemptWrites(db: Kysely<Database>, attempt: Insertable<AttemptTable>, result: AttemptResult): CompiledQuery[] {
  const row = { status_code: null, error_class: null, error_message: null, response_headers: null, response_body: null, ...attempt };
  return [insertAttempt(db, row), closeAttempt(db, { ...result, completedAt: result.status === 'pending' ? null : result.now })];
}

export type NewDelivery = Pick<Insertable<DeliveryTable>, 'event_id' | 'endpoint_id' | 'message_id' | 'next_attempt_at' | 'created_at' | 'updated_at'> & {
  lease_owner: string | null;
};

/** The columns a new delivery is written with (every one named: `prepared` needs them explicit). */
const newDeliveryColumns = (row: NewDelivery) => ({
  event_id: row.event_id,
  endpoint_id: row.endpoint_id,
  message_id: row.message_id,
  status: 'pending' as const,
  next_attempt_at: row.next_attempt_at,
  lease_owner: row.lease_owner,
  created_at: row.created_at,
  updated_at: row.updated_at,
});

/** Compiled INSERTs of new deliveries by row count: the SQL of n rows never changes, only the values bound to it. */
const insertTemplates = new WeakMap<Kysely<Database>, Map<number, CompiledQuery<{ id: number }>>>();

/** The values of a run of new deliveries, in the order the INSERT binds them (row by row, column by column). */
const insertValues = (run: readonly NewDelivery[]) => run.flatMap((row) => Object.values(newDeliveryColumns(row)));

/**
 * One multi-row INSERT … RETURNING id. Built and compiled by Kysely once per row count (building a
 * 10-row insert each time was about 100 µs of an event fanned out to ten endpoints), then reused
 * with the run's values; the first compile checks that Kysely binds them in that order.
 */
function insertDeliveriesRun(db: Kysely<Database>, run: readonly NewDelivery[]): CompiledQuery {
  let byCount = insertTemplates.get(db);
  if (!byCount) {
    byCount = new Map();
    insertTemplates.set(db, byCount);
  }
  const values = insertValues(run);
  let template = byCount.get(run.length);
  if (!template) {
    template = db.insertInto('deliveries').values(run.map(newDeliveryColumns)).returning('id').compile();
    if (template.parameters.length !== values.length || template.parameters.some((value, index) => value !== values[index]))
      throw new Error('deliveries INSERT binds its values in another order');
    byCount.set(run.length, template);
  }
  return { ...template, parameters: values };
}

/**
 * The INSERTs of new pending deliveries (RETURNING their ids, in order), to run in the outbox's
 * atomic unit: the deliveries of one event (of a whole batch, in fact) in one statement per run of
 * rows that D1 can bind (8 parameters a row: 12 rows). A row written with a lease (`lease_owner`,
 * `next_attempt_at` = its expiry) is already claimed by that engine.
 */
export function insertDeliveriesQueries(db: Kysely<Database>, rows: readonly NewDelivery[]): CompiledQuery[] {
  return chunked(rows, Math.floor(MAX_BOUND_PARAMETERS / DELIVERY_COLUMNS)).map((run) => insertDeliveriesRun(db, run));
}

/** Parameters a new delivery binds (the columns of newDeliveryColumns). */
const DELIVERY_COLUMNS = 8;

/**
 * Keeps an ordered endpoint's delivery ids in commit order, the order its claims follow. On SQLite
 * one writer at a time does that by itself. On Postgres two transactions may take ids 10 and 11
 * and commit 11 first: a claim in between would see 11 as the endpoint's oldest pending delivery.
 * So an outbox unit first locks the rows of the fifo endpoints it writes to (`FOR NO KEY UPDATE`,
 * in id order, held to its commit) and only then takes ids. No rows come back (nothing with an `id`).
 */
export function lockOrderedEndpointsQuery(db: Kysely<Database>, endpointIds: readonly string[]): CompiledQuery | null {
  if (!skipLocked(db) || endpointIds.length === 0) return null;
  return db
    .selectFrom('endpoints')
    .select(sql<number>`1`.as('locked'))
    .where('id', 'in', [...new Set(endpointIds)].sort())
    .where('ordering', '=', 'fifo')
    .orderBy('id')
    .forNoKeyUpdate()
    .compile();
}

/**
 * Wakes the processes listening for due work (Postgres: `pg_notify`, to run in the outbox's atomic
 * unit: Postgres delivers it at commit, never for a unit rolled back, and once per unit however many
 * deliveries it wrote). Null on SQLite and D1, where the sweep finds the work. Its row has no `id`.
 */
export function wakeWorkersQuery(db: Kysely<Database>): CompiledQuery | null {
  if (!isPostgres(db)) return null;
  return sql`SELECT pg_notify(${WAKE_CHANNEL}, '') AS woke`.compile(db);
}

/** Gives leased deliveries back (graceful shutdown, or more than the process may take on): they are due again at once. */
export async function releaseLeases(db: Kysely<Database>, owner: string, ids: readonly number[], now: number): Promise<void> {
  for (const run of chunked(ids, MAX_BOUND_PARAMETERS - 10)) {
    await db
      .updateTable('deliveries')
      .set({ lease_owner: null, next_attempt_at: now, updated_at: now })
      .where('id', 'in', run)
      .where('lease_owner', '=', owner)
      .where('status', '=', 'pending')
      .execute();
  }
}

/** Gives a leased delivery back without an attempt, due again at `until` (circuit open, rate limit). */
export async function postponeDelivery(db: Kysely<Database>, id: number, owner: string, until: number, rateSlot: number | null): Promise<void> {
  await db.updateTable('deliveries').set({ lease_owner: null, next_attempt_at: until, rate_slot_at: rateSlot }).where('id', '=', id).where('lease_owner', '=', owner).execute();
}

/** Fails a delivery without an attempt (its endpoint is gone or disabled). */
export async function failWithoutAttempt(db: Kysely<Database>, id: number, owner: string, now: number, reason: string): Promise<void> {
  await db
    .updateTable('deliveries')
    .set({ status: 'failed', lease_owner: null, next_attempt_at: null, last_error: reason, updated_at: now, completed_at: now })
    .where('id', '=', id)
    .where('lease_owner', '=', owner)
    .execute();
}

export async function countDue(db: Kysely<Database>, now: number): Promise<{ due: number; oldest: number | null }> {
  const row = await db
    .selectFrom('deliveries')
    .select((eb) => [eb.fn.countAll<number>().as('due'), eb.fn.min('next_attempt_at').as('oldest')])
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', now)
    .executeTakeFirstOrThrow();
  return { due: Number(row.due), oldest: row.oldest === null ? null : Number(row.oldest) };
}
