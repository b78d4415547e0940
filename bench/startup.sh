#!/usr/bin/env bash
# Start-up time to readiness and idle RSS of the agent on the default routes, for several JVM
# flag sets, interleaved in one run (the machine is noisy: compare within a run).
#   bench/startup.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
jar=$PWD/bootstrap/target/nervesys.jar
w=$(mktemp -d); trap 'rm -rf "$w"' EXIT
tuned="-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -Xms16m -Xmx128m -XX:MinHeapFreeRatio=5 -XX:MaxHeapFreeRatio=20"
export MALLOC_ARENA_MAX=2
# AppCDS archive of the classes loaded by one start (regenerate per build)
java $tuned -XX:ArchiveClassesAtExit="$w/app.jsa" -Dnervesys.dataDir="$w/cds" -Dcamel.management.port=0 \
  -Dnervesys.ingest.port=0 -jar "$jar" > "$w/cds.log" 2>&1 & p=$!
sleep 15; kill $p; wait $p 2>/dev/null || true
declare -A flags=([default]="" [tuned]="$tuned" [tuned+appcds]="$tuned -XX:SharedArchiveFile=$w/app.jsa")
run() { # name flags
  local port ingest t0 t1 pid rss
  port=$(python3 -c 'import socket;s=socket.socket();s.bind(("",0));print(s.getsockname()[1])')
  ingest=$(python3 -c 'import socket;s=socket.socket();s.bind(("",0));print(s.getsockname()[1])')
  live=$(python3 -c 'import socket;s=socket.socket();s.bind(("",0));print(s.getsockname()[1])')
  rm -rf "$w/data"
  t0=$(date +%s%N)
  java $2 -Dnervesys.dataDir="$w/data" -Dcamel.management.port="$port" -Dnervesys.ingest.port="$ingest" -Dnervesys.live.port="$live" -jar "$jar" > "$w/run.log" 2>&1 &
  pid=$!
  n=0; until curl -sf "localhost:$port/observe/health/ready" >/dev/null; do
    sleep 0.02; n=$((n + 1)); if (( n > 3000 )); then echo "not ready after 60 s:"; tail -30 "$w"/*.log; exit 1; fi
  done
  t1=$(date +%s%N)
  sleep 15
  rss=$(( $(ps -o rss= -p $pid) / 1024 ))
  kill $pid; wait $pid 2>/dev/null || true
  printf '%-14s ready %5d ms   idle RSS %4d MB\n' "$1" $(( (t1 - t0) / 1000000 )) "$rss"
}
for r in $(seq "$rounds"); do
  for name in default tuned tuned+appcds; do run "$name" "${flags[$name]}"; done
done
