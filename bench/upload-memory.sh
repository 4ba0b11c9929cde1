#!/usr/bin/env bash
# Peak memory of the real app process while a large file is uploaded (and downloaded) with curl.
# Uploads must stream: the peak resident set during a 200 MB upload should stay within ~50 MB of
# the idle process. Starts the Release build on its own port, database, virtual host and data
# root; prints idle RSS, the high-water mark during the upload (VmHWM, reset just before it via
# /proc/<pid>/clear_refs) and the same for a download.
# Usage: bench/upload-memory.sh [size in MB, default 200]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh

SIZE_MB=${1:-200}
PORT=${BENCH_PORT:-18090}
BASE="http://127.0.0.1:$PORT"
NAME="cloudservice_bench_$$"
WORK=$(mktemp -d /tmp/cloudservice-bench.XXXXXX)
PASSWORD="bench-admin-$RANDOM$RANDOM"
DLL=src/Bootstrapper/bin/Release/net10.0/CloudService.Bootstrapper.dll
APP_PID=""

cleanup() {
  if [ -n "$APP_PID" ] && kill -0 "$APP_PID" 2>/dev/null; then kill -INT "$APP_PID"; wait "$APP_PID" 2>/dev/null || true; fi
  PGPASSWORD=$PG_PASSWORD psql -h 127.0.0.1 -U "$PG_USER" -d postgres -qc "DROP DATABASE IF EXISTS \"$NAME\" WITH (FORCE)" >/dev/null 2>&1 || true
  as_root rabbitmqctl -q delete_vhost "$NAME" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

[ -f "$DLL" ] || dotnet build CloudService.sln -c Release -v quiet -nologo -clp:ErrorsOnly
PGPASSWORD=$PG_PASSWORD psql -h 127.0.0.1 -U "$PG_USER" -d postgres -qc "CREATE DATABASE \"$NAME\"" >/dev/null
VHOST=/
if as_root rabbitmqctl -q add_vhost "$NAME" >/dev/null 2>&1; then
  as_root rabbitmqctl -q set_permissions -p "$NAME" guest '.*' '.*' '.*' >/dev/null
  VHOST=$NAME
fi

kb() { awk -v f="$1:" '$1 == f { print $2 }' "/proc/$APP_PID/status"; }
mb() { echo "$(( $1 / 1024 )) MB"; }

# Job control: the app gets its own process group and SIGINT stays deliverable for a clean stop.
set -m
ConnectionStrings__Postgres="Host=127.0.0.1;Port=5432;Database=$NAME;Username=$PG_USER;Password=$PG_PASSWORD" \
ASPNETCORE_URLS="$BASE" \
ASPNETCORE_ENVIRONMENT=Production \
CloudService__DataRoot="$WORK/data" \
CloudService__Admin__Password="$PASSWORD" \
CloudService__Storage__MaxUploadBytes=$(( (SIZE_MB + 1) * 1024 * 1024 )) \
RabbitMq__VirtualHost="$VHOST" \
  dotnet "$DLL" --contentRoot "$PWD/src/Bootstrapper" >"$WORK/app.log" 2>&1 &
APP_PID=$!
set +m
for _ in $(seq 1 120); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/health/ready")" = 200 ] && break
  kill -0 "$APP_PID" 2>/dev/null || { cat "$WORK/app.log"; exit 1; }
  sleep 1
done

TOKEN=$(curl -sf -H 'Content-Type: application/json' -d "{\"userName\":\"admin\",\"password\":\"$PASSWORD\"}" "$BASE/api/auth/token" \
  | sed -n 's/.*"accessToken":"\([^"]*\)".*/\1/p')
auth=(-H "Authorization: Bearer $TOKEN")

# Warm up the upload and download paths (JIT, connection pools) so they do not count as the upload's cost.
head -c $((4 * 1024 * 1024)) /dev/urandom >"$WORK/warm.bin"
for _ in 1 2 3; do
  id=$(curl -sf "${auth[@]}" -F "file=@$WORK/warm.bin" "$BASE/api/files" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
  curl -sf "${auth[@]}" -o /dev/null "$BASE/api/files/$id/content"
  curl -sf "${auth[@]}" -X DELETE "$BASE/api/files/$id"
done
head -c $((SIZE_MB * 1024 * 1024)) /dev/urandom >"$WORK/big.bin"
sleep 3

# Samples VmRSS every 20 ms as well, in case this kernel cannot reset VmHWM.
sample() { local max=0 v; while [ -f "$WORK/sampling" ]; do v=$(kb VmRSS); [ "$v" -gt "$max" ] && max=$v; sleep 0.02; done; echo "$max" >"$WORK/sampled"; }

STARTUP_PEAK=$(kb VmHWM)
IDLE=$(kb VmRSS)
echo 5 >"/proc/$APP_PID/clear_refs"   # resets VmHWM to the current RSS
touch "$WORK/sampling"; sample & SAMPLER=$!
START=$(date +%s.%N)
id=$(curl -sf "${auth[@]}" -F "file=@$WORK/big.bin" "$BASE/api/files" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
UP_SECONDS=$(echo "$(date +%s.%N) - $START" | bc)
UP_PEAK=$(kb VmHWM)
rm "$WORK/sampling"; wait "$SAMPLER"; UP_SAMPLED=$(cat "$WORK/sampled")
[ -n "$id" ] || { echo "the upload failed"; tail -n 20 "$WORK/app.log"; exit 1; }

sleep 1
BEFORE_DOWN=$(kb VmRSS)
echo 5 >"/proc/$APP_PID/clear_refs"
START=$(date +%s.%N)
curl -sf "${auth[@]}" -o "$WORK/back.bin" "$BASE/api/files/$id/content"
DOWN_SECONDS=$(echo "$(date +%s.%N) - $START" | bc)
DOWN_PEAK=$(kb VmHWM)
cmp -s "$WORK/big.bin" "$WORK/back.bin" || { echo "the download differs from the upload"; exit 1; }

echo "upload of $SIZE_MB MB with curl ($(printf '%.1f' "$UP_SECONDS") s):"
echo "  peak RSS since start:  $(mb "$STARTUP_PEAK") (VmHWM before the reset)"
echo "  idle RSS before:       $(mb "$IDLE")"
echo "  peak RSS (VmHWM):      $(mb "$UP_PEAK")"
echo "  highest RSS sampled:   $(mb "$UP_SAMPLED")"
echo "  peak above idle:       $(mb $((UP_PEAK - IDLE)))"
echo "download of the same file ($(printf '%.1f' "$DOWN_SECONDS") s):"
echo "  RSS before:            $(mb "$BEFORE_DOWN")"
echo "  peak RSS (VmHWM):      $(mb "$DOWN_PEAK")"
echo "  peak above before:     $(mb $((DOWN_PEAK - BEFORE_DOWN)))"
if [ $((UP_PEAK - IDLE)) -gt $((50 * 1024)) ]; then
  echo "OVER TARGET: the upload raised the peak by more than 50 MB" >&2
  exit 1
fi
