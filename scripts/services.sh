#!/usr/bin/env bash
# Makes PostgreSQL and RabbitMQ answer on loopback: uses running ones, else installs (apt) and
# starts Debian's packages. Safe to run any number of times, also after a reboot.
# Sourced by run.sh, test.sh and bench.sh. Set WITH_CHROMIUM=1 to also install Chromium.
set -euo pipefail

PG_USER=${PG_USER:-cloudservice}
PG_PASSWORD=${PG_PASSWORD:-cloudservice}
PG_DATABASE=${PG_DATABASE:-cloudservice}

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
port_open 5432 || command -v pg_ctlcluster >/dev/null || packages+=(postgresql)
port_open 5672 || command -v rabbitmq-server >/dev/null || packages+=(rabbitmq-server)
[ "${WITH_CHROMIUM:-0}" = 1 ] && ! command -v chromium >/dev/null && packages+=(chromium)
command -v unzip >/dev/null || packages+=(unzip)
command -v zip >/dev/null || packages+=(zip)
if [ ${#packages[@]} -gt 0 ]; then
  say "Installing ${packages[*]} (apt)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

if ! port_open 5432; then
  say "Starting PostgreSQL"
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$version" ]; then
    version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
    as_root pg_createcluster "$version" main >/dev/null
  fi
  as_root pg_ctlcluster "$version" main start || true
  wait_for_port 5432 PostgreSQL 60
fi

if ! port_open 5672; then
  say "Starting RabbitMQ"
  as_root rabbitmq-server -detached >/dev/null 2>&1 || as_root sh -c 'rabbitmq-server >/tmp/rabbitmq-server.log 2>&1 &'
  wait_for_port 5672 RabbitMQ 90
fi

# The management API lets the tests give every run its own virtual host.
if [ "${WITH_RABBITMQ_MANAGEMENT:-0}" = 1 ] && ! port_open 15672 && command -v rabbitmq-plugins >/dev/null; then
  say "Enabling the RabbitMQ management API"
  as_root rabbitmq-plugins enable --quiet rabbitmq_management >/dev/null
  wait_for_port 15672 "RabbitMQ management" 60
fi

# Role and database; only possible where we administer the local server.
if command -v psql >/dev/null && id postgres >/dev/null 2>&1; then
  as_postgres psql -qtAc "SELECT 1 FROM pg_roles WHERE rolname='$PG_USER'" | grep -q 1 \
    || as_postgres psql -qc "CREATE ROLE \"$PG_USER\" LOGIN CREATEDB PASSWORD '$PG_PASSWORD'"
  as_postgres psql -qtAc "SELECT 1 FROM pg_database WHERE datname='$PG_DATABASE'" | grep -q 1 \
    || as_postgres psql -qc "CREATE DATABASE \"$PG_DATABASE\" OWNER \"$PG_USER\""
fi
say "PostgreSQL and RabbitMQ answer on 127.0.0.1"
