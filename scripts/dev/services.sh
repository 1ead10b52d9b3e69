#!/usr/bin/env bash
# services.sh up [--kafka] [--meili] | down
# `up` makes Postgres (127.0.0.1:5432), Redis (127.0.0.1:6379), with --kafka a
# Kafka-protocol broker (tansu, 127.0.0.1:9092) and with --meili a Meilisearch server
# (127.0.0.1:7700, master key in .dev/meili/master-key) reachable: ones already listening
# are used as they are; otherwise they are started on loopback with data under .dev/.
# What was started is recorded in .dev/started/ so that `down` stops exactly that.
set -euo pipefail
source "$(dirname "$0")/common.sh"

STARTED="$DEV_DIR/started"
mkdir -p "$STARTED"

start_postgres() {
  port_open 127.0.0.1 5432 && return 0
  local bin data="$DEV_DIR/postgres"
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$bin" ] || die "Postgres binaries not found; install postgresql"
  local run=()
  if [ "$(id -u)" = 0 ]; then
    if ! runuser -u postgres -- test -x "$DEV_DIR" 2>/dev/null; then
      # The postgres user cannot reach .dev/ (private parent directory): use the system cluster.
      say "starting the system Postgres cluster"
      local version; version=$(basename "$(dirname "$bin")")
      [ -d "/etc/postgresql/$version/main" ] || pg_createcluster "$version" main >/dev/null
      pg_ctlcluster --skip-systemctl-redirect "$version" main start
      echo "system $version" > "$STARTED/postgres"
      wait_port 127.0.0.1 5432 Postgres
      return 0
    fi
    run=(runuser -u postgres --)
    mkdir -p "$data" && chown postgres "$data"
  fi
  if [ ! -f "$data/PG_VERSION" ]; then
    say "initialising Postgres in $data"
    "${run[@]}" "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 >/dev/null
  fi
  say "starting Postgres on 127.0.0.1:5432 (data in .dev/postgres)"
  "${run[@]}" "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p 5432 -k $data" start >/dev/null
  echo "dev $bin" > "$STARTED/postgres"
}

start_redis() {
  port_open 127.0.0.1 6379 && return 0
  mkdir -p "$DEV_DIR/redis"
  say "starting Redis on 127.0.0.1:6379 (data in .dev/redis)"
  redis-server --bind 127.0.0.1 --port 6379 --dir "$DEV_DIR/redis" --daemonize yes \
    --pidfile "$DEV_DIR/redis/redis.pid" --logfile "$DEV_DIR/redis/redis.log" --save 60 1 --appendonly no
  wait_port 127.0.0.1 6379 Redis
  echo "$DEV_DIR/redis/redis.pid" > "$STARTED/redis"
}

start_kafka() {
  port_open 127.0.0.1 9092 && return 0
  command -v tansu >/dev/null 2>&1 || die "tansu is not installed (scripts/dev/prereqs.sh --kafka installs it)"
  say "starting the tansu Kafka-protocol broker on 127.0.0.1:9092 (in memory)"
  nohup tansu broker --storage-engine memory://tansu/ \
    --listener-url tcp://127.0.0.1:9092 --advertised-listener-url tcp://127.0.0.1:9092 \
    > "$DEV_DIR/tansu.log" 2>&1 &
  echo $! > "$DEV_DIR/tansu.pid"
  wait_port 127.0.0.1 9092 tansu
  echo "$DEV_DIR/tansu.pid" > "$STARTED/kafka"
}

start_meili() {
  local dir="$DEV_DIR/meili" bin="$CACHE_DIR/bin/meilisearch"
  port_open 127.0.0.1 7700 && [ -f "$dir/master-key" ] && return 0
  [ -x "$bin" ] || die "Meilisearch is not unpacked (scripts/dev/prereqs.sh --test unpacks ../shared/meilisearch)"
  mkdir -p "$dir"
  [ -f "$dir/master-key" ] || (umask 077 && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$dir/master-key")
  say "starting Meilisearch on 127.0.0.1:7700 (data in .dev/meili)"
  MEILI_MASTER_KEY=$(cat "$dir/master-key") nohup "$bin" --http-addr 127.0.0.1:7700 --db-path "$dir/data" \
    --env development --no-analytics > "$dir/server.log" 2>&1 &
  echo $! > "$dir/meili.pid"
  wait_port 127.0.0.1 7700 Meilisearch
  echo "$dir/meili.pid" > "$STARTED/meili"
}

stop_pidfile() {
  local pid; pid=$(cat "$1" 2>/dev/null) || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}

down() {
  if [ -f "$STARTED/meili" ]; then say "stopping Meilisearch"; stop_pidfile "$(cat "$STARTED/meili")"; rm -f "$STARTED/meili"; fi
  if [ -f "$STARTED/kafka" ]; then say "stopping tansu"; stop_pidfile "$(cat "$STARTED/kafka")"; rm -f "$STARTED/kafka"; fi
  if [ -f "$STARTED/redis" ]; then say "stopping Redis"; stop_pidfile "$(cat "$STARTED/redis")"; rm -f "$STARTED/redis"; fi
  if [ -f "$STARTED/postgres" ]; then
    say "stopping Postgres"
    read -r kind where < "$STARTED/postgres"
    if [ "$kind" = system ]; then pg_ctlcluster --skip-systemctl-redirect "$where" main stop || true
    elif [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$where/pg_ctl" -D "$DEV_DIR/postgres" -m fast stop >/dev/null || true
    else "$where/pg_ctl" -D "$DEV_DIR/postgres" -m fast stop >/dev/null || true; fi
    rm -f "$STARTED/postgres"
  fi
}

case "${1:-}" in
  up)
    start_postgres
    start_redis
    for option in "${@:2}"; do
      case "$option" in
        --kafka) start_kafka ;;
        --meili) start_meili ;;
        *) die "unknown option $option" ;;
      esac
    done ;;
  down) down ;;
  *) die "usage: services.sh up [--kafka] [--meili] | down" ;;
esac
