#!/usr/bin/env bash
# Starts the machine's PostgreSQL and makes the role and the database that the store tests use,
# then prints the URL for WAYMARK_TEST_POSTGRES on stdout (everything else goes to stderr).
# Idempotent: run it any number of times; each run empties the test database. Needs root.
#
#   WAYMARK_TEST_POSTGRES="$(bash crates/waymark-store/tests/pg-setup.sh)"
#   export WAYMARK_TEST_POSTGRES
#   cargo test -p waymark-store
set -euo pipefail

role=waymark
password=waymark
database=waymark_test
port=5432

log() { echo "pg-setup: $*" >&2; }

if ! command -v pg_lsclusters >/dev/null; then
    log "installing PostgreSQL"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update >&2
    apt-get install -y postgresql >&2
fi

# The newest installed cluster (Debian's postgresql package creates `main`).
read -r version cluster < <(pg_lsclusters --no-header | sort -k1,1nr | awk 'NR == 1 { print $1, $2 }')
if [ -z "${version:-}" ]; then
    log "no PostgreSQL cluster found"
    exit 1
fi
port=$(pg_lsclusters --no-header | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c { print $3 }')

if ! pg_ctlcluster "$version" "$cluster" status >/dev/null 2>&1; then
    log "starting PostgreSQL $version/$cluster on port $port"
    pg_ctlcluster "$version" "$cluster" start >&2
fi
for _ in $(seq 1 60); do
    pg_isready -q -h 127.0.0.1 -p "$port" && break
    sleep 0.5
done
pg_isready -h 127.0.0.1 -p "$port" >&2

psql_admin() { su postgres -c "psql -p $port -v ON_ERROR_STOP=1 -qtA $*"; }

if [ "$(psql_admin "-c \"SELECT 1 FROM pg_roles WHERE rolname = '$role'\"")" != 1 ]; then
    log "creating role $role"
    psql_admin "-c \"CREATE ROLE $role LOGIN CREATEDB PASSWORD '$password'\"" >&2
fi
# A fresh database on every run: tests make a schema each and a failed test may leave its own.
psql_admin "-c \"DROP DATABASE IF EXISTS $database WITH (FORCE)\"" >&2
psql_admin "-c \"CREATE DATABASE $database OWNER $role\"" >&2

echo "postgres://$role:$password@127.0.0.1:$port/$database"
