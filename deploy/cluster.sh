#!/usr/bin/env bash
# Two (or more) app servers behind HAProxy on loopback, sharing one PostgreSQL and one Redis (docs/deploy.md).
#
#   deploy/cluster.sh start            PostgreSQL and Redis (started if not running), the migrations, the
#                                      nodes (gunicorn, one per port in NODE_PORTS) and HAProxy on LB_PORT
#   deploy/cluster.sh stop             HAProxy and every node
#   deploy/cluster.sh stop-node N      node N alone (gracefully: its requests in flight finish)
#   deploy/cluster.sh kill-node N      node N at once (SIGKILL: a crash)
#   deploy/cluster.sh start-node N     node N again (HAProxy takes it back after two good health checks)
#   deploy/cluster.sh status           which nodes HAProxy has in rotation
#
# Environment: SECRET_KEY, DATABASE_URL and REDIS_URL (required; the same on every node), LB_PORT (8080),
# NODE_PORTS ("8001 8002"), WEB_CONCURRENCY (workers per node, 2), CLUSTER_DIR (instance/cluster: pid files,
# logs, the metrics' files), plus any setting of the app (README.md). Logs: $CLUSTER_DIR/node<N>.log (gunicorn
# and the app's JSON request lines), $CLUSTER_DIR/haproxy.log.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="$ROOT/.venv/bin"
LB_PORT="${LB_PORT:-8080}"
NODE_PORTS="${NODE_PORTS:-8001 8002}"
CLUSTER_DIR="$(mkdir -p "${CLUSTER_DIR:-$ROOT/instance/cluster}" && cd "${CLUSTER_DIR:-$ROOT/instance/cluster}" && pwd)"
export CLUSTER_DIR LB_BIND="127.0.0.1:$LB_PORT"

need() {
  for name in SECRET_KEY DATABASE_URL REDIS_URL; do
    [ -n "${!name:-}" ] || { echo "cluster: set $name (see docs/deploy.md)" >&2; exit 2; }
  done
}


node_port() {  # node_port N → the N-th port of NODE_PORTS
  local i=0
  for port in $NODE_PORTS; do i=$((i + 1)); [ "$i" = "$1" ] && { echo "$port"; return; }; done
  echo "cluster: no node $1 (NODE_PORTS=$NODE_PORTS)" >&2; exit 2
}

wait_for() {  # wait_for URL SECONDS
  for _ in $(seq 1 $(( $2 * 5 ))); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.2
  done
  echo "cluster: $1 did not answer within $2 s" >&2; return 1
}

services() {
  if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
    for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  fi
  if ! redis-cli -u "$REDIS_URL" ping >/dev/null 2>&1; then
    redis-server --port 6379 --bind 127.0.0.1 --save '' --appendonly no --daemonize yes >/dev/null
    for _ in $(seq 1 30); do redis-cli -u "$REDIS_URL" ping >/dev/null 2>&1 && break; sleep 0.2; done
  fi
}

start_node() {
  local n="$1" port
  port="$(node_port "$n")"
  if [ -f "$CLUSTER_DIR/node$n.pid" ] && kill -0 "$(cat "$CLUSTER_DIR/node$n.pid")" 2>/dev/null; then
    echo "node $n already runs"; return
  fi
  # Each node's workers write their metrics here; /metrics on the node adds them up (views/metrics.py).
  rm -rf "$CLUSTER_DIR/metrics$n" && mkdir -p "$CLUSTER_DIR/metrics$n"
  # The limits, lock-outs and sessions live in Redis and PostgreSQL, shared by every node; HAProxy is the
  # one proxy whose X-Forwarded-For the app believes (for the audit log's address and the login limit).
  env BIND="127.0.0.1:$port" PROMETHEUS_MULTIPROC_DIR="$CLUSTER_DIR/metrics$n" \
      PROXY_FIX_X_FOR=1 \
      WEB_CONCURRENCY="${WEB_CONCURRENCY:-2}" ACCESS_LOG="${ACCESS_LOG:-/dev/null}" \
      setsid "$BIN/gunicorn" -c "$ROOT/gunicorn.conf.py" --chdir "$ROOT" --pid "$CLUSTER_DIR/node$n.pid" \
      --no-control-socket wsgi:app >>"$CLUSTER_DIR/node$n.log" 2>&1 &
  [ "${2:-}" = nowait ] || wait_node "$n"
}

wait_node() {
  local port
  port="$(node_port "$1")"
  wait_for "http://127.0.0.1:$port/healthz" 90
  echo "node $1: http://127.0.0.1:$port (pid $(cat "$CLUSTER_DIR/node$1.pid"))"
}

stop_node() {  # stop_node N [SIGNAL]
  local pidfile="$CLUSTER_DIR/node$1.pid" pid
  [ -f "$pidfile" ] || return 0
  pid="$(cat "$pidfile")"
  if [ "${2:-TERM}" = KILL ]; then
    pkill -KILL -P "$pid" 2>/dev/null || true  # the workers, then their master
    kill -KILL "$pid" 2>/dev/null || true
  else
    kill -TERM "$pid" 2>/dev/null || true
  fi
  for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  rm -f "$pidfile"
}

start_lb() {
  local config="$CLUSTER_DIR/haproxy.cfg" i=0
  cp "$ROOT/deploy/haproxy.cfg" "$config"
  for port in $NODE_PORTS; do
    i=$((i + 1))
    # As many requests at a time as the node has (sync) workers: the others wait in HAProxy's queue, not in
    # the node's backlog, where they would hold up its health check and keep the other node idle.
    echo "    server node$i 127.0.0.1:$port check maxconn ${WEB_CONCURRENCY:-2}" >> "$config"
  done
  haproxy -c -q -f "$config"
  # In the foreground of its own session (its log lines on standard error go to haproxy.log).
  setsid haproxy -f "$config" >>"$CLUSTER_DIR/haproxy.log" 2>&1 &
  echo $! > "$CLUSTER_DIR/haproxy.pid"
  wait_for "http://127.0.0.1:$LB_PORT/healthz" 30
  echo "load balancer: http://127.0.0.1:$LB_PORT"
}

stop_lb() {
  if [ -f "$CLUSTER_DIR/haproxy.pid" ]; then
    for pid in $(cat "$CLUSTER_DIR/haproxy.pid"); do kill -TERM "$pid" 2>/dev/null || true; done
    rm -f "$CLUSTER_DIR/haproxy.pid"
  fi
}

case "${1:-}" in
  start)
    need
    services
    (cd "$ROOT" && "$BIN/flask" --app wsgi db upgrade >/dev/null)
    i=0
    for _port in $NODE_PORTS; do i=$((i + 1)); start_node "$i" nowait; done  # side by side
    i=0
    for _port in $NODE_PORTS; do i=$((i + 1)); wait_node "$i"; done
    start_lb
    ;;
  stop)
    stop_lb
    i=0
    for _port in $NODE_PORTS; do i=$((i + 1)); stop_node "$i"; done
    echo "cluster stopped"
    ;;
  start-node) need; start_node "$2" ;;
  stop-node) stop_node "$2" ;;
  kill-node) stop_node "$2" KILL ;;
  status)  # each node as HAProxy sees it: UP, DOWN, or going either way
    "$BIN/python" - "$CLUSTER_DIR/haproxy.sock" <<'PY'
import socket, sys
with socket.socket(socket.AF_UNIX) as sock:
    sock.connect(sys.argv[1])
    sock.sendall(b"show stat\n")
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
for line in data.decode().splitlines():
    fields = line.split(",")
    if len(fields) > 17 and fields[0] == "app" and fields[1] not in ("BACKEND", "FRONTEND"):
        print(fields[1], fields[17])
PY
    ;;
  *)
    sed -n '2,15p' "$0"; exit 2 ;;
esac
