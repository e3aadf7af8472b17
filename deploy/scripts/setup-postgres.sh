#!/bin/sh
# Creates and migrates Temporal's two PostgreSQL databases (temporal, temporal_visibility) with the
# admin-tools image's temporal-sql-tool. Safe to run on every `docker compose up`: setup-schema and
# update-schema only apply what is missing, which is also how a newer admin-tools image upgrades them.
set -eu
: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${SQL_PASSWORD:?}"
SCHEMA_DIR=/etc/temporal/schema/postgresql/v12

sql() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "${DB_PORT:-5432}" -u "$POSTGRES_USER" "$@"
}

for db in temporal:temporal temporal_visibility:visibility; do
  name=${db%%:*}
  schema=${db#*:}
  # CREATE DATABASE has no IF NOT EXISTS in PostgreSQL: a failure here means "exists" unless the
  # next step, which connects to the database, fails too.
  sql --db "$name" create 2>/dev/null || echo "database $name exists"
  sql --db "$name" setup-schema -v 0.0
  sql --db "$name" update-schema -d "$SCHEMA_DIR/$schema/versioned"
done
echo "temporal schema ready"
