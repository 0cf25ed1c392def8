import { type Kysely, sql, type Transaction } from 'kysely';
import { isPostgres } from './dialect.ts';
import type { Database } from './schema.ts';

/**
 * Copies every row of one store into another (`hookgate copy`, docs/scaling.md): SQLite to Postgres
 * when a deployment outgrows one machine, and back. Rows are copied as stored: an endpoint's
 * encrypted secrets and authentication stay the same ciphertext, so the target needs the same
 * HOOKGATE_ENCRYPTION_KEY, and ids (deliveries, attempts, AS2 partners, audit entries) keep their
 * values, so every reference between tables still holds.
 */

/** Every table of the store, parents before the tables that reference them. `d1_migrations` is not data: the target is migrated itself. */
export const COPY_ORDER = [
  'tenants',
  'api_keys',
  'as2_partners',
  'endpoints',
  'events',
  'deliveries',
  'attempts',
  'recovery_jobs',
  'audit_log',
  'console_users',
  'console_sessions',
  'portal_links',
  'portal_sessions',
  'store_probe',
] as const satisfies readonly Exclude<keyof Database, 'd1_migrations'>[];

export type CopiedTable = (typeof COPY_ORDER)[number];

/** The primary key of each table, the key the copy pages by. */
const KEY: Record<CopiedTable, string> = {
  tenants: 'id',
  api_keys: 'id',
  as2_partners: 'id',
  endpoints: 'id',
  events: 'id',
  deliveries: 'id',
  attempts: 'id',
  recovery_jobs: 'id',
  audit_log: 'id',
  console_users: 'id',
  console_sessions: 'id_hash',
  portal_links: 'id',
  portal_sessions: 'id_hash',
  store_probe: 'id',
};

/** The tables whose ids a store generates (AUTOINCREMENT on SQLite, identity columns on Postgres). */
const GENERATED_IDS: readonly CopiedTable[] = ['as2_partners', 'deliveries', 'attempts', 'audit_log'];

/** Columns that hold fractions on both stores (DOUBLE PRECISION on Postgres); every other number is an integer there. */
const FRACTIONAL = new Set(['rate_limit']);

/** Rows per batch: each batch is one INSERT in one transaction of the target (under Postgres's 65,535 parameters for the widest table). */
export const DEFAULT_BATCH_SIZE = 500;

export type RowCounts = Record<CopiedTable, number>;

/** The tables of a store that hold rows (an empty object when it is empty). */
export async function nonEmptyTables(db: Kysely<Database>): Promise<Partial<RowCounts>> {
  const counts = await countRows(db);
  return Object.fromEntries(Object.entries(counts).filter(([, rows]) => rows > 0));
}

export async function countRows(db: Kysely<Database>): Promise<RowCounts> {
  const counts = {} as RowCounts;
  for (const table of COPY_ORDER) {
    const row = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('rows'))
      .executeTakeFirstOrThrow();
    counts[table] = Number(row.rows);
  }
  return counts;
}

export interface CopyOptions {
  batchSize?: number;
  /** Told after each batch: the table and the rows copied into it so far. */
  onProgress?: (table: CopiedTable, rows: number) => void;
}

/**
 * Copies all rows of `source` into `target`, which must be migrated and empty (the caller checks).
 * The source is read in one snapshot (a read transaction: SQLite's WAL snapshot, Postgres's
 * REPEATABLE READ), so a row written meanwhile is either fully in or out, never half of a parent
 * and child; writers should still be stopped first, since what they write after the snapshot is
 * not copied. Each table is read in key order, `batchSize` rows at a time (keyset paging), and each
 * batch is written in one transaction of the target. On Postgres, the identity sequences are then
 * moved past the copied ids, so the next delivery or attempt does not collide with a copied one.
 */
export async function copyStore(source: Kysely<Database>, target: Kysely<Database>, options: CopyOptions = {}): Promise<RowCounts> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const toPostgres = isPostgres(target);
  const reader = isPostgres(source) ? source.transaction().setIsolationLevel('repeatable read') : source.transaction();
  const counts = await reader.execute(async (snapshot) => {
    const copied = {} as RowCounts;
    for (const table of COPY_ORDER) {
      copied[table] = 0;
      let last: unknown;
      for (;;) {
        const rows = await readPage(snapshot, table, last, batchSize);
        if (rows.length === 0) break;
        const values = toPostgres ? rows.map(integerValues) : rows;
        await target.transaction().execute((trx) => trx.insertInto(table).values(values).execute());
        copied[table] += rows.length;
        last = rows.at(-1)![KEY[table]];
        options.onProgress?.(table, copied[table]);
        if (rows.length < batchSize) break;
      }
    }
    return copied;
  });
  if (toPostgres) await advanceSequences(target);
  return counts;
}

async function readPage(db: Transaction<Database>, table: CopiedTable, after: unknown, limit: number): Promise<Record<string, unknown>[]> {
  const key = sql.ref(KEY[table]);
  const query = db
    .selectFrom(table)
    .selectAll()
    .where(after === undefined ? sql<boolean>`1 = 1` : sql<boolean>`${key} > ${after}`)
    .orderBy(key)
    .limit(limit);
  return (await query.execute()) as Record<string, unknown>[];
}

/**
 * SQLite keeps a fractional value in an INTEGER column (a rate-limit slot is `start + interval`);
 * Postgres's BIGINT refuses it, so it is rounded up, as Postgres's own rate schedule rounds it (a
 * slot is never early: at most 1 ms later).
 */
function integerValues(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row)) {
    out[column] = typeof value === 'number' && !Number.isInteger(value) && !FRACTIONAL.has(column) ? Math.ceil(value) : value;
  }
  return out;
}

/** Moves each identity sequence past the highest copied id (`setval(…, max + 1, false)`: the next id is max + 1). */
async function advanceSequences(db: Kysely<Database>): Promise<void> {
  for (const table of GENERATED_IDS) {
    await sql`SELECT setval(pg_get_serial_sequence(${table}, 'id'), coalesce(max(id), 0) + 1, false) FROM ${sql.table(table)}`.execute(db);
  }
}
