#!/usr/bin/env python3
"""Fault: the agent restarted under load, with SIGTERM (a graceful stop) or SIGKILL (a crash).

The agent (the real jar) ships telemetry to ClickHouse and archives to its local folder. A steady load
posts telemetry, each record with a unique "seq". Every --every seconds the agent gets the signal and
is started again at once on the same ports and data dir, --cycles times, while the load keeps
posting (requests that fail are not acknowledged and their seqs are never re-sent). Then the load
stops, the buffer drains, and the script counts: ClickHouse count() / uniqExact(seq) against the
acknowledged seqs, and every archive file read back.

Expected: every record acknowledged 2xx before a kill is in ClickHouse and in the archive after the
restart and the drain; nothing twice in ClickHouse (the shipper's exactly-once check by buffer id);
nothing twice in the archive (an archive planned before a crash is rewritten under the same key).

usage: fault-restart.py --signal TERM|KILL [--cycles 5] [--every 30] [--rate 2000] [--json out.json]
"""

import argparse
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib_faults as L  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--signal", required=True, choices=["TERM", "KILL"])
    ap.add_argument("--cycles", type=int, default=5)
    ap.add_argument("--every", type=float, default=30)
    ap.add_argument("--rate", type=int, default=2000)
    ap.add_argument("--batch", type=int, default=200)
    ap.add_argument("--json")
    a = ap.parse_args()
    sig = signal.SIGTERM if a.signal == "TERM" else signal.SIGKILL
    t = L.tag()
    name = "vf-restart-%s-%s" % (a.signal.lower(), t)
    base = L.work_dir(name)
    chdb = "vf_restart_%s_%s" % (a.signal.lower(), t)
    run_id = "restart-%s-%s" % (a.signal.lower(), t)
    L.ch_create(chdb)
    agent = L.Agent(name, base, props={
        "nervesys.clickhouse.url": L.CH_URL, "nervesys.clickhouse.database": chdb,
        "nervesys.archive.interval": "10s", "nervesys.archive.maxBytes": "2MB"})
    result = {"scenario": "restart", "signal": a.signal, "cycles": a.cycles, "every_s": a.every, "rate": a.rate}
    load = None
    try:
        starts = [round(agent.start(), 1)]
        load = L.Load(lambda: agent.ingest_port, run_id, rate=a.rate, batch=a.batch, timeout=30)
        load.start()
        cycles = []
        for c in range(a.cycles):
            time.sleep(a.every)
            before = load.acked_count()
            try:
                m = agent.metrics()
                pend = (int(m.get('nervesys_buffer_pending_records{consumer="archive"}', -1)),
                        int(m.get('nervesys_buffer_pending_records{consumer="clickhouse"}', -1)))
            except OSError:
                pend = None
            rc, stop_s = agent.kill(sig)
            t_down = time.time()
            up_s = agent.start()
            cyc = {"acked_before": before, "pending_archive_ch_at_kill": pend, "exit_code": rc,
                   "stop_s": round(stop_s, 2), "restart_s": round(up_s, 1), "down_s": round(time.time() - t_down, 1)}
            cycles.append(cyc)
            L.log("cycle %d: %s" % (c + 1, cyc))
        time.sleep(a.every)
        load.stop()
        result["cycles_detail"] = cycles
        result["start_s"] = starts[0]
        result["load"] = {"acked": load.acked_count(), "status": dict(load.status), "seconds": round(load.stopped - load.started),
                          "p99_ms": round(1000 * L.percentile(load.latencies, 99), 1)}
        L.log("load:", result["load"])
        drained = agent.wait_drained(["archive", "clickhouse"], 600, every=2)
        result["drain_s"] = None if drained is None else round(drained)
        cons = agent.console()
        result["console_clickhouse"] = {k: v for k, v in cons.get("clickhouse", {}).items() if not isinstance(v, (dict, list))}
        agent.stop()
        acked, unacked = load.acked_set(), load.unacked_set()
        result["clickhouse_sql"] = L.ch_seq_stats(chdb, run_id)
        L.log("ClickHouse:", result["clickhouse_sql"])
        result["clickhouse"] = L.compare("clickhouse", acked, unacked, L.ch_seqs(chdb, run_id))
        seqs, objects = L.archive_seqs(os.path.join(agent.data, "archive"), run_id)
        result["archive"] = L.compare("archive", acked, unacked, seqs)
        result["archive"]["objects"] = objects
        ok = (result["clickhouse"]["lost_acked"] == 0 and result["clickhouse"]["duplicates"] == 0
              and result["archive"]["lost_acked"] == 0 and result["archive"]["duplicates"] == 0
              and result["clickhouse"]["never_sent"] == 0)
        result["verdict"] = "PASS" if ok else "FAIL"
        L.log("verdict:", result["verdict"])
    finally:
        if load is not None:
            load.stopping.set()
        agent.stop()
        L.emit(a.json, result)
        L.ch_drop(chdb)
        L.cleanup(base)
    return 0 if result.get("verdict") == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
