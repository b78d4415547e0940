#!/usr/bin/env bash
# Load: the same telemetry load (the jar's generator, engine schema) into agents with different heap
# settings, one after the other, SECONDS each: what -Xmx the default live ring and ClickHouse batches
# need. Prints accepted records/s, GC share of wall time, heap and RSS per variant: the defaults at
# -Xmx256m, the same with a smaller live ring (16 MB) and smaller ClickHouse batches (4 MB), -Xmx512m.
#   bench/validation/load-heap.sh [SECONDS] [RATE]          (defaults 180, 10000)
set -euo pipefail
. "$(dirname "$0")/lib_load.sh"
seconds=${1:-180}; rate=${2:-10000}
out=${VL_OUT:-$VL_ROOT/docs/validation}; mkdir -p "$out"
vl_init load-heap
base_work=$VL_WORK
report=$out/load-heap.txt; : > "$report"
flags() { echo "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -Xms16m -Xmx$1 -XX:MinHeapFreeRatio=5 -XX:MaxHeapFreeRatio=20"; }
variant() { # name xmx [-D flags...]
  local name=$1 xmx=$2; shift 2
  VL_WORK=$base_work/$name; mkdir -p "$VL_WORK"
  VL_JVM_FLAGS=$(flags "$xmx")
  vl_agent_start -Dnervesys.archive.interval=1m "$@"
  vl_sampler_start "$out/load-heap-$name.csv" 10
  set +e
  timeout $(( seconds + 60 )) java -jar "$VL_JAR" generate --schema "$VL_ROOT/config/schemas/engine.yaml" \
    --count $(( seconds * rate )) --rate "$rate" --sources 100 --threads 2 --run-id "heap-$name" \
    --to "$VL_INGEST/ingest" --quiet > "$VL_WORK/generator.out" 2>&1
  set -e
  vl_sampler_stop
  local oom; oom=$(grep -c OutOfMemoryError "$VL_WORK/agent.log" || true)
  python3 - "$out/load-heap-$name.csv" "$name" "$xmx $*" "$oom" <<'PY' | tee -a "$report"
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1]))][3:]   # after 30 s of warm-up
def med(c):
    xs = sorted(float(r[c]) for r in rows if r.get(c) not in ("", None)); return xs[len(xs) // 2] if xs else float("nan")
def mx(c):
    xs = [float(r[c]) for r in rows if r.get(c) not in ("", None)]; return max(xs) if xs else float("nan")
print(f"{sys.argv[2]:12} (-Xmx{sys.argv[3]}): accepted/s median {med('accepted_per_s'):7.0f}  GC % of wall median {med('gc_pct'):5.1f}  "
      f"heap used median/max {med('heap_used_mb'):5.0f}/{mx('heap_used_mb'):5.0f} MB  RSS max {mx('rss_mb'):5.0f} MB  "
      f"agent CPU % {med('cpu_pct'):5.1f}  ClickHouse pending median/max {med('ch_pending'):8.0f}/{mx('ch_pending'):8.0f}  "
      f"live dropped {mx('live_dropped_ingest'):8.0f}  OutOfMemoryError in log {sys.argv[4]}  load1 {med('load1'):5.1f}")
PY
  vl_agent_stop
  rm -rf "$VL_WORK/data"
}
echo "== load-heap: $rate records/s offered (engine schema, jar generator), $seconds s per variant" | tee -a "$report"
variant xmx256 256m
variant xmx256-small 256m -Dnervesys.clickhouse.maxBatchBytes=4MB -Dnervesys.live.maxBytes=16MB
variant xmx512 512m
