#!/usr/bin/env bash
# Foundation figures (docs/benchmarks.md): start-up time to ready, idle RSS with the default routes,
# and reload latency from push to applied, against a real bare Git repository on this machine.
#   bench/foundation.sh [POLL_SECONDS] [RELOADS] [JAVA_OPTS...]
# Needs bootstrap/target/nervesys.jar (./mvnw -DskipTests package), git and curl.
set -euo pipefail
cd "$(dirname "$0")/.."
poll=${1:-5}; reloads=${2:-10}; shift $(( $# > 2 ? 2 : $# )) || true
jar=$PWD/bootstrap/target/nervesys.jar
w=$(mktemp -d); trap 'kill $pid 2>/dev/null || true; rm -rf "$w"' EXIT
git init -q --bare -b main "$w/repo.git"
git clone -q "$w/repo.git" "$w/work" 2>/dev/null
cp -r routes config "$w/work/"
sed -i 's/^nervesys.modules.demo=false/nervesys.modules.demo=true/' "$w/work/config/application.properties"
(cd "$w/work" && git add -A && git -c user.name=b -c user.email=b@x commit -qm base && git push -q origin HEAD:main)
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("",0));print(s.getsockname()[1])')
ingest=$(python3 -c 'import socket;s=socket.socket();s.bind(("",0));print(s.getsockname()[1])')
live=$(python3 -c 'import socket;s=socket.socket();s.bind(("",0));print(s.getsockname()[1])')
t0=$(date +%s%N)
java "$@" -Dnervesys.dataDir="$w/data" -Dnervesys.config.repo="file://$w/repo.git" -Dnervesys.config.pollSeconds="$poll" \
  -Dcamel.management.port="$port" -Dnervesys.ingest.port="$ingest" -Dnervesys.live.port="$live" -jar "$jar" > "$w/agent.log" 2>&1 &
pid=$!
n=0; until curl -sf "localhost:$port/observe/health/ready" >/dev/null; do
    sleep 0.02; n=$((n + 1)); if (( n > 3000 )); then echo "not ready after 60 s:"; tail -30 "$w"/*.log; exit 1; fi
  done
t1=$(date +%s%N)
echo "start-up to ready (HTTP readiness UP): $(( (t1 - t0) / 1000000 )) ms; agent log says: $(grep -o 'ready in [0-9]* ms' "$w/agent.log")"
sleep 20
echo "idle RSS after 20 s: $(( $(ps -o rss= -p $pid) / 1024 )) MB  (heap used: $(curl -s "localhost:$port/observe/jolokia/read/java.lang:type=Memory/HeapMemoryUsage/used" | python3 -c 'import json,sys;print(json.load(sys.stdin)["value"]//1048576)') MB)"
total=0; max=0
for i in $(seq "$reloads"); do
  sed -i "s/hello from nervesys[^}]*}}/hello from nervesys $i}}/" "$w/work/routes/demo.camel.yaml"
  (cd "$w/work" && git -c user.name=b -c user.email=b@x commit -qam "reload $i" && git push -q origin HEAD:main)
  c=$(cd "$w/work" && git rev-parse HEAD); s=$(date +%s%N)
  until curl -s -H 'Accept: application/json' "localhost:$port/q/dev/nervesys" | grep -q "\"appliedRevision\":\"$c\""; do sleep 0.02; done
  ms=$(( ($(date +%s%N) - s) / 1000000 )); total=$((total + ms)); (( ms > max )) && max=$ms
  echo "reload $i: push to applied $ms ms"
done
echo "reload latency with pollSeconds=$poll: mean $((total / reloads)) ms, max $max ms (goal: at most $((poll * 1000 + 2000)) ms)"
grep -E "Applied revision .*reload" "$w/agent.log" | sed -E 's/.*in ([0-9]+) ms.*/\1/' | awk '{s+=$1; if($1>m)m=$1} END {printf "validate+apply inside the agent: mean %.0f ms, max %d ms\n", s/NR, m}'
