#!/usr/bin/env bash
# A three-node RabbitMQ cluster on this machine, to try quorum queues and the loss of a node (docs/operations.md, Scaling).
#   scripts/rabbitmq-cluster.sh start        starts the nodes that are not running and joins nodes 2 and 3 to node 1
#                                            (stop_app / reset / join_cluster / start_app); idempotent
#   scripts/rabbitmq-cluster.sh stop         shuts the three nodes down (their data stays)
#   scripts/rabbitmq-cluster.sh clean        stop, then deletes every folder of the cluster
#   scripts/rabbitmq-cluster.sh status       which nodes run, and the cluster as node 1 (or any running node) sees it
#   scripts/rabbitmq-cluster.sh kill N       kill -9 of node N's Erlang VM (a crash, no clean shutdown)
#   scripts/rabbitmq-cluster.sh restart N    starts node N again; it rejoins the cluster by itself
#   scripts/rabbitmq-cluster.sh ctl N ARGS   rabbitmqctl ARGS against node N (e.g. `ctl 1 list_queues name type leader members`)
#   scripts/rabbitmq-cluster.sh queues N ARGS   rabbitmq-queues ARGS against node N (e.g. `queues 2 quorum_status citypass-taps`)
# Node N (1..3) is citypass-cN@localhost, AMQP on 127.0.0.1:(5680+N), Erlang distribution on 127.0.0.1:(25680+N),
# with its own HOME, mnesia and log folders under $CITYPASS_CLUSTER_STATE (default /var/tmp/citypass-cluster) and one
# Erlang cookie shared by the three. No management plugin (its port would collide with the single node's).
# Installs rabbitmq-server with apt-get when it is missing. Never touches epmd nor any node it did not start.
set -euo pipefail

STATE=${CITYPASS_CLUSTER_STATE:-/var/tmp/citypass-cluster}
AMQP_BASE=${CITYPASS_CLUSTER_AMQP_BASE:-5680}
DIST_BASE=${CITYPASS_CLUSTER_DIST_BASE:-25680}
NODES=(1 2 3)
BIN=/usr/lib/rabbitmq/bin

log() { printf '[rabbitmq-cluster] %s\n' "$*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

apt_install() {
  log "installing $* with apt-get"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >/dev/null; then
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >/dev/null
  fi
}

name() { echo "citypass-c$1@localhost"; }
dir() { echo "$STATE/c$1"; }
amqp_port() { echo $((AMQP_BASE + $1)); }
pid_file() { echo "$(dir "$1")/mnesia/$(name "$1").pid"; }

check_node() {
  case "${1:-}" in 1|2|3) ;; *) echo "node must be 1, 2 or 3" >&2; exit 2 ;; esac
}

has_folder() { [ -f "$(dir "$1")/.erlang.cookie" ] || { log "node $1 was never started (no $(dir "$1")): run start first"; exit 1; }; }

# Runs a command with node N's environment (the server and every CLI call must share it).
node_env() {
  local n=$1; shift
  local d; d=$(dir "$n")
  ( export HOME=$d RABBITMQ_NODENAME=$(name "$n") RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
      RABBITMQ_NODE_PORT=$(amqp_port "$n") RABBITMQ_DIST_PORT=$((DIST_BASE + n)) ERL_EPMD_ADDRESS=127.0.0.1 \
      RABBITMQ_MNESIA_BASE=$d/mnesia RABBITMQ_LOG_BASE=$d/log RABBITMQ_CONF_ENV_FILE=/dev/null \
      RABBITMQ_CONFIG_FILE=$d/rabbitmq.conf RABBITMQ_ENABLED_PLUGINS_FILE=$d/enabled_plugins \
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1} +sbwt none +sbwtdcpu none +sbwtdio none" \
      ERL_CRASH_DUMP=$d/log/erl_crash.dump
    "$@" )
}

ctl() { local n=$1; shift; node_env "$n" "$BIN/rabbitmqctl" -n "$(name "$n")" "$@"; }

node_pid() { local f; f=$(pid_file "$1"); [ -s "$f" ] && cat "$f"; }

running() { # the VM of node N is alive (a killed one not yet reaped shows as a zombie: not alive)
  local pid stat; pid=$(node_pid "$1") || return 1
  stat=$(ps -o stat= -p "$pid" 2>/dev/null) || return 1
  [[ $stat != Z* ]]
}

prepare() {
  local n=$1 d; d=$(dir "$n")
  mkdir -p "$d/mnesia" "$d/log"
  printf 'listeners.tcp.default = 127.0.0.1:%s\nloopback_users = none\ncluster_partition_handling = pause_minority\n' "$(amqp_port "$n")" > "$d/rabbitmq.conf"
  echo '[].' > "$d/enabled_plugins"
  if [ ! -f "$STATE/cookie" ]; then
    head -c 30 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' > "$STATE/cookie"
  fi
  if ! cmp -s "$STATE/cookie" "$d/.erlang.cookie" 2>/dev/null; then
    rm -f "$d/.erlang.cookie"
    cp "$STATE/cookie" "$d/.erlang.cookie"
  fi
  chmod 400 "$d/.erlang.cookie"
}

launch() { # starts node N detached, without waiting
  local n=$1
  if running "$n"; then return 0; fi
  if port_open "$(amqp_port "$n")"; then
    log "127.0.0.1:$(amqp_port "$n") is taken by something that is not node $n: not starting it"; exit 1
  fi
  prepare "$n"
  rm -f "$(pid_file "$n")" # a stale one, left by kill -9
  # Not on our stdout/stderr: a caller reading them to the end (a test) would wait as long as the node lives.
  node_env "$n" "$BIN/rabbitmq-server" -detached </dev/null >"$(dir "$n")/log/detached.out" 2>&1
}

await_node() { # waits for node N's pid file, then for the broker to accept AMQP connections
  local n=$1
  ctl "$n" -q wait --timeout 90 "$(pid_file "$n")"
  for _ in $(seq 1 60); do port_open "$(amqp_port "$n")" && return 0; sleep 1; done
  log "node $n did not open 127.0.0.1:$(amqp_port "$n")"; exit 1
}

clustered_with_1() { ctl "$1" -q cluster_status 2>/dev/null | grep -q "$(name 1)"; }

join() { # joins node N to node 1 unless it already is a member
  local n=$1
  if clustered_with_1 "$n"; then return 0; fi
  log "joining $(name "$n") to $(name 1)"
  local out; out="$(dir "$n")/log/join.out"
  # join_cluster prints harmless errors of 3.10 about tracked-connection tables: shown only when a step fails
  if ! { ctl "$n" -q stop_app && ctl "$n" -q reset && ctl "$n" -q join_cluster "$(name 1)" && ctl "$n" -q start_app; } >"$out" 2>&1; then
    cat "$out" >&2; log "could not join $(name "$n") to $(name 1)"; exit 1
  fi
}

start() {
  [ -x "$BIN/rabbitmq-server" ] || apt_install rabbitmq-server
  mkdir -p "$STATE"; chmod 700 "$STATE"
  local started=()
  for n in "${NODES[@]}"; do
    if ! running "$n"; then launch "$n"; started+=("$n"); fi
  done
  for n in "${NODES[@]}"; do await_node "$n"; done
  for n in 2 3; do join "$n"; done
  for n in "${NODES[@]}"; do await_node "$n"; done
  log "cluster up: $(name 1) 127.0.0.1:$(amqp_port 1), $(name 2) 127.0.0.1:$(amqp_port 2), $(name 3) 127.0.0.1:$(amqp_port 3)${started:+ (started: ${started[*]})}"
}

stop_node() {
  local n=$1
  running "$n" || return 0
  if ! ctl "$n" -q shutdown >/dev/null 2>&1; then
    local pid; pid=$(node_pid "$n") && kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$(pid_file "$n")"
  log "$(name "$n") stopped"
}

stop_all() { # the three shutdowns at once: each takes a few seconds
  for n in "${NODES[@]}"; do stop_node "$n" & done
  wait
}

status() {
  local any=""
  for n in "${NODES[@]}"; do
    if running "$n"; then echo "$(name "$n") running, pid $(node_pid "$n"), amqp 127.0.0.1:$(amqp_port "$n")"; any=${any:-$n}
    else echo "$(name "$n") stopped"; fi
  done
  [ -n "$any" ] && ctl "$any" -q cluster_status
  return 0
}

case "${1:-}" in
  start) start ;;
  stop) stop_all ;;
  clean) stop_all; rm -rf "$STATE"; log "deleted $STATE" ;;
  status) status ;;
  kill)
    check_node "${2:-}"
    running "$2" || { log "node $2 is not running"; exit 1; }
    pid=$(node_pid "$2")
    kill -9 "$pid"
    for _ in $(seq 1 50); do running "$2" || break; sleep 0.1; done
    log "killed $(name "$2") (pid $pid) with SIGKILL" ;;
  restart)
    check_node "${2:-}"
    launch "$2"; await_node "$2"; log "$(name "$2") running" ;;
  ctl) check_node "${2:-}"; n=$2; shift 2; has_folder "$n"; ctl "$n" "$@" ;;
  queues) check_node "${2:-}"; n=$2; shift 2; has_folder "$n"; node_env "$n" "$BIN/rabbitmq-queues" -n "$(name "$n")" "$@" ;;
  *) echo "usage: $0 start|stop|clean|status|kill N|restart N|ctl N ARGS|queues N ARGS" >&2; exit 2 ;;
esac
