#!/usr/bin/env bash
# Degradation: ingest overload. Two agents, one after the other:
#   1. rate-limited: a token limited to LIMIT records/s; a client offers 4 x LIMIT without retrying.
#      Expected: 429 with Retry-After for what is over the limit, 204 for the rest, and every record
#      answered 2xx (and only those) stored in ClickHouse and the archives.
#   2. no limit, CPU overload: 4 connections send as fast as they can (more than a 2-core machine
#      shared with other work can take). Expected: no refusal (there is no limit to refuse by):
#      latency grows instead; every 2xx record stored; requests that time out on the client are
#      counted and compared (a timed-out request may still have been committed: stored >= acked).
#   bench/validation/degrade-overload.sh [SECONDS] [LIMIT]      (defaults 60, 2000)
set -euo pipefail
. "$(dirname "$0")/lib_load.sh"
seconds=${1:-60}; limit=${2:-2000}
out=${VL_OUT:-$VL_ROOT/docs/validation}; mkdir -p "$out"
vl_init degrade-overload
vl_s3proxy_start
report=$out/degrade-overload.txt; : > "$report"

# ---- 1. rate limit ----
export NERVESYS_INGEST_TOKENS=vl-overload-token
vl_agent_start -Dnervesys.ingest.rateLimit="$limit" -Dnervesys.archive.interval=30s
vl_sampler_start "$out/degrade-overload-limit.csv" 5
python3 "$VL_DIR/lib_load.py" load --url "$VL_INGEST/ingest" --profile "$seconds:$(( limit * 4 ))" --run-prefix ovl-limit \
  --batch 500 --workers 2 --token vl-overload-token --out "$VL_WORK/limit" | tee "$VL_WORK/limit.json"
vl_wait_drained 600 || true; sleep 5; vl_sampler_stop
{
  echo "== degrade-overload 1: token limited to $limit records/s, $(( limit * 4 )) offered for $seconds s, no client retry"
  echo "client: $(cat "$VL_WORK/limit.json")"
  echo "agent:  429 answers $(vl_metric 'nervesys_ingest_requests_total{endpoint="ingest",status="429"'), 204 answers $(vl_metric 'nervesys_ingest_requests_total{endpoint="ingest",status="204"'), accepted records $(vl_metric 'nervesys_ingest_records_total{endpoint="ingest",result="accepted"')"
  echo "one 429 answer as a client sees it:"
  curl -s -i -X POST "$VL_INGEST/ingest" -H "Authorization: Token vl-overload-token" -H "Content-Type: application/x-ndjson" \
    --data-binary @<(python3 -c "
import json
for i in range($(( limit * 3 ))): print(json.dumps({'run_id':'ovl-probe','source':'p','type':'update','frame':i,'time':'2026-01-01T00:00:00Z','fields':{'x':i}}))") >/dev/null
  curl -s -i -X POST "$VL_INGEST/ingest" -H "Authorization: Token vl-overload-token" -H "Content-Type: application/x-ndjson" \
    --data-binary '{"run_id":"ovl-probe","source":"p","type":"update","frame":999999,"time":"2026-01-01T00:00:00Z","fields":{"x":1}}' \
    | tr -d '\r' | sed 's/^/  /'
  echo
  vl_compare "$VL_WORK/limit-summary.json" ovl-limit || true
} | tee -a "$report"
vl_agent_stop

# ---- 2. no limit: as fast as 4 connections can send ----
unset NERVESYS_INGEST_TOKENS
rm -rf "$VL_DATA"
VL_WORK=$VL_WORK/agent2; mkdir -p "$VL_WORK"
vl_agent_start -Dnervesys.archive.interval=30s
vl_sampler_start "$out/degrade-overload-cpu.csv" 5
python3 "$VL_DIR/lib_load.py" load --url "$VL_INGEST/ingest" --profile "$seconds:1000000" --run-prefix ovl-cpu \
  --batch 2000 --workers 4 --deadline "$seconds" --out "$VL_WORK/cpu" | tee "$VL_WORK/cpu.json"
vl_wait_drained 900 || true; sleep 5; vl_sampler_stop
{
  echo "== degrade-overload 2: no rate limit, 4 connections as fast as they can for $seconds s (2,000-record requests)"
  echo "client: $(cat "$VL_WORK/cpu.json")"
  echo "agent:  $(vl_metric 'nervesys_ingest_records_total{endpoint="ingest",result="accepted"') records accepted; answers by status: $(curl -s "$VL_MGMT/observe/metrics" | grep '^nervesys_ingest_requests_total{endpoint="ingest"' | grep -v ' 0.0$' | sed 's/nervesys_ingest_requests_total{endpoint="ingest",//' | tr '\n' ' ')"
  python3 - "$out/degrade-overload-cpu.csv" <<'PY'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["accepted_per_s"]]
xs = sorted(float(r["accepted_per_s"]) for r in rows)
if xs: print(f"accepted records/s (5 s samples): median {xs[len(xs)//2]:.0f}, max {xs[-1]:.0f}; agent CPU % median {sorted(float(r['cpu_pct']) for r in rows)[len(rows)//2]:.0f}; load1 median {sorted(float(r['load1']) for r in rows)[len(rows)//2]:.1f}")
PY
  vl_compare "$VL_WORK/cpu-summary.json" ovl-cpu || true
} | tee -a "$report"
for part in limit cpu; do
  python3 "$VL_DIR/lib_load.py" plot "$out/degrade-overload-$part.csv" "$out/degrade-overload-$part.png" \
    --title "degrade-overload ($part): agent side" \
    --cols "accepted_per_s:accepted records/s,req_429:429 answers (total),cpu_pct:agent CPU %,load1:machine load average,rss_mb:RSS MB,heap_used_mb:heap used MB" \
    --panels "accepted_per_s;req_429;cpu_pct+load1;rss_mb+heap_used_mb" || true
done
