#!/bin/sh
# Compose only (service db-roles): gives each service's role, made by service-roles.sql, the password the services
# were given, MMAP_DB_PASSWORD. psql reads it from the environment (\getenv), so it is in no process's arguments;
# PostgreSQL receives it in ALTER ROLE, so keep statement logging (log_statement=ddl) off while this runs. On a
# cluster your database administrator sets one password per role.
set -eu
psql -v ON_ERROR_STOP=1 <<'SQL'
\getenv password MMAP_DB_PASSWORD
ALTER ROLE mmap_trainer PASSWORD :'password';
ALTER ROLE mmap_grouping PASSWORD :'password';
ALTER ROLE mmap_eval PASSWORD :'password';
SQL
