import type { Kysely } from 'kysely';
import type { ConsoleRole, ConsoleSessionRow, ConsoleUser, Database } from '../schema.ts';

/** Console users (migrations/0006_console_users.sql); the bootstrap admin of the configuration is not one. */
export async function insertConsoleUser(db: Kysely<Database>, user: { id: string; name: string; role: ConsoleRole; passwordHash: string; now: number }): Promise<ConsoleUser> {
  return db
    .insertInto('console_users')
    .values({ id: user.id, name: user.name, role: user.role, password_hash: user.passwordHash, created_at: user.now, disabled_at: null })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export const findConsoleUser = (db: Kysely<Database>, name: string): Promise<ConsoleUser | undefined> =>
  db.selectFrom('console_users').selectAll().where('name', '=', name).executeTakeFirst();

export const listConsoleUsers = (db: Kysely<Database>): Promise<ConsoleUser[]> => db.selectFrom('console_users').selectAll().orderBy('name').execute();

export async function disableConsoleUser(db: Kysely<Database>, name: string, now: number): Promise<boolean> {
  const result = await db.updateTable('console_users').set({ disabled_at: now }).where('name', '=', name).where('disabled_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function insertConsoleSession(db: Kysely<Database>, session: { idHash: string; userName: string; now: number; expiresAt: number }): Promise<void> {
  await db
    .insertInto('console_sessions')
    .values({ id_hash: session.idHash, user_name: session.userName, created_at: session.now, last_seen_at: session.now, expires_at: session.expiresAt, revoked_at: null })
    .execute();
}

export const findConsoleSession = (db: Kysely<Database>, idHash: string): Promise<ConsoleSessionRow | undefined> =>
  db.selectFrom('console_sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();

export async function touchConsoleSession(db: Kysely<Database>, idHash: string, now: number): Promise<void> {
  await db.updateTable('console_sessions').set({ last_seen_at: now }).where('id_hash', '=', idHash).execute();
}

export async function revokeConsoleSession(db: Kysely<Database>, idHash: string, now: number): Promise<void> {
  await db.updateTable('console_sessions').set({ revoked_at: now }).where('id_hash', '=', idHash).where('revoked_at', 'is', null).execute();
}

/** Revokes every live session of a user; the number revoked. */
export async function revokeUserSessions(db: Kysely<Database>, userName: string, now: number): Promise<number> {
  const result = await db
    .updateTable('console_sessions')
    .set({ revoked_at: now })
    .where('user_name', '=', userName)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
