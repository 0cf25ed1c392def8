import type { Kysely } from 'kysely';
import { disableConsoleUser, findConsoleUser, insertConsoleUser, listConsoleUsers, revokeUserSessions } from '../db/repo/console-users.ts';
import type { ConsoleRole, ConsoleUser, Database } from '../db/schema.ts';
import { isUniqueViolation } from '../db/unique-violation.ts';
import { hashPassword } from '../lib/password.ts';
import { prefixedId, randomToken } from '../lib/random.ts';

/**
 * Console users besides the bootstrap admin of HOOKGATE_ADMIN_USER: a name, a role and a scrypt
 * hash of a password. Their view never includes the hash.
 */
export const CONSOLE_ROLES: readonly ConsoleRole[] = ['viewer', 'operator', 'admin'];
const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
const MIN_PASSWORD = 12;

export class ConsoleUserError extends Error {}

export const consoleUserView = (user: ConsoleUser) => ({
  id: user.id,
  name: user.name,
  role: user.role,
  created_at: new Date(user.created_at).toISOString(),
  disabled_at: user.disabled_at === null ? null : new Date(user.disabled_at).toISOString(),
});

/** Creates a user; without a password, one is generated (24 random bytes) and returned, to be shown once. */
export async function createConsoleUser(db: Kysely<Database>, input: { name: string; role: string; password?: string; now: number }) {
  if (!NAME.test(input.name)) throw new ConsoleUserError('the name must be 1 to 64 letters, digits or . _ @ - (starting with a letter or digit)');
  const role = CONSOLE_ROLES.find((known) => known === input.role);
  if (!role) throw new ConsoleUserError(`the role must be one of ${CONSOLE_ROLES.join(', ')}`);
  if (input.password !== undefined && input.password.length < MIN_PASSWORD) throw new ConsoleUserError(`the password must be at least ${MIN_PASSWORD} characters`);
  const password = input.password ?? randomToken(24);
  try {
    const user = await insertConsoleUser(db, { id: prefixedId('usr'), name: input.name, role, passwordHash: await hashPassword(password), now: input.now });
    return { user, generatedPassword: input.password === undefined ? password : undefined };
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConsoleUserError(`a user named ${input.name} already exists`);
    throw error;
  }
}

export const listUsers = listConsoleUsers;

/** Disables a user and revokes its sessions at once; the number of sessions revoked. */
export async function disableUser(db: Kysely<Database>, name: string, now: number): Promise<{ user: ConsoleUser; revoked: number }> {
  if (!(await findConsoleUser(db, name))) throw new ConsoleUserError(`there is no user named ${name}`);
  await disableConsoleUser(db, name, now);
  const revoked = await revokeUserSessions(db, name, now);
  return { user: (await findConsoleUser(db, name))!, revoked };
}

/** Revokes every live session of a console user or of the bootstrap admin (by name); the number revoked. */
export const revokeSessions = revokeUserSessions;
