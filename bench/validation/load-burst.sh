#!/usr/bin/env bash
# Load: bursts of 10x the sustained rate for 10 s. BASE records/s for 60 s, 10 x BASE for 10 s, BASE
# for 120 s (bodies built before the start, 4 connections). Per second: accepted rate, answers by
# status (429/503 with Retry-After), client latency; every 2 s: buffer, lags, memory.
#   bench/validation/load-burst.sh [BASE] [RATE_LIMIT]    (defaults 10000, 0 = none)
# With RATE_LIMIT > 0 the agent gets an ingest token limited to RATE_LIMIT records/s
# (nervesys.ingest.rateLimit): the burst is then answered 429 + Retry-After and the client retries.
set -euo pipefail
. "$(dirname "$0")/lib_load.sh"
base=${1:-10000}; limit=${2:-0}
out=${VL_OUT:-$VL_ROOT/docs/validation}; mkdir -p "$out"
name=load-burst; [[ $limit != 0 ]] && name=load-burst-limited
vl_init "$name"
vl_s3proxy_start
extra=(); tok=()
if [[ $limit != 0 ]]; then
  export NERVESYS_INGEST_TOKENS=vl-burst-token
  extra=(-Dnervesys.ingest.rateLimit="$limit"); tok=(--token vl-burst-token)
fi
vl_agent_start -Dnervesys.archive.interval=1m "${extra[@]}"
csv=$out/$name.csv
vl_sampler_start "$csv" 2
burst=$(( base * 10 ))
python3 "$VL_DIR/lib_load.py" load --url "$VL_INGEST/ingest" --profile "60:$base,10:$burst,120:$base" --run-prefix burst \
  --batch 1000 --workers 4 --prebuild --retry --deadline 1200 "${tok[@]}" --out "$VL_WORK/load" | tee "$VL_WORK/load.json"
vl_log "load done; waiting for ClickHouse and archive to drain"
t0=$(date +%s); vl_wait_drained 900 || true; drain=$(( $(date +%s) - t0 ))
sleep 4; vl_sampler_stop
start_utc=$(python3 -c "import json;print(json.load(open('$VL_WORK/load-summary.json'))['start_utc'][11:19])")
{
  echo "== $name: $base rec/s, a burst of $burst rec/s for 10 s at t=60..70 s, rate limit $limit"
  echo "client:  $(cat "$VL_WORK/load.json")"
  echo "client per second around the burst (t, sent, acked, 2xx, 429, 503, other, p50 ms, p99 ms, max ms, Retry-After):"
  awk -F, 'NR == 1 || ($1 >= 55 && $1 <= 100)' "$VL_WORK/load-seconds.csv" | sed 's/^/  /'
  echo "agent:   429 answers $(vl_metric 'nervesys_ingest_requests_total{endpoint="ingest",status="429"'), 503 answers $(vl_metric 'nervesys_ingest_requests_total{endpoint="ingest",status="503"')"
  echo "drained: $drain s after the load stopped; buffer max $(python3 -c "import csv;print(max(float(r['buffer_disk_mb'] or 0) for r in csv.DictReader(open('$csv'))))") MB on disk"
  vl_compare "$VL_WORK/load-summary.json" burst || true
} | tee "$out/$name.txt"
cp "$VL_WORK/load-seconds.csv" "$out/$name-client.csv"
python3 "$VL_DIR/lib_load.py" plot "$out/$name-client.csv" "$out/$name-client.png" --mark 60,70 --xscale 1 --xlabel "seconds since load start" \
  --title "$name: client side (burst between the red lines)" \
  --cols "sent_records:records sent/s,acked_records:records acknowledged/s,req_429:429 answers/s,req_503:503 answers/s,lat_p99_ms:latency p99 ms,lat_p50_ms:latency p50 ms" \
  --panels "sent_records+acked_records;req_429+req_503;lat_p50_ms+lat_p99_ms" || true
python3 "$VL_DIR/lib_load.py" plot "$csv" "$out/$name-agent.png" --xscale 1 --xlabel "seconds since sampling start" \
  --title "$name: agent side (load starts at $start_utc UTC)" \
  --cols "accepted_per_s:accepted records/s,buffer_disk_mb:buffer on disk MB,ch_pending:ClickHouse pending records,archive_pending:archive pending records,rss_mb:RSS MB,heap_used_mb:heap used MB" \
  --panels "accepted_per_s;buffer_disk_mb;ch_pending+archive_pending;rss_mb+heap_used_mb" || true
