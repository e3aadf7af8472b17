#!/bin/sh
# Creates and migrates Temporal's two PostgreSQL databases (temporal, temporal_visibility) with
# temporal-sql-tool: the admin-tools image's in docker-compose.yml, the one scripts/install-temporal.sh
# builds in `npm run stack`. The schemas are embedded in the tool, so its version picks them. Safe to
# run on every start: setup-schema and update-schema only apply what is missing, which is also how a
# newer tool upgrades them.
set -eu
: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${SQL_PASSWORD:?}"

# The tool reads the password from SQL_PASSWORD, so it never shows on a command line.
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
  sql --db "$name" update-schema --schema-name "postgresql/v12/$schema"
done
# The app's own database beside them; the app migrates its schema itself at start.
sql --db "${APP_DATABASE:-relief}" create 2>/dev/null || echo "database ${APP_DATABASE:-relief} exists"
echo "temporal schema ready"
