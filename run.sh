#!/usr/bin/env bash
# Runs CloudService on http://127.0.0.1:8080: PostgreSQL and RabbitMQ (installed and started if
# needed), the schema (the app's `migrate` command), the admin account and the first-party plugin
# packages. Ctrl+C stops it.
# Started as root, the server runs as the system user $CLOUDSERVICE_USER (services.sh creates it),
# with umask 077: the data root is 700 and everything in it 600.
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

umask 077
mkdir -p "$CloudService__DataRoot"
chmod -R go-rwx "$CloudService__DataRoot"
RUN_AS=()
if [ "$(id -u)" -eq 0 ] && [ "${CLOUDSERVICE_RUN_AS_ROOT:-0}" != 1 ]; then
  chown -R "$CLOUDSERVICE_USER:$CLOUDSERVICE_USER" "$CloudService__DataRoot"
  if runuser -u "$CLOUDSERVICE_USER" -- test -r "$APP_DLL" -a -r src/Bootstrapper/appsettings.json -a -w "$CloudService__DataRoot"; then
    # setpriv execs (runuser would stay as a parent and turn Ctrl+C into SIGTERM, then SIGKILL).
    RUN_AS=(setpriv --reuid="$CLOUDSERVICE_USER" --regid="$CLOUDSERVICE_USER" --init-groups -- env HOME="$CloudService__DataRoot" DOTNET_CLI_HOME="$CloudService__DataRoot")
    say "Running as the system user $CLOUDSERVICE_USER"
  else
    say "WARNING: $CLOUDSERVICE_USER cannot read $PWD (or write the data root): running as root. Put the checkout where that user can read it."
  fi
fi
# An absolute content root: a relative one is taken relative to the binaries, not to this folder.
exec "${RUN_AS[@]}" dotnet "$APP_DLL" --contentRoot "$PWD/src/Bootstrapper" "$@"
