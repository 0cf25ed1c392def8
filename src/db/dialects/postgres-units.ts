import type { CompiledQuery, QueryResult } from 'kysely';
import pg from 'pg';

/** How many atomic units one group commit takes at most (bounds how long a group holds its row locks). */
const GROUP_LIMIT = 64;

interface PendingUnit {
  queries: readonly CompiledQuery[];
  resolve(results: QueryResult<unknown>[]): void;
  reject(error: unknown): void;
}

/**
 * Statements that make their unit commit alone, never in a group: they write an `endpoints` row
 * (an attempt's health, a 410's disabling) or lock rows explicitly (an outbox locking its fifo
 * endpoints). Those rows are shared by every process; a group taking several of them in the order
 * its units came could deadlock with another process's group taking them in another order. Alone,
 * a unit takes at most what it took before groups existed. What a group holds besides (new rows,
 * the deliveries its process leases, key-share locks of foreign keys) no other process writes.
 */
const SHARED_ROW_WRITE = /^\s*update\s+"?endpoints"?\s|\sfor\s+(no\s+key\s+)?(update|share|key\s+share)\b/i;

const takesSharedRows = (unit: PendingUnit) => unit.queries.some((query) => SHARED_ROW_WRITE.test(query.sql));

/** A node-postgres result as Kysely's PostgresDriver gives it (rows, and the count of rows a write touched). */
function resultOf({ command, rowCount, rows }: pg.QueryResult): QueryResult<unknown> {
  const writes = command === 'INSERT' || command === 'UPDATE' || command === 'DELETE' || command === 'MERGE';
  return { rows: rows ?? [], ...(writes ? { numAffectedRows: BigInt(rowCount ?? 0) } : {}) };
}

/**
 * How a transaction ended: committed with the results of its statements; rolled back (nothing of
 * it is stored), with the first error; or unknown (the connection failed with the COMMIT on the
 * wire), with that error. `broken` is set when the connection must not go back to the pool.
 */
type Ending = { kind: 'committed'; results: QueryResult<unknown>[] } | { kind: 'rolled back' | 'unknown'; error: unknown; broken?: boolean };

/** The server's own refusal of a statement, as opposed to a connection that failed. */
const refusedByServer = (error: unknown) => error instanceof pg.DatabaseError;

/** At most this many statement texts are prepared by name; each connection that runs one keeps it on the server. */
const NAMED_STATEMENTS = 200;

/**
 * Names for the statements of atomic units, so that each connection parses and plans a statement
 * once and then only binds new values (a third of Postgres's CPU per delivery: docs/scaling.md).
 * Names are per process and per connection on the server; past NAMED_STATEMENTS texts, the rest
 * run unnamed, so the server's memory per connection stays bounded.
 */
function statementNames(): (text: string) => string | undefined {
  const names = new Map<string, string>();
  return (text) => {
    const known = names.get(text);
    if (known !== undefined || names.size >= NAMED_STATEMENTS) return known;
    const name = `hookgate_${names.size}`;
    names.set(text, name);
    return name;
  };
}

/**
 * A named statement whose result columns changed since its connection prepared it (a migration run
 * by a newer process: a column added to a table it returns). The connection is dropped, and the unit
 * runs again with unnamed statements.
 */
const stalePlan = (error: unknown) => error instanceof pg.DatabaseError && error.code === '0A000' && /cached plan/.test(error.message);

/** The socket under a pooled connection, corked while a transaction's statements are written. */
type Corkable = { connection?: { stream?: { cork?(): void; uncork?(): void } } };

/**
 * BEGIN, the statements and COMMIT written to one pipelined connection at once (`pipeline: true`,
 * openPostgres): one write for the whole transaction instead of one per statement and a wait for
 * each answer (each write to the server's socket was a third of a worker's CPU in the profile,
 * docs/scaling.md). The server runs them in order. A statement it refuses aborts the transaction:
 * the statements after it are refused too, and COMMIT answers ROLLBACK; a statement that ends the
 * session (FATAL) leaves the ones after it unrun. Either way nothing is stored. If the connection
 * fails with no refusal before it, the COMMIT may have run: whether it committed is unknown.
 */
async function runTransaction(client: pg.PoolClient, queries: readonly CompiledQuery[], nameOf: (text: string) => string | undefined): Promise<Ending> {
  const stream = (client as unknown as Corkable).connection?.stream;
  stream?.cork?.();
  let sent: Promise<pg.QueryResult>[];
  try {
    // In this order: each call writes its statement.
    const begin = client.query('BEGIN');
    const statements = queries.map((query) => client.query({ text: query.sql, values: query.parameters as unknown[], name: nameOf(query.sql) }));
    sent = [begin, ...statements, client.query('COMMIT')];
  } finally {
    stream?.uncork?.();
  }
  const answers = await Promise.all(
    sent.map((answer) =>
      answer.then(
        (result) => ({ ok: true as const, result }),
        (error: unknown) => ({ ok: false as const, error }),
      ),
    ),
  );
  const failed = answers.filter((answer) => !answer.ok);
  if (failed.length === 0) return { kind: 'committed', results: answers.slice(1, -1).map((answer) => resultOf((answer as { result: pg.QueryResult }).result)) };
  const first = failed[0]!.error;
  const broken = failed.some((answer) => !refusedByServer(answer.error)) || (first as pg.DatabaseError).severity === 'FATAL' || stalePlan(first);
  return { kind: refusedByServer(first) ? 'rolled back' : 'unknown', error: first, broken };
}

/**
 * The atomic units of the Postgres store, with group commit as on SQLite (synchronous-sqlite.ts):
 * the units asked for during one turn of the event loop (the records of the attempts that finished
 * together) run in one transaction on one pooled connection (runTransaction): one BEGIN and one
 * COMMIT for the group, where each unit alone took its own. Every caller is answered only after the
 * COMMIT that holds its unit.
 *
 * If a group is rolled back (a statement refused, or its connection lost before COMMIT), its units
 * run again one transaction each (concurrently, as they would have alone), so a unit fails or commits exactly as
 * it would alone. If the connection fails with the COMMIT sent (whether it committed is unknown),
 * every unit of the group fails with that error, as a unit alone would; nothing is run again. A
 * unit of one statement runs without BEGIN and COMMIT (one statement is atomic by itself), and units
 * that write shared rows commit alone (SHARED_ROW_WRITE).
 */
export function postgresUnits(pool: pg.Pool, { preparedStatements }: { preparedStatements: boolean }): (queries: readonly CompiledQuery[]) => Promise<QueryResult<unknown>[]> {
  const unnamed = () => undefined;
  const named = preparedStatements ? statementNames() : unnamed;
  const transaction = async (queries: readonly CompiledQuery[], nameOf: (text: string) => string | undefined = named): Promise<Ending> => {
    const client = await pool.connect();
    let ending: Ending | undefined;
    try {
      ending = await runTransaction(client, queries, nameOf);
      return ending;
    } finally {
      // A connection that failed is not given back to the pool.
      client.release(ending?.kind !== 'committed' && ending?.broken ? (ending.error as Error) : undefined);
    }
  };
  const runAlone = async (unit: PendingUnit) => {
    try {
      if (unit.queries.length === 1) {
        unit.resolve([resultOf(await pool.query(unit.queries[0]!.sql, unit.queries[0]!.parameters as unknown[]))]);
        return;
      }
      let ending = await transaction(unit.queries);
      if (ending.kind === 'rolled back' && stalePlan(ending.error)) ending = await transaction(unit.queries, unnamed);
      if (ending.kind === 'committed') unit.resolve(ending.results);
      else unit.reject(ending.error);
    } catch (error) {
      unit.reject(error);
    }
  };
  const runGroup = async (group: PendingUnit[]) => {
    let ending: Ending;
    try {
      ending = await transaction(group.flatMap((unit) => unit.queries));
    } catch (error) {
      // No connection: nothing was sent.
      for (const unit of group) unit.reject(error);
      return;
    }
    if (ending.kind === 'rolled back') {
      await Promise.all(group.map(runAlone));
      return;
    }
    let next = 0;
    for (const unit of group) {
      if (ending.kind === 'committed') unit.resolve(ending.results.slice(next, next + unit.queries.length));
      else unit.reject(ending.error);
      next += unit.queries.length;
    }
  };
  let pending: PendingUnit[] = [];
  const commitPending = () => {
    const units = pending;
    pending = [];
    const grouped: PendingUnit[] = [];
    for (const unit of units) {
      if (takesSharedRows(unit)) void runAlone(unit);
      else grouped.push(unit);
    }
    for (let start = 0; start < grouped.length; start += GROUP_LIMIT) {
      const group = grouped.slice(start, start + GROUP_LIMIT);
      void (group.length === 1 ? runAlone(group[0]!) : runGroup(group));
    }
  };
  return (queries) =>
    new Promise((resolve, reject) => {
      if (pending.push({ queries, resolve, reject }) === 1) setImmediate(commitPending);
    });
}
