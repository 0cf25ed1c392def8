-- hookgate schema, version 4, for Postgres: one row that /ready writes after a store failure, to learn when the store takes writes again.

CREATE TABLE store_probe (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  written_at BIGINT NOT NULL
);
