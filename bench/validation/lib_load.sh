# Shared helpers of the load and degradation scenarios (bench/validation/load-*.sh, degrade-*.sh).
# Source it: . "$(dirname "$0")/lib_load.sh". It starts the REAL jar the way a user does
# (java <flags> -jar nervesys.jar, settings as -D flags), on free ports, with its own data dir and
# its own ClickHouse database, so that it never touches anybody else's agent or tables.
#
# Environment a caller may set:
#   NERVESYS_JAR     the jar (default: bootstrap/target/nervesys.jar of this checkout)
#   VL_WORK          working directory of the scenario (default: a new /tmp/vl-<scenario>-XXXX)
#   VL_CH            ClickHouse HTTP URL (default http://127.0.0.1:8123)
#   VL_JVM_FLAGS     JVM flags of the agent (default: the ones of docs/operations.md's systemd unit)
#   VL_KEEP          1 = keep the ClickHouse database and the work dir afterwards
set -euo pipefail

VL_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VL_ROOT=$(cd "$VL_DIR/../.." && pwd)
VL_JAR=${NERVESYS_JAR:-$VL_ROOT/bootstrap/target/nervesys.jar}
VL_CH=${VL_CH:-http://127.0.0.1:8123}
#   VL_XMX           the agent's -Xmx (default 256m, as in docs/operations.md)
VL_JVM_FLAGS=${VL_JVM_FLAGS:--XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -Xms16m -Xmx${VL_XMX:-256m} -XX:MinHeapFreeRatio=5 -XX:MaxHeapFreeRatio=20}
VL_PIDS=()

vl_log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

vl_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

# vl_init NAME: work dir, ClickHouse database name, cleanup trap
vl_init() {
  VL_NAME=$1
  [[ -f $VL_JAR ]] || { echo "no jar at $VL_JAR: ./mvnw -o -q -B -DskipTests package" >&2; exit 2; }
  VL_WORK=${VL_WORK:-$(mktemp -d "/tmp/vl-$VL_NAME-XXXX")}
  mkdir -p "$VL_WORK"
  VL_CHDB="vl_${VL_NAME//-/_}_$(date +%s)_$$"
  curl -sf "$VL_CH/ping" >/dev/null || { echo "ClickHouse not answering at $VL_CH (bash docker/services.sh)" >&2; exit 2; }
  trap vl_cleanup EXIT
  vl_log "work dir $VL_WORK, ClickHouse database $VL_CHDB"
}

vl_cleanup() {
  local rc=$?
  for p in "${VL_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${VL_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  if [[ ${VL_KEEP:-0} != 1 ]]; then
    [[ -n ${VL_CHDB:-} ]] && vl_ch "DROP DATABASE IF EXISTS $VL_CHDB" >/dev/null 2>&1 || true
    [[ -n ${VL_WORK:-} ]] && rm -rf "$VL_WORK/data" "$VL_WORK/s3" "$VL_WORK/gen" 2>/dev/null || true
  fi
  exit $rc
}

vl_ch() { curl -sS --fail-with-body "$VL_CH/" --data-binary "$1"; }

# Classpath of S3Proxy (org.gaul:s3proxy, a test dependency of processors), from ~/.m2.
vl_s3proxy_cp() {
  local f="$VL_ROOT/processors/target/s3proxy.classpath"
  if [[ ! -s $f ]]; then
    (cd "$VL_ROOT" && ./mvnw -o -q -B -pl processors dependency:build-classpath -Dmdep.includeScope=test \
       -Dmdep.outputFile="$f" >/dev/null)
  fi
  cat "$f"
}

# vl_s3proxy_start: S3Proxy standalone (filesystem blob store under $VL_WORK/s3), AWS v4 auth.
# Sets VL_S3_ENDPOINT, VL_S3_BUCKET, VL_S3_DIR.
vl_s3proxy_start() {
  VL_S3_DIR=$VL_WORK/s3; VL_S3_BUCKET=vl-archive
  mkdir -p "$VL_S3_DIR/$VL_S3_BUCKET"
  local port; port=$(vl_port)
  VL_S3_ENDPOINT=http://127.0.0.1:$port
  cat > "$VL_WORK/s3proxy.conf" <<CONF
s3proxy.endpoint=$VL_S3_ENDPOINT
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=vl-access
s3proxy.credential=vl-secret
jclouds.provider=filesystem
jclouds.filesystem.basedir=$VL_S3_DIR
CONF
  local cp; cp=$(vl_s3proxy_cp)
  # restarted on the same port if it dies (the machine is shared: it was once killed from outside);
  # each restart is logged in $VL_WORK/s3proxy-restarts.log and is an S3 outage the archiver must ride out
  ( trap 'kill $child 2>/dev/null; exit 0' TERM
    while :; do
      java -Xmx256m -cp "$cp" org.gaul.s3proxy.Main --properties "$VL_WORK/s3proxy.conf" >> "$VL_WORK/s3proxy.log" 2>&1 &
      child=$!; wait $child || true
      echo "$(date -u +%H:%M:%S) S3Proxy exited, restarting" >> "$VL_WORK/s3proxy-restarts.log"; sleep 1
    done ) &
  VL_S3_PID=$!; VL_PIDS+=("$VL_S3_PID")
  local n=0
  until curl -s -o /dev/null "$VL_S3_ENDPOINT/"; do
    sleep 0.5; n=$((n + 1)); (( n < 120 )) || { tail -20 "$VL_WORK/s3proxy.log" >&2; exit 1; }
  done
  vl_log "S3Proxy pid $VL_S3_PID at $VL_S3_ENDPOINT, objects under $VL_S3_DIR/$VL_S3_BUCKET"
}

# vl_agent_start [-Dkey=value ...]: the agent on free ports, ClickHouse shipping to $VL_CHDB,
# archive to S3Proxy when it runs (else to a local dir), live view on. Extra flags override.
# Sets VL_AGENT_PID, VL_INGEST (URL), VL_LIVE (port), VL_MGMT (URL), VL_DATA.
vl_agent_start() {
  local ingest live mgmt server
  ingest=$(vl_port); live=$(vl_port); mgmt=$(vl_port); server=$(vl_port)
  VL_DATA=$VL_WORK/data; mkdir -p "$VL_DATA" "$VL_WORK/run"
  local archive=()
  if [[ -n ${VL_S3_ENDPOINT:-} ]]; then
    archive=(-Dnervesys.archive.bucket="$VL_S3_BUCKET" -Dnervesys.archive.endpoint="$VL_S3_ENDPOINT")
    export STORJ_ACCESS_KEY=vl-access STORJ_SECRET_KEY=vl-secret
  fi
  # shellcheck disable=SC2086
  (cd "$VL_WORK/run" && MALLOC_ARENA_MAX=2 exec java $VL_JVM_FLAGS \
     -Dnervesys.agentId="vl-$VL_NAME" -Dnervesys.server="vl-$VL_NAME" -Dnervesys.dataDir="$VL_DATA" \
     -Dnervesys.ingest.port="$ingest" -Dnervesys.live.port="$live" -Dcamel.management.port="$mgmt" \
     -Dcamel.server.port="$server" \
     -Dnervesys.clickhouse.url="${VL_AGENT_CH:-$VL_CH}" -Dnervesys.clickhouse.database="$VL_CHDB" \
     "${archive[@]}" "$@" -jar "$VL_JAR" > "$VL_WORK/agent.log" 2>&1) &
  VL_AGENT_PID=$!; VL_PIDS+=("$VL_AGENT_PID")
  VL_INGEST=http://127.0.0.1:$ingest; VL_LIVE=$live; VL_MGMT=http://127.0.0.1:$mgmt
  local n=0
  until curl -sf "$VL_MGMT/observe/health/ready" >/dev/null; do
    sleep 0.5; n=$((n + 1))
    if (( n > 240 )) || ! kill -0 "$VL_AGENT_PID" 2>/dev/null; then
      echo "agent not ready:" >&2; tail -40 "$VL_WORK/agent.log" >&2; exit 1
    fi
  done
  vl_log "agent pid $VL_AGENT_PID ready: ingest $VL_INGEST, live :$VL_LIVE, management $VL_MGMT"
}

vl_agent_stop() {
  kill "$VL_AGENT_PID" 2>/dev/null || true
  wait "$VL_AGENT_PID" 2>/dev/null || true
}

# vl_console: the nervesys dev console as JSON
vl_console() { curl -sf -H "Accept: application/json" "$VL_MGMT/q/dev/nervesys"; }

# vl_metric NAME[{labels}]: sum of the Prometheus samples whose name (and labels) start with it
vl_metric() { curl -sf "$VL_MGMT/observe/metrics" | awk -v m="$1" 'index($0, m) == 1 { s += $NF } END { printf "%.0f\n", s }'; }

# vl_wait_drained [SECONDS]: until the ClickHouse and archive cursors hold nothing (or timeout)
vl_wait_drained() {
  local limit=${1:-600} n=0 ch ar
  while :; do
    ch=$(vl_metric 'nervesys_buffer_pending_records{consumer="clickhouse"')
    ar=$(vl_metric 'nervesys_buffer_pending_records{consumer="archive"')
    [[ $ch == 0 && $ar == 0 ]] && return 0
    (( n++ < limit )) || { vl_log "not drained after $limit s: clickhouse $ch archive $ar"; return 1; }
    sleep 1
  done
}

# vl_reference: the machine's reference figures for this run (../shared/bench/reference.py)
vl_reference() {
  local ref=${VL_REFERENCE:-$VL_ROOT/../shared/bench/reference.py}
  if [[ -f $ref ]]; then python3 "$ref" "$1" 2>&1 | sed 's/^/reference: /'; else echo "reference: $ref not found"; fi
}

# vl_proxy_start BYTES_PER_S: a throttling TCP proxy in front of ClickHouse (never touches the real
# one). Sets VL_PROXY (URL to give the agent as nervesys.clickhouse.url) and VL_PROXY_RATE (a file:
# echo N > "$VL_PROXY_RATE" changes the rate within a second; 0 = unlimited).
vl_proxy_start() {
  local port; port=$(vl_port)
  VL_PROXY=http://127.0.0.1:$port; VL_PROXY_RATE=$VL_WORK/proxy-rate
  echo "$1" > "$VL_PROXY_RATE"
  local target=${VL_CH#http://}
  python3 "$VL_DIR/lib_load.py" proxy --listen "$port" --target "$target" --bytes-per-s "$1" \
    --rate-file "$VL_PROXY_RATE" > "$VL_WORK/proxy.log" 2>&1 &
  VL_PIDS+=("$!")
  local n=0
  until curl -sf "$VL_PROXY/ping" >/dev/null; do sleep 0.2; n=$((n + 1)); (( n < 50 )) || { cat "$VL_WORK/proxy.log" >&2; exit 1; }; done
  vl_log "throttling proxy $VL_PROXY -> $VL_CH at $1 bytes/s"
}

# vl_sampler_start CSV [EVERY]: the sampler of lib_load.py in the background until vl_sampler_stop
vl_sampler_start() {
  rm -f "$1" "$VL_WORK/stop-sampler"
  python3 "$VL_DIR/lib_load.py" sample --pid "$VL_AGENT_PID" --mgmt "$VL_MGMT" --ch "$VL_CH" --db "$VL_CHDB" \
    --every "${2:-10}" --out "$1" --until-file "$VL_WORK/stop-sampler" 2>> "$VL_WORK/sampler.log" &
  VL_SAMPLER=$!; VL_PIDS+=("$VL_SAMPLER")
}
vl_sampler_stop() { touch "$VL_WORK/stop-sampler"; wait "$VL_SAMPLER" 2>/dev/null || true; }

# vl_count RUN_PREFIX: per run, records in ClickHouse events (count, distinct buffer ids, distinct
# (source, frame)) as TSV lines "run count uniq_buffer_id uniq_source_frame"
vl_count() {
  vl_ch "SELECT run_id, count(), uniqExact(buffer_id), uniqExact(source, frame) FROM $VL_CHDB.events
         WHERE startsWith(run_id, '$1') GROUP BY run_id ORDER BY run_id FORMAT TSV"
}

# vl_compare SUMMARY_JSON RUN_PREFIX: acknowledged records per run (the load client's summary) against
# ClickHouse and the archives; prints one line per run and a verdict; exit code 0 when all match
vl_compare() {
  vl_count "$2" > "$VL_WORK/ch-counts.tsv"
  python3 "$VL_DIR/lib_load.py" archive "$VL_S3_DIR/$VL_S3_BUCKET/logs" > "$VL_WORK/archive-counts.json" || echo '{}' > "$VL_WORK/archive-counts.json"
  python3 - "$1" "$VL_WORK/ch-counts.tsv" "$VL_WORK/archive-counts.json" <<'PY'
import json, sys
acked = json.load(open(sys.argv[1]))["acked_per_run"]
ch = {}
for line in open(sys.argv[2]):
    r, n, ub, us = line.split("\t"); ch[r] = (int(n), int(ub), int(us))
ar = json.load(open(sys.argv[3]))
arun = ar.get("records_per_run", {})
ok = True
print(f"{'run':14} {'acked 2xx':>10} {'CH rows':>10} {'CH uniq':>10} {'archived':>10}")
for r in sorted(set(acked) | set(ch)):
    a = acked.get(r, 0); n, ub, us = ch.get(r, (0, 0, 0)); z = arun.get(r, 0)
    flag = "" if a == n == us == z else "   <-- MISMATCH"
    ok &= not flag
    print(f"{r:14} {a:10} {n:10} {us:10} {z:10}{flag}")
print(f"archive objects {ar.get('objects')}, duplicate (run, source, frame) in archives: {ar.get('duplicates')}")
ok &= ar.get("duplicates", 0) == 0
print("VERDICT: every acknowledged record is in ClickHouse and in the archives exactly once" if ok
      else "VERDICT: MISMATCH between acknowledged records and stored records")
sys.exit(0 if ok else 1)
PY
  local rc=$?
  # duplicates in ClickHouse, per table: rows stored more than once (same buffer id, and for series the same series)
  echo "ClickHouse duplicates (rows, distinct buffer ids duplicated, min id, max id):"
  echo "  events: $(vl_ch "SELECT sum(c - 1), count(), min(buffer_id), max(buffer_id) FROM (SELECT buffer_id, count() c FROM $VL_CHDB.events WHERE startsWith(run_id, '$2') GROUP BY buffer_id HAVING c > 1) FORMAT TSV" | tr '\t' ' ')"
  echo "  series: $(vl_ch "SELECT sum(c - 1), uniqExact(buffer_id), min(buffer_id), max(buffer_id) FROM (SELECT buffer_id, series, count() c FROM $VL_CHDB.series WHERE startsWith(run_id, '$2') GROUP BY buffer_id, series HAVING c > 1) FORMAT TSV" | tr '\t' ' ')"
  return $rc
}

