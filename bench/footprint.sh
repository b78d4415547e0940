#!/usr/bin/env bash
# Footprint of an agent on the default routes (issue 20, docs/benchmarks.md "Footprint"):
#  1. time to /observe/health/ready and RSS after 30 s idle, for the README command (bin/nervesys,
#     config/jvm.options, class-data archive) and `java -jar` with the JVM's default flags, on
#     Java 17 and Java 25, plus bin/nervesys without the archive; ROUNDS rounds, interleaved in one
#     run (the machine is shared: compare within a run). The launcher's first start, which records
#     the archive, is measured apart.
#  2. RSS under load: bin/nervesys (Java 17) with the generator feeding 10,000 records/s into
#     ingest and archiving on (to the local folder, the default), sampled every minute.
#   bench/footprint.sh [ROUNDS] [LOAD_SECONDS]        (defaults 3 and 600; ROUNDS 0: the load run only)
# LOAD_JAVA_OPTS: more JVM options for the load run (NERVESYS_JAVA_OPTS), such as -Xmx128m.
# REF_HOME: a reference installation (REF_HOME/{bin/nervesys,config/,routes/,nervesys.jar,lib/}, e.g.
#   main's build, bin/, config/ and routes/ copied to /tmp): its launcher runs beside this checkout's in every
#   round (variants ref-*, own class-data archive) and in the load run, right after this checkout's. It runs
#   in REF_HOME, so that the agent reads the reference's routes/ and config/ (an agent without a config repo
#   reads those of its working directory; this checkout's agents run in the checkout).
# LOAD_VARIANTS: which load runs, "launcher reflauncher" by default (reflauncher only with REF_HOME).
# FLAG_VARIANTS: more idle variants of this checkout's launcher on Java 17, "NAME|ENV=VALUE;NAME|ENV=VALUE"
#   (one environment variable each, e.g. "xmn8|NERVESYS_JAVA_OPTS=-Xmn8m"), in every round.
# VARIANTS: a grep -E pattern of the idle variants to run (default: all), e.g. 'launcher-17'.
# KEEP_DATA=1: every start finds the data folder of the one before (one for this checkout, one for REF_HOME),
#   as an agent that restarts on a server does (its heartbeat database migrated, its buffer there); by default
#   every start begins with an empty one (a first install: the schema is migrated at that start).
# Every idle line also gives the classes loaded (jcmd PerfCounter.print: java.cls.loadedClasses, those not
#   from a class-data archive, plus java.cls.sharedLoadedClasses, minus both unloaded counts; read after the RSS).
# JAVA17_HOME and JAVA25_HOME pick the JDKs; a JDK that is missing is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
load_seconds=${2:-600}
idle_seconds=30
jar=$PWD/bootstrap/target/nervesys.jar
j17=${JAVA17_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}
j25=${JAVA25_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
w=$(mktemp -d); trap 'rm -rf "$w"' EXIT
unset MALLOC_ARENA_MAX NERVESYS_JAVA_OPTS NERVESYS_JVM_OPTIONS JAVA_TOOL_OPTIONS
export NERVESYS_CDS_DIR=$w/cds

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

# start NAME JAVA_HOME launcher|jar [ENV=VALUE...]: starts an agent, sets pid, mgmt, ingest, t_ready_ms
start() {
    local name=$1 home=$2 how=$3; shift 3
    mgmt=$(free_port); ingest=$(free_port)
    local live; live=$(free_port)
    data=$w/data
    if [ "$how" = reflauncher ]; then data=$w/data-ref; fi
    if [ -z "${KEEP_DATA:-}" ]; then rm -rf "$data"; fi
    local t0; t0=$(date +%s%N)
    if [ "$how" = launcher ] || [ "$how" = reflauncher ]; then
        local launcher=$PWD/bin/nervesys cds=$w/cds
        if [ "$how" = reflauncher ]; then launcher=$REF_HOME/bin/nervesys; cds=$w/cds-ref; fi
        local dir=$PWD
        if [ "$how" = reflauncher ]; then dir=$REF_HOME; fi
        (cd "$dir" && exec env "$@" NERVESYS_CDS_DIR="$cds" JAVA_HOME="$home" NERVESYS_DATADIR="$data" CAMEL_MANAGEMENT_PORT="$mgmt" \
            NERVESYS_INGEST_PORT="$ingest" NERVESYS_LIVE_PORT="$live" "$launcher") > "$w/$name.log" 2>&1 &
    else
        env "$@" NERVESYS_DATADIR="$data" CAMEL_MANAGEMENT_PORT="$mgmt" NERVESYS_INGEST_PORT="$ingest" \
            NERVESYS_LIVE_PORT="$live" "$home/bin/java" -jar "$jar" > "$w/$name.log" 2>&1 &
    fi
    pid=$!
    local n=0
    until curl -sf "localhost:$mgmt/observe/health/ready" > /dev/null; do
        sleep 0.02; n=$((n + 1))
        if (( n > 4000 )); then echo "$name: not ready after 80 s"; tail -30 "$w/$name.log"; exit 1; fi
    done
    t_ready_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
}
rss_mb() { echo $(( $(ps -o rss= -p "$1") / 1024 )); }
stop() { kill "$pid"; wait "$pid" 2> /dev/null || true; }

idle() { # NAME JAVA_HOME launcher|jar [ENV...]
    start "$@"
    sleep "$idle_seconds"
    local rss; rss=$(rss_mb "$pid")
    local classes; classes=$("$2/bin/jcmd" "$pid" PerfCounter.print 2> /dev/null \
        | awk -F= '/^java.cls.(shared)?[lL]oadedClasses=/ {l += $2} /^java.cls.(shared)?[uU]nloadedClasses=/ {u += $2} END {print l - u}')
    stop
    printf '%-26s ready %5d ms   idle RSS %4d MB   classes %5s   load %s\n' "$1" "$t_ready_ms" "$rss" "$classes" "$(cut -d' ' -f1 /proc/loadavg)"
}

echo "jar: $(( $(stat -c %s "$jar") / 1024 / 1024 )) MB ($(stat -c %s "$jar") bytes); $(nproc) cores; $(date -u +%FT%TZ)"
for addon in "$(dirname "$jar")"/lib/*.jar; do
    [ -f "$addon" ] && echo "add-on lib/$(basename "$addon"): $(( $(stat -c %s "$addon") / 1024 / 1024 )) MB ($(stat -c %s "$addon") bytes)"
done
[ -n "${REF_HOME:-}" ] && echo "reference: $REF_HOME/nervesys.jar, $(( $(stat -c %s "$REF_HOME/nervesys.jar") / 1024 / 1024 )) MB"
echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
variants=()
if (( rounds > 0 )) && [ -x "$j17/bin/java" ]; then
    idle "first-start-17-recording" "$j17" launcher   # records the AppCDS archive, written at exit
    variants+=("readme-launcher-17|$j17|launcher" "launcher-17-no-cds|$j17|launcher|NERVESYS_CDS=off" "java-jar-17|$j17|jar")
    IFS=';' read -r -a flag_variants <<< "${FLAG_VARIANTS:-}"
    for fv in "${flag_variants[@]}"; do
        [ -n "$fv" ] && variants+=("launcher-17-${fv%%|*}|$j17|launcher|${fv#*|}")
    done
    if [ -n "${REF_HOME:-}" ]; then
        idle "ref-first-start-17-recording" "$j17" reflauncher
        variants+=("ref-readme-launcher-17|$j17|reflauncher" "ref-launcher-17-no-cds|$j17|reflauncher|NERVESYS_CDS=off")
    fi
fi
if (( rounds > 0 )) && [ -x "$j25/bin/java" ]; then
    idle "first-start-25-recording" "$j25" launcher   # records the AOT cache
    variants+=("launcher-25-aot|$j25|launcher" "java-jar-25|$j25|jar")
    if [ -n "${REF_HOME:-}" ]; then
        idle "ref-first-start-25-recording" "$j25" reflauncher
        variants+=("ref-launcher-25-aot|$j25|reflauncher")
    fi
fi
{ ls -l "$NERVESYS_CDS_DIR" "$w/cds-ref" 2> /dev/null || true; } | { grep '^-' || true; } | awk '{printf "archive %s: %d MB\n", $9, $5 / 1048576}'
for r in $(seq 1 "$rounds"); do
    for v in "${variants[@]}"; do
        IFS='|' read -r name home how extra <<< "$v"
        if [ -n "${VARIANTS:-}" ] && ! grep -qE "$VARIANTS" <<< "$name"; then continue; fi
        if [ -n "$extra" ]; then idle "$name" "$home" "$how" "$extra"; else idle "$name" "$home" "$how" X=; fi
    done
done

load() { # NAME launcher|reflauncher: 1,000 records every 100 ms = 10,000 records/s through ingest-ndjson into the
    # buffer; the archiver ships every 10 MB (nervesys.archive.maxBytes) to <data>/archive
    start "$1" "$j17" "$2" NERVESYS_MODULES_GENERATOR=true NERVESYS_GENERATOR_BATCH=1000 \
        NERVESYS_GENERATOR_INTERVALMS=100 NERVESYS_GENERATOR_DELAY=1s NERVESYS_JAVA_OPTS="${LOAD_JAVA_OPTS:-}"
    local max=0 rss=0 m ingested archives archived
    for m in $(seq 60 60 "$load_seconds"); do
        sleep 60
        rss=$(rss_mb "$pid"); (( rss > max )) && max=$rss
        printf '%s %4d s: RSS %4d MB   load %s\n' "$1" "$m" "$rss" "$(cut -d' ' -f1 /proc/loadavg)"
    done
    ingested=$(curl -s "localhost:$mgmt/observe/metrics" | awk '/^nervesys_ingest_records_total.*result="accepted"/ {s += $2} END {printf "%d", s}')
    archives=$(find "$data/archive" -name '*.json.gz' | wc -l)
    archived=$(du -sm "$data/archive" | cut -f1)
    stop
    printf '%s (%s): %d records ingested in %d s (%d/s), %d archives (%d MB), RSS at the end %d MB, max %d MB\n' \
        "$1" "${LOAD_JAVA_OPTS:-jvm.options}" "$ingested" "$load_seconds" $(( ingested / load_seconds )) "$archives" "$archived" "$rss" "$max"
}
if (( load_seconds > 0 )) && [ -x "$j17/bin/java" ]; then
    for how in ${LOAD_VARIANTS:-launcher reflauncher}; do
        if [ "$how" = launcher ]; then load "load-launcher-17" launcher; fi
        if [ "$how" = reflauncher ] && [ -n "${REF_HOME:-}" ]; then load "ref-load-launcher-17" reflauncher; fi
    done
fi
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%FT%TZ)"
