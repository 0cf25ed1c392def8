-- hookgate schema, version 5: the audit log, one row per change made through the console or an API (issue 24 item 4).
-- actor_kind: 'token' (a Bearer JWT's sub), 'api_key' (a tenant key's public id), 'console_token' or 'console_password'.
-- tenant_id is the target's tenant (null for a platform-wide change); changes is a small JSON of field names and
-- non-secret new values. Pruned with the delivery history after HOOKGATE_RETENTION_DAYS.

CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  created_at INTEGER NOT NULL,
  actor_kind TEXT NOT NULL,
  actor TEXT NOT NULL,
  actor_tenant_id TEXT,
  actor_partner_org_id TEXT,
  action TEXT NOT NULL,
  target_type TEXT NOT NULL,
  target_id TEXT NOT NULL,
  tenant_id TEXT,
  ip TEXT,
  request_id TEXT,
  changes TEXT
);

CREATE INDEX audit_log_created ON audit_log (created_at);
CREATE INDEX audit_log_tenant_created ON audit_log (tenant_id, created_at);
