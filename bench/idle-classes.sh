#!/usr/bin/env bash
# Classes an idle agent loads (issue 20, docs/benchmarks.md "Footprint"): bin/nervesys of this checkout and
# of REF_HOME (optional, as in bench/footprint.sh), Java 17, NERVESYS_CDS=off, each run in its own home
# (its routes/ and config/). Each starts twice on one data folder: the first start is a first install
# (schema migrated), the second a restart; each idles 30 s under -Xlog:class+load, then the classes are
# counted, in all and for the libraries that earlier passes kept off the idle path.
#   bench/idle-classes.sh
set -euo pipefail
cd "$(dirname "$0")/.."
j17=${JAVA17_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}
w=$(mktemp -d); trap 'rm -rf "$w"' EXIT
unset MALLOC_ARENA_MAX NERVESYS_JAVA_OPTS NERVESYS_JVM_OPTIONS JAVA_TOOL_OPTIONS
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
groups="org.flywaydb. picocli. org.yaml.snakeyaml. org.snakeyaml.engine. com.fasterxml.jackson.dataformat.yaml."

probe() { # NAME HOME DATA
    local name=$1 home=$2 data=$3 mgmt; mgmt=$(free_port)
    local log=$w/$name.classes
    (cd "$home" && exec env NERVESYS_CDS=off NERVESYS_JAVA_OPTS="-Xlog:class+load=info:file=$log" JAVA_HOME="$j17" \
        NERVESYS_DATADIR="$data" CAMEL_MANAGEMENT_PORT="$mgmt" NERVESYS_INGEST_PORT="$(free_port)" \
        NERVESYS_LIVE_PORT="$(free_port)" "$home/bin/nervesys") > "$w/$name.log" 2>&1 &
    local pid=$! n=0
    until curl -sf "localhost:$mgmt/observe/health/ready" > /dev/null; do
        sleep 0.1; n=$((n + 1)); if (( n > 900 )); then echo "$name: not ready"; tail -20 "$w/$name.log"; exit 1; fi
    done
    sleep 30
    kill "$pid"; wait "$pid" 2> /dev/null || true
    local all; all=$(grep -c '\[class,load\]' "$log")
    local line; line=$(printf '%-22s classes %5d' "$name" "$all")
    for g in $groups; do
        line+=$(printf '   %s %d' "$g" "$(grep '\[class,load\]' "$log" | sed 's/.*\[class,load\] //' | grep -c "^${g//./\\.}" || true)")
    done
    echo "$line"
}
echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%FT%TZ)"
for side in this ${REF_HOME:+ref}; do
    home=$PWD; [ "$side" = ref ] && home=$REF_HOME
    probe "$side-first-start" "$home" "$w/data-$side"
    probe "$side-restart" "$home" "$w/data-$side"
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%FT%TZ)"
