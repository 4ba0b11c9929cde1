#!/usr/bin/env bash
# Measures CloudService against the limits of this machine and writes docs/benchmarks.md: for each
# figure our number, a reference measured side by side in the same run, the ratio, the target, and
# whether it was met. Ratios, not absolute times: the machines are shared and noisy.
#
# Starts what it needs: PostgreSQL and RabbitMQ (scripts/services.sh), wrk (apt), a Release build of
# the app as its own process with its own database, RabbitMQ virtual host and data folder (a user's
# data is never touched), and a Kestrel static-file server as the reference for cache hits.
# Steps: micro (BenchmarkDotNet, in process), live (the app over HTTP and AMQP), hits (wrk), upload
# (curl vs dd), outages (preview latency with the broker cut vs up; start-up to a resumed validation
# after a SIGKILL mid-validation). `./bench.sh` runs them all (about 8 minutes on two cores) and rewrites
# docs/benchmarks.md; `./bench.sh live hits` runs only those and writes artifacts/bench/partial.md.
# BENCH_KEEP=1 keeps the work folder (the app's log, raw samples) for a closer look.
set -euo pipefail
cd "$(dirname "$0")"
STARTED=$(date +%s)
source scripts/services.sh

ALL_STEPS=(micro live hits upload outages)
STEPS=("$@")
[ ${#STEPS[@]} -gt 0 ] || STEPS=("${ALL_STEPS[@]}")
for step in "${STEPS[@]}"; do
  [[ " ${ALL_STEPS[*]} " == *" $step "* ]] || { echo "unknown step '$step'; steps: ${ALL_STEPS[*]}" >&2; exit 2; }
done
wants() { [[ " ${STEPS[*]} " == *" $1 "* ]]; }

missing=()
for tool in wrk curl bc socat; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
  say "Installing ${missing[*]} (apt)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

say "Building (Release) and packing the plugins"
dotnet build CloudService.sln -c Release -v quiet -nologo -clp:ErrorsOnly
scripts/pack-plugins.sh >/dev/null

APP_PORT=${BENCH_PORT:-18095}
STATIC_PORT=$((APP_PORT + 1))
BASE="http://127.0.0.1:$APP_PORT"
NAME="cloudservice_bench_$$"
UPLOAD_MB=${BENCH_UPLOAD_MB:-500}
# The app's data folder, dd's target and the validation benchmark share this folder, so every
# disk figure and its reference use the same disk.
WORK=$(mktemp -d "${BENCH_WORK_ROOT:-/var/tmp}/cloudservice-bench.XXXXXX")
PASSWORD="bench-admin-$RANDOM$RANDOM"
DLL=src/Bootstrapper/bin/Release/net10.0/CloudService.Bootstrapper.dll
BENCH=(dotnet bench/Benchmarks/bin/Release/net10.0/CloudService.Benchmarks.dll)
APP_PID=""
STATIC_PID=""
export BENCH_WORK="$WORK" BENCH_RESULTS="$WORK/results.tsv" BENCH_PLUGIN_PACKAGE="$PWD/artifacts/plugins/markdown-preview-1.0.0.zip"
export BENCH_BASE_URL="$BASE" BENCH_ADMIN_PASSWORD="$PASSWORD"
export BENCH_POSTGRES="Host=127.0.0.1;Port=5432;Database=$NAME;Username=$PG_USER;Password=$PG_PASSWORD"
: >"$BENCH_RESULTS"

stop() { # pid: SIGINT, then wait for it
  if [ -n "$1" ] && kill -0 "$1" 2>/dev/null; then kill -INT "$1"; wait "$1" 2>/dev/null || true; fi
}
cleanup() {
  [ -z "${PROXY_PID:-}" ] || kill "$PROXY_PID" 2>/dev/null || true
  stop "$STATIC_PID"
  stop "$APP_PID"
  for db in "$NAME" "${NAME}_outage"; do
    PGPASSWORD=$PG_PASSWORD psql -h 127.0.0.1 -U "$PG_USER" -d postgres -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
  done
  as_root rabbitmqctl -q delete_vhost "$NAME" >/dev/null 2>&1 || true
  if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "Kept $WORK (app.log, samples-*.txt, results.tsv)"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

result() { printf '%s\t%s\n' "$1" "$2" >>"$BENCH_RESULTS"; echo "  $1 = $2"; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
kb() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }
wait_ready() { # url pid log
  for _ in $(seq 1 120); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$1")" = 200 ] && return 0
    kill -0 "$2" 2>/dev/null || { tail -n 40 "$3"; echo "the process behind $1 exited" >&2; exit 1; }
    sleep 0.5
  done
  echo "$1 did not answer within 60 s" >&2; exit 1
}

result run.date "$(date -u '+%Y-%m-%d %H:%M UTC')"
result run.machine "$(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)), $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo)"
result run.dotnet "$(dotnet --version)"

if wants micro; then
  say "In-process benchmarks (BenchmarkDotNet): Markdig and sanitiser, package validation vs unzip"
  "${BENCH[@]}" micro >"$WORK/micro.log" 2>&1 || { tail -n 60 "$WORK/micro.log"; exit 1; }
  grep -E '^\| ' "$WORK/micro.log" || true
fi

if wants live || wants hits || wants upload || wants outages; then
  say "Starting the app (Release) on $BASE with database and virtual host $NAME"
  PGPASSWORD=$PG_PASSWORD psql -h 127.0.0.1 -U "$PG_USER" -d postgres -qc "CREATE DATABASE \"$NAME\"" >/dev/null
  VHOST=/
  if as_root rabbitmqctl -q add_vhost "$NAME" >/dev/null 2>&1; then
    as_root rabbitmqctl -q set_permissions -p "$NAME" guest '.*' '.*' '.*' >/dev/null
    VHOST=$NAME
  fi
  export BENCH_AMQP="amqp://guest:guest@127.0.0.1:5672/$([ "$VHOST" = / ] && echo %2F || echo "$VHOST")"
  # Job control: the app gets its own process group and SIGINT stays deliverable for a clean stop.
  # Pre-generation on upload is off: the miss figure must find previews missing.
  ConnectionStrings__Postgres="$BENCH_POSTGRES" ASPNETCORE_ENVIRONMENT=Production \
    dotnet "$DLL" migrate --contentRoot "$PWD/src/Bootstrapper" >"$WORK/migrate.log" 2>&1 || { cat "$WORK/migrate.log"; exit 1; }
  set -m
  ConnectionStrings__Postgres="$BENCH_POSTGRES" \
  ASPNETCORE_URLS="$BASE" \
  ASPNETCORE_ENVIRONMENT=Production \
  CloudService__DataRoot="$WORK/data" \
  CloudService__Admin__Password="$PASSWORD" \
  CloudService__Storage__MaxUploadBytes=$(( (UPLOAD_MB + 1) * 1024 * 1024 )) \
  CloudService__Preview__PregenerateOnUpload=false \
  CloudService__Identity__AccessTokenLifetime=02:00:00 \
  CloudService__Identity__SignInsPerIpPerMinute=100000 \
  CloudService__Identity__SignInsPerUserNamePerMinute=100000 \
  RabbitMq__VirtualHost="$VHOST" \
    dotnet "$DLL" --contentRoot "$PWD/src/Bootstrapper" >"$WORK/app.log" 2>&1 &
  APP_PID=$!
  set +m
  wait_ready "$BASE/health/ready" "$APP_PID" "$WORK/app.log"
fi

if wants live || wants hits; then
  say "Against the app: preview misses, 100 requests for one preview, a small user beside a flood, plugin cycles, lifecycle events"
  # BENCH_LIVE_PARTS (misses single flood cycles hit) runs only some of them, e.g. BENCH_LIVE_PARTS=flood ./bench.sh live
  # shellcheck disable=SC2086
  "${BENCH[@]}" live ${BENCH_LIVE_PARTS:-} || { tail -n 40 "$WORK/app.log"; exit 1; }
fi

if wants hits; then
  say "Cache hits with wrk (32 connections): the app vs Kestrel serving the same bytes as a static file"
  set -m
  DOTNET_gcServer=1 "${BENCH[@]}" static-server "$WORK/static" "http://127.0.0.1:$STATIC_PORT" >"$WORK/static.log" 2>&1 &
  STATIC_PID=$!
  set +m
  wait_ready "http://127.0.0.1:$STATIC_PORT/preview.html" "$STATIC_PID" "$WORK/static.log"
  HIT_URL="$BASE$(cat "$WORK/hit-path")"
  STATIC_URL="http://127.0.0.1:$STATIC_PORT/preview.html"
  cmp -s <(curl -sf -H "Authorization: Bearer $(cat "$WORK/hit-token")" "$HIT_URL") <(curl -sf "$STATIC_URL") \
    || { echo "the app and the static server do not serve the same bytes" >&2; exit 1; }
  hit() { # url seconds → "rps p99 errors requests"
    wrk -t1 -c32 -d"$2"s --latency -s bench/wrk-summary.lua -H "Authorization: Bearer $(cat "$WORK/hit-token")" "$1" | sed -n 's/^WRK //p'
  }
  hit "$HIT_URL" 3 >/dev/null
  hit "$STATIC_URL" 3 >/dev/null
  ours_rps=(); ours_p99=(); ref_rps=(); ref_p99=()
  for round in 1 2 3; do
    for side in ours ref; do
      url=$HIT_URL; [ "$side" = ref ] && url=$STATIC_URL
      read -r rps p99 errors requests < <(hit "$url" 8)
      [ "$errors" = 0 ] || { echo "wrk saw $errors errors of $requests requests against $url" >&2; exit 1; }
      echo "  round $round $side: $rps req/s, p99 $p99 ms"
      if [ "$side" = ours ]; then ours_rps+=("$rps"); ours_p99+=("$p99"); else ref_rps+=("$rps"); ref_p99+=("$p99"); fi
    done
  done
  result hit.rps "$(median "${ours_rps[@]}")"
  result hit.p99_ms "$(median "${ours_p99[@]}")"
  result hit.ref_rps "$(median "${ref_rps[@]}")"
  result hit.ref_p99_ms "$(median "${ref_p99[@]}")"
  stop "$STATIC_PID"; STATIC_PID=""
fi

if wants upload; then
  say "Upload of $UPLOAD_MB MB with curl vs dd writing the same bytes to the same disk; the app's peak RSS"
  TOKEN=$(curl -sf -H 'Content-Type: application/json' -d "{\"userName\":\"admin\",\"password\":\"$PASSWORD\"}" "$BASE/api/auth/token" \
    | sed -n 's/.*"accessToken":"\([^"]*\)".*/\1/p')
  auth=(-H "Authorization: Bearer $TOKEN")
  upload() { curl -sf "${auth[@]}" -F "file=@$1" -o "$WORK/upload.json" -w '%{time_total}' "$BASE/api/files"; }
  # Warm the upload path (JIT, pools) so it does not count as the upload's cost.
  head -c $((8 * 1024 * 1024)) /dev/urandom >"$WORK/warm.bin"
  for _ in 1 2 3; do upload "$WORK/warm.bin" >/dev/null; done
  head -c $((UPLOAD_MB * 1024 * 1024)) /dev/urandom >"$WORK/big.bin"
  now() { date +%s.%N; }
  mbps() { echo "$UPLOAD_MB / ($2 - $1)" | bc -l; }
  ours=(); ref=(); ours_cache=(); ref_cache=(); growth=(); peaks=(); idles=()
  for round in 1 2 3 4 5; do
    # New content every round: blobs are stored by hash, and a known one would not be written again.
    printf '%016d' "$round" | dd of="$WORK/big.bin" bs=16 count=1 conv=notrunc status=none
    # Both sides write until the bytes are on the disk (dd: fdatasync; the app: its 201, then an
    # fdatasync of the blob it stored): the disk is the limit. Each starts with nothing left to flush.
    sync; a=$(now); dd if="$WORK/big.bin" of="$WORK/data/dd.bin" bs=1M status=none; b=$(now)
    rm -f "$WORK/data/dd.bin"
    sync; c=$(now); dd if="$WORK/big.bin" of="$WORK/data/dd.bin" bs=1M conv=fdatasync status=none; d=$(now)
    rm -f "$WORK/data/dd.bin"
    sync; sleep 1
    idle=$(kb "$APP_PID" VmRSS)
    echo 5 >"/proc/$APP_PID/clear_refs"   # resets VmHWM to the current RSS
    e=$(now); upload "$WORK/big.bin" >/dev/null; f=$(now)
    peak=$(kb "$APP_PID" VmHWM)
    sha=$(sed -n 's/.*"sha256":"\([0-9a-f]*\)".*/\1/p' "$WORK/upload.json")
    id=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' "$WORK/upload.json")
    [ -n "$id" ] || { echo "the upload failed: $(cat "$WORK/upload.json")" >&2; tail -n 20 "$WORK/app.log"; exit 1; }
    sync -d "$WORK/data/blobs/${sha:0:2}/${sha:2:2}/$sha"; g=$(now)
    ours+=("$(mbps "$e" "$g")"); ref+=("$(mbps "$c" "$d")"); ours_cache+=("$(mbps "$e" "$f")"); ref_cache+=("$(mbps "$a" "$b")")
    growth+=($(( (peak - idle) / 1024 ))); peaks+=($((peak / 1024))); idles+=($((idle / 1024)))
    printf '  round %s: to disk: dd %.0f MB/s, upload %.0f MB/s; to the page cache: dd %.0f MB/s, upload %.0f MB/s; peak RSS +%s MB\n' \
      "$round" "${ref[-1]}" "${ours[-1]}" "${ref_cache[-1]}" "${ours_cache[-1]}" "${growth[-1]}"
    curl -sf "${auth[@]}" -X DELETE "$BASE/api/files/$id"
  done
  worst=0; for i in "${!growth[@]}"; do [ "${growth[$i]}" -gt "${growth[$worst]}" ] && worst=$i; done
  result upload.size_mb "$UPLOAD_MB"
  result upload.mbps "$(median "${ours[@]}")"
  result upload.dd_mbps "$(median "${ref[@]}")"
  result upload.cache_mbps "$(median "${ours_cache[@]}")"
  result upload.dd_cache_mbps "$(median "${ref_cache[@]}")"
  result upload.peak_growth_mb "${growth[$worst]}"
  result upload.peak_mb "${peaks[$worst]}"
  result upload.idle_mb "${idles[$worst]}"
fi

stop "$APP_PID"; APP_PID=""

if wants outages; then
  say "Outages: text preview misses with the broker up vs cut; start-up to a resumed validation after a SIGKILL"
  # A second app of its own (port, data folder) whose broker connection goes through socat: killing
  # socat cuts the broker for this app alone.
  OUT_PORT=$((APP_PORT + 2)); PROXY_PORT=$((APP_PORT + 3)); OUT_BASE="http://127.0.0.1:$OUT_PORT"
  PROXY_PID=""
  start_proxy() { set -m; socat "TCP-LISTEN:$PROXY_PORT,fork,reuseaddr,bind=127.0.0.1" TCP:127.0.0.1:5672 & PROXY_PID=$!; set +m; }
  # Its own database too: the live step has already uploaded the plugin package this step uploads.
  OUT_POSTGRES="${BENCH_POSTGRES/Database=$NAME;/Database=${NAME}_outage;}"
  PGPASSWORD=$PG_PASSWORD psql -h 127.0.0.1 -U "$PG_USER" -d postgres -qc "CREATE DATABASE \"${NAME}_outage\"" >/dev/null
  ConnectionStrings__Postgres="$OUT_POSTGRES" ASPNETCORE_ENVIRONMENT=Production \
    dotnet "$DLL" migrate --contentRoot "$PWD/src/Bootstrapper" >>"$WORK/migrate.log" 2>&1 || { cat "$WORK/migrate.log"; exit 1; }
  start_outage_app() {
    set -m
    ConnectionStrings__Postgres="$OUT_POSTGRES" ASPNETCORE_URLS="$OUT_BASE" ASPNETCORE_ENVIRONMENT=Production \
    CloudService__DataRoot="$WORK/outage-data" CloudService__Admin__Password="$PASSWORD" \
    CloudService__Preview__PregenerateOnUpload=false CloudService__Plugins__Limits__MaxEntries=10000 \
    RabbitMq__VirtualHost="$VHOST" RabbitMq__Port="$PROXY_PORT" \
      dotnet "$DLL" --contentRoot "$PWD/src/Bootstrapper" >>"$WORK/outage-app.log" 2>&1 &
    APP_PID=$!
    set +m
  }
  start_proxy
  start_outage_app
  wait_ready "$OUT_BASE/health/ready" "$APP_PID" "$WORK/outage-app.log"
  TOKEN=$(curl -sf -H 'Content-Type: application/json' -d "{\"userName\":\"admin\",\"password\":\"$PASSWORD\"}" "$OUT_BASE/api/auth/token" \
    | sed -n 's/.*"accessToken":"\([^"]*\)".*/\1/p')
  auth=(-H "Authorization: Bearer $TOKEN")
  preview_misses() { # label count → seconds of each miss (new text each time: the cache is keyed by content)
    for i in $(seq 1 "$2"); do
      head -c 48000 /dev/urandom | base64 >"$WORK/miss.txt"
      id=$(curl -sf "${auth[@]}" -F "file=@$WORK/miss.txt;filename=$1-$i.txt" "$OUT_BASE/api/files" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
      code_time=$(curl -s "${auth[@]}" -o /dev/null -w '%{http_code} %{time_total}' "$OUT_BASE/api/files/$id/preview?waitMs=10000")
      [ "${code_time% *}" = 200 ] || { echo "preview of $id answered ${code_time% *} ($1)" >&2; tail -n 20 "$WORK/outage-app.log"; exit 1; }
      echo "${code_time#* }"
    done
  }
  preview_misses warm 20 >/dev/null
  mapfile -t up < <(preview_misses up 30)
  kill -- -"$PROXY_PID" 2>/dev/null || kill "$PROXY_PID"; wait "$PROXY_PID" 2>/dev/null || true
  mapfile -t down < <(preview_misses down 30)
  result outage.preview_up_ms "$(echo "$(median "${up[@]}") * 1000" | bc -l)"
  result outage.preview_down_ms "$(echo "$(median "${down[@]}") * 1000" | bc -l)"
  start_proxy

  SLOW="$WORK/slow-package.zip"
  "${BENCH[@]}" slow-package "$BENCH_PLUGIN_PACKAGE" "$SLOW" >/dev/null
  status() { curl -sf "${auth[@]}" "$OUT_BASE/api/admin/plugins/markdown-preview" | sed -n 's/.*"status":"\([a-z]*\)".*/\1/p'; }
  curl -sf "${auth[@]}" -F "package=@$SLOW" "$OUT_BASE/api/admin/plugins" >/dev/null
  for _ in $(seq 1 600); do [ "$(status)" = validating ] && break; sleep 0.02; done
  kill -9 "$APP_PID"; wait "$APP_PID" 2>/dev/null || true
  started=$(date +%s.%N)
  start_outage_app
  resumed=""
  for _ in $(seq 1 1200); do
    log=$(curl -s "${auth[@]}" "$OUT_BASE/api/admin/plugins/markdown-preview/log" || true)
    if [ "$(grep -o '"type":"validation-started"' <<<"$log" | wc -l)" -ge 2 ]; then resumed=$(date +%s.%N); break; fi
    sleep 0.05
  done
  [ -n "$resumed" ] && result outage.resume_seconds "$(echo "$resumed - $started" | bc -l)"
  stop "$APP_PID"; APP_PID=""
  kill -- -"$PROXY_PID" 2>/dev/null || kill "$PROXY_PID"; wait "$PROXY_PID" 2>/dev/null || true
fi

result run.seconds "$(( $(date +%s) - STARTED ))"
if [ ${#STEPS[@]} -eq ${#ALL_STEPS[@]} ]; then
  "${BENCH[@]}" report "$BENCH_RESULTS" docs/benchmarks.md >/dev/null
  say "Wrote docs/benchmarks.md ($(( $(date +%s) - STARTED )) s)"
else
  mkdir -p artifacts/bench
  "${BENCH[@]}" report "$BENCH_RESULTS" artifacts/bench/partial.md >/dev/null
  say "Wrote artifacts/bench/partial.md (steps: ${STEPS[*]}; docs/benchmarks.md is only written by a full run)"
fi
sed -n '/^| figure/,/^$/p' "$( [ ${#STEPS[@]} -eq ${#ALL_STEPS[@]} ] && echo docs/benchmarks.md || echo artifacts/bench/partial.md )"
