#!/usr/bin/env bash
# Load: 10,000 telemetry records/s for 30 minutes into one agent, with archive (S3Proxy), ClickHouse
# shipping and the live view on. Samples RSS, heap, GC, buffer, lags every 10 s into a CSV, plots it,
# and at the end counts the records: sent, acknowledged, in ClickHouse, in the archives.
#   bench/validation/load-sustained.sh [SECONDS] [RATE]        (defaults 1800, 10000)
# Environment: VL_XMX (agent -Xmx, default 512m here, see docs/validation.md), VL_OUT (where
# the CSV and charts go, default docs/validation), the variables of lib_load.sh.
set -euo pipefail
VL_XMX=${VL_XMX:-512m}
. "$(dirname "$0")/lib_load.sh"
seconds=${1:-1800}; rate=${2:-10000}
out=${VL_OUT:-$VL_ROOT/docs/validation}; mkdir -p "$out"
run=load-sustained
vl_init load-sustained
vl_s3proxy_start
vl_agent_start
csv=$out/load-sustained.csv; rm -f "$csv"
python3 "$VL_DIR/lib_load.py" sample --pid "$VL_AGENT_PID" --mgmt "$VL_MGMT" --ch "$VL_CH" --db "$VL_CHDB" \
  --every 10 --out "$csv" --until-file "$VL_WORK/stop-sampler" 2> "$VL_WORK/sampler.log" &
sampler=$!; VL_PIDS+=("$sampler")
count=$(( seconds * rate ))
vl_log "generator: $count records at $rate/s ($seconds s), run $run, engine schema, 100 sources (simulated time ~ wall time)"
t0=$(date +%s)
# time-bounded: on a busy machine the generator falls behind and would catch up at full speed; it is
# stopped after SECONDS (+5 %) whatever it has sent (what counts is what the agent acknowledged)
set +e
timeout --signal=TERM $(( seconds * 105 / 100 )) java -jar "$VL_JAR" generate --schema "$VL_ROOT/config/schemas/engine.yaml" \
  --count "$count" --rate "$rate" --sources 100 --threads 2 --run-id "$run" --to "$VL_INGEST/ingest" --quiet \
  > "$VL_WORK/generator.out" 2>&1
echo "generator exit code $? (124 = stopped by the time bound)" >> "$VL_WORK/generator.out"
set -e
t1=$(date +%s)
vl_log "generator done in $((t1 - t0)) s; waiting for ClickHouse and archive to drain"
vl_wait_drained 900 || true
t2=$(date +%s)
sleep 30
touch "$VL_WORK/stop-sampler"; wait "$sampler" || true
# the last archive is due by age (nervesys.archive.interval, 10 min) or size: force nothing, count what is there
accepted=$(vl_metric 'nervesys_ingest_records_total{endpoint="ingest",result="accepted"')
ch=$(vl_ch "SELECT count(), uniqExact(buffer_id), uniqExact(source, frame) FROM $VL_CHDB.events WHERE run_id = '$run' FORMAT TSV")
series=$(vl_ch "SELECT count() FROM $VL_CHDB.series WHERE run_id = '$run' FORMAT TSV")
arch=$(python3 "$VL_DIR/lib_load.py" archive "$VL_S3_DIR/$VL_S3_BUCKET/logs")
dead=$(vl_console | python3 -c 'import json,sys; print(json.load(sys.stdin)["nervesys"]["clickhouse"]["deadLetters"])')
{
  echo "== load-sustained: $rate records/s for $seconds s, agent $VL_JVM_FLAGS"
  echo "generator:            $(grep -h '^records\|exit code' "$VL_WORK/generator.out" | tr '\n' ' ')"
  echo "acknowledged (agent): $accepted records accepted (nervesys_ingest_records_total)"
  echo "ClickHouse events:    count, uniqExact(buffer_id), uniqExact(source, frame) = $(echo "$ch" | tr '\t' ' ')"
  echo "ClickHouse series:    $series rows; dead letters $dead"
  echo "archives (S3Proxy):   $arch"
  echo "drained $((t2 - t1)) s after the generator stopped"
  python3 - "$csv" <<'PY'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1]))]
def col(c, rs):
    return [float(r[c]) for r in rs if r.get(c) not in ("", None, "None")]
half = rows[len(rows) // 6:]  # after warm-up (first sixth)
for c in ["rss_mb", "heap_used_mb", "buffer_disk_mb", "ch_pending", "archive_pending", "archive_lag_s", "ch_lag_s",
          "accepted_per_s", "cpu_pct", "gc_pct", "threads", "load1"]:
    xs = col(c, half)
    if xs:
        q = sorted(xs)
        print(f"{c:18} after warm-up: min {q[0]:10.1f}  median {q[len(q)//2]:10.1f}  max {q[-1]:10.1f}  "
              f"first-third mean {sum(xs[:len(xs)//3])/max(1,len(xs)//3):10.1f}  last-third mean {sum(xs[-(len(xs)//3):])/max(1,len(xs)//3):10.1f}")
PY
} | tee "$out/load-sustained.txt"
python3 "$VL_DIR/lib_load.py" plot "$csv" "$out/load-sustained-memory.png" \
  --title "load-sustained: $rate rec/s, $seconds s: agent memory (-Xmx$VL_XMX, SerialGC)" \
  --cols "rss_mb:RSS MB,heap_used_mb:heap used MB,gc_pct:GC % of wall time,cpu_pct:agent CPU %" \
  --panels "rss_mb+heap_used_mb;gc_pct+cpu_pct" || true
python3 "$VL_DIR/lib_load.py" plot "$csv" "$out/load-sustained-lag.png" \
  --title "load-sustained: $rate rec/s, $seconds s: buffer and consumer lag" \
  --cols "accepted_per_s:accepted records/s,buffer_disk_mb:buffer on disk MB,ch_pending:ClickHouse pending records,archive_pending:archive pending records,archive_lag_s:archive lag s,ch_lag_s:ClickHouse lag s (now - max received_at)" \
  --panels "accepted_per_s;buffer_disk_mb;ch_pending+archive_pending;archive_lag_s+ch_lag_s" || true
vl_log "reference figures (../shared/bench/reference.py) on 200,000 records of the same schema:"
java -jar "$VL_JAR" generate --schema "$VL_ROOT/config/schemas/engine.yaml" --count 200000 --threads 1 --format ndjson \
  --out "$VL_WORK/gen" --quiet >/dev/null
vl_reference "$VL_WORK/gen/engine-t0.ndjson" | tee -a "$out/load-sustained.txt"
