#!/usr/bin/env python3
"""Fault: the file system of the data dir fills up under load, then space comes back.

Needs root: the data dir is on a small tmpfs (mount -t tmpfs -o size=64m). The agent (the real jar)
ships telemetry to ClickHouse and archives to a local folder outside that tmpfs. A steady load posts
telemetry with unique seqs; after --before seconds a filler file takes every free byte of the tmpfs
(another program filling the disk); after --full seconds it is deleted. Then the load goes on, stops,
the buffer drains, the agent is stopped and started again on the same data dir (does the buffer
open?), and the script counts what is stored against what was acknowledged, and runs SQLite's
integrity_check on the buffer file.

Expected: while the disk is full ingest answers 503 or 507 with a clear message (no 500, no stack
trace), nothing acknowledged is lost, the buffer is not corrupt, and ingest answers 204 again once
space is back, without a restart.

usage: fault-diskfull.py [--size 64m] [--before 20] [--full 60] [--after 30] [--rate 2000] [--json out.json]
"""

import argparse
import collections
import os
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib_faults as L  # noqa: E402


def fill(path):
    """Writes zeros to path until the file system is full; returns the bytes written."""
    n = 0
    block = b"\0" * (1 << 20)
    with open(path, "wb", buffering=0) as f:
        try:
            while True:
                n += f.write(block)
        except OSError:
            pass
        small = b"\0" * 4096
        try:
            while True:
                n += f.write(small)
        except OSError:
            pass
    return n


def free_bytes(path):
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", default="64m")
    ap.add_argument("--before", type=float, default=20)
    ap.add_argument("--full", type=float, default=60)
    ap.add_argument("--after", type=float, default=30)
    ap.add_argument("--rate", type=int, default=2000)
    ap.add_argument("--json")
    a = ap.parse_args()
    t = L.tag()
    name = "vf-diskfull-" + t
    base = L.work_dir(name)
    mnt = os.path.join(base, "mnt")
    os.makedirs(mnt)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=" + a.size, "tmpfs", mnt], check=True)
    chdb = "vf_diskfull_" + t
    run_id = "diskfull-" + t
    L.ch_create(chdb)
    agent = L.Agent(name, base, props={
        "nervesys.dataDir": os.path.join(mnt, "data"),
        "nervesys.archive.localDir": os.path.join(base, "archive"),
        "nervesys.archive.interval": "10s", "nervesys.archive.maxBytes": "2MB",
        "nervesys.clickhouse.url": L.CH_URL, "nervesys.clickhouse.database": chdb})
    agent.data = os.path.join(mnt, "data")
    result = {"scenario": "diskfull", "tmpfs": a.size, "rate": a.rate}
    load = None
    filler = os.path.join(mnt, "filler")
    try:
        result["start_s"] = round(agent.start(), 1)
        load = L.Load(lambda: agent.ingest_port, run_id, rate=a.rate, batch=200)
        load.start()
        time.sleep(a.before)
        t_full = time.time() - load.started
        result["filler_bytes"] = fill(filler)
        result["free_after_fill"] = free_bytes(mnt)
        L.log("disk full: filler %d bytes, %d free" % (result["filler_bytes"], result["free_after_fill"]))
        samples = []
        end = time.time() + a.full
        while time.time() < end:
            time.sleep(10)
            try:
                m = agent.metrics()
                samples.append({"t": round(time.time() - load.started), "status": dict(load.status),
                                "disk_bytes": m.get("nervesys_buffer_disk_bytes"),
                                "archive_fail": m.get("nervesys_archive_failures_total")})
            except OSError as e:
                samples.append({"t": round(time.time() - load.started), "metrics": repr(e)})
            L.log("  ", samples[-1])
        os.remove(filler)
        t_free = time.time() - load.started
        L.log("space back: %d free" % free_bytes(mnt))
        time.sleep(a.after)
        load.stop()
        # first 204 after space came back, and the statuses while full
        during = collections.Counter(c for ts, c in load.timeline if t_full <= ts < t_free)
        after = [(ts, c) for ts, c in load.timeline if ts >= t_free]
        first_ok = next((ts for ts, c in after if c == 204), None)
        result["status_while_full"] = {str(k): v for k, v in during.items()}
        result["status_after"] = {str(k): v for k, v in collections.Counter(c for _, c in after).items()}
        result["recovered_after_s"] = None if first_ok is None else round(first_ok - t_free, 1)
        result["answers"] = {str(k): v for k, v in load.samples.items()}
        result["samples"] = samples
        L.log("while full:", result["status_while_full"], "after:", result["status_after"],
              "first 204 after space back: +%ss" % result["recovered_after_s"])
        for k, v in result["answers"].items():
            L.log("   answer %s: %s" % (k, v[:200]))
        result["load"] = {"acked": load.acked_count(), "status": dict(load.status)}
        result["drain_s"] = agent.wait_drained(["archive", "clickhouse"], 600, every=2)
        cons = agent.console()
        result["console_live"] = {k: v for k, v in cons.get("live", {}).items() if not isinstance(v, (dict, list))}
        result["console_buffer"] = {k: v for k, v in cons.get("buffer", {}).items() if not isinstance(v, (dict, list))}
        agent.stop()
        log_text = "".join(open(os.path.join(base, f), errors="replace").read() for f in os.listdir(base) if f.startswith("agent-"))
        result["agent_log"] = {"SQLITE_FULL": log_text.count("SQLITE_FULL"), "No space left": log_text.count("No space left"),
                               "ERROR lines": log_text.count(" ERROR "), "WARN lines": log_text.count(" WARN ")}
        # the buffer must open again and be intact
        buf = os.path.join(agent.data, "buffer", "buffer.db")
        db = sqlite3.connect(buf)
        try:
            result["integrity_check"] = db.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            db.close()  # "with" alone commits but keeps the file open: the tmpfs would stay busy
        result["restart_s"] = round(agent.start(), 1)
        agent.stop()
        acked, unacked = load.acked_set(), load.unacked_set()
        result["clickhouse"] = L.compare("clickhouse", acked, unacked, L.ch_seqs(chdb, run_id))
        seqs, objects = L.archive_seqs(os.path.join(base, "archive"), run_id)
        result["archive"] = L.compare("archive", acked, unacked, seqs)
        bad_status = [k for k in during if k not in (204, 503, 507)]
        ok = (result["clickhouse"]["lost_acked"] == 0 and result["clickhouse"]["duplicates"] == 0
              and result["archive"]["lost_acked"] == 0 and result["archive"]["duplicates"] == 0
              and result["integrity_check"] == "ok" and result["recovered_after_s"] is not None and not bad_status)
        result["unexpected_status_while_full"] = bad_status
        result["verdict"] = "PASS" if ok else "FAIL"
        L.log("verdict:", result["verdict"])
    finally:
        if load is not None:
            load.stopping.set()
        agent.stop()
        if os.path.exists(filler):
            os.remove(filler)
        L.emit(a.json, result)
        subprocess.run(["umount", mnt])
        L.ch_drop(chdb)
        L.cleanup(base)
    return 0 if result.get("verdict") == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
