import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AppEnv } from '../api/context.ts';
import type { PortalSessionRow, Tenant } from '../db/schema.ts';
import type { PortalSettings } from '../domain/portal.ts';

/**
 * The portal's cookie carries the session's random id only (the store keeps its SHA-256). Over
 * https it is `SameSite=None; Secure; Partitioned`: a portal framed by the customer's own site is a
 * third-party context, where a Lax or Strict cookie would not be sent, and a partitioned cookie
 * (CHIPS) is kept per top-level site, so it also works where third-party cookies are blocked. Over
 * plain http a browser refuses `SameSite=None` without `Secure`, so the cookie is `SameSite=Lax`: the
 * portal then works at the top level and in frames of the same site only (docs/portal.md).
 */
const COOKIE = 'hookgate_portal';

export interface PortalEnv {
  Variables: AppEnv['Variables'] & { portal: PortalSessionRow; portalTenant: Tenant; portalSettings: PortalSettings };
}

/** Secure cookies whenever the portal is reached over https (or declared so: production, or an https public URL). */
function isHttps(c: Context<PortalEnv>): boolean {
  const { config } = c.var.services;
  return new URL(c.req.url).protocol === 'https:' || config.env === 'production' || Boolean(config.publicUrl?.startsWith('https:'));
}

export function setSessionCookie(c: Context<PortalEnv>, sid: string, expiresAt: number): void {
  const secure = isHttps(c);
  const maxAge = Math.max(0, Math.ceil((expiresAt - c.var.services.clock.now()) / 1000));
  const base = { path: '/portal', httpOnly: true, maxAge };
  if (secure) setCookie(c, COOKIE, sid, { ...base, secure: true, sameSite: 'None', partitioned: true });
  else setCookie(c, COOKIE, sid, { ...base, sameSite: 'Lax' });
}

export const sessionCookie = (c: Context<PortalEnv>): string | undefined => getCookie(c, COOKIE);

export function dropSessionCookie(c: Context<PortalEnv>): void {
  const secure = isHttps(c);
  deleteCookie(c, COOKIE, secure ? { path: '/portal', secure: true, sameSite: 'None', partitioned: true } : { path: '/portal' });
}
