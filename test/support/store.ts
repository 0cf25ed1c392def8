import Database from 'better-sqlite3';

/** Reads the server's SQLite file directly (read-only), to check what was stored. */
export function queryStore<T = any>(dbPath: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}
