import { Database as BunDatabase, type Statement } from 'bun:sqlite';
import { Kysely, type SqliteDatabase, SqliteDialect, type SqliteStatement } from 'kysely';
import type { Database } from '../schema.ts';
import type { HostStore } from '../store.ts';
import { cachedPrepare, SQLITE_PRAGMAS, synchronousUnits } from './synchronous-sqlite.ts';

/**
 * Bun's store: `bun:sqlite` with the same pragmas as Node's better-sqlite3 store. Kysely's
 * `SqliteDialect` speaks better-sqlite3's statement interface; `bun:sqlite` differs only in
 * spreading parameters and in telling readers by their columns, which the adapter below bridges.
 */
export function openBunSqlite(path: string): HostStore {
  const connection = new BunDatabase(path, { create: true });
  for (const pragma of SQLITE_PRAGMAS) connection.exec(`PRAGMA ${pragma}`);
  const prepare = cachedPrepare(connection);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: asKyselyDatabase(connection, prepare) }) });
  return {
    db,
    ...synchronousUnits(connection, prepare, isReader),
    close: () => db.destroy(),
  };
}

type BindValue = string | number | bigint | boolean | null | Uint8Array;

/** A statement returns rows when it has result columns (SELECT, or any statement with RETURNING). */
const isReader = (statement: Statement): boolean => statement.columnNames.length > 0;

function asKyselyDatabase(connection: BunDatabase, prepare: (sql: string) => Statement): SqliteDatabase {
  return {
    close: () => connection.close(),
    prepare(sql): SqliteStatement {
      const statement = prepare(sql);
      const bind = (parameters: ReadonlyArray<unknown>) => parameters as BindValue[];
      return {
        get reader() {
          return isReader(statement);
        },
        all: (parameters) => statement.all(...bind(parameters)),
        run: (parameters) => statement.run(...bind(parameters)),
        iterate: (parameters) => statement.iterate(...bind(parameters)),
      };
    },
  };
}
