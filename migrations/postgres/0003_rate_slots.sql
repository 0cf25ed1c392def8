-- hookgate schema, version 3, for Postgres: a delivery postponed by its endpoint's rate limit keeps the slot it reserved.

ALTER TABLE deliveries ADD COLUMN rate_slot_at BIGINT;
