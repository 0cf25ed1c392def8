import type { Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { SurfaceName } from '../catalogue.ts';

/** The store, as migrations/*.sql define it. Times are integer milliseconds since the epoch. */
export interface Database {
  tenants: TenantTable;
  api_keys: ApiKeyTable;
  as2_partners: As2PartnerTable;
  endpoints: EndpointTable;
  events: EventTable;
  deliveries: DeliveryTable;
  attempts: AttemptTable;
  recovery_jobs: RecoveryJobTable;
  store_probe: StoreProbeTable;
  audit_log: AuditLogTable;
  console_users: ConsoleUserTable;
  console_sessions: ConsoleSessionTable;
  portal_links: PortalLinkTable;
  portal_sessions: PortalSessionTable;
  d1_migrations: MigrationTable;
}

export interface TenantTable {
  id: string;
  name: string;
  partner_org_id: string | null;
  created_at: number;
}

export interface ApiKeyTable {
  id: string;
  tenant_id: string;
  key_hash: string;
  label: string | null;
  created_at: number;
  revoked_at: number | null;
}

export interface As2PartnerTable {
  id: Generated<number>;
  tenant_id: string;
  name: string;
  created_at: number;
}

export type AuthMethod = 'OAUTH2' | 'BASIC_AUTH' | 'API_KEY';

export interface EndpointTable {
  id: string;
  tenant_id: string;
  surface: SurfaceName;
  url: string;
  description: string | null;
  /** JSON array of canonical event names; null takes every event the surface carries. */
  event_types: string | null;
  enabled: Generated<number>;
  disabled_reason: string | null;
  secret_enc: string | null;
  previous_secret_enc: string | null;
  previous_secret_expires_at: number | null;
  auth_method: AuthMethod | null;
  /** Encrypted JSON of the whole outbound authentication object (page 002). */
  auth_enc: string | null;
  subscriber: string | null;
  as2_partner_id: number | null;
  created_at: number;
  updated_at: number;
  last_triggered_at: number | null;
  failing_since: number | null;
  /** `fifo`: deliveries are attempted strictly in event order, one at a time. */
  ordering: Generated<'none' | 'fifo'>;
  /** Deliveries per second; null = unlimited. */
  rate_limit: number | null;
  /** GCRA theoretical arrival time of the next conforming attempt (ms). */
  rate_tat: number | null;
  /** GCRA theoretical time of the next conforming send, checked just before sending (ms). */
  rate_send_tat: number | null;
  circuit_state: Generated<CircuitState>;
  consecutive_failures: Generated<number>;
  circuit_opened_at: number | null;
  circuit_retry_at: number | null;
}

export type CircuitState = 'closed' | 'open' | 'half_open';

export interface RecoveryJobTable {
  id: string;
  endpoint_id: string;
  since: number;
  until: number | null;
  status_filter: 'failed' | 'succeeded' | 'all';
  state: 'running' | 'done';
  total: number;
  done: Generated<number>;
  skipped: Generated<number>;
  /** The highest delivery id handled so far. */
  cursor: Generated<number>;
  created_at: number;
  finished_at: number | null;
}

export interface EventTable {
  id: string;
  tenant_id: string;
  type: string;
  requested_type: string;
  data: string;
  as2_partner_id: number | null;
  idempotency_key: string | null;
  delivery_count: number;
  occurred_at: number;
  created_at: number;
}

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface DeliveryTable {
  id: Generated<number>;
  event_id: string;
  endpoint_id: string;
  /** The `webhook-id` header: stable across retries so receivers can deduplicate. */
  message_id: string;
  status: DeliveryStatus;
  attempt_count: Generated<number>;
  /** When pending: the time it is due. While leased: the lease expiry, so a crashed owner's work falls due again. */
  next_attempt_at: number | null;
  lease_owner: string | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  completed_at: number | null;
  /** The rate-limit slot this delivery reserved when it was postponed (ms), so it reserves only once. */
  rate_slot_at: number | null;
}

export interface AttemptTable {
  id: Generated<number>;
  delivery_id: number;
  attempt_number: number;
  trigger: 'fast_path' | 'sweep' | 'manual' | 'test';
  started_at: number;
  duration_ms: number;
  succeeded: number;
  status_code: number | null;
  error_class: string | null;
  error_message: string | null;
  request_url: string;
  request_headers: string;
  response_headers: string | null;
  response_body: string | null;
}

/** One row, written by `/ready` after a store failure (see src/db/store-health.ts). */
export interface StoreProbeTable {
  id: number;
  written_at: number;
}

/** One change made through the console or an API (migrations/0005_audit_log.sql). */
export interface AuditLogTable {
  id: Generated<number>;
  created_at: number;
  actor_kind: AuditActorKind;
  /** A token's `sub`, a tenant API key's public id (`hg_<16 hex>`) or the console user: never a secret. */
  actor: string;
  actor_tenant_id: string | null;
  actor_partner_org_id: string | null;
  action: string;
  target_type: string;
  target_id: string;
  /** The target's tenant; null for a platform-wide change. */
  tenant_id: string | null;
  ip: string | null;
  request_id: string | null;
  /** JSON object of the fields changed and their non-secret new values. */
  changes: string | null;
}

export type AuditActorKind = 'token' | 'api_key' | 'console_token' | 'console_password' | 'portal';

export type ConsoleRole = 'viewer' | 'operator' | 'admin';

/** A console user (migrations/0006_console_users.sql). */
export interface ConsoleUserTable {
  id: string;
  name: string;
  role: ConsoleRole;
  /** `scrypt$N$r$p$salt$hash` (lib/password.ts), never the password. */
  password_hash: string;
  created_at: number;
  disabled_at: number | null;
}

/** A console session; the cookie carries its id, the store only the id's SHA-256. */
export interface ConsoleSessionTable {
  id_hash: string;
  /** The console user, `console:<name>` style without the prefix; `(token)` for a pasted-token session. */
  user_name: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  revoked_at: number | null;
}

/** A tenant portal link (migrations/0007_portal.sql): its token is `<id>.<secret>`, the store keeps the secret's SHA-256. */
export interface PortalLinkTable {
  id: string;
  secret_hash: string;
  tenant_id: string;
  /** JSON of the portal's settings (src/domain/portal.ts `PortalSettings`). */
  settings: string;
  /** Who issued the link: the token's `sub` or the console user. */
  created_by: string;
  created_at: number;
  expires_at: number;
  /** Set once, by the request that redeemed the link. */
  used_at: number | null;
}

/** A portal session, opened by redeeming a link; the cookie carries its id, the store only the id's SHA-256. */
export interface PortalSessionTable {
  id_hash: string;
  link_id: string;
  tenant_id: string;
  /** The CSRF token every portal form carries. */
  csrf: string;
  settings: string;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
}

export interface MigrationTable {
  id: Generated<number>;
  name: string;
  applied_at: Generated<string>;
}

export type Tenant = Selectable<TenantTable>;
export type As2Partner = Selectable<As2PartnerTable>;
export type Endpoint = Selectable<EndpointTable>;
export type NewEndpoint = Insertable<EndpointTable>;
export type EndpointUpdate = Updateable<EndpointTable>;
export type EventRow = Selectable<EventTable>;
export type Delivery = Selectable<DeliveryTable>;
export type Attempt = Selectable<AttemptTable>;
export type RecoveryJob = Selectable<RecoveryJobTable>;
export type AuditEntry = Selectable<AuditLogTable>;
export type ConsoleUser = Selectable<ConsoleUserTable>;
export type ConsoleSessionRow = Selectable<ConsoleSessionTable>;
export type PortalLink = Selectable<PortalLinkTable>;
export type PortalSessionRow = Selectable<PortalSessionTable>;
