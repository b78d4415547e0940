#!/usr/bin/env bash
# Degradation of the live view (best effort by design, docs/live.md), with ingest, ClickHouse and the
# archive running at a steady rate the whole time:
#   A  baseline, no WebSocket client
#   B  one subscriber that never reads (a stalled browser tab) beside one that reads
#   C  200 WebSocket connections at once, all subscribed to the same run
#   D  ring overflow: 20 more runs at once into a ring bounded to 100,000 records
# Expected: ingest rate and latency the same in every phase; the stalled client loses frames
# (counted), the reader does not; memory bounded; the ring evicts (counted); ClickHouse and the
# archives hold every acknowledged record (the live view may drop, the data path may not).
#   bench/validation/degrade-live.sh [PHASE_SECONDS] [RATE]      (defaults 60, 3000)
set -euo pipefail
. "$(dirname "$0")/lib_load.sh"
phase=${1:-60}; rate=${2:-3000}
out=${VL_OUT:-$VL_ROOT/docs/validation}; mkdir -p "$out"
vl_init degrade-live
vl_s3proxy_start
vl_agent_start -Dnervesys.live.maxRecords=100000 -Dnervesys.archive.interval=1m
csv=$out/degrade-live.csv
vl_sampler_start "$csv" 5
total=$(( phase * 10 + 300 ))   # stopped after phase D through --until-file
python3 "$VL_DIR/lib_load.py" load --url "$VL_INGEST/ingest" --profile "$total:$rate" --run-prefix live-a \
  --batch 500 --workers 1 --retry --until-file "$VL_WORK/stop-load-a" --out "$VL_WORK/load-a" > "$VL_WORK/load-a.json" 2> "$VL_WORK/load-a.log" &
load_a=$!; VL_PIDS+=("$load_a")
sleep 20
mark() { python3 -c "import csv;r=list(csv.DictReader(open('$csv')));print(r[-1]['t'] if r else 0)"; }
ws() { python3 "$VL_DIR/lib_load.py" ws --port "$VL_LIVE" --run live-a "$@"; }
dropped_frames() { vl_console | python3 -c 'import json,sys; print(json.load(sys.stdin)["nervesys"]["live"]["droppedFrames"])'; }

vl_log "phase A: baseline ($phase s)"; m_a=$(mark); sleep "$phase"

vl_log "phase B: one stalled subscriber (never reads, 4 KB receive buffer, rate 1000) + one reader"; m_b=$(mark)
d0=$(dropped_frames)
ws --clients 1 --stall --recv-buf 4096 --rate 1000 --seconds "$phase" --out "$VL_WORK/ws-stalled.json" > /dev/null &
stalled=$!
ws --clients 1 --rate 1000 --seconds "$((phase - 5))" --out "$VL_WORK/ws-reader.json" > /dev/null
d1=$(dropped_frames)
wait $stalled || true

vl_log "phase C: 1, 5, 20 clients for 10 s each, then 200 WebSocket connections at once"; m_c=$(mark)
for n in 1 5 20; do ws --clients $n --rate 50 --seconds 10 --out "$VL_WORK/ws-$n.json" > /dev/null; done
ws --clients 200 --rate 50 --seconds "$phase" --out "$VL_WORK/ws-200.json" > /dev/null
sleep 5

vl_log "phase D: 20 more runs at once (ring bounded to 100,000 records)"; m_d=$(mark)
e0=$(vl_console | python3 -c 'import json,sys; l=json.load(sys.stdin)["nervesys"]["live"]; print(l["evictedRecords"], l["evictedRuns"])')
python3 "$VL_DIR/lib_load.py" load --url "$VL_INGEST/ingest" --profile "$phase:$rate" --runs 20 --run-prefix live-x \
  --batch 500 --workers 1 --retry --out "$VL_WORK/load-x" > "$VL_WORK/load-x.json" 2> "$VL_WORK/load-x.log"
touch "$VL_WORK/stop-load-a"
e1=$(vl_console | python3 -c 'import json,sys; l=json.load(sys.stdin)["nervesys"]["live"]; print(l["evictedRecords"], l["evictedRuns"], l["runsInMemory"], l["records"], l["bytes"])')
wait "$load_a" || true
vl_log "load done; waiting for ClickHouse and archive to drain"
vl_wait_drained 600 || true
sleep 5; vl_sampler_stop
# one summary of both load clients for the comparison
python3 - "$VL_WORK" <<'PY'
import json, sys, os
w = sys.argv[1]
a = json.load(open(os.path.join(w, "load-a-summary.json"))); x = json.load(open(os.path.join(w, "load-x-summary.json")))
a["acked_per_run"].update(x["acked_per_run"]); json.dump(a, open(os.path.join(w, "all-summary.json"), "w"))
PY
{
  echo "== degrade-live: $rate rec/s into run live-a throughout, phases of $phase s"
  python3 - "$csv" "$m_a" "$m_b" "$m_c" "$m_d" "$VL_WORK/load-a-seconds.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1]))); marks = [float(x) for x in sys.argv[2:6]] + [1e9]
sec = list(csv.DictReader(open(sys.argv[6])))
t_first = float(rows[0]["t"]) if rows else 0
for name, lo, hi in zip("ABCD", marks, marks[1:]):
    rs = [r for r in rows if lo < float(r["t"]) <= hi and r["accepted_per_s"]]
    def med(c):
        xs = sorted(float(r[c]) for r in rs if r.get(c)); return xs[len(xs) // 2] if xs else float("nan")
    print(f"phase {name}: accepted/s median {med('accepted_per_s'):8.0f}  agent CPU % {med('cpu_pct'):5.1f}  "
          f"RSS MB {med('rss_mb'):6.1f}  heap MB {med('heap_used_mb'):6.1f}  threads {med('threads'):4.0f}  load1 {med('load1'):5.1f}")
PY
  echo "load client live-a (latency over all phases, per second in load-a-seconds.csv): $(cat "$VL_WORK/load-a.json")"
  echo "B stalled client: $(cat "$VL_WORK/ws-stalled.json" | tr -d '\n ')"
  echo "B reader:         $(cat "$VL_WORK/ws-reader.json" | tr -d '\n ')"
  echo "B droppedFrames (console) before/after: $d0 / $d1"
  for n in 1 5 20 200; do echo "C $n clients: $(cat "$VL_WORK/ws-$n.json" | tr -d '\n ')"; done
  echo "D evicted records/runs before: $e0; after (evictedRecords evictedRuns runsInMemory records bytes): $e1"
  echo "D load client:    $(cat "$VL_WORK/load-x.json")"
  echo "live console:     $(vl_console | python3 -c 'import json,sys; print(json.load(sys.stdin)["nervesys"]["live"])')"
  vl_compare "$VL_WORK/all-summary.json" live- || true
} | tee "$out/degrade-live.txt"
python3 "$VL_DIR/lib_load.py" plot "$csv" "$out/degrade-live.png" --mark "$m_b,$m_c,$m_d" \
  --title "degrade-live: A baseline | B stalled + reader | C 200 WebSockets | D 20 runs, ring overflow" \
  --cols "accepted_per_s:accepted records/s,rss_mb:RSS MB,heap_used_mb:heap used MB,threads:agent threads,live_dropped_frames:dropped frames (total),live_evicted_records:evicted ring records (total),live_records:ring records" \
  --panels "accepted_per_s;rss_mb+heap_used_mb;threads;live_dropped_frames;live_evicted_records+live_records" || true
