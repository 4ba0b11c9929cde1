#!/usr/bin/env bash
# Makes the "previous release" asset of the upgrade test (UpgradeFromPreviousReleaseTests): runs the
# app as built in this checkout once against a fresh database, gives it some data (an admin, a user,
# a Markdown file, the CSV preview plugin uploaded, validated and activated), stops it, and writes
#   release-1.dump        pg_dump -Fc of the whole database (schema + data, Hangfire included)
#   release-1-data/blobs  the blob store the files' rows point at
# Run it on the commit of the release (it was run once on main 9d3ea27, the last release before
# migrations existed, with that commit's Release build: RELEASE_DLL and RELEASE_PLUGIN point at
# it); the asset is committed, the script is kept to show how it was made.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE/../../../.."
source scripts/services.sh

DLL=${RELEASE_DLL:-src/Bootstrapper/bin/Release/net10.0/CloudService.Bootstrapper.dll}
PLUGIN=${RELEASE_PLUGIN:-artifacts/plugins/csv-preview-1.0.0.zip}
PORT=${DUMP_PORT:-18199}
BASE="http://127.0.0.1:$PORT"
NAME="cloudservice_release_dump_$$"
WORK=$(mktemp -d /tmp/cloudservice-dump.XXXXXX)
ADMIN_PASSWORD="release-admin-password"
USER_PASSWORD="release-user-password"
APP_PID=""
cleanup() {
  [ -n "$APP_PID" ] && kill -KILL "$APP_PID" 2>/dev/null || true
  PGPASSWORD=$PG_PASSWORD psql -h 127.0.0.1 -U "$PG_USER" -d postgres -qc "DROP DATABASE IF EXISTS \"$NAME\" WITH (FORCE)" >/dev/null 2>&1 || true
  as_root rabbitmqctl -q delete_vhost "$NAME" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
as_root rabbitmqctl -q add_vhost "$NAME" >/dev/null
as_root rabbitmqctl -q set_permissions -p "$NAME" guest '.*' '.*' '.*' >/dev/null
PGPASSWORD=$PG_PASSWORD psql -h 127.0.0.1 -U "$PG_USER" -d postgres -qc "CREATE DATABASE \"$NAME\"" >/dev/null

json_field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p"; }
token() { curl -sf -H 'Content-Type: application/json' -d "{\"userName\":\"$1\",\"password\":\"$2\"}" "$BASE/api/auth/token" | json_field accessToken; }

set -m
ConnectionStrings__Postgres="Host=127.0.0.1;Port=5432;Database=$NAME;Username=$PG_USER;Password=$PG_PASSWORD" \
CloudService__DataRoot="$WORK/data" CloudService__Admin__Password="$ADMIN_PASSWORD" \
RabbitMq__VirtualHost="$NAME" ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="$BASE" \
  dotnet "$DLL" --contentRoot "$PWD/src/Bootstrapper" >"$WORK/app.log" 2>&1 &
APP_PID=$!
set +m
for _ in $(seq 1 240); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/health/ready")" = 200 ] && break
  kill -0 "$APP_PID" || { cat "$WORK/app.log"; exit 1; }
  sleep 1
done

ADMIN=$(token admin "$ADMIN_PASSWORD")
curl -sf -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
  -d "{\"userName\":\"alice\",\"password\":\"$USER_PASSWORD\",\"role\":\"user\"}" "$BASE/api/admin/users" >/dev/null
ALICE=$(token alice "$USER_PASSWORD")
printf '# Release notes\n\nStored before migrations existed.\n' >"$WORK/notes.md"
printf 'name,size\nalpha,1\nbeta,2\n' >"$WORK/table.csv"
curl -sf -H "Authorization: Bearer $ALICE" -F "file=@$WORK/notes.md;filename=notes.md" "$BASE/api/files" >/dev/null
curl -sf -H "Authorization: Bearer $ALICE" -F "file=@$WORK/table.csv;filename=table.csv" "$BASE/api/files" >/dev/null
curl -sf -H "Authorization: Bearer $ADMIN" -F "package=@$PLUGIN" "$BASE/api/admin/plugins" >/dev/null
for _ in $(seq 1 120); do
  curl -sf -H "Authorization: Bearer $ADMIN" "$BASE/api/admin/plugins/csv-preview" | grep -q '"status":"ready"' && break
  sleep 1
done
curl -sf -X POST -H "Authorization: Bearer $ADMIN" "$BASE/api/admin/plugins/csv-preview/activate" >/dev/null
for _ in $(seq 1 60); do
  curl -sf -H "Authorization: Bearer $ADMIN" "$BASE/api/admin/plugins/csv-preview" | grep -q '"status":"active"' && break
  sleep 1
done
curl -sf -H "Authorization: Bearer $ADMIN" "$BASE/api/admin/plugins/csv-preview"; echo

kill -INT "$APP_PID"; wait "$APP_PID" || true; APP_PID=""
PGPASSWORD=$PG_PASSWORD pg_dump -h 127.0.0.1 -U "$PG_USER" -Fc --no-owner --no-acl -f "$HERE/release-1.dump" "$NAME"
rm -rf "$HERE/release-1-data"; mkdir -p "$HERE/release-1-data"
cp -r "$WORK/data/blobs" "$HERE/release-1-data/blobs"
ls -la "$HERE/release-1.dump"; find "$HERE/release-1-data" -type f
