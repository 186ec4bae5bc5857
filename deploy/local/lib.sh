# Shared by deploy/local/run and deploy/local/test: make sure PostgreSQL and Redis
# run on loopback (installing them from Debian if absent) and that the database
# roles exist. Idempotent; works whether or not the services are already running.
# shellcheck shell=bash

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PGHOST_ADDR=127.0.0.1
PGPORT_NUM=5432
REDIS_PORT=6379

# Passwords of the throw-away local cluster; config/local.toml and config/test.toml
# carry the same ones. Production sets its own through the environment.
OWNER_PASSWORD=ventanas_owner_local
APP_PASSWORD=ventanas_app_local
PLATFORM_PASSWORD=ventanas_platform_local
BACKUP_PASSWORD=ventanas_backup_local

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Waits for another apt run (a stage of another checkout, say) to let go of the lock.
apt_install() {
  log "installing $* from Debian"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "$@" >/dev/null
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Runs psql as the PostgreSQL superuser: over TCP when trust auth allows it, else
# through the local socket as the postgres OS user (Debian's default peer auth).
psql_super() {
  if psql -h "$PGHOST_ADDR" -p "$PGPORT_NUM" -U postgres -d postgres -Atqc 'SELECT 1' >/dev/null 2>&1; then
    psql -h "$PGHOST_ADDR" -p "$PGPORT_NUM" -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"
  elif [ "$(id -u)" -eq 0 ]; then
    (cd / && runuser -u postgres -- psql -p "$PGPORT_NUM" -d postgres -v ON_ERROR_STOP=1 "$@")
  else
    (cd / && sudo -u postgres psql -p "$PGPORT_NUM" -d postgres -v ON_ERROR_STOP=1 "$@")
  fi
}

ensure_postgres() {
  if ! compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null; then
    apt_install postgresql postgresql-client
  fi
  command -v psql >/dev/null || apt_install postgresql-client
  if ! port_open "$PGPORT_NUM"; then
    log "starting PostgreSQL"
    local version
    version="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
    if ! pg_lsclusters -h 2>/dev/null | awk '{print $1, $2}' | grep -q "^$version main$"; then
      as_root pg_createcluster "$version" main >/dev/null
    fi
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null \
      || as_root pg_ctlcluster "$version" main start
  fi
  for _ in $(seq 1 60); do
    pg_isready -q -h "$PGHOST_ADDR" -p "$PGPORT_NUM" && return 0
    sleep 0.5
  done
  echo "PostgreSQL did not become ready on $PGHOST_ADDR:$PGPORT_NUM" >&2
  return 1
}

ensure_redis() {
  if port_open "$REDIS_PORT"; then return 0; fi
  command -v redis-server >/dev/null || apt_install redis-server
  log "starting Redis on 127.0.0.1:$REDIS_PORT"
  as_root mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ventanas-local.log
  for _ in $(seq 1 40); do
    port_open "$REDIS_PORT" && return 0
    sleep 0.25
  done
  echo "Redis did not start on 127.0.0.1:$REDIS_PORT" >&2
  return 1
}

# A three-master Redis Cluster on 127.0.0.1:$REDIS_CLUSTER_PORTS (no replicas, no
# persistence; files in target/redis-cluster), for tests/api/redis_cluster.rs. A
# cluster already answering "cluster_state:ok" on the first port is reused.
REDIS_CLUSTER_PORTS="${REDIS_CLUSTER_PORTS:-7101 7102 7103}"
ensure_redis_cluster() {
  local ports=($REDIS_CLUSTER_PORTS) port nodes=()
  if redis-cli -p "${ports[0]}" cluster info 2>/dev/null | grep -q "cluster_state:ok"; then return 0; fi
  command -v redis-server >/dev/null || apt_install redis-server
  log "starting a Redis Cluster on 127.0.0.1 ports ${ports[*]}"
  for port in "${ports[@]}"; do
    local dir="$ROOT/target/redis-cluster/$port"
    if ! port_open "$port"; then
      # A node left from an earlier run knows an old cluster: start it afresh.
      rm -rf "$dir" && mkdir -p "$dir"
      redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --cluster-enabled yes \
        --cluster-config-file "$dir/nodes.conf" --cluster-node-timeout 2000 \
        --save "" --appendonly no --dir "$dir" --logfile "$dir/redis.log"
    fi
    nodes+=("127.0.0.1:$port")
  done
  for port in "${ports[@]}"; do
    for _ in $(seq 1 40); do port_open "$port" && break; sleep 0.25; done
  done
  redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes >/dev/null
  for _ in $(seq 1 40); do
    redis-cli -p "${ports[0]}" cluster info | grep -q "cluster_state:ok" && return 0
    sleep 0.25
  done
  echo "the Redis Cluster on ${nodes[*]} did not come up" >&2
  return 1
}

ensure_roles() {
  log "ensuring database roles"
  psql_super -q \
    -v owner_password="$OWNER_PASSWORD" -v app_password="$APP_PASSWORD" \
    -v platform_password="$PLATFORM_PASSWORD" -v backup_password="$BACKUP_PASSWORD" \
    -f - <"$ROOT/deploy/db/roles.sql"
  # Local and test clusters only (production's roles.sql grants nothing of the
  # kind): each test drops its database WITH (FORCE) at the end, which must end the
  # runtime and platform roles' connections to it, and only a member of
  # pg_signal_backend may end another role's connections.
  psql_super -qc "SET client_min_messages = warning; GRANT pg_signal_backend TO ventanas_owner"
}

ensure_database() {
  local name="$1"
  if [ -z "$(psql_super -Atqc "SELECT 1 FROM pg_database WHERE datname = '$name'")" ]; then
    log "creating database $name"
    psql_super -qc "CREATE DATABASE \"$name\" OWNER ventanas_owner"
  fi
}

# Headless Chromium and its WebDriver, for the browser tests (tests/browser).
ensure_chromium() {
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    apt_install chromium chromium-driver
  fi
}

# PgBouncer for the transaction-pooling tests (tests/api/pgbouncer.rs), built from
# source: Debian 12 ships 1.18, which cannot serve named prepared statements
# (1.21+ with max_prepared_statements can; the tests run both ways, the service's
# database.named_statements following the pooler). PGBOUNCER_SOURCE names the tarball (CI
# may leave it unset: the shared vendored copy is found); the binary lands in target/pgbouncer/pgbouncer,
# where the tests look for it (PGBOUNCER_BIN overrides). Skipped once built.
PGBOUNCER_TARBALL=pgbouncer-1.25.2.tar.gz
PGBOUNCER_BIN="$ROOT/target/pgbouncer/pgbouncer"
# Where a PgBouncer built here is also installed (as root), so that other checkouts on
# the machine (a CI clone) skip the build.
PGBOUNCER_INSTALLED=/usr/local/bin/pgbouncer

# A vendored source tarball: vendored_source OVERRIDE TARBALL prints OVERRIDE (a path
# from the environment) if set, else the shared copy of TARBALL beside this checkout or
# in the workspace; fails when there is none.
vendored_source() {
  local candidate
  for candidate in "$1" "$ROOT/../shared/vendor/$2" "/work/shared/vendor/$2"; do
    if [ -n "$candidate" ] && [ -f "$candidate" ]; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

# Whether $1 is a PgBouncer with protocol-level prepared statements (1.21 or later).
pgbouncer_is_modern() {
  local version
  version="$("$1" --version 2>/dev/null | head -n 1 | sed -n 's/^PgBouncer \([0-9]*\.[0-9]*\).*/\1/p')"
  [ -n "$version" ] && awk -v v="$version" 'BEGIN { split(v, p, "."); exit !(p[1] > 1 || (p[1] == 1 && p[2] >= 21)) }'
}

ensure_pgbouncer() {
  if [ -x "$PGBOUNCER_BIN" ]; then return 0; fi
  if [ -x "$PGBOUNCER_INSTALLED" ] && pgbouncer_is_modern "$PGBOUNCER_INSTALLED"; then
    mkdir -p "$(dirname "$PGBOUNCER_BIN")"
    cp "$PGBOUNCER_INSTALLED" "$PGBOUNCER_BIN"
    return 0
  fi
  local PGBOUNCER_SOURCE
  if ! PGBOUNCER_SOURCE="$(vendored_source "${PGBOUNCER_SOURCE:-}" "$PGBOUNCER_TARBALL")"; then
    echo "PgBouncer source ($PGBOUNCER_TARBALL) not found beside the checkout (../shared/vendor)" \
      "nor in /work/shared/vendor: set PGBOUNCER_SOURCE to its path" >&2
    return 1
  fi
  local missing=() pkg
  for pkg in autoconf automake libtool libevent-dev libssl-dev pkg-config make gcc; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    # Another build may be installing packages at the same moment: wait for its lock.
    log "installing ${missing[*]} from Debian"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
      "${missing[@]}" >/dev/null
  fi
  log "building PgBouncer from $PGBOUNCER_SOURCE (a few minutes)"
  local build
  build="$(mktemp -d)"
  tar -xzf "$PGBOUNCER_SOURCE" -C "$build" --strip-components=1
  # The man pages need pandoc: build the binary only.
  (cd "$build" && ./autogen.sh >/dev/null && ./configure --without-cares --with-systemd=no >/dev/null \
    && make -j2 pgbouncer >/dev/null)
  mkdir -p "$(dirname "$PGBOUNCER_BIN")"
  cp "$build/pgbouncer" "$PGBOUNCER_BIN.tmp" && mv "$PGBOUNCER_BIN.tmp" "$PGBOUNCER_BIN"
  rm -rf "$build"
  if [ "$(id -u)" -eq 0 ] && [ ! -e "$PGBOUNCER_INSTALLED" ]; then
    install -m 0755 "$PGBOUNCER_BIN" "$PGBOUNCER_INSTALLED"
  fi
  "$PGBOUNCER_BIN" --version | head -n 1 >&2
}

# Citus for the distributed tests (tests/api/citus.rs, `deploy/local/test citus`),
# built from source into Debian's PostgreSQL 15: Debian 12 packages no Citus.
# CITUS_SOURCE names the tarball (unset: the shared vendored copy is found). Skipped
# once citus.so is installed for the PostgreSQL that pg_config names.
CITUS_TARBALL=citus-12.1.12.tar.gz

citus_installed() {
  command -v pg_config >/dev/null && [ -f "$(pg_config --pkglibdir)/citus.so" ]
}

ensure_citus() {
  if citus_installed; then return 0; fi
  local tarball
  if ! tarball="$(vendored_source "${CITUS_SOURCE:-}" "$CITUS_TARBALL")"; then
    echo "Citus source ($CITUS_TARBALL) not found beside the checkout (../shared/vendor)" \
      "nor in /work/shared/vendor: set CITUS_SOURCE to its path" >&2
    return 1
  fi
  local missing=() pkg
  for pkg in postgresql-server-dev-15 libkrb5-dev liblz4-dev libzstd-dev libcurl4-openssl-dev make gcc; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    # Another build may be installing packages at the same moment: wait for its lock.
    log "installing ${missing[*]} from Debian"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
      "${missing[@]}" >/dev/null
  fi
  log "building Citus from $tarball (5-15 minutes on two cores)"
  local build
  build="$(mktemp -d)"
  tar -xzf "$tarball" -C "$build" --strip-components=1
  (cd "$build" && ./configure >/dev/null && make -j2 >/dev/null && as_root make install >/dev/null)
  rm -rf "$build"
  citus_installed
}
