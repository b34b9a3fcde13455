#!/usr/bin/env bash
# The scale-out stack's engines for tests and development, on loopback, under .artifacts/services:
# PostgreSQL (Debian package, a private cluster made with initdb and run with pg_ctl), a hot standby of it (streaming
# replication, for searches read from a replica) and s3rver (an S3-compatible server from npm, installed into the
# project). Nothing system-wide is started or changed besides apt packages.
#
#   scripts/services.sh start    install what is missing, start all three (idempotent), print the settings
#   scripts/services.sh stop     stop them (the data stays until `clean`)
#   scripts/services.sh status   exit 0 if all run
#   scripts/services.sh env      print the settings as VAR=value lines (also in .artifacts/services/env)
#   scripts/services.sh clean    stop both and remove their data
#   scripts/services.sh start-durable   also a third cluster with PostgreSQL's durable defaults (fsync and
#                                synchronous_commit on) for benchmarks of commits (bench/purchases.sh); prints its setting
#
# PostgreSQL refuses to run as root. Run as root (CI, this machine), the cluster is run by the `postgres` system user
# that Debian's package creates (runuser); the data folder then has to be reachable by that user, so if the project
# folder is not (e.g. under /root), the cluster lives in /var/tmp/wenku-pg-<hash of the project path> instead.
#
# The standby is a pg_basebackup of the running primary (standby.signal and primary_conninfo written by -R); it needs
# nothing changed on the primary (initdb's pg_hba.conf lets 127.0.0.1 replicate, wal_level is `replica` by default), so
# adding it to a primary that others are using drops none of their connections.
#
# Ports: WENKU_PG_PORT (default 55432), WENKU_PG_REPLICA_PORT (default the next one) and WENKU_S3_PORT (default 45680). Credentials are fixed test values
# (PostgreSQL user/password wenku/wenku, s3rver's S3RVER/S3RVER) and both listen on 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
root_dir=$(pwd)
dir="$root_dir/.artifacts/services"
pg_port=${WENKU_PG_PORT:-55432}
replica_port=${WENKU_PG_REPLICA_PORT:-$((pg_port + 1))}
durable_port=${WENKU_PG_DURABLE_PORT:-$((pg_port + 2))}
s3_port=${WENKU_S3_PORT:-45680}
s3rver_version=3.7.1
bucket=wenku

sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"

apt_install() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return
  echo "Installing: ${missing[*]}" >&2 # standard output is the settings (`start` prints them for test.sh to read)
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends "${missing[@]}" >/dev/null
}

pg_bin() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$bin" ] || { echo "PostgreSQL binaries not found under /usr/lib/postgresql" >&2; exit 1; }
  echo "$bin"
}

# Runs a command as the user that owns the cluster.
as_pg() {
  # From /, which that user can enter whatever the current folder is (every path given is absolute).
  if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

pg_dir() {
  local d="$dir/pg"
  if [ "$(id -u)" -eq 0 ]; then
    mkdir -p "$dir"
    if ! runuser -u postgres -- test -x "$dir"; then
      d="/var/tmp/wenku-pg-$(echo -n "$root_dir" | sha256sum | cut -c1-12)"
    fi
  fi
  echo "$d"
}

# cluster_running FOLDER: whether the cluster in $(pg_dir)/FOLDER runs.
cluster_running() {
  local d; d=$(pg_dir)
  [ -f "$d/$1/PG_VERSION" ] && as_pg "$(pg_bin)/pg_ctl" -D "$d/$1" status >/dev/null 2>&1
}

pg_running() { cluster_running data; }

# start_cluster FOLDER LOG PORT PORT_VARIABLE OPTIONS: initdb's a cluster in $(pg_dir)/FOLDER once, then starts it on
# PORT with OPTIONS, its log in $(pg_dir)/LOG.log (idempotent).
start_cluster() {
  local folder=$1 log=$2 port=$3 port_variable=$4 options=$5
  apt_install postgresql
  local bin d; bin=$(pg_bin); d=$(pg_dir)
  if cluster_running "$folder"; then return; fi
  mkdir -p "$d"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$d"
  if [ ! -f "$d/$folder/PG_VERSION" ]; then
    local pw="$d/pwfile"
    echo wenku > "$pw"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$pw"
    as_pg "$bin/initdb" -D "$d/$folder" -U wenku --pwfile="$pw" --auth-local=trust --auth-host=scram-sha-256 \
      -E UTF8 --locale=C.UTF-8 >"$d/initdb-$log.log" 2>&1 || { cat "$d/initdb-$log.log" >&2; exit 1; }
    rm -f "$pw"
  fi
  if (echo >/dev/tcp/127.0.0.1/"$port") 2>/dev/null; then
    echo "Port $port is taken by another program; set $port_variable." >&2; exit 1
  fi
  # Sockets in the cluster's own folder (not /var/run/postgresql, which may not exist or be someone else's).
  as_pg "$bin/pg_ctl" -D "$d/$folder" -l "$d/$log.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $d -c max_connections=200 $options" start >/dev/null \
    || { tail -20 "$d/$log.log" >&2; exit 1; }
}

stop_cluster() {
  local d; d=$(pg_dir)
  if cluster_running "$1"; then as_pg "$(pg_bin)/pg_ctl" -D "$d/$1" -m fast -w stop >/dev/null; fi
}

start_postgres() { start_cluster data postgres "$pg_port" WENKU_PG_PORT "-c fsync=off -c synchronous_commit=off -c wal_keep_size=512MB"; }
stop_postgres() { stop_cluster data; }

replica_running() {
  local d; d=$(pg_dir)
  [ -f "$d/replica/PG_VERSION" ] && as_pg "$(pg_bin)/pg_ctl" -D "$d/replica" status >/dev/null 2>&1
}

# The hot standby: copied from the running primary once, then started (and restarted by later `start`s) on its port.
start_replica() {
  local bin d; bin=$(pg_bin); d=$(pg_dir)
  if replica_running; then return; fi
  if [ ! -f "$d/replica/standby.signal" ]; then
    rm -rf "$d/replica"
    as_pg env PGPASSWORD=wenku "$bin/pg_basebackup" -h 127.0.0.1 -p "$pg_port" -U wenku -D "$d/replica" -R -X stream -c fast \
      >"$d/basebackup.log" 2>&1 || { cat "$d/basebackup.log" >&2; rm -rf "$d/replica"; exit 1; }
  fi
  if (echo >/dev/tcp/127.0.0.1/"$replica_port") 2>/dev/null; then
    echo "Port $replica_port is taken by another program; set WENKU_PG_REPLICA_PORT." >&2; exit 1
  fi
  # A standby query that replay must wait for is cancelled after 5 s (searches retry it) rather than hold replay back.
  as_pg "$bin/pg_ctl" -D "$d/replica" -l "$d/replica.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $replica_port -k $d -c max_connections=200 -c fsync=off -c hot_standby=on -c max_standby_streaming_delay=5s" start >/dev/null \
    || { tail -20 "$d/replica.log" >&2; exit 1; }
}

stop_replica() {
  local d; d=$(pg_dir)
  if replica_running; then as_pg "$(pg_bin)/pg_ctl" -D "$d/replica" -m fast -w stop >/dev/null; fi
}

durable_running() { cluster_running durable; }

# The tests' clusters run with fsync and synchronous_commit off (speed; their data is thrown away). A benchmark of
# commits against them would flatter whatever commits most often (a bare one-row update most of all), so the purchase
# benchmark also runs on this one: a fresh initdb with PostgreSQL's own durable defaults, as a site would run it.
start_durable() { start_cluster durable durable "$durable_port" WENKU_PG_DURABLE_PORT ""; }
stop_durable() { stop_cluster durable; }

s3_running() {
  [ -f "$dir/s3rver.pid" ] && kill -0 "$(cat "$dir/s3rver.pid")" 2>/dev/null
}

start_s3() {
  command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm
  local node_dir="$dir/node"
  if [ ! -x "$node_dir/node_modules/.bin/s3rver" ]; then
    mkdir -p "$node_dir"
    npm install --prefix "$node_dir" --no-audit --no-fund --silent "s3rver@$s3rver_version" >/dev/null
  fi
  if s3_running; then return; fi
  if (echo >/dev/tcp/127.0.0.1/"$s3_port") 2>/dev/null; then
    echo "Port $s3_port is taken by another program; set WENKU_S3_PORT." >&2; exit 1
  fi
  mkdir -p "$dir/s3"
  # setsid: the server outlives this script and is not stopped by the terminal's signals; `stop` ends it by its pid.
  # The legacy OpenSSL provider: s3rver encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3 (Node 17+)
  # refuses without it — every listing of more than 1000 keys would answer InternalError.
  NODE_OPTIONS=--openssl-legacy-provider setsid "$node_dir/node_modules/.bin/s3rver" -d "$dir/s3" -a 127.0.0.1 -p "$s3_port" --silent \
    --configure-bucket "$bucket" >"$dir/s3rver.log" 2>&1 < /dev/null &
  echo $! > "$dir/s3rver.pid"
  echo "$s3_port" > "$dir/s3rver.port"
  for _ in $(seq 1 100); do
    (echo >/dev/tcp/127.0.0.1/"$s3_port") 2>/dev/null && return
    s3_running || { cat "$dir/s3rver.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "s3rver did not start listening on $s3_port" >&2; cat "$dir/s3rver.log" >&2; exit 1
}

stop_s3() {
  if s3_running; then
    local pid; pid=$(cat "$dir/s3rver.pid")
    kill "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$dir/s3rver.pid" "$dir/s3rver.port"
}

# Services already running keep the ports they were started with (an earlier run may have been given others): the
# settings printed are where they listen, not this run's defaults.
actual_ports() {
  local d; d=$(pg_dir)
  if pg_running && [ -f "$d/data/postmaster.pid" ]; then pg_port=$(sed -n 4p "$d/data/postmaster.pid"); fi
  if replica_running && [ -f "$d/replica/postmaster.pid" ]; then replica_port=$(sed -n 4p "$d/replica/postmaster.pid"); fi
  if durable_running && [ -f "$d/durable/postmaster.pid" ]; then durable_port=$(sed -n 4p "$d/durable/postmaster.pid"); fi
  if s3_running && [ -f "$dir/s3rver.port" ]; then s3_port=$(cat "$dir/s3rver.port"); fi
}

print_env() {
  cat <<EOF
WENKU_TEST_POSTGRES=Host=127.0.0.1;Port=$pg_port;Username=wenku;Password=wenku
WENKU_TEST_POSTGRES_REPLICA=Host=127.0.0.1;Port=$replica_port;Username=wenku;Password=wenku
WENKU_PG_REPLICA_PORT=$replica_port
WENKU_TEST_S3=http://127.0.0.1:$s3_port
WENKU_TEST_S3_BUCKET=$bucket
EOF
  if durable_running; then echo "WENKU_TEST_POSTGRES_DURABLE=Host=127.0.0.1;Port=$durable_port;Username=wenku;Password=wenku"; fi
}

case "${1:-start}" in
  start)
    mkdir -p "$dir"
    start_postgres
    start_replica
    start_s3
    actual_ports
    print_env | tee "$dir/env"
    ;;
  start-durable)
    mkdir -p "$dir"
    start_durable
    actual_ports
    print_env
    ;;
  stop) stop_s3; stop_durable; stop_replica; stop_postgres ;;
  status) pg_running && replica_running && s3_running ;;
  env) actual_ports; print_env ;;
  clean)
    stop_s3; stop_durable; stop_replica; stop_postgres
    rm -rf "$dir/s3" "$(pg_dir)" "$dir/env"
    ;;
  *) echo "usage: $0 start|start-durable|stop|status|env|clean" >&2; exit 2 ;;
esac
