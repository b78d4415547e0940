#!/usr/bin/env python3
"""Fault: S3, PostgreSQL or ClickHouse unreachable for a while under load, then back.

The agent (the real jar) archives to S3Proxy, ships telemetry to ClickHouse and writes heartbeats to
PostgreSQL, each through a TCP proxy of this script. Telemetry is posted at a steady rate, each record
with a unique "seq". After --before seconds the proxy of the chosen service goes down (listener and
connections closed: connection refused), for --outage seconds, then comes back; the load goes on for
--after seconds, stops, and the script waits until the buffer has nothing pending for the archiver and
the ClickHouse shipper and the heartbeat spool is written. Then it counts:

- ClickHouse: count() and uniqExact(seq) of the run's events, against the acknowledged seqs;
- the archive: every object read back (S3Proxy's filesystem store), seqs counted;
- PostgreSQL: the heartbeats of the agent (count, distinct ts, largest gap between beats).

Expected: every acknowledged record in ClickHouse and in the archive, none twice in ClickHouse, none
twice in the archive; no heartbeat missing, none twice; ingest answers 204 throughout.

usage: fault-outage.py --service s3|pg|ch [--outage 600] [--before 60] [--after 60] [--rate 1000]
       [--mode refuse|blackhole] [--json out.json]
"""

import argparse
import os
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib_faults as L  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--service", required=True, choices=["s3", "pg", "ch"])
    ap.add_argument("--outage", type=float, default=600)
    ap.add_argument("--before", type=float, default=60)
    ap.add_argument("--after", type=float, default=60)
    ap.add_argument("--rate", type=int, default=1000, help="records per second")
    ap.add_argument("--batch", type=int, default=200)
    ap.add_argument("--mode", default="refuse", choices=["refuse", "blackhole"])
    ap.add_argument("--drain-timeout", type=float, default=900)
    ap.add_argument("--heartbeat", default="5s", help="heartbeat interval")
    ap.add_argument("--json")
    a = ap.parse_args()

    t = L.tag()
    name = "vf-outage-%s-%s" % (a.service, t)
    base = L.work_dir(name)
    chdb = "vf_outage_%s_%s" % (a.service, t)
    pgdb = "vf_outage_%s_%s" % (a.service, t)
    run_id = "outage-%s-%s" % (a.service, t)
    L.log("scenario", name, "work dir", base)
    L.ch_create(chdb)
    L.pg_create(pgdb)
    s3 = L.S3Proxy(base)
    proxies = {
        "s3": L.TcpProxy("127.0.0.1", s3.port, "s3"),
        "pg": L.TcpProxy(L.PG_HOST, L.PG_PORT, "pg"),
        "ch": L.TcpProxy(L.CH_URL.split("//")[1].split(":")[0], int(L.CH_URL.rsplit(":", 1)[1]), "ch"),
    }
    agent = L.Agent(name, base, props={
        "nervesys.clickhouse.url": "http://127.0.0.1:%d" % proxies["ch"].port,
        "nervesys.clickhouse.database": chdb,
        "nervesys.clickhouse.timeout": "20s",
        "nervesys.postgres.url": "jdbc:postgresql://127.0.0.1:%d/%s" % (proxies["pg"].port, pgdb),
        "nervesys.postgres.connectTimeout": "3s",
        "nervesys.postgres.socketTimeout": "10s",
        "nervesys.heartbeat.interval": a.heartbeat,
        "nervesys.archive.bucket": L.S3Proxy.BUCKET,
        "nervesys.archive.endpoint": "http://127.0.0.1:%d" % proxies["s3"].port,
        "nervesys.archive.interval": "20s",
        "nervesys.archive.maxBytes": "4MB",
    }, env={
        "STORJ_ACCESS_KEY": L.S3Proxy.ACCESS,
        "STORJ_SECRET_KEY": L.S3Proxy.SECRET,
        "NERVESYS_POSTGRES_USER": "postgres",
    })
    result = {"scenario": "outage", "service": a.service, "mode": a.mode, "outage_s": a.outage, "rate": a.rate,
              "batch": a.batch}
    load = None
    try:
        result["start_s"] = round(agent.start(), 1)
        load = L.Load(lambda: agent.ingest_port, run_id, rate=a.rate, batch=a.batch)
        load.start()
        timeline = []

        def sample(phase):
            try:
                m = agent.metrics()
                c = agent.console()
            except OSError as e:
                L.log("sample failed", e)
                return
            hb = c.get("heartbeat-store", {}) if isinstance(c, dict) else {}
            row = {"t": round(time.time() - load.started), "phase": phase,
                   "acked": load.acked_count(),
                   "disk_mb": round(m.get("nervesys_buffer_disk_bytes", 0) / 1048576, 1),
                   "rows": int(m.get("nervesys_buffer_records", 0)),
                   "pend_archive": int(m.get('nervesys_buffer_pending_records{consumer="archive"}', -1)),
                   "pend_ch": int(m.get('nervesys_buffer_pending_records{consumer="clickhouse"}', -1)),
                   "archive_fail": int(m.get("nervesys_archive_failures_total", 0)),
                   "hb_spool": hb.get("spooled", hb.get("spool")),
                   "status": dict(load.status)}
            timeline.append(row)
            L.log("  ", " ".join("%s=%s" % kv for kv in row.items()))

        def phase(label, seconds):
            end = time.time() + seconds
            while time.time() < end:
                time.sleep(min(15, max(0, end - time.time())))
                sample(label)

        phase("before", a.before)
        L.log("%s DOWN (%s) for %ss" % (a.service, a.mode, a.outage))
        proxies[a.service].down(a.mode)
        t_down = time.time()
        phase("down", a.outage)
        proxies[a.service].up()
        t_up = time.time()
        L.log("%s UP after %.0fs" % (a.service, t_up - t_down))
        phase("after", a.after)
        load.stop()
        result["load"] = {"acked_records": load.acked_count(), "status": dict(load.status),
                          "seconds": round(load.stopped - load.started),
                          "p50_ms": round(1000 * L.percentile(load.latencies, 50), 1),
                          "p99_ms": round(1000 * L.percentile(load.latencies, 99), 1),
                          "max_ms": round(1000 * max(load.latencies), 1)}
        L.log("load stopped:", result["load"])
        drained = agent.wait_drained(["archive", "clickhouse"], a.drain_timeout)
        result["drain_after_load_s"] = None if drained is None else round(drained)
        result["drain_after_up_s"] = None if drained is None else round(time.time() - t_up)
        sample("drained")
        # heartbeats: wait until the spool is written
        hb_wait = time.time()
        while time.time() - hb_wait < 600:
            c = agent.console().get("heartbeat-store", {})
            if c.get("consecutiveFailures", 0) == 0 and (c.get("spooled", c.get("spool", 0)) or 0) <= 1:
                break
            time.sleep(5)
        result["console_heartbeat"] = {k: v for k, v in agent.console().get("heartbeat-store", {}).items()
                                       if not isinstance(v, (dict, list))}
        result["console_archive"] = {k: v for k, v in agent.console().get("archive", {}).items()
                                     if not isinstance(v, (dict, list))}
        result["console_clickhouse"] = {k: v for k, v in agent.console().get("clickhouse", {}).items()
                                        if not isinstance(v, (dict, list))}
        result["timeline"] = timeline
        agent.stop()

        acked, unacked = load.acked_set(), load.unacked_set()
        result["clickhouse_sql"] = L.ch_seq_stats(chdb, run_id)
        L.log("ClickHouse:", result["clickhouse_sql"])
        result["clickhouse"] = L.compare("clickhouse", acked, unacked, L.ch_seqs(chdb, run_id))
        seqs, objects = L.archive_seqs(s3.objects_dir(), run_id)
        result["archive"] = L.compare("archive", acked, unacked, seqs)
        result["archive"]["objects"] = objects
        # heartbeats: every beat taken is either in PostgreSQL or still in the spool, none twice
        rows = L.psql("SELECT count(*), count(DISTINCT ts), "
                      "coalesce(max(d),0), count(*) FILTER (WHERE received_at - ts > interval '30 seconds') FROM ("
                      "SELECT ts, received_at, extract(epoch FROM ts - lag(ts) OVER (ORDER BY ts)) AS d "
                      "FROM agent_status WHERE agent_id = '%s') x" % name, pgdb).split("|")
        spool_left = None
        spool_file = os.path.join(agent.data, "heartbeat", "spool.db")
        if os.path.exists(spool_file):
            db = sqlite3.connect(spool_file)
            try:
                tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
                spool_left = {tb: db.execute("SELECT count(*) FROM %s" % tb).fetchone()[0] for tb in tables}
            finally:
                db.close()
        result["heartbeats"] = {"rows": int(rows[0]), "distinct_ts": int(rows[1]), "max_gap_s": float(rows[2]),
                                "written_late": int(rows[3]), "spool_left": spool_left}
        L.log("heartbeats:", result["heartbeats"])
        ok = (result["clickhouse"]["lost_acked"] == 0 and result["clickhouse"]["duplicates"] == 0
              and result["archive"]["lost_acked"] == 0 and result["archive"]["duplicates"] == 0
              and result["heartbeats"]["rows"] == result["heartbeats"]["distinct_ts"])
        result["verdict"] = "PASS" if ok else "FAIL"
        L.log("verdict:", result["verdict"])
    finally:
        if load is not None:
            load.stopping.set()
        agent.stop()
        for p in proxies.values():
            p.close()
        s3.close()
        L.emit(a.json, result)
        L.ch_drop(chdb)
        L.pg_drop(pgdb)
        L.cleanup(base)
    return 0 if result.get("verdict") == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
