import { insertAuditEntry } from '../db/repo/audit-log.ts';
import type { AuditActorKind, Endpoint } from '../db/schema.ts';
import type { Services } from '../services.ts';

/**
 * The audit log: one entry per change made through the console or an API (who, what, when, from
 * where). Callers describe the change; this module decides what may be stored. An entry holds
 * names and public ids only: the actor is a token's `sub`, a tenant API key's public id
 * (`hg_<16 hex>`) or the console user, never the credential itself, and `changes` keeps the
 * names of secret fields with the value `"(set)"`.
 */
export interface AuditActor {
  kind: AuditActorKind;
  /** `sub` of a token, `hg_<16 hex>` of an API key, the console user; `(no sub)` for a token without one. */
  id: string;
  tenantId: string | null;
  partnerOrgId: string | null;
}

/** Who made the change and from where, as the request gives it. */
export interface AuditOrigin {
  actor: AuditActor;
  ip: string | null;
  requestId: string | null;
}

export interface AuditChange {
  /** `<target type>.<past participle>`, e.g. `webhook.created`, `api_key.revoked`. */
  action: string;
  target: { type: string; id: string | number; tenantId: string | null };
  /** Field names and their new values; secret fields are stored as `"(set)"`, undefined ones dropped. */
  changes?: Record<string, unknown>;
}

/** An endpoint of any surface as the target of a change. */
export const endpointTarget = (endpoint: Pick<Endpoint, 'id' | 'tenant_id'>): AuditChange['target'] => ({ type: 'webhook', id: endpoint.id, tenantId: endpoint.tenant_id });

/** Field names whose value is never stored, at any depth. */
const SECRET_FIELD = /secret|password|token|auth|credential|api_?key|private/i;
const SET = '(set)';
const MAX_TEXT = 500;

/** `changes` as stored: secrets replaced, URLs without user info or query, long strings cut. */
export function publicChanges(changes: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) continue;
    out[name] = SECRET_FIELD.test(name) ? (value === null ? null : SET) : publicValue(value);
  }
  return out;
}

function publicValue(value: unknown): unknown {
  if (typeof value === 'string') return withoutUrlSecrets(value).slice(0, MAX_TEXT);
  if (Array.isArray(value)) return value.slice(0, 50).map(publicValue);
  if (value && typeof value === 'object') return publicChanges(value as Record<string, unknown>);
  return value;
}

/** A URL may carry credentials in its user info or query string: only its origin and path are kept. */
function withoutUrlSecrets(text: string): string {
  if (!/^https?:\/\//i.test(text)) return text;
  try {
    const url = new URL(text);
    return `${url.origin}${url.pathname}${url.search ? '?…' : ''}`;
  } catch {
    return text;
  }
}

/**
 * Writes the entry right after the change it records (not in the change's atomic unit: see
 * docs/operations.md). A failed write is logged at error level and does not undo or fail the
 * change, which has already happened.
 */
export async function recordChange(services: Services, origin: AuditOrigin, change: AuditChange): Promise<void> {
  const { actor } = origin;
  try {
    await insertAuditEntry(services.db, {
      created_at: services.clock.now(),
      actor_kind: actor.kind,
      actor: actor.id,
      actor_tenant_id: actor.tenantId,
      actor_partner_org_id: actor.partnerOrgId,
      action: change.action,
      target_type: change.target.type,
      target_id: String(change.target.id),
      tenant_id: change.target.tenantId,
      ip: origin.ip,
      request_id: origin.requestId,
      changes: change.changes ? JSON.stringify(publicChanges(change.changes)) : null,
    });
  } catch (error) {
    services.log({ level: 'error', msg: 'audit write failed', action: change.action, request_id: origin.requestId, error: error instanceof Error ? error.message : String(error) });
  }
}
