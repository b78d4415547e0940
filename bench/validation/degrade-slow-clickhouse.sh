#!/usr/bin/env bash
# Degradation: ClickHouse slower than ingest. The agent ships to ClickHouse through a throttling TCP
# proxy (lib_load.py proxy; the shared ClickHouse itself is never slowed or reconfigured). The
# ClickHouse cursor falls behind, the buffer (a small cap, to fill in minutes) reaches its cap, and
# ingest must answer 503 with Retry-After, never losing an acknowledged record. Then the throttle is
# lifted: the backlog must drain, and every acknowledged record must be in ClickHouse and in the
# archives exactly once.
#   bench/validation/degrade-slow-clickhouse.sh [LOAD_SECONDS] [RATE] [PROXY_BYTES_PER_S] [BUFFER_CAP]
#   defaults: 300 s at 3000 records/s, 100000 bytes/s, 16MB
set -euo pipefail
. "$(dirname "$0")/lib_load.sh"
seconds=${1:-300}; rate=${2:-3000}; bps=${3:-100000}; cap=${4:-16MB}
out=${VL_OUT:-$VL_ROOT/docs/validation}; mkdir -p "$out"
vl_init degrade-slow-ch
vl_s3proxy_start
vl_proxy_start "$bps"
VL_AGENT_CH=$VL_PROXY vl_agent_start -Dnervesys.buffer.maxBytes="$cap" -Dnervesys.archive.interval=1m
csv=$out/degrade-slow-clickhouse.csv
vl_sampler_start "$csv" 5
vl_log "load: $rate records/s for $seconds s, client retries 503/429 after Retry-After (as Telegraf/influx clients do)"
python3 "$VL_DIR/lib_load.py" load --url "$VL_INGEST/ingest" --profile "$seconds:$rate" --run-prefix slowch \
  --batch 1000 --workers 2 --retry --deadline $(( seconds + 900 )) --out "$VL_WORK/load" > "$VL_WORK/load.json" &
loader=$!; VL_PIDS+=("$loader")
sleep $(( seconds + 15 ))
t_lift=$(python3 -c "import csv;r=list(csv.DictReader(open('$csv')));print(r[-1]['t'] if r else 0)")
vl_log "lifting the throttle (proxy unlimited) at t=$t_lift s; the client goes on retrying what was refused; waiting for the backlog to drain"
echo 0 > "$VL_PROXY_RATE"
wait "$loader" || true
vl_log "client done: $(cat "$VL_WORK/load.json")"
t0=$(date +%s)
vl_wait_drained 900 || true
drain=$(( $(date +%s) - t0 ))
# a timed-out attempt that lands after its retry is removed at the shipper's next late-insert check
# (every 30 s with the default nervesys.clickhouse.lateInsertWindow): count after one has run
sleep 40; vl_sampler_stop
{
  echo "== degrade-slow-clickhouse: $rate rec/s for $seconds s, ClickHouse through a proxy at $bps bytes/s, buffer cap $cap"
  echo "client:   $(cat "$VL_WORK/load.json")"
  echo "agent:    503 answers $(vl_metric 'nervesys_ingest_requests_total{endpoint="ingest",status="503"'), records refused buffer-full $(vl_metric 'nervesys_ingest_records_total{endpoint="ingest",result="buffer_full"'), accepted $(vl_metric 'nervesys_ingest_records_total{endpoint="ingest",result="accepted"'), dropped $(vl_metric nervesys_buffer_dropped_records_total)"
  echo "buffer:   max on disk $(python3 -c "import csv;print(max(float(r['buffer_disk_mb'] or 0) for r in csv.DictReader(open('$csv'))))") MB (cap $cap)"
  echo "drained:  $drain s after the throttle was lifted"
  echo "shipper:  $(vl_console | python3 -c 'import json,sys; c=json.load(sys.stdin)["nervesys"]["clickhouse"]; print({k: c.get(k) for k in ("shippedRecords","batches","deadLetters","batchLimitRows","watchedBatches","duplicatesRemoved","lastError")})')"
  grep -c "ClickHouse shipping failed" "$VL_WORK/agent.log" | sed 's/^/shipper failures logged: /'
  grep "ClickHouse shipping failed" "$VL_WORK/agent.log" | sed 's/.*retrying in [0-9]* ms: //' | sort | uniq -c | sort -rn | head -3
  vl_compare "$VL_WORK/load-summary.json" slowch || true
} | tee "$out/degrade-slow-clickhouse.txt"
python3 "$VL_DIR/lib_load.py" plot "$csv" "$out/degrade-slow-clickhouse.png" --mark "$t_lift" \
  --title "degrade-slow-clickhouse: ClickHouse at $bps B/s, buffer cap $cap; red line: throttle lifted" \
  --cols "accepted_per_s:accepted records/s,req_503:503 answers (total),buffer_disk_mb:buffer on disk MB,ch_pending:ClickHouse pending records,archive_pending:archive pending records,rss_mb:RSS MB,heap_used_mb:heap used MB" \
  --panels "accepted_per_s;req_503;buffer_disk_mb;ch_pending+archive_pending;rss_mb+heap_used_mb" || true
