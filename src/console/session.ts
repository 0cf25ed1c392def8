import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { ADMIN_SCOPE } from '../api/auth.ts';
import type { AppEnv } from '../api/context.ts';
import type { TokenClaims } from '../auth/jwt.ts';
import { findConsoleSession, findConsoleUser, insertConsoleSession, revokeConsoleSession, touchConsoleSession } from '../db/repo/console-users.ts';
import type { ConsoleRole } from '../db/schema.ts';
import { ApiError } from '../errors.ts';
import type { CipherBinding } from '../lib/cipher.ts';
import { sha256Hex, timingSafeEqual } from '../lib/hash.ts';
import { hashPassword, verifyPassword } from '../lib/password.ts';
import { randomToken } from '../lib/random.ts';
import type { Services } from '../services.ts';

/**
 * The console's session: one cookie, AES-GCM-encrypted with the sessions' own key (neither
 * readable nor forgeable), that carries a random session id; the store keeps the id's SHA-256 in
 * `console_sessions`, checked on every request. A session ends at SESSION_SECONDS after sign-in
 * (absolute), after IDLE_SECONDS without a request, on sign-out, when its user is disabled, and by
 * `hookgate user revoke-sessions`. A pasted token is kept inside the cookie and verified on every
 * request too, so such a session also ends when the token expires.
 */
const SESSION_COOKIE = 'hookgate_console';
const LOGIN_CSRF_COOKIE = 'hookgate_console_login';
export const SESSION_SECONDS = 8 * 3600;
export const IDLE_SECONDS = 30 * 60;
/** last_seen_at is written at most once a minute per session: a page view is not a store write each time. */
const TOUCH_EVERY_MS = 60_000;
/** The store's user name of a pasted-token session (no console user): such sessions are revoked by sign-out only. */
const TOKEN_USER = '(token)';
/** Sessions have a key of their own: no stored secret's ciphertext opens as a session. */
const SESSION_BINDING: CipherBinding = { purpose: 'console-session', subject: SESSION_COOKIE };

export interface ConsoleSession {
  kind: 'token' | 'password';
  /** The pasted admin JWT (kind token) or the user name (kind password). */
  credential: string;
  /** The per-session CSRF token every form carries. */
  csrf: string;
  /** The session's id; the store holds its SHA-256. */
  sid: string;
  expiresAt: number;
}

/** What a signed-in person may do: `viewer` reads, `operator` also acts on endpoints and deliveries, `admin` everything. */
export interface ConsoleIdentity {
  claims: TokenClaims;
  role: ConsoleRole;
}

export interface ConsoleEnv {
  Variables: AppEnv['Variables'] & { session: ConsoleSession; role: ConsoleRole };
}

const cookieOptions = (services: Services, maxAge: number) => ({
  path: '/console',
  httpOnly: true,
  secure: services.config.env === 'production',
  sameSite: 'Strict' as const,
  maxAge,
});

export async function startSession(c: Context, services: Services, kind: ConsoleSession['kind'], credential: string): Promise<void> {
  const now = services.clock.now();
  const session: ConsoleSession = { kind, credential, csrf: randomToken(24), sid: randomToken(32), expiresAt: now + SESSION_SECONDS * 1000 };
  await insertConsoleSession(services.db, { idHash: await sha256Hex(session.sid), userName: kind === 'password' ? credential : TOKEN_USER, now, expiresAt: session.expiresAt });
  setCookie(c, SESSION_COOKIE, await services.cipher.encrypt(JSON.stringify(session), SESSION_BINDING), cookieOptions(services, SESSION_SECONDS));
  deleteCookie(c, LOGIN_CSRF_COOKIE, { path: '/console' });
}

/** Signs out: the session is revoked in the store (a copy of the cookie no longer works) and the cookie dropped. */
export async function endSession(c: Context, services: Services, session?: ConsoleSession): Promise<void> {
  if (session) await revokeConsoleSession(services.db, await sha256Hex(session.sid), services.clock.now());
  deleteCookie(c, SESSION_COOKIE, { path: '/console' });
}

/** The session of this request with who it stands for, or null (none, tampered, expired, idle, revoked, user disabled). */
export async function readSession(c: Context, services: Services): Promise<({ session: ConsoleSession } & ConsoleIdentity) | null> {
  const sealed = getCookie(c, SESSION_COOKIE);
  if (!sealed) return null;
  let session: ConsoleSession;
  try {
    session = JSON.parse(await services.cipher.decrypt(sealed, SESSION_BINDING)) as ConsoleSession;
  } catch {
    return null;
  }
  const now = services.clock.now();
  if (typeof session.sid !== 'string' || typeof session.expiresAt !== 'number' || session.expiresAt <= now) return null;
  const idHash = await sha256Hex(session.sid);
  const stored = await findConsoleSession(services.db, idHash);
  if (!stored || stored.revoked_at !== null || stored.expires_at <= now || stored.last_seen_at + IDLE_SECONDS * 1000 <= now) return null;
  const identity = await identityOf(services, session.kind, session.credential);
  if (!identity) return null;
  // A store that refuses writes still lets a session read; its idle clock is then not advanced.
  if (now - stored.last_seen_at >= TOUCH_EVERY_MS) await touchConsoleSession(services.db, idHash, now).catch(() => undefined);
  return { session, ...identity };
}

/** A pasted token's claims if it may administer webhooks (the console's entry for tokens). */
export async function tokenClaims(services: Services, token: string): Promise<TokenClaims | null> {
  const claims = await services.verifyToken(token);
  return claims?.scopes.has(ADMIN_SCOPE) ? claims : null;
}

/** Who a credential stands for: a token (role admin, its claims' reach), the bootstrap admin, or an enabled console user. */
async function identityOf(services: Services, kind: ConsoleSession['kind'], credential: string): Promise<ConsoleIdentity | null> {
  if (kind === 'token') {
    const claims = await tokenClaims(services, credential);
    return claims ? { claims, role: 'admin' } : null;
  }
  const admin = services.config.consoleAdmin;
  const role =
    admin && timingSafeEqual(credential, admin.user)
      ? 'admin'
      : await findConsoleUser(services.db, credential).then((user) => (user && user.disabled_at === null ? user.role : null));
  if (!role) return null;
  return { claims: { sub: `console:${credential}`, scopes: new Set([ADMIN_SCOPE]), tenantId: null, partnerOrgId: null }, role };
}

/**
 * The bootstrap admin's user and password are compared in constant time, and both always are; a
 * console user's password is checked against its scrypt hash (an unknown user against a dummy
 * hash, so the answer takes as long either way).
 */
export async function passwordMatches(services: Services, user: string, password: string): Promise<boolean> {
  const admin = services.config.consoleAdmin;
  if (admin) {
    const userOk = timingSafeEqual(user, admin.user);
    const passwordOk = timingSafeEqual(password, admin.password);
    if (userOk) return passwordOk;
  }
  const found = await findConsoleUser(services.db, user);
  dummyHash ??= hashPassword(randomToken(16));
  const ok = await verifyPassword(password, found?.password_hash ?? (await dummyHash));
  return ok && found !== undefined && found.disabled_at === null;
}
let dummyHash: Promise<string> | undefined;

const ROLE_RANK: Record<ConsoleRole, number> = { viewer: 0, operator: 1, admin: 2 };

/** Whether the session's role is at least `needed` (to offer a form only to those who may post it). */
export const hasRole = (c: Context<ConsoleEnv>, needed: ConsoleRole): boolean => ROLE_RANK[c.var.role] >= ROLE_RANK[needed];

/** Throws a 403 unless the session's role is at least `needed`. */
export function requireRole(c: Context<ConsoleEnv>, needed: ConsoleRole, what: string): void {
  const role = c.var.role;
  if (!hasRole(c, needed)) throw new ApiError('forbidden', `Your role (${role}) may not ${what}: it needs the ${needed} role. Ask an admin.`);
}

/** The sign-in form has no session yet: a random value in a cookie and in the form must match (double submit). */
export function issueLoginCsrf(c: Context, services: Services): string {
  const value = randomToken(24);
  setCookie(c, LOGIN_CSRF_COOKIE, value, cookieOptions(services, 3600));
  return value;
}

export function loginCsrfMatches(c: Context, presented: unknown): boolean {
  const expected = getCookie(c, LOGIN_CSRF_COOKIE);
  return Boolean(expected) && typeof presented === 'string' && timingSafeEqual(presented, expected!);
}

export const csrfMatches = (session: Pick<ConsoleSession, 'csrf'>, presented: unknown): boolean => typeof presented === 'string' && timingSafeEqual(presented, session.csrf);
