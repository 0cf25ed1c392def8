-- hookgate schema, version 6: console users and their server-side sessions (issue 24 item 4).
-- password_hash is `scrypt$N$r$p$salt$hash` (salt and hash base64url); role is 'viewer', 'operator' or 'admin';
-- disabled_at is set by `hookgate user disable`. A session row is the only thing the console cookie points at:
-- it ends at expires_at (absolute), after the idle limit since last_seen_at, or when revoked_at is set.

CREATE TABLE console_users (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  disabled_at INTEGER
);

CREATE TABLE console_sessions (
  id_hash TEXT PRIMARY KEY,
  user_name TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked_at INTEGER
);

CREATE INDEX console_sessions_user ON console_sessions (user_name);
