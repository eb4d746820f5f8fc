#!/usr/bin/env bash
# Starts (or finds already running) PostgreSQL and RabbitMQ on 127.0.0.1 for CityPass.
#   scripts/services.sh start   -> through `docker compose` when a Docker engine answers,
#                                  otherwise from the local Debian packages (installed if missing)
#   scripts/services.sh stop    -> stops what this script started locally
# Ports: PostgreSQL 5433, RabbitMQ 5672 (management UI 15672 when the plugin is available).
# Idempotent: running it again while the services are up changes nothing.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE=${CITYPASS_STATE:-/var/tmp/citypass}
PG_PORT=${CITYPASS_PG_PORT:-5433}
RMQ_PORT=${CITYPASS_RMQ_PORT:-5672}
PG_BIN=/usr/lib/postgresql/15/bin
PG_DIR=$STATE/pg
RMQ_DIR=$STATE/rmq

log() { printf '[services] %s\n' "$*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() { # port seconds
  for _ in $(seq 1 "$2"); do port_open "$1" && return 0; sleep 1; done
  return 1
}

docker_engine() { command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; }

apt_install() {
  log "installing $* with apt-get"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >/dev/null; then
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >/dev/null
  fi
}

# ---------- PostgreSQL ----------
# As the postgres superuser over the socket: a caller's PGUSER/PGPASSWORD/PGDATABASE (set for scripts/backup.sh or psql
# against the citypass role) would otherwise make it sign in as that role and fail peer authentication.
pg_psql() { env -u PGUSER -u PGPASSWORD -u PGDATABASE -u PGHOST -u PGPORT su postgres -c "$PG_BIN/../bin/psql -h $PG_DIR -p $PG_PORT -U postgres -v ON_ERROR_STOP=1 -qtA $*"; }

start_pg_local() {
  if port_open "$PG_PORT"; then log "PostgreSQL already answers on 127.0.0.1:$PG_PORT"; return; fi
  [ -x "$PG_BIN/initdb" ] || apt_install postgresql-15
  id postgres >/dev/null 2>&1 || { log "no postgres user after install"; exit 1; }
  install -d -o postgres -g postgres -m 700 "$PG_DIR"
  chmod 755 "$STATE"
  if [ ! -f "$PG_DIR/data/PG_VERSION" ]; then
    echo postgres > "$PG_DIR/pw"; chown postgres "$PG_DIR/pw"; chmod 600 "$PG_DIR/pw"
    su postgres -c "$PG_BIN/initdb -D $PG_DIR/data -U postgres --pwfile=$PG_DIR/pw --auth-local=peer --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8" >/dev/null
  fi
  rm -f "$PG_DIR/data/postmaster.pid" 2>/dev/null || true
  su postgres -c "$PG_BIN/pg_ctl -D $PG_DIR/data -l $PG_DIR/server.log -w -t 60 -o '-p $PG_PORT -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=256MB -c shared_preload_libraries=pg_stat_statements -k $PG_DIR' start" >/dev/null
  log "PostgreSQL started on 127.0.0.1:$PG_PORT"
}

ensure_pg_roles() {
  # The citypass role owns the app database and the test database.
  local sql="DO \\\$\\\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='citypass') THEN CREATE ROLE citypass LOGIN PASSWORD 'citypass'; END IF; END \\\$\\\$;"
  pg_psql "-d postgres -c \"$sql\""
  for db in citypass citypass_test; do
    if [ "$(pg_psql "-d postgres -c \"SELECT 1 FROM pg_database WHERE datname='$db'\"")" != "1" ]; then
      pg_psql "-d postgres -c 'CREATE DATABASE $db OWNER citypass'"
    fi
    # Which statements cost the most (docs/operations.md); only when the server was started with the library.
    if [ "$(pg_psql "-d postgres -c 'SHOW shared_preload_libraries'")" = "pg_stat_statements" ]; then
      pg_psql "-d $db -c 'SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS pg_stat_statements'"
    fi
  done
  pg_psql "-d postgres -c 'SET client_min_messages = warning; GRANT pg_read_all_stats TO citypass'"
}

stop_pg_local() {
  [ -f "$PG_DIR/data/postmaster.pid" ] || return 0
  su postgres -c "$PG_BIN/pg_ctl -D $PG_DIR/data -m fast -w stop" >/dev/null && log "PostgreSQL stopped"
}

# ---------- RabbitMQ ----------
# +sbwt none ...: Erlang's schedulers do not busy-wait for work; on cores shared with PostgreSQL and the host that
# spinning was CPU taken from the taps (docs/performance.md).
rmq() {
  ( export HOME=$RMQ_DIR RABBITMQ_NODENAME=rabbit@localhost RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
      RABBITMQ_NODE_PORT=$RMQ_PORT ERL_EPMD_ADDRESS=127.0.0.1 RABBITMQ_MNESIA_BASE=$RMQ_DIR/mnesia \
      RABBITMQ_LOG_BASE=$RMQ_DIR/log RABBITMQ_CONF_ENV_FILE=/dev/null \
      RABBITMQ_CONFIG_FILE=$RMQ_DIR/rabbitmq.conf RABBITMQ_ENABLED_PLUGINS_FILE=$RMQ_DIR/enabled_plugins \
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1} +sbwt none +sbwtdcpu none +sbwtdio none"
    "$@" )
}

start_rmq_local() {
  if port_open "$RMQ_PORT"; then log "RabbitMQ already answers on 127.0.0.1:$RMQ_PORT"; return; fi
  [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || apt_install rabbitmq-server
  mkdir -p "$RMQ_DIR"
  printf 'listeners.tcp.default = 127.0.0.1:%s\nmanagement.tcp.ip = 127.0.0.1\nmanagement.tcp.port = 15672\nloopback_users = none\n' "$RMQ_PORT" > "$RMQ_DIR/rabbitmq.conf"
  if ls /usr/lib/rabbitmq/lib/*/plugins/rabbitmq_management-* >/dev/null 2>&1; then
    echo '[rabbitmq_management].' > "$RMQ_DIR/enabled_plugins"
  else
    echo '[].' > "$RMQ_DIR/enabled_plugins"
  fi
  rmq /usr/lib/rabbitmq/bin/rabbitmq-server -detached
  rmq /usr/lib/rabbitmq/bin/rabbitmqctl -q wait --timeout 90 "$RMQ_DIR/mnesia/rabbit@localhost.pid"
  wait_port "$RMQ_PORT" 60 || { log "RabbitMQ did not open 127.0.0.1:$RMQ_PORT"; exit 1; }
  log "RabbitMQ started on 127.0.0.1:$RMQ_PORT (management UI http://127.0.0.1:15672, guest/guest)"
}

stop_rmq_local() {
  [ -f "$RMQ_DIR/mnesia/rabbit@localhost.pid" ] || return 0
  rmq /usr/lib/rabbitmq/bin/rabbitmqctl -q shutdown >/dev/null 2>&1 || true
  ERL_EPMD_ADDRESS=127.0.0.1 epmd -kill >/dev/null 2>&1 || true
  log "RabbitMQ stopped"
}

# ---------- Docker ----------
start_docker() {
  log "Docker engine found: docker compose up postgres rabbitmq"
  (cd "$ROOT" && docker compose up -d postgres rabbitmq)
  wait_port "$PG_PORT" 90 && wait_port "$RMQ_PORT" 90 || { log "containers did not open their ports"; exit 1; }
  for _ in $(seq 1 60); do
    (cd "$ROOT" && docker compose exec -T postgres pg_isready -U citypass >/dev/null 2>&1) && break; sleep 1
  done
  (cd "$ROOT" && docker compose exec -T postgres psql -U citypass -d citypass -qtAc \
    "SELECT 1 FROM pg_database WHERE datname='citypass_test'" | grep -q 1) ||
    (cd "$ROOT" && docker compose exec -T postgres psql -U citypass -d citypass -qc 'CREATE DATABASE citypass_test')
}

case "${1:-start}" in
  start)
    mkdir -p "$STATE"
    if [ "${CITYPASS_NO_DOCKER:-}" != "1" ] && docker_engine; then
      start_docker
    else
      start_pg_local
      # Roles and databases are made through our own server's socket; a server found already running elsewhere is used as it is.
      if [ -S "$PG_DIR/.s.PGSQL.$PG_PORT" ]; then ensure_pg_roles; fi
      start_rmq_local
    fi
    ;;
  stop)
    stop_pg_local; stop_rmq_local ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
