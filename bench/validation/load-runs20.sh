#!/usr/bin/env bash
# Load: 20 simultaneous runs (run ids) into one agent, all components on, at RATE records/s in total.
# Checks per run: acknowledged = in ClickHouse = archived, the 20 runs in ClickHouse's runs table,
# the live view holding the runs; samples memory and lags every 10 s.
#   bench/validation/load-runs20.sh [SECONDS] [RATE] [RUNS]      (defaults 300, 10000, 20)
set -euo pipefail
. "$(dirname "$0")/lib_load.sh"
seconds=${1:-300}; rate=${2:-10000}; runs=${3:-20}
out=${VL_OUT:-$VL_ROOT/docs/validation}; mkdir -p "$out"
vl_init load-runs20
vl_s3proxy_start
vl_agent_start -Dnervesys.archive.interval=1m
csv=$out/load-runs20.csv
vl_sampler_start "$csv" 10
python3 "$VL_DIR/lib_load.py" load --url "$VL_INGEST/ingest" --profile "$seconds:$rate" --runs "$runs" --run-prefix r20- \
  --batch 1000 --workers 2 --retry --deadline $(( seconds * 3 )) --out "$VL_WORK/load" | tee "$VL_WORK/load.json"
vl_log "load done; waiting for ClickHouse and archive to drain"
t0=$(date +%s); vl_wait_drained 900 || true; drain=$(( $(date +%s) - t0 ))
sleep 5; vl_sampler_stop
{
  echo "== load-runs20: $runs runs at once, $rate records/s in total for $seconds s"
  echo "client:  $(cat "$VL_WORK/load.json")"
  echo "drained: $drain s after the load stopped"
  echo "runs in ClickHouse (runs FINAL): $(vl_ch "SELECT count(), groupUniqArray(status) FROM $VL_CHDB.runs FINAL WHERE startsWith(run_id, 'r20-') FORMAT TSV")"
  echo "live:    $(vl_console | python3 -c 'import json,sys; l=json.load(sys.stdin)["nervesys"]["live"]; print({k: l[k] for k in ("runsInMemory","records","bytes","evictedRecords","evictedRuns","droppedIngestRecords")})')"
  python3 - "$csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
for c in ["accepted_per_s", "rss_mb", "heap_used_mb", "buffer_disk_mb", "ch_pending", "archive_lag_s", "ch_lag_s", "cpu_pct", "gc_pct", "load1"]:
    xs = sorted(float(r[c]) for r in rows if r.get(c) not in ("", None))
    if xs:
        print(f"{c:16} min {xs[0]:10.1f}  median {xs[len(xs)//2]:10.1f}  max {xs[-1]:10.1f}")
PY
  vl_compare "$VL_WORK/load-summary.json" r20- || true
} | tee "$out/load-runs20.txt"
python3 "$VL_DIR/lib_load.py" plot "$csv" "$out/load-runs20.png" \
  --title "load-runs20: $runs runs at once, $rate rec/s offered, $seconds s" \
  --cols "accepted_per_s:accepted records/s,rss_mb:RSS MB,heap_used_mb:heap used MB,ch_pending:ClickHouse pending records,archive_pending:archive pending records,ch_lag_s:ClickHouse lag s,archive_lag_s:archive lag s" \
  --panels "accepted_per_s;rss_mb+heap_used_mb;ch_pending+archive_pending;ch_lag_s+archive_lag_s" || true
