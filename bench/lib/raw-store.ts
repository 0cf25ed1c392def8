import Database from 'better-sqlite3';
import { openBetterSqlite } from '../../src/db/dialects/better-sqlite3.ts';
import { migrate } from '../../src/db/migrate.ts';

/** A fresh store with hookgate's schema, one tenant and one endpoint: what the raw baseline writes into. */
export async function createBetterSqliteStore(path: string): Promise<{ tenantId: string; endpointId: string }> {
  const store = openBetterSqlite(path);
  await migrate(store.db, store.runBatch);
  const now = Date.now();
  await store.db.insertInto('tenants').values({ id: 'tenant_raw', name: 'raw', partner_org_id: null, created_at: now }).execute();
  await store.db
    .insertInto('endpoints')
    .values({ id: 'wh_raw', tenant_id: 'tenant_raw', surface: 'admin', url: 'http://127.0.0.1:9/raw', created_at: now, updated_at: now })
    .execute();
  await store.close();
  return { tenantId: 'tenant_raw', endpointId: 'wh_raw' };
}

/** Rows in `attempts` (read-only, after the server has stopped). */
export function countAttempts(path: string): number {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM attempts').get() as { n: number }).n;
  } finally {
    db.close();
  }
}
