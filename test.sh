#!/usr/bin/env bash
# Runs every test. PostgreSQL, RabbitMQ and Chromium are installed and started if needed (tests
# use Testcontainers instead where a Docker engine answers); each test class gets its own database
# and RabbitMQ virtual host. Extra arguments go to `dotnet test` (e.g. --filter Module=Storage).
# `./test.sh --fast` runs only the unit tests (Category=Unit: no services, a few seconds).
set -euo pipefail
cd "$(dirname "$0")"
WITH_CHROMIUM=1 WITH_RABBITMQ_MANAGEMENT=1 source scripts/services.sh
export CLOUDSERVICE_TEST_POSTGRES=${CLOUDSERVICE_TEST_POSTGRES:-"Host=127.0.0.1;Port=5432;Database=postgres;Username=$PG_USER;Password=$PG_PASSWORD"}
export CLOUDSERVICE_TEST_RABBITMQ=${CLOUDSERVICE_TEST_RABBITMQ:-"amqp://guest:guest@127.0.0.1:5672/"}
export CLOUDSERVICE_TEST_RABBITMQ_MANAGEMENT=${CLOUDSERVICE_TEST_RABBITMQ_MANAGEMENT:-"http://guest:guest@127.0.0.1:15672/"}
export CLOUDSERVICE_TEST_CHROMIUM=${CLOUDSERVICE_TEST_CHROMIUM:-$(command -v chromium || true)}

say "Building"
dotnet build CloudService.sln -c Release -v quiet -nologo -clp:ErrorsOnly
if [ -x scripts/pack-plugins.sh ]; then
  scripts/pack-plugins.sh
fi
args=("$@")
if [ "${1:-}" = "--fast" ]; then
  args=(--filter "Category=Unit" "${@:2}")
fi
say "Testing"
# One test project at a time (-m:1): each already runs its classes in parallel, and the machine may
# have two cores only: the load stays what one test host puts on it, as before the split.
dotnet test CloudService.sln -c Release --no-build -m:1 --logger "console;verbosity=normal" "${args[@]}"
