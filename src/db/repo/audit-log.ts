import type { Insertable, Kysely } from 'kysely';
import { never } from '../dialect.ts';
import type { AuditEntry, AuditLogTable, Database } from '../schema.ts';

export type NewAuditEntry = Insertable<AuditLogTable>;

export async function insertAuditEntry(db: Kysely<Database>, entry: NewAuditEntry): Promise<void> {
  await db.insertInto('audit_log').values(entry).execute();
}

export interface AuditFilter {
  /** The tenants whose entries may be read; undefined: every entry, platform-wide ones (no tenant) included. */
  tenantIds?: string[];
  actor?: string;
  action?: string;
  since?: number;
  until?: number;
  limit: number;
  offset: number;
}

/** Newest first. */
export async function listAuditEntries(db: Kysely<Database>, filter: AuditFilter): Promise<{ items: AuditEntry[]; total: number }> {
  let query = db.selectFrom('audit_log');
  if (filter.tenantIds) query = filter.tenantIds.length ? query.where('tenant_id', 'in', filter.tenantIds) : query.where(never);
  if (filter.actor !== undefined) query = query.where('actor', '=', filter.actor);
  if (filter.action !== undefined) query = query.where('action', '=', filter.action);
  if (filter.since !== undefined) query = query.where('created_at', '>=', filter.since);
  if (filter.until !== undefined) query = query.where('created_at', '<', filter.until);
  const [items, count] = await Promise.all([
    query.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).offset(filter.offset).execute(),
    query.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return { items, total: Number(count.total) };
}

/** Removes up to `limit` entries older than `cutoff`; the number removed. */
export async function pruneAuditLog(db: Kysely<Database>, cutoff: number, limit: number): Promise<number> {
  const result = await db
    .deleteFrom('audit_log')
    .where('id', 'in', db.selectFrom('audit_log').select('id').where('created_at', '<', cutoff).limit(limit))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
