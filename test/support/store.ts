import Database from 'better-sqlite3';
import pg from 'pg';

/** Reads the server's SQLite file directly (read-only), to check what was stored. */
export function queryStore<T = any>(dbPath: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

/** BIGINT and NUMERIC as JS numbers, as SQLite gives them (and as the server reads them). */
const numbers = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 20 || oid === 1700 ? Number : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/**
 * Reads a server's store, whichever it is: its SQLite file, or its Postgres database (`?`
 * placeholders become `$1`, `$2`…). For the tests that run on both stores; the SQL must be the
 * kind both understand.
 */
export async function queryServerStore<T = any>(server: { dbPath: string; env: Record<string, string> }, sql: string, ...params: unknown[]): Promise<T[]> {
  const url = server.env.DATABASE_URL ?? '';
  if (!/^postgres(ql)?:\/\//.test(url)) return queryStore<T>(server.dbPath, sql, ...params);
  let index = 0;
  const client = new pg.Client({ connectionString: url, types: numbers });
  await client.connect();
  try {
    return (
      await client.query(
        sql.replace(/\?/g, () => `$${++index}`),
        params,
      )
    ).rows as T[];
  } finally {
    await client.end();
  }
}
