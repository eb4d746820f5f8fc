#!/usr/bin/env bash
# Backs up CityPass's PostgreSQL schema (event store, documents, projections) with pg_dump, custom format.
#   scripts/backup.sh [--schema citypass] [--database citypass] [-o file.dump]
# Connection: PGHOST/PGPORT/PGUSER/PGPASSWORD (defaults: the local services, 127.0.0.1:5433, citypass/citypass).
# Events are the truth; documents and projections are in the dump too, so a restore needs no rebuild (docs/operations.md).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
schema=citypass database=citypass out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --schema) schema=$2; shift 2 ;;
    --database) database=$2; shift 2 ;;
    -o) out=$2; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5433} PGUSER=${PGUSER:-citypass} PGPASSWORD=${PGPASSWORD:-citypass}
PG_BIN=/usr/lib/postgresql/15/bin
[ -x "$PG_BIN/pg_dump" ] || PG_BIN=$(dirname "$(command -v pg_dump)")
out=${out:-$ROOT/artifacts/backups/$database-$schema-$(date -u +%Y%m%dT%H%M%SZ).dump}
mkdir -p "$(dirname "$out")"
# One consistent snapshot (pg_dump runs in a single repeatable-read transaction): hosts may keep running.
"$PG_BIN/pg_dump" --format=custom --no-owner --schema="$schema" --file="$out" "$database"
echo "$out"
