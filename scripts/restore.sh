#!/usr/bin/env bash
# Restores a dump made by scripts/backup.sh.
#   scripts/restore.sh file.dump [--database citypass] [--replace]
# The schema in the dump must not exist in the database, unless --replace (which drops it first: stop the hosts).
# Connection: PGHOST/PGPORT/PGUSER/PGPASSWORD as for backup.sh.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: scripts/restore.sh file.dump [--database citypass] [--replace]" >&2; exit 2; }
file=$1; shift
database=citypass replace=0
while [ $# -gt 0 ]; do
  case "$1" in
    --database) database=$2; shift 2 ;;
    --replace) replace=1; shift ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
[ -f "$file" ] || { echo "no such dump: $file" >&2; exit 2; }
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5433} PGUSER=${PGUSER:-citypass} PGPASSWORD=${PGPASSWORD:-citypass}
PG_BIN=/usr/lib/postgresql/15/bin
[ -x "$PG_BIN/pg_restore" ] || PG_BIN=$(dirname "$(command -v pg_restore)")
schema=$("$PG_BIN/pg_restore" --list "$file" | awk '$4 == "SCHEMA" && !found {print $6; found = 1}')
[ -n "$schema" ] || { echo "the dump holds no schema" >&2; exit 2; }
exists=$("$PG_BIN/psql" -qtA -d "$database" -c "SELECT 1 FROM pg_namespace WHERE nspname = '$schema'")
clean=()
if [ "$exists" = 1 ]; then
  [ "$replace" = 1 ] || { echo "schema $schema exists in $database: stop the hosts and pass --replace to overwrite it" >&2; exit 3; }
  clean=(--clean --if-exists)
fi
# All or nothing: a failed restore (with --replace, its drops included) leaves the database as it was.
"$PG_BIN/pg_restore" --no-owner --single-transaction --exit-on-error "${clean[@]}" -d "$database" "$file"
# A restore brings rows but no planner statistics: without them the hosts' prepared statements would be planned for
# empty tables until autovacuum came round (docs/operations.md, Prepared statements).
"$PG_BIN/psql" -q -v ON_ERROR_STOP=1 -d "$database" <<SQL
SELECT format('ANALYZE %I.%I', schemaname, tablename) FROM pg_tables WHERE schemaname = '$schema' \gexec
SQL
echo "restored schema $schema into $database (tables analyzed)"
