#!/usr/bin/env bash
# The three long outages one after another: S3, PostgreSQL, ClickHouse each unreachable for
# OUTAGE seconds (default 600) under RATE records/s (default 1000). Figures: one JSON per service in
# OUT (default ./fault-results), and the log of each run beside it.
# usage: bench/validation/fault-outages.sh [s3 pg ch]
set -u
here=$(cd "$(dirname "$0")" && pwd)
out=${OUT:-./fault-results}
mkdir -p "$out"
services=${*:-s3 pg ch}
rc=0
for s in $services; do
  python3 "$here/fault-outage.py" --service "$s" --outage "${OUTAGE:-600}" --rate "${RATE:-1000}" \
      --json "$out/outage-$s.json" > "$out/outage-$s.log" 2>&1 || rc=1
  grep -E 'verdict|clickhouse |archive  |heartbeats:|load stopped' "$out/outage-$s.log"
done
exit $rc
