#!/usr/bin/env bash
# Starts the services the tests need on a Debian machine: PostgreSQL (reused when running,
# else installed from Debian and started) and ClickHouse (Debian's clickhouse-server, on
# 127.0.0.1:8123). Idempotent, quiet, and fast when everything already runs.
# S3 (S3Proxy), SMTP (GreenMail) and Git (JGit) run inside the test JVM and need nothing here.
set -euo pipefail

log() { echo "services: $*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=
apt_install() {
  [ -n "$apt_updated" ] || { as_root apt-get update -qq >/dev/null; apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
wait_for() { # wait_for SECONDS CMD...
  local n=$1; shift
  for _ in $(seq "$n"); do "$@" >/dev/null 2>&1 && return 0; sleep 1; done
  return 1
}

postgres() {
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then return 0; fi
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    log "installing PostgreSQL"; apt_install postgresql postgresql-client
  fi
  local version
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  log "starting PostgreSQL $version"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  wait_for 30 pg_isready -q -h 127.0.0.1 -p 5432 || { log "PostgreSQL did not start"; exit 1; }
  # tests connect over TCP as postgres; trust local connections if the cluster is fresh
  as_root -u postgres psql -qtAc "select 1" >/dev/null 2>&1 || true
}

clickhouse_up() { [ "$(curl -s --max-time 2 http://127.0.0.1:8123/ping 2>/dev/null)" = "Ok." ]; }

clickhouse() {
  if clickhouse_up; then return 0; fi
  if ! command -v clickhouse-server >/dev/null 2>&1 && [ ! -x /usr/bin/clickhouse ]; then
    log "installing clickhouse-server (Debian)"; apt_install clickhouse-server clickhouse-client curl
  fi
  local conf=/etc/clickhouse-server/config.xml
  # listen on IPv4 loopback only: some machines have no ::1
  if ! grep -q '<listen_host>127.0.0.1</listen_host>' "$conf" || grep -q '^\s*<listen_host>::1</listen_host>' "$conf"; then
    as_root mkdir -p /etc/clickhouse-server/config.d
    printf '<yandex>\n  <listen_host replace="replace">127.0.0.1</listen_host>\n</yandex>\n' \
      | as_root tee /etc/clickhouse-server/config.d/nervesys-listen.xml >/dev/null
  fi
  as_root mkdir -p /var/lib/clickhouse /var/log/clickhouse-server
  id clickhouse >/dev/null 2>&1 && as_root chown -R clickhouse: /var/lib/clickhouse /var/log/clickhouse-server
  log "starting ClickHouse"
  local user=root; id clickhouse >/dev/null 2>&1 && user=clickhouse
  as_root start-stop-daemon --start --oknodo --background --chuid "$user" --chdir /var/lib/clickhouse \
    --exec "$(command -v clickhouse-server || echo /usr/bin/clickhouse-server)" -- --config-file="$conf"
  wait_for 60 clickhouse_up || { log "ClickHouse did not start; see /var/log/clickhouse-server"; exit 1; }
}

# command-line tools that tests drive: pdftoppm/pdftotext check rendered reports, headless
# Chromium and ChromeDriver take screenshots of the live UI, influxd reads line protocol back
tools() {
  command -v pdftoppm >/dev/null 2>&1 || { log "installing poppler-utils"; apt_install poppler-utils; }
  { command -v chromium && command -v chromedriver; } >/dev/null 2>&1 \
    || { log "installing chromium and chromium-driver"; apt_install chromium chromium-driver; }
  # influxd 1.6.7, the independent reader of TeleCrunch's line protocol (LineProtocolInfluxdTest
  # starts its own on free ports; the package's service is not needed)
  command -v influxd >/dev/null 2>&1 || { log "installing influxdb"; apt_install influxdb; }
  # a real Prometheus Alertmanager for the alertmanager channel's test (AlertmanagerChannelTest starts
  # the binary itself, on a free port with a temporary config and storage path; not as a service)
  command -v prometheus-alertmanager >/dev/null 2>&1 \
    || { log "installing prometheus-alertmanager"; apt_install prometheus-alertmanager; }
}

postgres
clickhouse
tools
log "PostgreSQL on 127.0.0.1:5432, ClickHouse on 127.0.0.1:8123"
