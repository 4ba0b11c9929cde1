#!/usr/bin/env bash
# Runs CloudService on http://127.0.0.1:8080: PostgreSQL and RabbitMQ (installed and started if
# needed), the schema (the app's `migrate` command), the admin account and the first-party plugin
# packages. Ctrl+C stops it.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/services.sh

say "Building CloudService"
dotnet build CloudService.sln -c Release -v quiet -nologo -clp:ErrorsOnly
if [ -x scripts/pack-plugins.sh ]; then
  scripts/pack-plugins.sh
fi

export ConnectionStrings__Postgres=${ConnectionStrings__Postgres:-"Host=127.0.0.1;Port=5432;Database=$PG_DATABASE;Username=$PG_USER;Password=$PG_PASSWORD"}
export CloudService__DataRoot=${CloudService__DataRoot:-"$PWD/.data"}
export ASPNETCORE_ENVIRONMENT=${ASPNETCORE_ENVIRONMENT:-Production}
APP_DLL=src/Bootstrapper/bin/Release/net10.0/CloudService.Bootstrapper.dll
say "Migrating the database schema"
dotnet "$APP_DLL" migrate --contentRoot "$PWD/src/Bootstrapper"
say "Starting CloudService on ${ASPNETCORE_URLS:-http://127.0.0.1:8080} (Ctrl+C stops it)"
say "The admin password is printed below on the first start (or set CloudService__Admin__Password)."
[ -d artifacts/plugins ] && say "Plugin packages to upload: $(ls artifacts/plugins/*.zip 2>/dev/null | tr '\n' ' ')"
# An absolute content root: a relative one is taken relative to the binaries, not to this folder.
exec dotnet "$APP_DLL" --contentRoot "$PWD/src/Bootstrapper" "$@"
