#!/usr/bin/env python3
"""Fault: clients that disconnect in the middle of a request body.

While a steady load of good telemetry runs, other clients open raw sockets, send the headers and
part of a body (Content-Length or chunked, plain or gzip, cut inside a line, at a line boundary, one
byte short), then close the socket (FIN) or reset it (RST). Some clients stall instead (half a body,
then silence) and are left hanging. Each cut request carries records with their own sequence numbers.
Expected: of a cut request nothing is stored or all of it, never a part; the steady load is answered
204 throughout and all of it is stored; stalled connections do not stop the agent from serving.

usage: fault-disconnect.py [--cuts 300] [--stalled 200] [--json out.json]
"""

import argparse
import collections
import gzip
import os
import random
import re
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib_faults as L  # noqa: E402


def body_of(run_id, first, n):
    return ("\n".join(L.telemetry(run_id, s) for s in range(first, first + n)) + "\n").encode()


def cut_request(port, body, mode, gz, cut_at, rst):
    """Sends headers + body[:cut_at] then closes; returns the bytes sent."""
    payload = gzip.compress(body) if gz else body
    cut = max(1, min(len(payload) - 1, int(len(payload) * cut_at))) if cut_at < 1 else len(payload) - 1
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    head = "POST /ingest HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n"
    if gz:
        head += "Content-Encoding: gzip\r\n"
    if mode == "length":
        head += "Content-Length: %d\r\n\r\n" % len(payload)
        s.sendall(head.encode() + payload[:cut])
    else:
        head += "Transfer-Encoding: chunked\r\n\r\n"
        out = b""
        sent = 0
        while sent < cut:
            n = min(4096, cut - sent)
            out += b"%x\r\n" % n + payload[sent:sent + n] + b"\r\n"
            sent += n
        s.sendall(head.encode() + out)  # never the final 0-chunk
    time.sleep(random.random() * 0.05)
    if rst:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    return cut


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cuts", type=int, default=300)
    ap.add_argument("--stalled", type=int, default=200)
    ap.add_argument("--rate", type=int, default=1000)
    ap.add_argument("--stall-wait", type=float, default=60, help="seconds before checking the stalled connections")
    ap.add_argument("--json")
    a = ap.parse_args()
    random.seed(7)
    t = L.tag()
    name = "vf-disconnect-" + t
    base = L.work_dir(name)
    chdb = "vf_disconnect_" + t
    L.ch_create(chdb)
    run_ok, run_cut = "steady-" + t, "cut-" + t
    agent = L.Agent(name, base, props={"nervesys.clickhouse.url": L.CH_URL, "nervesys.clickhouse.database": chdb,
                                      "nervesys.archive.interval": "5s"})
    result = {"scenario": "disconnect", "cuts": a.cuts, "stalled": a.stalled}
    load = None
    stalled = []
    try:
        result["start_s"] = round(agent.start(), 1)
        load = L.Load(lambda: agent.ingest_port, run_ok, rate=a.rate, batch=100)
        load.start()
        cuts = []
        kinds = collections.Counter()
        for i in range(a.cuts):
            first = i * 1000
            n = random.choice([1, 10, 200, 900])
            mode = random.choice(["length", "chunked"])
            gz = random.random() < 0.3
            cut_at = random.choice([0.01, 0.5, 0.99, 1.0, random.random()])
            rst = random.random() < 0.5
            cut_request(agent.ingest_port, body_of(run_cut, first, n), mode, gz, cut_at, rst)
            cuts.append((first, n))
            kinds[(mode, "gzip" if gz else "plain", "RST" if rst else "FIN")] += 1
            if i % 3 == 0 and len(stalled) < a.stalled:
                # a stalled client: half a body, then silence, connection left open
                for _ in range(max(1, a.stalled // max(1, a.cuts // 3))):
                    if len(stalled) >= a.stalled:
                        break
                    s = socket.create_connection(("127.0.0.1", agent.ingest_port), timeout=10)
                    b = body_of(run_cut, 5_000_000 + len(stalled) * 100, 50)
                    s.sendall(b"POST /ingest HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nContent-Length: %d\r\n\r\n"
                              % len(b) + b[:len(b) // 2])
                    stalled.append(s)
        result["cut_kinds"] = {"/".join(k): v for k, v in sorted(kinds.items())}
        L.log("sent %d cut requests, %d stalled connections open" % (len(cuts), len(stalled)))
        time.sleep(a.stall_wait)
        # are the stalled connections still held by the agent?
        open_stalled = 0
        for s in stalled:
            s.setblocking(False)
            try:
                open_stalled += 0 if s.recv(1) == b"" else 1
            except BlockingIOError:
                open_stalled += 1
            except OSError:
                pass
        result["stalled_still_open"] = open_stalled
        result["stalled_checked_after_s"] = a.stall_wait
        load.stop()
        result["load"] = {"acked": load.acked_count(), "status": dict(load.status),
                          "p50_ms": round(1000 * L.percentile(load.latencies, 50), 1),
                          "p99_ms": round(1000 * L.percentile(load.latencies, 99), 1)}
        L.log("steady load:", result["load"])
        result["drained_s"] = agent.wait_drained(["archive", "clickhouse"], 300, every=1)
        steady = L.ch_seqs(chdb, run_ok)
        result["steady_clickhouse"] = L.compare("steady", load.acked_set(), load.unacked_set(), steady)
        stored = L.ch_seqs(chdb, run_cut)
        whole, none, partial = 0, 0, []
        for first, n in cuts:
            k = sum(1 for s in range(first, first + n) if s in stored)
            if k == 0:
                none += 1
            elif k == n:
                whole += 1
            else:
                partial.append((first, n, k))
        stalled_stored = sum(1 for s in stored if s >= 5_000_000)
        result["cut_requests"] = {"none_stored": none, "all_stored": whole, "partly_stored": len(partial),
                                  "partial_examples": partial[:10], "stalled_records_stored": stalled_stored}
        L.log("cut requests:", result["cut_requests"])
        arch, _ = L.archive_seqs(os.path.join(agent.data, "archive"), run_cut)
        result["cut_in_archive"] = sum(arch.values())
        log_text = open(agent.logfile.name, errors="replace").read()
        kinds = collections.Counter(re.findall(r"\b(?:WARN|ERROR) +\[[^\]]*\] +(\S+) - ([^:\n]{0,80})", log_text))
        result["agent_log"] = {"lines": log_text.count("\n"), "warn_error_kinds": {"%s - %s" % k: v for k, v in kinds.most_common(8)},
                               "stack_trace_lines": log_text.count("\n\tat ")}
        ok = (not partial and result["steady_clickhouse"]["lost_acked"] == 0 and result["steady_clickhouse"]["duplicates"] == 0
              and load.status.get(204, 0) == sum(load.status.values()) and stalled_stored == 0)
        result["verdict"] = "PASS" if ok else "FAIL"
        L.log("verdict:", result["verdict"])
    finally:
        for s in stalled:
            s.close()
        if load is not None:
            load.stopping.set()
        agent.stop()
        L.emit(a.json, result)
        L.ch_drop(chdb)
        L.cleanup(base)
    return 0 if result.get("verdict") == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
