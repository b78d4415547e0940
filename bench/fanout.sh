#!/usr/bin/env bash
# Config fan-out at scale (issue 12, docs/benchmarks.md "Orchestrator at scale"):
# one real orchestrator (bootstrap/target/nervesys.jar, role orchestrator, its own JVM) on the local
# PostgreSQL (a database of its own, dropped at the end) with a real bare upstream repo (this project's
# routes/ and config/) pushed to with `git`, and N simulated agents in SIMS other JVMs
# (FleetSimulator, test classes) speaking the real protocol: enroll with one token, hold GET /v1/wait,
# fetch over Git smart HTTP with their own credential when told. For each of ROUNDS pushes: time from
# the signed webhook to 100 % of agents fetched the commit, upstream fetches per commit (console),
# orchestrator CPU (of /proc/PID/stat) and RSS idle and during the rollout. Then heartbeats as the
# enrolled agents post them (POST /v1/heartbeat, one beat a request, their own credentials) at 167/s
# (10,000 agents at 1/min), 1,000/s and 3,000/s: rate reached and backlog.
#   bench/fanout.sh N [SIMS] [ROUNDS]        (defaults: 1000, 2, 3)
# Build first: ./mvnw -o -q -B -pl processors,bootstrap -am package -DskipTests
# ORCH_JAVA_OPTS: the orchestrator's JVM options (default -Xmx1g). BEATS=0 skips the heartbeat part,
# BEATS=db measures the database alone (the same inserts over JDBC, no orchestrator).
# JAR: the orchestrator's jar (a reference build); the simulators are this tree's test classes.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}
sims=${2:-2}
rounds=${3:-3}
root=$PWD
jar=${JAR:-$root/bootstrap/target/nervesys.jar}
cp="$root/bootstrap/target/test-classes:$jar"
[ -f "$jar" ] && [ -d "$root/bootstrap/target/test-classes" ] || { echo "build first (see the header)"; exit 2; }
ulimit -n "$(ulimit -Hn)"
w=$(mktemp -d /tmp/fanout.XXXXXX)
db=orch_scale_bench_$$
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
    wait 2> /dev/null || true
    psql -h 127.0.0.1 -U postgres -qAt -c "DROP DATABASE IF EXISTS $db" > /dev/null 2>&1 || true
    [ -n "${KEEP:-}" ] && echo "kept $w" || rm -rf "$w"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
now_ms() { date +%s%3N; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_mb() { echo $(( $(awk '/VmRSS/ {print $2}' "/proc/$1/status") / 1024 )); }
hz=$(getconf CLK_TCK)
# CPU ticks of the simulator JVMs together, and of the whole machine (busy = all but idle and iowait)
sim_ticks() { local t=0; for p in "${pids[@]:1}"; do t=$((t + $(ticks "$p"))); done; echo "$t"; }
machine_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }

psql -h 127.0.0.1 -U postgres -qAt -c "CREATE DATABASE $db" > /dev/null
url="jdbc:postgresql://127.0.0.1:5432/$db"

# upstream: a bare repo and a work tree that pushes to it
git init -q --bare -b main "$w/upstream.git"
git init -q -b main "$w/work"
cp -r routes config "$w/work/"
git -C "$w/work" add -A
git -C "$w/work" -c user.name=bench -c user.email=bench@localhost commit -qm "the project's routes and config"
git -C "$w/work" push -q "$w/upstream.git" main

# the orchestrator's own config: its routes and one group
mkdir -p "$w/oc/routes" "$w/oc/config/groups"
cp routes/orchestrator.camel.yaml routes/errors.camel.yaml "$w/oc/routes/"
echo 'agentId={host}' > "$w/oc/config/groups/edge.properties"

port=$(free_port); mgmt=$(free_port); secret=bench-webhook-secret
env NERVESYS_DATADIR="$w/orch" NERVESYS_CONFIG_REPO="$w/oc" NERVESYS_POSTGRES_URL="$url" NERVESYS_POSTGRES_USER=postgres \
    NERVESYS_ORCHESTRATOR_UPSTREAM="$w/upstream.git" NERVESYS_ORCHESTRATOR_UPSTREAMPOLL=1h NERVESYS_ORCHESTRATOR_PORT="$port" \
    NERVESYS_ORCHESTRATOR_WEBHOOK_SECRET="$secret" NERVESYS_ROLLOUT_CANARY=none CAMEL_MANAGEMENT_PORT="$mgmt" \
    java ${ORCH_JAVA_OPTS:--Xmx1g} -jar "$jar" orchestrator > "$w/orchestrator.log" 2>&1 &
orch=$!; pids+=("$orch")
until curl -s -o /dev/null "http://127.0.0.1:$port/v1/wait"; do
    sleep 0.2
    kill -0 "$orch" 2> /dev/null || { tail -30 "$w/orchestrator.log"; exit 1; }
done
console() { curl -s -H 'Accept: application/json' "http://127.0.0.1:$mgmt/q/dev/nervesys"; }
fetches() { console | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["nervesys"]["orchestrator"]["upstreamFetches"])'; }
mirrored() { console | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["nervesys"]["orchestrator"]["mirroredCommit"])'; }
for _ in $(seq 1 120); do [ "$(mirrored 2> /dev/null)" = "$(git -C "$w/work" rev-parse HEAD)" ] && break; sleep 0.5; done
token=$(java -jar "$jar" token create --group edge --uses "$n" --ttl 2h --postgres "$url?user=postgres" 2> /dev/null | grep "^nvt_")
echo "N=$n agents in $sims simulator JVM(s), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"

# the simulated agents: each JVM enrolls its share, fetches the current commit, then long-polls
for ((s = 0; s < sims; s++)); do
    from=$((n * s / sims)); to=$((n * (s + 1) / sims))
    java -Xmx512m -cp "$cp" dev.nervesys.bootstrap.it.orchestrator.FleetSimulator agents "http://127.0.0.1:$port" "$token" \
        "$from" "$to" "$w/creds$s.txt" > "$w/sim$s.log" 2>&1 &
    pids+=($!)
done
# until_all COMMIT TIMEOUT_S: waits until every simulator printed "ALL COMMIT"; prints the latest epoch ms
until_all() {
    local deadline=$(( $(date +%s) + $2 ))
    while true; do
        local c; c=$(cat "$w"/sim*.log | grep -c "^ALL $1 " || true)
        if [ "$c" -ge "$sims" ]; then cat "$w"/sim*.log | awk -v c="$1" '$1 == "ALL" && $2 == c {print $3}' | sort -n | tail -1; return; fi
        if [ "$(date +%s)" -ge "$deadline" ]; then echo "timeout"; return; fi
        sleep 0.05
    done
}
c1=$(git -C "$w/work" rev-parse HEAD)
t0=$(now_ms)
[ "$(until_all "$c1" 600)" != timeout ] || { echo "agents did not all fetch the first commit"; tail -5 "$w"/sim*.log; exit 1; }
echo "enrolled and fetched the first commit (full pack) in $(( ($(now_ms) - t0) / 1000 )) s:"; grep -h enrolled "$w"/sim*.log
held() { ss -Htn state established "( sport = :$port )" | wc -l; }
for _ in $(seq 1 100); do [ "$(held)" -ge "$n" ] && break; sleep 0.2; done
sleep 5
a=$(ticks "$orch"); sleep 10; b=$(ticks "$orch")
printf 'idle (all held): %d connections, orchestrator CPU %.1f %% of one core, RSS %d MB\n' "$(held)" \
    "$(echo "($b - $a) * 100 / $hz / 10" | bc -l)" "$(rss_mb "$orch")"

for ((r = 1; r <= rounds; r++)); do
    echo "# round $r" >> "$w/work/routes/demo.camel.yaml"
    git -C "$w/work" -c user.name=bench -c user.email=bench@localhost commit -qam "bench push $r"
    git -C "$w/work" push -q "$w/upstream.git" main
    c=$(git -C "$w/work" rev-parse HEAD)
    before=$(fetches)
    body="{\"ref\":\"refs/heads/main\",\"after\":\"$c\"}"
    sig=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$secret" -r | cut -d' ' -f1)
    peak=0; a=$(ticks "$orch"); sa=$(sim_ticks); ma=$(machine_ticks)
    t0=$(now_ms)
    curl -s -o /dev/null -X POST -H "X-Hub-Signature-256: sha256=$sig" -H 'Content-Type: application/json' \
        --data "$body" "http://127.0.0.1:$port/v1/webhook"
    ( while true; do rss_mb "$orch"; sleep 0.2; done ) > "$w/rss" 2> /dev/null &
    sampler=$!
    last=$(until_all "$c" 300)
    b=$(ticks "$orch"); sb=$(sim_ticks); mb=$(machine_ticks); kill "$sampler"; wait "$sampler" 2> /dev/null || true
    peak=$(sort -n "$w/rss" | tail -1)
    if [ "$last" = timeout ]; then echo "round $r: not every agent fetched $c within 300 s"; tail -3 "$w"/sim*.log; continue; fi
    ms=$((last - t0))
    printf 'round %d: webhook -> 100 %% of %d agents fetched: %.2f s; upstream fetches %d; orchestrator CPU %.0f %% of one core, RSS peak %d MB\n' \
        "$r" "$n" "$(echo "$ms / 1000" | bc -l)" "$(( $(fetches) - before ))" \
        "$(echo "($b - $a) * 100000 / $hz / $ms" | bc -l)" "$peak"
    printf '  meanwhile: simulators %.0f %% of one core, the whole machine busy %.0f %% of its %d cores\n' \
        "$(echo "($sb - $sa) * 100000 / $hz / $ms" | bc -l)" "$(echo "($mb - $ma) * 100000 / $hz / $ms / $(nproc)" | bc -l)" "$(nproc)"
    sleep 3
done
grep -h FAILURES "$w"/sim*.log | tail -2 || true
# grep -c exits 1 on no match: with pipefail that ended the script here before the heartbeat part
echo "orchestrator \"Too many open files\" lines: $(grep -c -i 'too many open files' "$w/orchestrator.log" || true)"
console | python3 -c 'import json,sys; o=json.load(sys.stdin)["nervesys"]["orchestrator"]; print("console:", {k: o[k] for k in o if k in ("agentRequests","packCacheHits","packCacheMisses","cachesLive","credentialReads","rolloutStateReads")})' || true
for p in "${pids[@]:1}"; do kill "$p" 2> /dev/null || true; done

if [ "${BEATS:-1}" = db ]; then
    for spec in "167 60 4" "1000 30 8" "3000 20 16"; do
        set -- $spec
        java -cp "$cp" dev.nervesys.bootstrap.it.orchestrator.FleetSimulator beats "$url?user=postgres" "$1" "$2" "$3" "$n"
    done
elif [ "${BEATS:-1}" != 0 ]; then
    creds=$(ls "$w"/creds*.txt | paste -sd,)
    # BEAT_SPECS: rate,seconds,connections ... (default: 167/s for 60 s, 1,000/s for 30 s, 3,000/s for 20 s)
    for spec in ${BEAT_SPECS:-167,60,8 1000,30,32 3000,20,64}; do
        set -- ${spec//,/ }
        a=$(ticks "$orch")
        java -Xmx512m -cp "$cp" dev.nervesys.bootstrap.it.orchestrator.FleetSimulator posts "http://127.0.0.1:$port" "$creds" "$1" "$2" "$3"
        b=$(ticks "$orch")
        printf '  orchestrator CPU meanwhile: %.0f %% of one core (over the schedule and the JVM start)\n' "$(echo "($b - $a) * 100 / $hz / $2" | bc -l)"
    done
    echo "agent_status rows: $(psql -h 127.0.0.1 -U postgres -qAt -d "$db" -c 'SELECT count(*) FROM agent_status')"
fi
