#!/usr/bin/env bash
# Makes PostgreSQL and RabbitMQ answer on loopback: uses running ones, else installs (apt) and
# starts Debian's packages. Safe to run any number of times, also after a reboot.
# Sourced by run.sh, test.sh and bench.sh. Set WITH_CHROMIUM=1 to also install Chromium.
#
# The database password is random, made on the first run and kept in $PG_PASSWORD_FILE (readable
# by the service's user only; root reads it for the scripts). A machine that still has the role
# with an old password gets the file and an ALTER ROLE. PG_PASSWORD set in the environment wins
# (and is then not written anywhere). RabbitMQ, when this script starts it, listens on loopback only
# (AMQP, the Erlang distribution port and epmd).
# For trying the script against private servers: PG_PORT, RABBITMQ_PORT, CLOUDSERVICE_ETC,
# RABBITMQ_CONF_ENV_FILE (see below).
set -euo pipefail

PG_USER=${PG_USER:-cloudservice}
PG_DATABASE=${PG_DATABASE:-cloudservice}
PG_PORT=${PG_PORT:-5432}
RABBITMQ_PORT=${RABBITMQ_PORT:-5672}
# The system user run.sh runs the server as (created here when we are root).
CLOUDSERVICE_USER=${CLOUDSERVICE_USER:-cloudservice}
if [ "$(id -u)" -eq 0 ]; then
  CLOUDSERVICE_ETC=${CLOUDSERVICE_ETC:-/etc/cloudservice}
else
  CLOUDSERVICE_ETC=${CLOUDSERVICE_ETC:-${XDG_CONFIG_HOME:-$HOME/.config}/cloudservice}
fi
PG_PASSWORD_FILE=${PG_PASSWORD_FILE:-$CLOUDSERVICE_ETC/db-password}

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }

wait_for_port() {
  local port=$1 name=$2 seconds=${3:-60}
  for _ in $(seq 1 "$seconds"); do port_open "$port" && return 0; sleep 1; done
  echo "$name did not start listening on 127.0.0.1:$port within ${seconds}s" >&2
  return 1
}

packages=()
port_open "$PG_PORT" || command -v pg_ctlcluster >/dev/null || packages+=(postgresql)
port_open "$RABBITMQ_PORT" || command -v rabbitmq-server >/dev/null || packages+=(rabbitmq-server)
[ "${WITH_CHROMIUM:-0}" = 1 ] && ! command -v chromium >/dev/null && packages+=(chromium)
command -v unzip >/dev/null || packages+=(unzip)
command -v zip >/dev/null || packages+=(zip)
if [ ${#packages[@]} -gt 0 ]; then
  say "Installing ${packages[*]} (apt)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

if ! port_open "$PG_PORT"; then
  say "Starting PostgreSQL"
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$version" ]; then
    version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
    as_root pg_createcluster "$version" main >/dev/null
  fi
  as_root pg_ctlcluster "$version" main start || true
  wait_for_port "$PG_PORT" PostgreSQL 60
fi

# Loopback only, as the README promises: AMQP, the inter-node port (25672) and epmd (4369). Written
# before a start, so it takes effect when this script starts RabbitMQ (a running one keeps its sockets).
loopback_rabbitmq() {
  local file=${RABBITMQ_CONF_ENV_FILE:-/etc/rabbitmq/rabbitmq-env.conf}
  as_root mkdir -p "$(dirname "$file")"
  as_root touch "$file"
  local line
  for line in "NODE_IP_ADDRESS=127.0.0.1" "export ERL_EPMD_ADDRESS=127.0.0.1" \
      "SERVER_ADDITIONAL_ERL_ARGS=\"-kernel inet_dist_use_interface {127,0,0,1}\""; do
    as_root grep -qxF -- "$line" "$file" || echo "$line" | as_root tee -a "$file" >/dev/null
  done
  export RABBITMQ_CONF_ENV_FILE=$file ERL_EPMD_ADDRESS=127.0.0.1
}

if ! port_open "$RABBITMQ_PORT"; then
  say "Starting RabbitMQ (on loopback only)"
  loopback_rabbitmq
  as_root rabbitmq-server -detached >/dev/null 2>&1 || as_root sh -c 'rabbitmq-server >/tmp/rabbitmq-server.log 2>&1 &'
  wait_for_port "$RABBITMQ_PORT" RabbitMQ 90
fi

# The management API lets the tests give every run its own virtual host.
if [ "${WITH_RABBITMQ_MANAGEMENT:-0}" = 1 ] && ! port_open 15672 && command -v rabbitmq-plugins >/dev/null; then
  say "Enabling the RabbitMQ management API"
  as_root rabbitmq-plugins enable --quiet rabbitmq_management >/dev/null
  wait_for_port 15672 "RabbitMQ management" 60
fi

# The service's own system user: run.sh runs the server as it; it alone (and root) reads the password.
if [ "$(id -u)" -eq 0 ] && ! id "$CLOUDSERVICE_USER" >/dev/null 2>&1; then
  say "Creating the system user $CLOUDSERVICE_USER"
  useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$CLOUDSERVICE_USER"
fi

# The database password: from the environment, else the file, else a new random one in a new file.
PG_PASSWORD_FROM_FILE=0
if [ -z "${PG_PASSWORD:-}" ]; then
  if [ ! -s "$PG_PASSWORD_FILE" ]; then
    say "Generating the database password into $PG_PASSWORD_FILE"
    (umask 077; mkdir -p "$CLOUDSERVICE_ETC"; openssl rand -hex 24 >"$PG_PASSWORD_FILE.new" && mv "$PG_PASSWORD_FILE.new" "$PG_PASSWORD_FILE")
  fi
  if [ "$(id -u)" -eq 0 ] && id "$CLOUDSERVICE_USER" >/dev/null 2>&1; then
    chown "$CLOUDSERVICE_USER:$CLOUDSERVICE_USER" "$PG_PASSWORD_FILE"
  fi
  chmod 400 "$PG_PASSWORD_FILE"
  PG_PASSWORD=$(cat "$PG_PASSWORD_FILE")
  PG_PASSWORD_FROM_FILE=1
fi

# Role and database; only possible where we administer the local server.
if command -v psql >/dev/null && id postgres >/dev/null 2>&1; then
  if as_postgres psql -p "$PG_PORT" -qtAc "SELECT 1 FROM pg_roles WHERE rolname='$PG_USER'" | grep -q 1; then
    # Idempotent: a role made with an older (or the old default) password gets the file's.
    if [ "$PG_PASSWORD_FROM_FILE" = 1 ] && ! PGPASSWORD=$PG_PASSWORD psql -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d postgres -qtAc "SELECT 1" >/dev/null 2>&1; then
      say "Setting the database role's password from $PG_PASSWORD_FILE"
      as_postgres psql -p "$PG_PORT" -qc "ALTER ROLE \"$PG_USER\" PASSWORD '$PG_PASSWORD'" >/dev/null
    fi
  else
    as_postgres psql -p "$PG_PORT" -qc "CREATE ROLE \"$PG_USER\" LOGIN CREATEDB PASSWORD '$PG_PASSWORD'" >/dev/null
  fi
  as_postgres psql -p "$PG_PORT" -qtAc "SELECT 1 FROM pg_database WHERE datname='$PG_DATABASE'" | grep -q 1 \
    || as_postgres psql -p "$PG_PORT" -qc "CREATE DATABASE \"$PG_DATABASE\" OWNER \"$PG_USER\""
fi
say "PostgreSQL and RabbitMQ answer on 127.0.0.1"
