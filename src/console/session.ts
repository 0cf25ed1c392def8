import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { ADMIN_SCOPE } from '../api/auth.ts';
import type { AppEnv } from '../api/context.ts';
import type { TokenClaims } from '../auth/jwt.ts';
import type { CipherBinding } from '../lib/cipher.ts';
import { timingSafeEqual } from '../lib/hash.ts';
import { randomToken } from '../lib/random.ts';
import type { Services } from '../services.ts';

/**
 * The console's session lives in one cookie, AES-GCM-encrypted with the sessions' own key, so it
 * can be neither read nor forged and no server-side store is needed (it works the same on every
 * runtime). A pasted token is kept inside it and verified on every request, so the session ends
 * when the token expires; a credentials sign-in lasts SESSION_SECONDS.
 */
const SESSION_COOKIE = 'hookgate_console';
const LOGIN_CSRF_COOKIE = 'hookgate_console_login';
const SESSION_SECONDS = 8 * 3600;
/** Sessions have a key of their own: no stored secret's ciphertext opens as a session. */
const SESSION_BINDING: CipherBinding = { purpose: 'console-session', subject: SESSION_COOKIE };

export interface ConsoleSession {
  kind: 'token' | 'password';
  /** The pasted admin JWT (kind token) or the admin user name (kind password). */
  credential: string;
  /** The per-session CSRF token every form carries. */
  csrf: string;
  expiresAt: number;
}

export interface ConsoleEnv {
  Variables: AppEnv['Variables'] & { session: ConsoleSession };
}

const cookieOptions = (services: Services, maxAge: number) => ({
  path: '/console',
  httpOnly: true,
  secure: services.config.env === 'production',
  sameSite: 'Strict' as const,
  maxAge,
});

export async function startSession(c: Context, services: Services, kind: ConsoleSession['kind'], credential: string): Promise<void> {
  const session: ConsoleSession = { kind, credential, csrf: randomToken(24), expiresAt: services.clock.now() + SESSION_SECONDS * 1000 };
  setCookie(c, SESSION_COOKIE, await services.cipher.encrypt(JSON.stringify(session), SESSION_BINDING), cookieOptions(services, SESSION_SECONDS));
  deleteCookie(c, LOGIN_CSRF_COOKIE, { path: '/console' });
}

export function endSession(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/console' });
}

/** The session of this request with the admin claims it stands for, or null (none, tampered, expired, revoked). */
export async function readSession(c: Context, services: Services): Promise<{ session: ConsoleSession; claims: TokenClaims } | null> {
  const sealed = getCookie(c, SESSION_COOKIE);
  if (!sealed) return null;
  let session: ConsoleSession;
  try {
    session = JSON.parse(await services.cipher.decrypt(sealed, SESSION_BINDING)) as ConsoleSession;
  } catch {
    return null;
  }
  if (typeof session.expiresAt !== 'number' || session.expiresAt <= services.clock.now()) return null;
  const claims = await claimsOf(services, session.kind, session.credential);
  return claims ? { session, claims } : null;
}

/** What a credential may do: a token's own claims, or a platform admin for the configured user. */
export async function claimsOf(services: Services, kind: ConsoleSession['kind'], credential: string): Promise<TokenClaims | null> {
  if (kind === 'token') {
    const claims = await services.verifyToken(credential);
    return claims?.scopes.has(ADMIN_SCOPE) ? claims : null;
  }
  const admin = services.config.consoleAdmin;
  if (!admin || !timingSafeEqual(credential, admin.user)) return null;
  return { sub: `console:${admin.user}`, scopes: new Set([ADMIN_SCOPE]), tenantId: null, partnerOrgId: null };
}

/** Both the user and the password are compared in constant time, and both always are. */
export function passwordMatches(services: Services, user: string, password: string): boolean {
  const admin = services.config.consoleAdmin;
  if (!admin) return false;
  const userOk = timingSafeEqual(user, admin.user);
  const passwordOk = timingSafeEqual(password, admin.password);
  return userOk && passwordOk;
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

export const csrfMatches = (session: ConsoleSession, presented: unknown): boolean => typeof presented === 'string' && timingSafeEqual(presented, session.csrf);
