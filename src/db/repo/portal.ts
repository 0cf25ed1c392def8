import type { Kysely } from 'kysely';
import type { Database, PortalLink, PortalSessionRow } from '../schema.ts';

/** Tenant portal links and sessions (migrations/0007_portal.sql). */

export async function insertPortalLink(db: Kysely<Database>, link: PortalLink): Promise<void> {
  await db.insertInto('portal_links').values(link).execute();
}

export const findPortalLink = (db: Kysely<Database>, id: string): Promise<PortalLink | undefined> =>
  db.selectFrom('portal_links').selectAll().where('id', '=', id).executeTakeFirst();

/**
 * Marks the link used if it is neither used nor expired, in one statement: of two requests
 * racing with the same link, exactly one sees `true` (this also holds on D1, which has no
 * interactive transactions).
 */
export async function claimPortalLink(db: Kysely<Database>, id: string, now: number): Promise<boolean> {
  const result = await db.updateTable('portal_links').set({ used_at: now }).where('id', '=', id).where('used_at', 'is', null).where('expires_at', '>', now).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function insertPortalSession(db: Kysely<Database>, session: PortalSessionRow): Promise<void> {
  await db.insertInto('portal_sessions').values(session).execute();
}

export const findPortalSession = (db: Kysely<Database>, idHash: string): Promise<PortalSessionRow | undefined> =>
  db.selectFrom('portal_sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();

export async function revokePortalSession(db: Kysely<Database>, idHash: string, now: number): Promise<void> {
  await db.updateTable('portal_sessions').set({ revoked_at: now }).where('id_hash', '=', idHash).where('revoked_at', 'is', null).execute();
}

/** Ends every live session of the tenant's portal and expires its links not yet opened; how many of each. */
export async function revokeTenantPortal(db: Kysely<Database>, tenantId: string, now: number): Promise<{ sessions: number; links: number }> {
  const sessions = await db
    .updateTable('portal_sessions')
    .set({ revoked_at: now })
    .where('tenant_id', '=', tenantId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  const links = await db
    .updateTable('portal_links')
    .set({ expires_at: now })
    .where('tenant_id', '=', tenantId)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return { sessions: Number(sessions.numUpdatedRows), links: Number(links.numUpdatedRows) };
}

/** How many sessions of the tenant's portal are live and how many of its links can still be opened. */
export async function countTenantPortal(db: Kysely<Database>, tenantId: string, now: number): Promise<{ sessions: number; links: number }> {
  const [sessions, links] = await Promise.all([
    db
      .selectFrom('portal_sessions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('tenant_id', '=', tenantId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('portal_links')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('tenant_id', '=', tenantId)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirstOrThrow(),
  ]);
  return { sessions: Number(sessions.n), links: Number(links.n) };
}

/** Deletes links and sessions that expired before `cutoff`. */
export async function prunePortal(db: Kysely<Database>, cutoff: number): Promise<void> {
  await db.deleteFrom('portal_links').where('expires_at', '<', cutoff).execute();
  await db.deleteFrom('portal_sessions').where('expires_at', '<', cutoff).execute();
}
