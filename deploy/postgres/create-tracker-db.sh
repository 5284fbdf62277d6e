#!/bin/sh
# Runs once, when the PostgreSQL volume is created: the backend's database is POSTGRES_DB,
# Rasa's tracker store gets its own (TRACKER_DB_NAME), owned by the same role.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -c "CREATE DATABASE \"$TRACKER_DB_NAME\" OWNER \"$POSTGRES_USER\""
