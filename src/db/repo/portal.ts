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

/** Deletes links and sessions that expired before `cutoff`. */
export async function prunePortal(db: Kysely<Database>, cutoff: number): Promise<void> {
  await db.deleteFrom('portal_links').where('expires_at', '<', cutoff).execute();
  await db.deleteFrom('portal_sessions').where('expires_at', '<', cutoff).execute();
}
