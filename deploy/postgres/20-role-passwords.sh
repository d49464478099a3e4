#!/bin/sh
# Compose only: gives each service's role (made by 10-service-roles.sql, the local stack's service-roles.sql) the
# password the services were given, MMAP_DB_PASSWORD. On a cluster your database administrator sets one per role.
set -eu
for role in mmap_trainer mmap_grouping mmap_eval; do
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v role="$role" -v password="$MMAP_DB_PASSWORD" <<'SQL'
ALTER ROLE :"role" PASSWORD :'password';
SQL
done
