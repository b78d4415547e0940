#!/usr/bin/env bash
# Degradation of the live view (best effort by design, docs/live.md), with ingest, ClickHouse and the
# archive running at a steady rate the whole time (record times = wall clock, so that a WebSocket
# client measures the delay of what it gets):
#   A  baseline, no WebSocket client
#   B  one subscriber that never reads (a stalled browser tab), one that reads 16 KB/s (a slow link)
#      and one that reads everything, all at 1000 points/s per series
#   C  1, 5, 20 clients for 10 s each, then 200 WebSocket connections at once, all on the same run;
#      then 200 connections that never read (what 200 stalled tabs cost: memory bounded per client)
#   D  ring overflow: 20 more runs at once into a ring bounded to 100,000 records, one reader on run A
#   E  baseline again (no client, ring full): the machine's noise against phase A
# Expected: ingest rate and latency the same in every phase; the stalled and slow clients lose frames
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
total=$(( phase * 10 + 300 ))   # stopped after phase E through --until-file
python3 "$VL_DIR/lib_load.py" load --url "$VL_INGEST/ingest" --profile "$total:$rate" --run-prefix live-a \
  --batch 500 --workers 1 --retry --wall-time --until-file "$VL_WORK/stop-load-a" --out "$VL_WORK/load-a" > "$VL_WORK/load-a.json" 2> "$VL_WORK/load-a.log" &
load_a=$!; VL_PIDS+=("$load_a")
sleep 20
mark() { date +%s.%N; }
ws() { python3 "$VL_DIR/lib_load.py" ws --port "$VL_LIVE" --run live-a "$@"; }
# the live section of the console (n/a when the agent does not answer: a figure missing, not a run lost)
live() { { vl_console || echo '{}'; } | python3 -c "import json,sys; l=json.load(sys.stdin).get('nervesys', {}).get('live', {}); print(' '.join(str(l.get(k, 'n/a')) for k in '$1'.split(',')))"; }

vl_log "phase A: baseline ($phase s)"; m_a=$(mark); sleep "$phase"

vl_log "phase B: one stalled subscriber (never reads, 4 KB receive buffer), one reading 16 KB/s, one reader; 1000 points/s per series"; m_b=$(mark)
d0=$(live droppedFrames)
ws --clients 1 --stall --recv-buf 4096 --rate 1000 --seconds "$phase" --out "$VL_WORK/ws-stalled.json" > /dev/null &
stalled=$!
ws --clients 1 --read-bytes-per-s 16384 --rate 1000 --seconds "$((phase - 5))" --out "$VL_WORK/ws-slow.json" > /dev/null &
slow=$!
ws --clients 1 --rate 1000 --seconds "$((phase - 5))" --out "$VL_WORK/ws-reader.json" > /dev/null
wait $slow || true
wait $stalled || true
d1=$(live droppedFrames)

vl_log "phase C: 1, 5, 20 clients for 10 s each, then 200 WebSocket connections at once"; m_c=$(mark)
for n in 1 5 20; do ws --clients $n --rate 50 --seconds 10 --out "$VL_WORK/ws-$n.json" > /dev/null; done
m_c200=$(mark)
ws --clients 200 --procs 2 --rate 50 --seconds "$phase" --out "$VL_WORK/ws-200.json" > /dev/null
m_c200_end=$(mark)
vl_log "phase C2: 200 connections that never read (4 KB receive buffer), 1000 points/s per series"; m_c2=$(mark)
ws --clients 200 --procs 2 --stall --recv-buf 4096 --rate 1000 --seconds "$phase" --out "$VL_WORK/ws-200-stalled.json" > /dev/null
m_c2_end=$(mark)
sleep 5

vl_log "phase D: 20 more runs at once (ring bounded to 100,000 records), one reader on run live-a"; m_d=$(mark)
e0=$(live evictedRecords,evictedRuns,droppedIngestRecords)
ws --clients 1 --rate 50 --seconds "$phase" --out "$VL_WORK/ws-d-reader.json" > /dev/null &
d_reader=$!
python3 "$VL_DIR/lib_load.py" load --url "$VL_INGEST/ingest" --profile "$phase:$rate" --runs 20 --run-prefix live-x \
  --batch 500 --workers 1 --retry --wall-time --out "$VL_WORK/load-x" > "$VL_WORK/load-x.json" 2> "$VL_WORK/load-x.log"
wait $d_reader || true
e1=$(live evictedRecords,evictedRuns,droppedIngestRecords,runsInMemory,records,bytes)

vl_log "phase E: baseline again, no client ($(( phase / 2 )) s)"; m_e=$(mark); sleep $(( phase / 2 ))
touch "$VL_WORK/stop-load-a"; m_end=$(mark)
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
  echo "== degrade-live: $rate rec/s into run live-a throughout, phases of $phase s (machine load average: column load1)"
  python3 - "$csv" "$VL_WORK/load-a-seconds.csv" "$VL_WORK/load-a-summary.json" "$m_b" "$m_c" "$m_c200" "$m_c200_end" "$m_c2" "$m_c2_end" "$m_d" "$m_e" "$m_end" <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
sec = list(csv.DictReader(open(sys.argv[2])))
start = json.load(open(sys.argv[3]))["start_epoch"]
m_b, m_c, m_c200, m_c200_end, m_c2, m_c2_end, m_d, m_e, m_end = (float(x) for x in sys.argv[4:13])
phases = [("A  no client", start + 20, m_b), ("B  stalled+slow+reader", m_b, m_c), ("C  1/5/20 clients", m_c, m_c200),
          ("C  200 clients", m_c200, m_c200_end), ("C2 200 stalled clients", m_c2, m_c2_end), ("D  20 runs, ring overflow", m_d, m_e), ("E  no client", m_e, m_end)]
def med(xs):
    xs = sorted(xs); return xs[len(xs) // 2] if xs else float("nan")
def pct(xs, p):
    xs = sorted(xs); return xs[min(len(xs) - 1, int(p / 100 * len(xs)))] if xs else float("nan")
print(f"{'phase':28} {'acc/s':>7} {'CPU %':>6} {'hub %':>6} {'RSS MB':>7} {'heap MB':>8} {'dir MB':>7} {'thr':>4} {'load1':>6}   "
      f"live-a client: {'rec/s':>6} {'p50 ms':>7} {'p99* ms':>8} {'max ms':>7}")
for name, lo, hi in phases:
    rs = [r for r in rows if r.get("epoch") and lo < float(r["epoch"]) <= hi]
    def m(c):
        xs = [float(r[c]) for r in rs if r.get(c) not in ("", None)]
        return (max(xs) if xs else float("nan")) if c in ("rss_mb", "heap_used_mb", "direct_mb") else med(xs)
    ss = [s for s in sec if lo < start + float(s["t"]) + 0.5 <= hi]
    acked = sum(int(s["acked_records"]) for s in ss) / max(1, len(ss))
    p50 = med([float(s["lat_p50_ms"]) for s in ss]); p99 = med([float(s["lat_p99_ms"]) for s in ss])
    mx = max([float(s["lat_max_ms"]) for s in ss], default=float("nan"))
    print(f"{name:28} {m('accepted_per_s'):7.0f} {m('cpu_pct'):6.1f} {m('live_hub_cpu_pct'):6.1f} {m('rss_mb'):7.1f} "
          f"{m('heap_used_mb'):8.1f} {m('direct_mb'):7.1f} {m('threads'):4.0f} {m('load1'):6.1f}   {'':15}{acked:6.0f} {p50:7.1f} {p99:8.1f} {mx:7.1f}")
print("(RSS, heap, direct: max over the phase; the rest: medians of the 5 s samples and of the load client's per-second figures; p99* = median of per-second p99)")
PY
  echo "load client live-a (all phases): $(cat "$VL_WORK/load-a.json")"
  echo "B stalled client: $(tr -d '\n ' < "$VL_WORK/ws-stalled.json")"
  echo "B slow client:    $(tr -d '\n ' < "$VL_WORK/ws-slow.json")"
  echo "B reader:         $(tr -d '\n ' < "$VL_WORK/ws-reader.json")"
  echo "B droppedFrames (console) before/after: $d0 / $d1"
  for n in 1 5 20 200; do echo "C $n clients: $(tr -d '\n ' < "$VL_WORK/ws-$n.json")"; done
  echo "C2 200 stalled:   $(tr -d '\n ' < "$VL_WORK/ws-200-stalled.json")"
  echo "D reader of live-a: $(tr -d '\n ' < "$VL_WORK/ws-d-reader.json")"
  echo "D (evictedRecords evictedRuns droppedIngestRecords) before: $e0; after (+ runsInMemory records bytes): $e1"
  echo "D load client:    $(cat "$VL_WORK/load-x.json")"
  echo "live console:     $(vl_console | python3 -c 'import json,sys; print(json.load(sys.stdin)["nervesys"]["live"])' || echo n/a)"
  echo "agent log: $(grep -c ' WARN ' "$VL_WORK/agent.log" || true) WARN, $(grep -c ' ERROR ' "$VL_WORK/agent.log" || true) ERROR, $(grep -c OutOfMemoryError "$VL_WORK/agent.log" || true) OutOfMemoryError"
  vl_compare "$VL_WORK/all-summary.json" live- || true
} | tee "$out/degrade-live.txt"
python3 "$VL_DIR/lib_load.py" plot "$csv" "$out/degrade-live.png" --mark "$(python3 -c "import csv;r=list(csv.DictReader(open('$csv')));t0=float(r[0]['epoch'])-float(r[0]['t']);print(','.join(str(round(float(m)-t0)) for m in '$m_b $m_c200 $m_c2 $m_d $m_e'.split()))")" \
  --title "degrade-live: A baseline | B stalled, slow, reader | C 200 WebSockets | C2 200 stalled | D 20 runs, ring overflow | E baseline" \
  --cols "accepted_per_s:accepted records/s,cpu_pct:agent CPU % of a core,live_hub_cpu_pct:live worker thread CPU %,rss_mb:RSS MB,heap_used_mb:heap used MB,direct_mb:direct buffers MB,live_clients:WebSocket clients,threads:agent threads,live_dropped_frames:dropped frames (total),live_dropped_ingest:records not handed to the live view (total),live_evicted_records:evicted ring records (total),live_records:ring records" \
  --panels "accepted_per_s;cpu_pct+live_hub_cpu_pct;rss_mb+heap_used_mb+direct_mb;live_clients+threads;live_dropped_frames+live_dropped_ingest;live_evicted_records+live_records" || true
