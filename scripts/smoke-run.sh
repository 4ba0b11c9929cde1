#!/usr/bin/env bash
# Smoke test of ./run.sh itself, as a person would use it: start it (on another port, with its own
# data root, database and RabbitMQ virtual host), wait until it is ready, sign in as admin with the
# configured password, create a user, upload and download a file as that user, stop it with
# SIGINT (Ctrl+C) and check that it exits cleanly. Then all of it once more on the same database
# and data root: running ./run.sh a second time must work and still serve the file. Each run must
# have migrated the database first (all migrations on the first, none on the second).
# Used by .ci/run after ./test.sh; runs on its own as well.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh
command -v curl >/dev/null || { as_root apt-get update -qq; as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends curl >/dev/null; }

PORT=${SMOKE_PORT:-18080}
BASE="http://127.0.0.1:$PORT"
NAME="cloudservice_smoke_$$"
WORK=$(mktemp -d /tmp/cloudservice-smoke.XXXXXX)
# run.sh's service user must reach the data root inside (it owns that, 700).
chmod 711 "$WORK"
ADMIN_PASSWORD="smoke-admin-$RANDOM$RANDOM"
USER_PASSWORD="smoke-user-$RANDOM$RANDOM"
APP_PID=""

fail() { echo "SMOKE FAILED: $*" >&2; [ -f "$WORK/app.log" ] && { echo "--- last lines of the app's log ---" >&2; tail -n 40 "$WORK/app.log" >&2; }; exit 1; }

cleanup() {
  if [ -n "$APP_PID" ] && kill -0 "$APP_PID" 2>/dev/null; then kill -KILL "$APP_PID" 2>/dev/null || true; fi
  PGPASSWORD=$PG_PASSWORD psql -h 127.0.0.1 -U "$PG_USER" -d postgres -qc "DROP DATABASE IF EXISTS \"$NAME\" WITH (FORCE)" >/dev/null 2>&1 || true
  as_root rabbitmqctl -q delete_vhost "$NAME" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# A virtual host of its own, so this app never competes with another one for queued messages.
VHOST=/
if as_root rabbitmqctl -q add_vhost "$NAME" >/dev/null 2>&1; then
  as_root rabbitmqctl -q set_permissions -p "$NAME" guest '.*' '.*' '.*' >/dev/null
  VHOST=$NAME
else
  say "rabbitmqctl cannot add a virtual host here; the smoke run shares '/'"
fi

json_field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p"; }

start_app() {
  say "Smoke: starting ./run.sh on $BASE (run $1)"
  # Job control gives the app its own process group and keeps SIGINT deliverable (a plain
  # background job of a script ignores it).
  set -m
  PG_DATABASE="$NAME" \
  ASPNETCORE_URLS="$BASE" \
  CloudService__DataRoot="$WORK/data" \
  CloudService__Admin__Password="$ADMIN_PASSWORD" \
  RabbitMq__VirtualHost="$VHOST" \
    ./run.sh >>"$WORK/app.log" 2>&1 &
  APP_PID=$!
  set +m
  for _ in $(seq 1 240); do
    kill -0 "$APP_PID" 2>/dev/null || fail "./run.sh exited before it was ready"
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/health/ready")" = 200 ] && return 0
    sleep 1
  done
  fail "$BASE/health/ready did not answer 200 within 240 s"
}

stop_app() {
  say "Smoke: stopping the app with SIGINT"
  kill -INT "$APP_PID"
  for _ in $(seq 1 30); do
    kill -0 "$APP_PID" 2>/dev/null || break
    sleep 1
  done
  kill -0 "$APP_PID" 2>/dev/null && fail "the app did not stop within 30 s of SIGINT"
  local code=0
  wait "$APP_PID" || code=$?
  APP_PID=""
  [ "$code" = 0 ] || fail "the app exited with code $code after SIGINT"
  grep -qiE "unhandled exception|\bcrit\b|fail: " "$WORK/app.log" && fail "the app logged errors"
  return 0
}

token() {
  curl -sf -H 'Content-Type: application/json' -d "{\"userName\":\"$1\",\"password\":\"$2\"}" "$BASE/api/auth/token" | json_field accessToken
}

# Run 1: fresh database and data root.
start_app 1
grep -q "Applied [0-9]* migration(s)" "$WORK/app.log" || fail "./run.sh did not migrate the fresh database"
ADMIN=$(token admin "$ADMIN_PASSWORD")
[ -n "$ADMIN" ] || fail "admin cannot sign in with the configured password"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
  -d "{\"userName\":\"smoke\",\"password\":\"$USER_PASSWORD\",\"role\":\"user\"}" "$BASE/api/admin/users")
[ "$code" = 201 ] || fail "creating a user answered $code"
USER=$(token smoke "$USER_PASSWORD")
[ -n "$USER" ] || fail "the new user cannot sign in"

head -c $((5 * 1024 * 1024)) /dev/urandom >"$WORK/upload.bin"
EXPECTED=$(sha256sum "$WORK/upload.bin" | cut -d' ' -f1)
UPLOAD=$(curl -sf -H "Authorization: Bearer $USER" -F "file=@$WORK/upload.bin;filename=smoke.bin" "$BASE/api/files") || fail "the upload failed"
ID=$(echo "$UPLOAD" | json_field id)
[ "$(echo "$UPLOAD" | json_field sha256)" = "$EXPECTED" ] || fail "the upload reports another SHA-256: $UPLOAD"
curl -sf -H "Authorization: Bearer $USER" -o "$WORK/download.bin" "$BASE/api/files/$ID/content" || fail "the download failed"
[ "$(sha256sum "$WORK/download.bin" | cut -d' ' -f1)" = "$EXPECTED" ] || fail "the download differs from the upload"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/api/files")" = 401 ] || fail "anonymous /api/files is not 401"
stop_app

# Run 2: the same database and data root; the account, the file and its bytes are still there.
: >"$WORK/app.log"
start_app 2
grep -q "The database schema is up to date." "$WORK/app.log" || fail "the second ./run.sh did not find the schema up to date"
USER=$(token smoke "$USER_PASSWORD")
[ -n "$USER" ] || fail "the user cannot sign in after a restart"
curl -sf -H "Authorization: Bearer $USER" -o "$WORK/again.bin" "$BASE/api/files/$ID/content" || fail "the file is gone after a restart"
[ "$(sha256sum "$WORK/again.bin" | cut -d' ' -f1)" = "$EXPECTED" ] || fail "the file's bytes changed after a restart"
stop_app

say "Smoke: ./run.sh started twice, served sign-in, user creation, upload and download, and stopped cleanly on SIGINT"
