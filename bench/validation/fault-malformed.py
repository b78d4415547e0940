#!/usr/bin/env python3
"""Fault: malformed events of every kind mixed with good ones.

NDJSON (POST /ingest) and line protocol (POST /write, /api/v2/write): bodies that mix good records,
each with a unique sequence number, with bad lines of every class (bad JSON, wrong types, missing
fields, huge lines, invalid UTF-8, impossible dates; every line-protocol error the parser knows).
Expected: answer 400 (partial write) naming each bad line by its number, every good record stored
(ClickHouse for telemetry, the archive for every kind), nothing of a bad line stored. Also whole-request
errors (body over the limit, bad gzip, bad precision, no db) and that the agent still serves after.

usage: fault-malformed.py [--json out.json]
"""

import argparse
import collections
import gzip
import http.client
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib_faults as L  # noqa: E402

T = "2025-12-10T12:00:00.5Z"


def tele(run, n, **over):
    r = {"run_id": run, "source": "s0", "type": "update", "frame": n, "time": T, "seq": n, "fields": {"v": n}}
    for k, v in over.items():
        if v is ...:
            r.pop(k)
        else:
            r[k] = v
    return json.dumps(r, separators=(",", ":")).encode()


def ndjson_cases(run):
    """(label, line bytes, expected): expected True = stored, False = rejected."""
    good = lambda s, **o: tele(run, s, **o)  # noqa: E731
    bad = 900000  # seqs of bad telemetry lines: never expected anywhere
    c = []
    # bad JSON
    c += [("json: truncated", b'{"run_id":"%s","source":' % run.encode(), False),
          ("json: trailing comma", good(bad + 1)[:-1] + b",}", False),
          ("json: single quotes", b"{'run_id':'x'}", False),
          ("json: array", b"[1,2,3]", False),
          ("json: null", b"null", False),
          ("json: bare text", b"hello world", False),
          ("json: two objects on a line", good(bad + 2) + good(bad + 3), False),
          ("json: unterminated string", b'{"run_id":"abc', False),
          ("json: NaN number", good(bad + 4).replace(b'"v":%d' % (bad + 4), b'"v":NaN'), False),
          ("json: control char in string", good(bad + 5).replace(b'"s0"', b'"s\x010"'), False)]
    # wrong types
    c += [("type: frame is a string", good(bad + 10, frame="12"), False),
          ("type: frame negative", good(bad + 11, frame=-1), False),
          ("type: frame fractional", good(bad + 12, frame=1.5), False),
          ("type: seq negative", good(bad + 13, seq=-5), False),
          ("type: type not update/event", good(bad + 14, type="insert"), False),
          ("type: fields nested object", good(bad + 15, fields={"a": {"b": 1}}), False),
          ("type: fields is an array", good(bad + 16, fields=[1, 2]), False),
          ("type: run_id empty", good(bad + 17, run_id=""), False),
          ("type: run_id a number", good(bad + 18, run_id=7), False),
          ("type: time a number", good(bad + 19, time=1765368000), False),
          ("type: source null", good(bad + 20, source=None), False),
          ("type: frame beyond 2^63", good(bad + 21).replace(b'"frame":%d' % (bad + 21), b'"frame":99999999999999999999999'), False)]
    # missing fields
    for k in ("source", "type", "frame", "time", "fields"):
        c.append(("missing: %s" % k, good(bad + 30 + len(c), **{k: ...}), False))
    c.append(("missing: neither telemetry nor log", b'{"hello":"world"}', False))
    # logs
    c += [("log: good", b'{"timestamp":"2025-12-10T12:00:01Z","level":"INFO","message":"ok %s","agent_id":"a1"}' % run.encode(), True),
          ("log: message not a string", b'{"timestamp":"2025-12-10T12:00:01Z","level":"INFO","message":5}', False),
          ("log: missing timestamp", b'{"level":"INFO","message":"x"}', False),
          ("log: impossible timestamp", b'{"timestamp":"2025-02-30T00:00:00Z","level":"INFO","message":"x"}', False)]
    # impossible dates
    for i, t in enumerate(["2025-02-30T00:00:00Z", "2025-13-01T00:00:00Z", "2025-12-10T25:00:00Z",
                           "2025-12-10T12:61:00Z", "2025-12-10T12:00:00", "2025-12-10", "not a date",
                           "2025-12-10T12:00:00.1234567891Z", "2025-12-10T12:00:00+25:00", "0000-00-00T00:00:00Z"]):
        c.append(("date: %s" % t, good(bad + 50 + i, time=t), False))
    for i, t in enumerate(["2024-02-29T00:00:00Z", "2025-12-10T12:00:00+05:30", "2025-12-10T12:00:00.123456789Z",
                           "2025-12-10t12:00:00z"]):
        c.append(("date ok: %s" % t, None, t))  # filled below with a good seq
    # invalid UTF-8
    for i, b in enumerate([b"\xff", b"\xc3", b"\xc0\xaf", b"\xed\xa0\x80", b"\x80abc"]):
        c.append(("utf8: %r" % b, good(bad + 70 + i).replace(b'"s0"', b'"s' + b + b'"'), False))
    c.append(("utf8 ok: multi-byte", None, "\u00e9\u6f22\U0001F600"))
    # huge lines
    c.append(("huge: 2 MB good line", None, "huge"))
    c.append(("huge: 2 MB garbage line", b"x" * (2 << 20), False))
    c.append(("huge: 2 MB unterminated JSON", b'{"run_id":"' + b"y" * (2 << 20), False))
    # blank and whitespace lines are skipped, not errors
    c.append(("blank line", b"", None))
    c.append(("spaces only", b"   \t ", None))
    return c


def build_ndjson(run, start_seq, goods_between=3):
    """Interleaves good lines between the cases. Returns body, expected {line: label}, good seqs."""
    lines, bad_lines, good_seqs, other_good = [], {}, [], []
    seq = start_seq
    for label, body, expected in ndjson_cases(run):
        for _ in range(goods_between):
            lines.append(tele(run, seq))
            good_seqs.append(seq)
            seq += 1
        if body is None and expected not in (None, True, False):
            if expected == "huge":
                body = tele(run, seq, fields={"v": seq, "blob": "z" * (2 << 20)})
            elif label.startswith("utf8 ok"):
                body = tele(run, seq, source="s-" + expected)
            else:
                body = tele(run, seq, time=expected)
            good_seqs.append(seq)
            seq += 1
            expected = True
        lines.append(body)
        if expected is False:
            bad_lines[len(lines)] = label
        elif expected is True and label.startswith("log"):
            other_good.append(len(lines))
    lines.append(tele(run, seq))
    good_seqs.append(seq)
    return b"\n".join(lines) + b"\n", bad_lines, good_seqs, len(other_good)


LP_BAD = [
    ("missing measurement", b",t=1 f=1"),
    ("missing tag key", b"m,=v f=1"),
    ("missing tag value", b"m,t= f=1"),
    ("tag without =", b"m,t f=1"),
    ("unescaped = in tag value", b"m,t=a=b f=1"),
    ("missing fields", b"m"),
    ("missing fields after tags", b"m,t=1"),
    ("missing field key", b"m =1"),
    ("missing field value", b"m f="),
    ("text after timestamp", b"m f=1 123 456"),
    ("unterminated string", b'm f="abc'),
    ("invalid integer", b"m f=1.5i"),
    ("integer out of range", b"m f=9223372036854775808i"),
    ("invalid unsigned", b"m f=-1u"),
    ("unsigned out of range", b"m f=18446744073709551616u"),
    ("invalid field value", b"m f=abc"),
    ("invalid float", b"m f=1e"),
    ("float out of range", b"m f=1e400"),
    ("NaN", b"m f=NaN"),
    ("Inf", b"m f=Inf"),
    ("invalid timestamp", b"m f=1 12a"),
    ("timestamp out of range", b"m f=1 99999999999999999999"),
    ("invalid UTF-8 in measurement", b"m\xff f=1"),
    ("invalid UTF-8 in tag", b"m,t=\xc3 f=1"),
    ("invalid UTF-8 in string", b'm f="\xed\xa0\x80"'),
    ("huge garbage line (2 MB)", b"m " + b"x" * (2 << 20)),
]


def build_lp(run, start_seq):
    lines, bad_lines, good_seqs = [], {}, []
    seq = start_seq
    for label, body in LP_BAD:
        for _ in range(2):
            lines.append(b"good,run=%s seq=%di,v=1.5,s=\"ok\" %d" % (run.encode(), seq, 1765368000000000000 + seq))
            good_seqs.append(seq)
            seq += 1
        lines.append(body)
        bad_lines[len(lines)] = label
    lines.append(b"# a comment")
    lines.append(b"")
    lines.append(b"good,run=%s seq=%di,big=18446744073709551615u,t=true 1765368000000000000" % (run.encode(), seq))
    good_seqs.append(seq)
    return b"\n".join(lines) + b"\n", bad_lines, good_seqs


def post(port, path, body, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    h = {"Content-Type": "application/x-ndjson"}
    h.update(headers or {})
    try:
        c.request("POST", path, body=body, headers=h)
        r = c.getresponse()
        text = r.read().decode("utf-8", "replace")
        return r.status, text
    except (OSError, http.client.HTTPException) as e:
        return type(e).__name__, ""
    finally:
        c.close()


def check_partial(name, status, text, bad_lines, goods, other_good=0):
    out = {"status": status, "bad_lines": len(bad_lines), "good_records": len(goods) + other_good}
    try:
        j = json.loads(text)
    except ValueError:
        out["body"] = text[:200]
        L.log(name, out)
        return out, {}
    listed = {e["line"]: e["reason"] for e in j.get("lines", [])}
    out.update(accepted=j.get("accepted"), rejected=j.get("rejected"), listed=len(listed))
    out["missing_line_numbers"] = sorted(set(bad_lines) - set(listed))
    out["unexpected_line_numbers"] = sorted(set(listed) - set(bad_lines))
    out["ok"] = (status == 400 and j.get("accepted") == len(goods) + other_good and j.get("rejected") == len(bad_lines)
                 and not out["missing_line_numbers"] and not out["unexpected_line_numbers"])
    L.log(name, {k: v for k, v in out.items()})
    return out, listed


def archive_lines(root):
    for dirpath, _, files in os.walk(root):
        for f in files:
            if f.endswith(".json.gz"):
                with gzip.open(os.path.join(dirpath, f), "rb") as g:
                    for line in g:
                        yield line


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--json")
    a = ap.parse_args()
    t = L.tag()
    name = "vf-malformed-" + t
    base = L.work_dir(name)
    chdb = "vf_malformed_" + t
    run = "malformed-" + t
    L.ch_create(chdb)
    agent = L.Agent(name, base, props={
        "nervesys.clickhouse.url": L.CH_URL, "nervesys.clickhouse.database": chdb,
        "nervesys.archive.interval": "2s", "nervesys.ingest.maxBodyBytes": str(8 << 20)})
    result = {"scenario": "malformed"}
    try:
        result["start_s"] = round(agent.start(), 1)
        port = agent.ingest_port
        # NDJSON, plain and gzip
        body, bad, goods, logs = build_ndjson(run, 0)
        st, text = post(port, "/ingest", body)
        result["ndjson"], listed = check_partial("ndjson", st, text, bad, goods, logs)
        result["ndjson_reasons"] = {bad[n]: listed.get(n) for n in sorted(bad)}
        body2, bad2, goods2, logs2 = build_ndjson(run, 100000)
        st, text = post(port, "/ingest", gzip.compress(body2), {"Content-Encoding": "gzip"})
        result["ndjson_gzip"], _ = check_partial("ndjson gzip", st, text, bad2, goods2, logs2)
        # line protocol v1 and v2
        lp, lbad, lgoods = build_lp(run, 0)
        st, text = post(port, "/write?db=vf&precision=ns", lp, {"Content-Type": "text/plain"})
        result["lp_v1"], llisted = check_partial("lp v1", st, text, lbad, lgoods)
        result["lp_reasons"] = {lbad[n]: llisted.get(n) for n in sorted(lbad)}
        lp2, lbad2, lgoods2 = build_lp(run, 100000)
        st, text = post(port, "/api/v2/write?org=o&bucket=b&precision=ns", gzip.compress(lp2),
                        {"Content-Type": "text/plain", "Content-Encoding": "gzip"})
        result["lp_v2"], _ = check_partial("lp v2", st, text, lbad2, lgoods2)
        # whole-request errors: nothing of these bodies may be stored
        whole = {}
        canary = lambda s: tele(run, s)  # noqa: E731
        whole["body over maxBodyBytes"] = post(port, "/ingest", canary(800001) + b"\n" + b"x" * (9 << 20))
        whole["gzip over maxBodyBytes once decoded"] = post(port, "/ingest", gzip.compress(canary(800002) + b"\n" + b" " * (9 << 20)),
                                                           {"Content-Encoding": "gzip"})
        whole["invalid gzip"] = post(port, "/ingest", b"\x1f\x8b\x08\x00garbage", {"Content-Encoding": "gzip"})
        whole["truncated gzip"] = post(port, "/ingest", gzip.compress(canary(800003) + b"\n")[:-6], {"Content-Encoding": "gzip"})
        whole["unknown encoding"] = post(port, "/ingest", canary(800004), {"Content-Encoding": "br"})
        whole["v1 without db"] = post(port, "/write", b"good,run=%s seq=800005i" % run.encode(), {"Content-Type": "text/plain"})
        whole["v1 bad precision"] = post(port, "/write?db=x&precision=d", b"good,run=%s seq=800006i" % run.encode(), {"Content-Type": "text/plain"})
        whole["v2 without bucket"] = post(port, "/api/v2/write?org=o", b"good,run=%s seq=800007i" % run.encode(), {"Content-Type": "text/plain"})
        whole["only bad lines"] = post(port, "/ingest", b"nope\n{}\n")
        result["whole_request"] = {k: {"status": v[0], "body": v[1][:160]} for k, v in whole.items()}
        for k, v in result["whole_request"].items():
            L.log("  %-40s %s %s" % (k, v["status"], v["body"]))
        # the agent still serves
        st, _ = post(port, "/ingest", tele(run, 700000) + b"\n")
        result["still_serving"] = st
        result["empty_body"] = post(port, "/ingest", b"")[0]
        goods_all = set(goods) | set(goods2) | {700000}
        drained = agent.wait_drained(["archive", "clickhouse"], 300, every=1)
        result["drained_s"] = drained
        # what is stored: ClickHouse (telemetry) and the archive (every kind)
        stored = L.ch_seqs(chdb, run)
        result["clickhouse"] = {"rows": sum(stored.values()), "distinct": len(stored),
                                "missing_good": len(goods_all - set(stored)),
                                "bad_or_whole_request_stored": sorted(s for s in stored if s not in goods_all)[:20],
                                "duplicates": sum(n - 1 for n in stored.values())}
        L.log("clickhouse", result["clickhouse"])
        arch_tele, arch_points, arch_logs = collections.Counter(), collections.Counter(), 0
        needle = b'"run_id":"%s"' % run.encode()
        for line in archive_lines(os.path.join(agent.data, "archive")):
            if needle in line:
                arch_tele[int(re.search(rb'"seq":(\d+)', line).group(1))] += 1
            elif b'"measurement":"good"' in line and (b'"run":"%s"' % run.encode()) in line:
                arch_points[(b'"bucket"' in line, int(re.search(rb'"seq":(\d+)', line).group(1)))] += 1
            elif b"ok %s" % run.encode() in line:
                arch_logs += 1
            elif b'"measurement":"m"' in line or b"hello" in line:
                arch_points[("bad", line[:60])] += 1
        lp_expected = {(False, s) for s in lgoods} | {(True, s) for s in lgoods2}
        result["archive"] = {
            "telemetry": sum(arch_tele.values()), "telemetry_missing_good": len(goods_all - set(arch_tele)),
            "telemetry_not_good": len(set(arch_tele) - goods_all),
            "telemetry_duplicates": sum(n - 1 for n in arch_tele.values()),
            "points": sum(arch_points.values()), "points_missing_good": len(lp_expected - set(arch_points)),
            "points_not_good": len(set(arch_points) - lp_expected), "logs": arch_logs}
        L.log("archive", result["archive"])
        m = agent.metrics()
        result["metrics"] = {k: v for k, v in m.items() if k.startswith("nervesys_ingest_")}
        ok = (all(result[k].get("ok") for k in ("ndjson", "ndjson_gzip", "lp_v1", "lp_v2"))
              and result["clickhouse"]["missing_good"] == 0 and not result["clickhouse"]["bad_or_whole_request_stored"]
              and result["archive"]["telemetry_missing_good"] == 0 and result["archive"]["telemetry_not_good"] == 0
              and result["archive"]["points_missing_good"] == 0 and result["archive"]["points_not_good"] == 0
              and result["archive"]["logs"] == 2 and result["still_serving"] == 204
              and all(isinstance(v["status"], int) and 400 <= v["status"] < 500 for v in result["whole_request"].values()))
        result["verdict"] = "PASS" if ok else "FAIL"
        L.log("verdict:", result["verdict"])
    finally:
        agent.stop()
        L.emit(a.json, result)
        L.ch_drop(chdb)
        L.cleanup(base)
    return 0 if result.get("verdict") == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
