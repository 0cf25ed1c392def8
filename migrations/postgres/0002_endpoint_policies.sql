-- hookgate schema, version 2, for Postgres: ordered endpoints, enforced rate limits, circuit breaking, bulk recovery.

ALTER TABLE endpoints ADD COLUMN ordering TEXT NOT NULL DEFAULT 'none' CHECK (ordering IN ('none', 'fifo'));
ALTER TABLE endpoints ADD COLUMN rate_limit DOUBLE PRECISION;
ALTER TABLE endpoints ADD COLUMN rate_tat BIGINT;
ALTER TABLE endpoints ADD COLUMN circuit_state TEXT NOT NULL DEFAULT 'closed' CHECK (circuit_state IN ('closed', 'open', 'half_open'));
ALTER TABLE endpoints ADD COLUMN consecutive_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE endpoints ADD COLUMN circuit_opened_at BIGINT;
ALTER TABLE endpoints ADD COLUMN circuit_retry_at BIGINT;

CREATE INDEX deliveries_pending_by_endpoint ON deliveries (endpoint_id, id) WHERE status = 'pending';

CREATE TABLE recovery_jobs (
  id TEXT PRIMARY KEY,
  endpoint_id TEXT NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
  since BIGINT NOT NULL,
  until BIGINT,
  status_filter TEXT NOT NULL CHECK (status_filter IN ('failed', 'succeeded', 'all')),
  state TEXT NOT NULL CHECK (state IN ('running', 'done')),
  total INTEGER NOT NULL,
  done INTEGER NOT NULL DEFAULT 0,
  skipped INTEGER NOT NULL DEFAULT 0,
  cursor BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  finished_at BIGINT
);
CREATE INDEX recovery_jobs_running ON recovery_jobs (state) WHERE state = 'running';
