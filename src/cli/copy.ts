import { ConfigError } from '../config.ts';
import { COPY_ORDER, copyStore, nonEmptyTables } from '../db/copy.ts';
import { isPostgresUrl, openPostgres, postgresTarget } from '../db/dialects/postgres.ts';
import { migrate, pendingMigrations } from '../db/migrate.ts';
import type { HostStore } from '../db/store.ts';
import { assertStoreExists, databasePath } from '../runtime/node-env.ts';
import { type Command, currentHost, positiveInt, required, UsageError } from './command.ts';

/** A store URL for messages: a SQLite path as given, a Postgres URL without its password. */
const describe = (url: string) => (isPostgresUrl(url) ? postgresTarget(url) : databasePath(url));

/** Opens the store a URL names: `postgres://…` or a SQLite path (`file:`/`sqlite://` too). Only the target is created. */
async function openAt(url: string, create: boolean): Promise<HostStore> {
  if (isPostgresUrl(url)) {
    const store = openPostgres(url, { poolSize: 2 });
    try {
      await store.db.selectNoFrom((eb) => eb.val(1).as('one')).execute();
    } catch (error) {
      await store.close();
      const { code, message } = error as { code?: string; message?: string };
      throw new ConfigError(`cannot use the Postgres database ${postgresTarget(url)}: ${[code, message].filter(Boolean).join(' ')}`);
    }
    return store;
  }
  const path = databasePath(url);
  if (!create) assertStoreExists(path);
  return currentHost().openSqlite(path);
}

/**
 * `hookgate copy --from URL --to URL`: every row of one store into another, migrated first and
 * required empty (docs/scaling.md "Moving a store"). Progress lines go to stderr, the rows copied
 * per table to stdout. The secrets are copied as ciphertext: no key is read or needed here.
 */
export const copyCommand: Command = {
  summary: 'Copy every row of a store into an empty one (SQLite to Postgres, or back); stop the servers writing to the source first',
  usage: 'hookgate copy --from SOURCE_URL --to TARGET_URL [--batch-size N]',
  options: { from: { type: 'string' }, to: { type: 'string' }, 'batch-size': { type: 'string' } },
  run: async (values) => {
    const from = required(values, 'from');
    const to = required(values, 'to');
    const batchSize = positiveInt(values['batch-size'], '--batch-size', 500);
    if (from === to) throw new UsageError('--from and --to are the same store');
    const source = await openAt(from, false);
    let target: HostStore | undefined;
    try {
      const pending = await pendingMigrations(source.db);
      if (pending.length) throw new ConfigError(`the source ${describe(from)} is not at this version's schema (pending: ${pending.join(', ')}): run hookgate migrate on it first`);
      target = await openAt(to, true);
      await migrate(target.db, target.runBatch);
      const filled = Object.entries(await nonEmptyTables(target.db));
      if (filled.length) {
        throw new ConfigError(`the target ${describe(to)} is not empty (${filled.map(([table, rows]) => `${table}: ${rows}`).join(', ')}): copy into a new, empty database`);
      }
      const started = Date.now();
      let lastLine = 0;
      const tables = await copyStore(source.db, target.db, {
        batchSize,
        onProgress: (table, rows) => {
          if (Date.now() - lastLine < 1000) return;
          lastLine = Date.now();
          process.stderr.write(`copy: ${table} ${rows} rows\n`);
        },
      });
      for (const table of COPY_ORDER) process.stderr.write(`copy: ${table} done, ${tables[table]} rows\n`);
      const rows = Object.values(tables).reduce((sum, count) => sum + count, 0);
      return { status: 'ok', from: describe(from), to: describe(to), rows, tables, duration_ms: Date.now() - started };
    } finally {
      await target?.close();
      await source.close();
    }
  },
};
