-- hookgate schema, version 7 (Postgres): the tenant portal's single-use links and the sessions they open (issue 24 item 5).
-- A link's token is `<id>.<secret>`: id is public (pl_<24 hex>), secret_hash the SHA-256 hex of the secret half.
-- used_at is set by the one request that redeems the link. settings is a small JSON of the portal's look and
-- embedding: {"accent": "#rrggbb" | null, "logo_url": "https://…" | null, "frame_ancestors": ["https://app.example.com"]}.
-- A session row is the only thing the portal cookie points at (id_hash: SHA-256 hex of the cookie's random id);
-- it ends at expires_at or when revoked_at is set. Both tables are pruned a day after their rows expire.

CREATE TABLE portal_links (
  id TEXT PRIMARY KEY,
  secret_hash TEXT NOT NULL,
  tenant_id TEXT NOT NULL,
  settings TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at BIGINT
);

CREATE INDEX portal_links_expires ON portal_links (expires_at);

CREATE TABLE portal_sessions (
  id_hash TEXT PRIMARY KEY,
  link_id TEXT NOT NULL,
  tenant_id TEXT NOT NULL,
  csrf TEXT NOT NULL,
  settings TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  revoked_at BIGINT
);

CREATE INDEX portal_sessions_expires ON portal_sessions (expires_at);
