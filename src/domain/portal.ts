import { claimPortalLink, findPortalLink, findPortalSession, insertPortalLink, insertPortalSession, prunePortal, revokePortalSession } from '../db/repo/portal.ts';
import type { PortalLink, PortalSessionRow, Tenant } from '../db/schema.ts';
import { sha256Hex, timingSafeEqual } from '../lib/hash.ts';
import { prefixedId, randomToken } from '../lib/random.ts';
import type { Services } from '../services.ts';

/**
 * The tenant portal's single-use links and the sessions they open. A link's token is
 * `<id>.<secret>`: the id (`pl_<24 hex>`) finds the row, the secret (32 CSPRNG bytes) is compared in
 * constant time with the SHA-256 the store keeps. Redeeming marks the link used in one statement,
 * so a link opens at most one session, however many requests race with it.
 */

/** How a portal looks and where it may be embedded; validated by the admin API before it is stored. */
export interface PortalSettings {
  /** `#rgb` or `#rrggbb`. */
  accent: string | null;
  /** An https URL. */
  logo_url: string | null;
  /** Origins allowed to frame the portal (CSP `frame-ancestors`); empty: no framing at all. */
  frame_ancestors: string[];
}

export const LINK_TTL_SECONDS = { default: 900, min: 30, max: 86_400 } as const;
/** A portal session ends this long after its link was opened (absolute; no idle extension). */
export const PORTAL_SESSION_SECONDS = 4 * 3600;
/** Links and sessions are deleted this long after they expire (kept a while so a late click still says "used or expired"). */
const PRUNE_AFTER_MS = 86_400_000;

export const NO_SETTINGS: PortalSettings = { accent: null, logo_url: null, frame_ancestors: [] };

export function parseSettings(text: string): PortalSettings {
  try {
    return { ...NO_SETTINGS, ...(JSON.parse(text) as Partial<PortalSettings>) };
  } catch {
    return NO_SETTINGS;
  }
}

export async function issuePortalLink(
  services: Services,
  input: { tenant: Tenant; settings: PortalSettings; ttlSeconds: number; createdBy: string },
): Promise<{ id: string; token: string; expiresAt: number }> {
  const now = services.clock.now();
  await prunePortal(services.db, now - PRUNE_AFTER_MS);
  const id = prefixedId('pl');
  const secret = randomToken(32);
  const expiresAt = now + input.ttlSeconds * 1000;
  await insertPortalLink(services.db, {
    id,
    secret_hash: await sha256Hex(secret),
    tenant_id: input.tenant.id,
    settings: JSON.stringify(input.settings),
    created_by: input.createdBy,
    created_at: now,
    expires_at: expiresAt,
    used_at: null,
  });
  return { id, token: `${id}.${secret}`, expiresAt };
}

const TOKEN = /^(pl_[0-9a-f]{24})\.([A-Za-z0-9_-]{20,100})$/;

export type Redeemed =
  | { ok: true; sid: string; session: PortalSessionRow }
  /** `used` and `expired` carry the link's settings, so the refusal still renders inside the customer's frame. */
  | { ok: false; reason: 'unknown' }
  | { ok: false; reason: 'used' | 'expired'; settings: PortalSettings };

/** Exchanges a link's token for a new session (once); anything else says why not. */
export async function redeemPortalLink(services: Services, token: string): Promise<Redeemed> {
  const match = TOKEN.exec(token);
  if (!match) return { ok: false, reason: 'unknown' };
  const [, id, secret] = match as unknown as [string, string, string];
  const link: PortalLink | undefined = await findPortalLink(services.db, id);
  const presented = await sha256Hex(secret);
  if (!link || !timingSafeEqual(presented, link.secret_hash)) return { ok: false, reason: 'unknown' };
  const now = services.clock.now();
  const settings = parseSettings(link.settings);
  if (link.used_at !== null) return { ok: false, reason: 'used', settings };
  if (link.expires_at <= now) return { ok: false, reason: 'expired', settings };
  if (!(await claimPortalLink(services.db, id, now))) return { ok: false, reason: 'used', settings };
  const sid = randomToken(32);
  const session: PortalSessionRow = {
    id_hash: await sha256Hex(sid),
    link_id: id,
    tenant_id: link.tenant_id,
    csrf: randomToken(24),
    settings: link.settings,
    created_at: now,
    expires_at: now + PORTAL_SESSION_SECONDS * 1000,
    revoked_at: null,
  };
  await insertPortalSession(services.db, session);
  return { ok: true, sid, session };
}

/**
 * The session a cookie's id stands for: `live` when it may be used, else null (unknown, expired,
 * signed out); the settings of an ended one still frame the "session ended" page in the customer's app.
 */
export async function portalSessionOf(services: Services, sid: string): Promise<{ live: PortalSessionRow | null; settings: PortalSettings }> {
  const session = await findPortalSession(services.db, await sha256Hex(sid));
  if (!session) return { live: null, settings: NO_SETTINGS };
  const live = session.revoked_at === null && session.expires_at > services.clock.now();
  return { live: live ? session : null, settings: parseSettings(session.settings) };
}

export async function endPortalSession(services: Services, session: PortalSessionRow): Promise<void> {
  await revokePortalSession(services.db, session.id_hash, services.clock.now());
}
