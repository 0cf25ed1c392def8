-- hookgate schema, version 1. Frozen: change the schema with a new numbered file.
-- Runs unchanged on SQLite (better-sqlite3, bun:sqlite) and Cloudflare D1.
-- Times are integer milliseconds since the Unix epoch (UTC).

CREATE TABLE tenants (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  partner_org_id TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX tenants_by_partner_org ON tenants (partner_org_id);

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  key_hash TEXT NOT NULL,
  label TEXT,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE INDEX api_keys_by_tenant ON api_keys (tenant_id);

CREATE TABLE as2_partners (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX as2_partners_by_tenant ON as2_partners (tenant_id);

CREATE TABLE endpoints (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  surface TEXT NOT NULL CHECK (surface IN ('sponsor', 'admin', 'subscription', 'as2')),
  url TEXT NOT NULL,
  description TEXT,
  event_types TEXT,
  enabled INTEGER NOT NULL DEFAULT 1,
  disabled_reason TEXT,
  secret_enc TEXT,
  previous_secret_enc TEXT,
  previous_secret_expires_at INTEGER,
  auth_method TEXT CHECK (auth_method IN ('OAUTH2', 'BASIC_AUTH', 'API_KEY')),
  auth_enc TEXT,
  subscriber TEXT,
  as2_partner_id INTEGER REFERENCES as2_partners (id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  last_triggered_at INTEGER,
  failing_since INTEGER
);
CREATE UNIQUE INDEX endpoints_one_sponsor_webhook ON endpoints (tenant_id) WHERE surface = 'sponsor';
CREATE UNIQUE INDEX endpoints_one_per_as2_partner ON endpoints (as2_partner_id) WHERE surface = 'as2';
CREATE INDEX endpoints_by_tenant ON endpoints (tenant_id, surface);

CREATE TABLE events (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  type TEXT NOT NULL,
  requested_type TEXT NOT NULL,
  data TEXT NOT NULL,
  as2_partner_id INTEGER,
  idempotency_key TEXT,
  delivery_count INTEGER NOT NULL DEFAULT 0,
  occurred_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX events_by_idempotency_key ON events (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX events_by_created_at ON events (created_at);

CREATE TABLE deliveries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  endpoint_id TEXT NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
  message_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
  attempt_count INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  lease_owner TEXT,
  last_status_code INTEGER,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  completed_at INTEGER
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_by_endpoint ON deliveries (endpoint_id, id);
CREATE INDEX deliveries_by_event ON deliveries (event_id);

CREATE TABLE attempts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  delivery_id INTEGER NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
  attempt_number INTEGER NOT NULL,
  trigger TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL,
  succeeded INTEGER NOT NULL,
  status_code INTEGER,
  error_class TEXT,
  error_message TEXT,
  request_url TEXT NOT NULL,
  request_headers TEXT NOT NULL,
  response_headers TEXT,
  response_body TEXT
);
CREATE INDEX attempts_by_delivery ON attempts (delivery_id, id);
CREATE INDEX attempts_by_started_at ON attempts (started_at);
