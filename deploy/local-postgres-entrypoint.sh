#!/bin/sh
# First start: a cluster with POSTGRES_USER (password POSTGRES_PASSWORD) owning POSTGRES_DB, password
# (SCRAM) logins over TCP; then Postgres in the foreground on every address.
set -eu
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  : "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}"
  user="${POSTGRES_USER:-postgres}"
  db="${POSTGRES_DB:-$user}"
  initdb -D "$PGDATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  echo "host all all 0.0.0.0/0 scram-sha-256" >>"$PGDATA/pg_hba.conf"
  pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
  password="$(printf "%s" "$POSTGRES_PASSWORD" | sed "s/'/''/g")"
  if [ "$user" != postgres ]; then psql -q -v ON_ERROR_STOP=1 -U postgres -d postgres -c "CREATE ROLE \"$user\" LOGIN PASSWORD '$password'"; fi
  if [ "$db" != postgres ]; then psql -q -v ON_ERROR_STOP=1 -U postgres -d postgres -c "CREATE DATABASE \"$db\" OWNER \"$user\""; fi
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
fi
exec postgres -D "$PGDATA" -c listen_addresses='*'
