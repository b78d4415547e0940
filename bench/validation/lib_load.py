#!/usr/bin/env python3
"""Helpers of the load and degradation scenarios (standard library only; plots need matplotlib).

  lib_load.py sample   --pid P --mgmt URL [--ch URL --db DB] [--every 10] --out CSV [--until-file F]
  lib_load.py load     --url URL --profile SECONDS:RATE[,SECONDS:RATE...] [--runs N] [--run-prefix P]
                       [--batch B] [--workers W] [--retry] [--token T] [--out PREFIX]
  lib_load.py proxy    --listen PORT --target HOST:PORT --bytes-per-s N [--delay-ms D] [--rate-file F]
  lib_load.py ws       --port P --clients N --run R [--seconds S] [--stall | --read-bytes-per-s B] [--rate R]
                       [--procs P] [--out JSON]
  lib_load.py plot     CSV OUT.png --title T --cols col[:label],... [--mark t1,t2]
  lib_load.py archive  DIR                  (count archived records per run, and duplicates)

Every figure a scenario prints comes from here or from the agent's own metrics/console.
"""
import argparse, base64, gzip, http.client, json, multiprocessing as mp, os, queue, random, re, selectors
import signal, socket, struct, sys, threading, time, urllib.parse, urllib.request
from collections import Counter, defaultdict


# ---------------------------------------------------------------------------------------------
# Prometheus metrics and the agent's console
# ---------------------------------------------------------------------------------------------

def metrics(mgmt):
    """/observe/metrics as {'name{labels}': value}."""
    out = {}
    with urllib.request.urlopen(mgmt + "/observe/metrics", timeout=10) as r:
        for line in r.read().decode().splitlines():
            if not line or line[0] == "#":
                continue
            key, _, val = line.rpartition(" ")
            try:
                out[key] = float(val)
            except ValueError:
                pass
    return out


def msum(m, name, *labels):
    """Sum of samples of metric `name` whose labels contain every string in `labels`."""
    s = 0.0
    for k, v in m.items():
        if k == name or k.startswith(name + "{"):
            if all(l in k for l in labels):
                s += v
    return s


def console(mgmt):
    req = urllib.request.Request(mgmt + "/q/dev/nervesys", headers={"Accept": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def find(obj, key):
    """First value of `key` anywhere in a nested JSON object (depth first)."""
    if isinstance(obj, dict):
        if key in obj:
            return obj[key]
        for v in obj.values():
            r = find(v, key)
            if r is not None:
                return r
    elif isinstance(obj, list):
        for v in obj:
            r = find(v, key)
            if r is not None:
                return r
    return None


def ch_query(ch, sql):
    req = urllib.request.Request(ch + "/", data=sql.encode(), method="POST")
    with urllib.request.urlopen(req, timeout=60) as r:
        return r.read().decode().strip()


def proc_status(pid):
    rss = threads = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) * 1024
            elif line.startswith("Threads:"):
                threads = int(line.split()[1])
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    cpu = (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")
    return rss, threads, cpu


# ---------------------------------------------------------------------------------------------
# sample: one CSV row every N seconds
# ---------------------------------------------------------------------------------------------

COLUMNS = ["t", "utc", "rss_mb", "heap_used_mb", "threads", "cpu_s", "cpu_pct", "load1",
           "buffer_disk_mb", "buffer_records", "ch_pending", "archive_pending", "archive_pending_mb",
           "archive_lag_s", "ch_lag_s", "accepted_total", "accepted_per_s", "req_2xx", "req_429", "req_503",
           "buffer_full_records", "archives", "ch_shipped", "live_dropped_ingest", "live_dropped_frames",
           "live_evicted_records", "live_records", "dropped_records", "gc_s", "gc_pct",
           "epoch", "live_queued_records", "live_parsed_records", "live_clients", "live_sent_frames",
           "live_hub_cpu_s", "live_hub_cpu_pct", "direct_mb"]


def thread_cpu(pid, prefix, cache={}):
    """CPU seconds of the agent's thread whose name starts with `prefix` (e.g. the live view's worker)."""
    tid = cache.get((pid, prefix))
    if tid is None:
        for t in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{t}/comm") as f:
                    if f.read().strip().startswith(prefix[:15]):
                        tid = cache[(pid, prefix)] = t
                        break
            except OSError:
                pass
    if tid is None:
        return None
    try:
        with open(f"/proc/{pid}/task/{tid}/stat") as f:
            parts = f.read().rsplit(")", 1)[1].split()
    except OSError:
        cache.pop((pid, prefix), None)
        return None
    return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")


def sample(a):
    out = open(a.out, "a", buffering=1)
    if os.path.getsize(a.out) == 0:
        out.write(",".join(COLUMNS) + "\n")
    t0 = time.time()
    prev = None
    while True:
        if a.until_file and os.path.exists(a.until_file):
            break
        start = time.time()
        try:
            rss, threads, cpu = proc_status(a.pid)
        except FileNotFoundError:
            print("agent process gone", file=sys.stderr)
            break
        row = {"t": round(start - t0, 1), "utc": time.strftime("%H:%M:%S", time.gmtime(start)),
               "rss_mb": round(rss / 2**20, 1), "threads": threads, "cpu_s": round(cpu, 1),
               "load1": os.getloadavg()[0], "epoch": round(start, 1)}
        hub = thread_cpu(a.pid, "nervesys-live-hub")
        if hub is not None:
            row["live_hub_cpu_s"] = round(hub, 2)
        try:
            m = metrics(a.mgmt)
            row["heap_used_mb"] = round(msum(m, "jvm_memory_used_bytes", 'area="heap"') / 2**20, 1)
            row["buffer_disk_mb"] = round(msum(m, "nervesys_buffer_disk_bytes") / 2**20, 2)
            row["buffer_records"] = int(msum(m, "nervesys_buffer_records"))
            row["ch_pending"] = int(msum(m, "nervesys_buffer_pending_records", 'consumer="clickhouse"'))
            row["archive_pending"] = int(msum(m, "nervesys_buffer_pending_records", 'consumer="archive"'))
            row["archive_pending_mb"] = round(msum(m, "nervesys_archive_pending_bytes") / 2**20, 2)
            row["archive_lag_s"] = int(msum(m, "nervesys_archive_lag_seconds"))
            row["accepted_total"] = int(msum(m, "nervesys_ingest_records_total", 'result="accepted"'))
            row["buffer_full_records"] = int(msum(m, "nervesys_ingest_records_total", 'result="buffer_full"'))
            row["req_2xx"] = int(sum(v for k, v in m.items() if k.startswith("nervesys_ingest_requests_total")
                                     and re.search(r'status="2\d\d"', k)))
            row["req_429"] = int(msum(m, "nervesys_ingest_requests_total", 'status="429"'))
            row["req_503"] = int(msum(m, "nervesys_ingest_requests_total", 'status="503"'))
            row["archives"] = int(msum(m, "nervesys_archive_uploads_total"))
            row["dropped_records"] = int(msum(m, "nervesys_buffer_dropped_records_total"))
            row["live_sent_frames"] = int(msum(m, "nervesys_live_frames_sent_total"))
            row["direct_mb"] = round(msum(m, "jvm_buffer_memory_used_bytes", 'id="direct"') / 2**20, 1)
        except Exception as e:  # the agent may be busy: a gap in the CSV, not a dead sampler
            print(f"metrics: {e}", file=sys.stderr)
        try:
            c = console(a.mgmt).get("nervesys", {})
            ch = c.get("clickhouse", {})
            live = c.get("live", {})
            row["ch_shipped"] = ch.get("shippedRecords")
            row["live_dropped_ingest"] = live.get("droppedIngestRecords")
            row["live_dropped_frames"] = live.get("droppedFrames")
            row["live_evicted_records"] = live.get("evictedRecords")
            row["live_records"] = live.get("records")
            row["live_queued_records"] = live.get("queuedRecords")
            row["live_parsed_records"] = live.get("parsedRecords")
            row["live_clients"] = live.get("clients")
        except Exception as e:
            print(f"console: {e}", file=sys.stderr)
        try:  # total GC time of all collectors, through Jolokia
            with urllib.request.urlopen(a.mgmt + "/observe/jolokia/read/java.lang:type=GarbageCollector,name=*/CollectionTime",
                                        timeout=10) as r:
                v = json.loads(r.read()).get("value", {})
            row["gc_s"] = round(sum(x.get("CollectionTime", 0) for x in v.values()) / 1000, 2)
            row["_gc_at"] = time.time()
        except Exception as e:
            print(f"jolokia: {e}", file=sys.stderr)
        if a.ch and a.db:
            try:  # end-to-end lag: now - newest receive time stored in ClickHouse
                v = ch_query(a.ch, f"SELECT toUnixTimestamp(now()) - toUnixTimestamp(max(received_at)), count() "
                                   f"FROM {a.db}.events FORMAT TSV")
                lag, n = v.split("\t")
                row["ch_lag_s"] = int(lag) if int(n) > 0 else ""
            except Exception as e:
                row["ch_lag_s"] = ""
        if prev is not None:
            dt = start - prev[0]
            if "accepted_total" in row and "accepted_total" in prev[1]:
                row["accepted_per_s"] = round((row["accepted_total"] - prev[1]["accepted_total"]) / dt)
            row["cpu_pct"] = round(100 * (cpu - prev[1]["cpu_s"]) / dt, 1)
            if "live_hub_cpu_s" in row and "live_hub_cpu_s" in prev[1]:
                row["live_hub_cpu_pct"] = round(100 * (row["live_hub_cpu_s"] - prev[1]["live_hub_cpu_s"]) / dt, 1)
            if "gc_s" in row and "gc_s" in prev[1]:  # over the time between the two Jolokia reads
                row["gc_pct"] = round(100 * (row["gc_s"] - prev[1]["gc_s"]) / max(0.1, row["_gc_at"] - prev[1]["_gc_at"]), 1)
        prev = (start, row)
        out.write(",".join(str(row.get(c, "")) for c in COLUMNS) + "\n")
        time.sleep(max(0.0, a.every - (time.time() - start)))


# ---------------------------------------------------------------------------------------------
# load: NDJSON telemetry with a rate profile, counting exactly what was acknowledged
# ---------------------------------------------------------------------------------------------

def _iso_prefix(sec, cache={}):
    p = cache.get(sec)
    if p is None:
        if len(cache) > 100000:
            cache.clear()
        p = cache[sec] = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec))
    return p


def _worker(wid, a, phases, runs, res_q, start_at):
    """One process: its own keep-alive connection, its own sources s<wid>-<k>, paced per phase."""
    u = urllib.parse.urlsplit(a.url)
    path = u.path + ("?" + u.query if u.query else "")
    headers = {"Content-Type": "application/x-ndjson"}
    if a.token:
        headers["Authorization"] = "Token " + a.token
    conn = None
    frames = defaultdict(int)  # (run, source) -> next frame
    rng = random.Random(wid)
    acked = Counter()          # run -> records acknowledged 2xx
    refused = Counter()        # run -> records finally not acknowledged
    per_sec = defaultdict(lambda: {"sent": 0, "acked": 0, "status": Counter(), "lat": [], "retry_after": set()})
    base_ns = int(time.time()) * 10**9
    sources = [f"w{wid}s{k}" for k in range(4)]

    def body(n):
        nonlocal spacing_ns
        run = runs[rng.randrange(len(runs))] if len(runs) > 1 else runs[0]
        lines = []
        now_ns = time.time_ns()
        for i in range(n):
            src = sources[i & 3]
            f = frames[(run, src)]
            frames[(run, src)] = f + 1
            # --wall-time: records spread evenly over the interval the body covers at this worker's rate,
            # the last one made now (a WebSocket client measures its delay by it); else 1 ms of
            # simulated time per frame from the start
            ns = now_ns - (n - 1 - i) * spacing_ns if a.wall_time else base_ns + f * 1_000_000
            lines.append(f'{{"run_id":"{run}","source":"{src}","type":"update","frame":{f},'
                         f'"time":"{_iso_prefix(ns // 10**9)}.{ns % 10**9:09d}Z","seq":{f},'
                         f'"fields":{{"rpm":{2400 + rng.random() * 800:.1f},"temp":{80 + rng.random() * 20:.2f},'
                         f'"load":{rng.randrange(100)},"ok":true}}}}')
        return run, ("\n".join(lines) + "\n").encode()

    def post(data):
        nonlocal conn
        for attempt in range(2):
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
                conn.request("POST", path, body=data, headers=headers)
                r = conn.getresponse()
                r.read()
                return r.status, r.getheader("Retry-After")
            except (OSError, http.client.HTTPException) as e:
                conn = None
                if attempt == 1:
                    return -1, None

    while time.time() < start_at:
        time.sleep(0.01)
    t_phase = start_at
    spacing_ns = 0
    for seconds, rate in phases:
        my_rate = rate / a.workers
        spacing_ns = int(1e9 / my_rate) if my_rate > 0 else 0
        n_batches = int(round(seconds * my_rate / a.batch))
        prebuilt = [body(a.batch) for _ in range(n_batches)] if a.prebuild else None
        interval = a.batch / my_rate if my_rate > 0 else 0
        for i in range(n_batches):
            if a.until_file and os.path.exists(a.until_file) or a.deadline and time.time() - start_at > a.deadline:
                break
            due = t_phase + i * interval
            now = time.time()
            if due > now:
                time.sleep(due - now)
            run, data = prebuilt[i] if prebuilt else body(a.batch)
            while True:
                t = time.time()
                status, ra = post(data)
                lat = time.time() - t
                s = per_sec[int(t - start_at)]
                s["sent"] += a.batch
                s["status"][status] += 1
                s["lat"].append(lat)
                if ra:
                    s["retry_after"].add(ra)
                if 200 <= status < 300:
                    acked[run] += a.batch
                    s["acked"] += a.batch
                    break
                if status in (429, 503) and a.retry and not (a.deadline and time.time() - start_at > a.deadline):
                    time.sleep(min(float(ra or 1), 30))
                    continue
                refused[run] += a.batch
                break
        t_phase += seconds
    res_q.put((wid, dict(acked), dict(refused),
               {k: {"sent": v["sent"], "acked": v["acked"], "status": dict(v["status"]), "lat": v["lat"],
                    "retry_after": sorted(v["retry_after"])} for k, v in per_sec.items()}))


def _stop_children_on_term(procs):
    """A SIGTERM to this process (a script's cleanup) also ends its worker processes."""
    def stop(*_):
        for p in procs:
            p.terminate()
        sys.exit(143)
    signal.signal(signal.SIGTERM, stop)


def pct(xs, p):
    if not xs:
        return 0.0
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p / 100 * len(xs)))]


def load(a):
    phases = [(float(s), float(r)) for s, r in (x.split(":") for x in a.profile.split(","))]
    runs = [f"{a.run_prefix}{i + 1:02d}" for i in range(a.runs)] if a.runs > 1 else [a.run_prefix]
    res_q = mp.Queue()
    # prebuilt bodies take a while to make: start when every worker is ready (and say when)
    start_at = time.time() + (a.start_delay if a.start_delay is not None else (3 + 0.00002 * sum(s * r for s, r in phases) / a.workers if a.prebuild else 1))
    procs = [mp.Process(target=_worker, args=(w, a, phases, runs, res_q, start_at)) for w in range(a.workers)]
    for p in procs:
        p.start()
    _stop_children_on_term(procs)
    print(f"load: start at {time.strftime('%H:%M:%S', time.gmtime(start_at))} UTC, profile {a.profile}, "
          f"runs {len(runs)}, batch {a.batch}, workers {a.workers}, retry {a.retry}", file=sys.stderr, flush=True)
    results = [res_q.get() for _ in procs]
    for p in procs:
        p.join()
    acked, refused = Counter(), Counter()
    secs = defaultdict(lambda: {"sent": 0, "acked": 0, "status": Counter(), "lat": [], "retry_after": set()})
    for _, ac, rf, ps in results:
        acked.update(ac)
        refused.update(rf)
        for k, v in ps.items():
            s = secs[int(k)]
            s["sent"] += v["sent"]; s["acked"] += v["acked"]; s["status"].update(v["status"])
            s["lat"] += v["lat"]; s["retry_after"].update(v["retry_after"])
    all_lat = [l for s in secs.values() for l in s["lat"]]
    status = Counter()
    for s in secs.values():
        status.update(s["status"])
    summary = {"profile": a.profile, "start_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start_at)),
               "start_epoch": round(start_at, 3),
               "acked_records": sum(acked.values()), "refused_records": sum(refused.values()),
               "acked_per_run": dict(sorted(acked.items())), "refused_per_run": dict(sorted(refused.items())),
               "requests_by_status": {str(k): v for k, v in sorted(status.items())},
               "retry_after_values": sorted({r for s in secs.values() for r in s["retry_after"]}),
               "latency_ms": {"p50": round(1000 * pct(all_lat, 50), 1), "p99": round(1000 * pct(all_lat, 99), 1),
                              "max": round(1000 * max(all_lat, default=0), 1)}}
    if a.out:
        with open(a.out + "-seconds.csv", "w") as f:
            f.write("t,sent_records,acked_records,req_2xx,req_429,req_503,req_other,lat_p50_ms,lat_p99_ms,lat_max_ms,retry_after\n")
            for k in sorted(secs):
                s = secs[k]; st = s["status"]
                ok = sum(v for c, v in st.items() if 200 <= c < 300)
                f.write(f"{k},{s['sent']},{s['acked']},{ok},{st.get(429, 0)},{st.get(503, 0)},"
                        f"{sum(st.values()) - ok - st.get(429, 0) - st.get(503, 0)},"
                        f"{1000 * pct(s['lat'], 50):.1f},{1000 * pct(s['lat'], 99):.1f},{1000 * max(s['lat'], default=0):.1f},"
                        f"{'|'.join(sorted(s['retry_after']))}\n")
        with open(a.out + "-summary.json", "w") as f:
            json.dump(summary, f, indent=1)
    print(json.dumps({k: v for k, v in summary.items() if k not in ("acked_per_run", "refused_per_run")}))


# ---------------------------------------------------------------------------------------------
# proxy: a throttling TCP proxy (a slow ClickHouse without touching the shared one)
# ---------------------------------------------------------------------------------------------

class Bucket:
    """Bytes per second shared by every connection; the rate can change at run time (0 = unlimited)."""
    def __init__(self, rate):
        self.rate, self.lock, self.next = rate, threading.Lock(), time.time()

    def take(self, n):
        rate = self.rate
        if rate <= 0:
            return
        with self.lock:
            now = time.time()
            start = max(self.next, now)
            self.next = start + n / rate
        if start > now:
            time.sleep(start - now)


def proxy(a):
    host, port = a.target.rsplit(":", 1)
    up = Bucket(a.bytes_per_s)   # shared by all connections: ClickHouse as a whole is slow
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", a.listen))
    srv.listen(64)
    stats = Counter()

    def pipe(src, dst, throttle, key):
        try:
            while True:
                data = src.recv(16384)
                if not data:
                    break
                if throttle:
                    up.take(len(data))
                stats[key] += len(data)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def handle(c):
        if a.delay_ms:
            time.sleep(a.delay_ms / 1000)
        try:
            s = socket.create_connection((host, int(port)))
        except OSError:
            c.close()
            return
        threading.Thread(target=pipe, args=(c, s, True, "up"), daemon=True).start()
        threading.Thread(target=pipe, args=(s, c, False, "down"), daemon=True).start()

    def watch_rate():  # --rate-file: a number of bytes/s written there applies within a second
        last = None
        while True:
            try:
                v = float(open(a.rate_file).read().strip())
                if v != last:
                    up.rate = v
                    print(f"{time.strftime('%H:%M:%S')} proxy rate {v:,.0f} bytes/s (0 = unlimited)", file=sys.stderr, flush=True)
                    last = v
            except (OSError, ValueError):
                pass
            time.sleep(0.5)

    if a.rate_file:
        threading.Thread(target=watch_rate, daemon=True).start()
    print(f"proxy 127.0.0.1:{a.listen} -> {a.target} at {a.bytes_per_s:,.0f} bytes/s", file=sys.stderr, flush=True)
    while True:
        c, _ = srv.accept()
        threading.Thread(target=handle, args=(c,), daemon=True).start()


# ---------------------------------------------------------------------------------------------
# ws: raw WebSocket clients of the live view (nervesys.live.v1), many per process
# ---------------------------------------------------------------------------------------------

def ws_connect(port, proto="nervesys.live.v1"):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: {proto}\r\n\r\n").encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = s.recv(4096)
        if not d:
            raise OSError("closed during handshake")
        buf += d
    head, _, rest = buf.partition(b"\r\n\r\n")
    if b" 101 " not in head.split(b"\r\n")[0]:
        raise OSError("handshake refused: " + head.split(b"\r\n")[0].decode())
    return s, rest


def ws_send(s, text):
    data = text.encode()
    mask = os.urandom(4)
    n = len(data)
    hdr = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack(">H", n))
    s.sendall(hdr + mask + bytes(b ^ mask[i & 3] for i, b in enumerate(data)))


def ws_frames(buf):
    """Complete frames at the start of buf: ([(opcode, payload)], rest)."""
    out = []
    while len(buf) >= 2:
        op, ln = buf[0] & 0x0F, buf[1] & 0x7F
        i = 2
        if ln == 126:
            if len(buf) < 4:
                break
            ln = struct.unpack(">H", buf[2:4])[0]; i = 4
        elif ln == 127:
            if len(buf) < 10:
                break
            ln = struct.unpack(">Q", buf[2:10])[0]; i = 10
        if len(buf) < i + ln:
            break
        out.append((op, buf[i:i + ln]))
        buf = buf[i + ln:]
    return out, buf


def _ws_part(a, first, n, res_q):
    """Clients first..first+n-1 of `ws`, in one process: connect, subscribe, read (or not) for S seconds."""
    sel = selectors.DefaultSelector()
    clients = []
    t0 = time.time()
    errors = Counter()
    for i in range(first, first + n):
        try:
            s, rest = ws_connect(a.port)
        except OSError as e:
            errors[str(e)[:80]] += 1
            continue
        if a.recv_buf:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, a.recv_buf)
        ws_send(s, json.dumps({"op": "subscribe", "id": "a", "run": a.run, "series": ["*"], "rate": a.rate, "tail": 100}))
        s.setblocking(False)
        c = {"i": i, "s": s, "buf": rest, "msgs": 0, "live_msgs": 0, "bytes": 0, "points": 0, "dropped": 0,
             "first": None, "last": None, "lat": [], "allowance": 0.0}
        clients.append(c)
        sel.register(s, selectors.EVENT_READ, c)
    connect_s = time.time() - t0

    def read(c, limit):
        try:
            d = c["s"].recv(limit)
        except BlockingIOError:
            return True
        except OSError:
            d = b""
        if not d:
            sel.unregister(c["s"]); c["closed"] = True
            return False
        now = time.time()
        c["bytes"] += len(d)
        frames, c["buf"] = ws_frames(c["buf"] + d)
        for op, payload in frames:
            if op != 1:
                continue
            c["msgs"] += 1
            c["first"] = c["first"] or now
            c["last"] = now
            try:
                m = json.loads(payload)
            except ValueError:
                continue
            if m.get("type") != "data":
                continue
            c["dropped"] = max(c["dropped"], m.get("dropped", 0))
            newest = None
            for v in (m.get("series") or {}).values():
                c["points"] += len(v.get("v", []))
                if v.get("t"):
                    newest = max(newest or 0, max(v["t"]))
            if not m.get("tail"):
                c["live_msgs"] += 1
                if newest:  # delay of the newest point: record made (load --wall-time) -> frame read here
                    c["lat"].append(now * 1000 - newest)
        return True

    # --stall: never read for S seconds; --read-bytes-per-s: read at most that much (a slow client)
    end = time.time() + a.seconds
    last = time.time()
    while time.time() < end:
        if a.stall:
            time.sleep(0.5)
            continue
        now = time.time()
        for c in clients:
            c["allowance"] = min(c["allowance"] + (now - last) * a.read_bytes_per_s, max(a.read_bytes_per_s, 16384))
        last = now
        for key, _ in sel.select(timeout=0.5 if not a.read_bytes_per_s else 0.05):
            c = key.data
            if a.read_bytes_per_s:
                if c["allowance"] < 1024:
                    continue
                lim = int(c["allowance"]); c["allowance"] = 0.0
            else:
                lim = 1 << 20
            read(c, lim)
        if a.read_bytes_per_s:
            time.sleep(0.05)
    stall_msgs = sum(c["msgs"] for c in clients)
    if a.stall:  # then read what the kernel and the agent hold for it, to show what such a client gets
        for c in clients:
            c["lat"] = []
        drain_end = time.time() + 3
        while time.time() < drain_end:
            for key, _ in sel.select(timeout=0.2):
                read(key.data, 1 << 20)
    res_q.put({"clients": [{k: c[k] for k in ("msgs", "live_msgs", "bytes", "points", "dropped", "lat")}
                           | {"closed": bool(c.get("closed"))} for c in clients],
               "errors": dict(errors), "connect_seconds": connect_s, "stall_msgs": stall_msgs})
    for c in clients:
        try:
            c["s"].close()
        except OSError:
            pass


def ws(a):
    """N clients subscribe to run R and read for S seconds (in --procs processes), or never read
    (--stall, then read what arrived), or read slowly (--read-bytes-per-s). Prints the figures: points and
    messages per client, the agent's in-band count of frames dropped for the client, and the delay of
    the newest point of each live message (meaningful when the load sends --wall-time records)."""
    res_q = mp.Queue()
    procs, first = [], 0
    for k in range(a.procs):
        n = a.clients // a.procs + (1 if k < a.clients % a.procs else 0)
        procs.append(mp.Process(target=_ws_part, args=(a, first, n, res_q)))
        first += n
    for p in procs:
        p.start()
    _stop_children_on_term(procs)
    parts = [res_q.get() for _ in procs]
    for p in procs:
        p.join()
    clients = [c for part in parts for c in part["clients"]]
    errors = Counter()
    for part in parts:
        errors.update(part["errors"])
    res = {"clients": len(clients), "connect_errors": dict(errors),
           "connect_seconds": round(max(p["connect_seconds"] for p in parts), 2), "seconds": a.seconds,
           "stall": a.stall, "read_bytes_per_s": a.read_bytes_per_s, "rate": a.rate, "procs": a.procs,
           "open_at_end": sum(1 for c in clients if not c["closed"])}
    if a.stall:
        res["messages_while_stalled"] = sum(p["stall_msgs"] for p in parts)
    pts = sorted(c["points"] for c in clients)
    ms = sorted(c["msgs"] for c in clients)
    lms = sorted(c["live_msgs"] for c in clients)
    res["points_per_client"] = {"min": pts[0] if pts else 0, "median": pts[len(pts) // 2] if pts else 0, "max": pts[-1] if pts else 0}
    res["points_per_s_per_client_median"] = round(res["points_per_client"]["median"] / a.seconds)
    res["messages_total"] = sum(ms)
    res["messages_per_client"] = {"min": ms[0] if ms else 0, "median": ms[len(ms) // 2] if ms else 0, "max": ms[-1] if ms else 0}
    res["live_messages_per_client"] = {"min": lms[0] if lms else 0, "median": lms[len(lms) // 2] if lms else 0,
                                       "max": lms[-1] if lms else 0}
    res["clients_without_live_data"] = sum(1 for x in lms if x == 0)
    res["mb_received_total"] = round(sum(c["bytes"] for c in clients) / 2**20, 2)
    res["dropped_frames_reported_max"] = max((c["dropped"] for c in clients), default=0)
    res["dropped_frames_reported_total"] = sum(c["dropped"] for c in clients)
    lat = [x for c in clients for x in c["lat"]]
    if lat:
        res["frame_delay_ms"] = {"p50": round(pct(lat, 50)), "p90": round(pct(lat, 90)), "p99": round(pct(lat, 99)),
                                 "max": round(max(lat)), "n": len(lat)}
    print(json.dumps(res))
    if a.out:
        with open(a.out, "w") as f:
            json.dump(res, f, indent=1)


# ---------------------------------------------------------------------------------------------
# plot and archive check
# ---------------------------------------------------------------------------------------------

def plot(a):
    import csv
    try:
        import matplotlib
    except ImportError:  # e.g. a pyenv python beside Debian's python3-matplotlib
        if os.path.exists("/usr/bin/python3") and os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3"):
            os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
        raise SystemExit("plot needs matplotlib: apt-get install python3-matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    rows = list(csv.DictReader(open(a.csv)))
    cols = [c.split(":", 1) if ":" in c else (c, c) for c in a.cols.split(",")]
    panels = [p for p in a.panels.split(";")] if a.panels else None
    groups = [[c for c in cols if c[0] in p.split("+")] for p in panels] if panels else [[c] for c in cols]
    fig, axes = plt.subplots(len(groups), 1, figsize=(10, 1.9 * len(groups) + 0.8), sharex=True)
    axes = axes if len(groups) > 1 else [axes]
    xs_all = [float(r[a.x]) / a.xscale for r in rows]
    for ax, group in zip(axes, groups):
        for col, label in group:
            pts = [(x, float(r[col])) for x, r in zip(xs_all, rows) if r.get(col) not in (None, "", "None")]
            if pts:
                ax.plot([p[0] for p in pts], [p[1] for p in pts], label=label, lw=1.2)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize=8)
        for m in (a.mark or "").split(","):
            if m:
                ax.axvline(float(m) / a.xscale, color="red", lw=0.8, ls="--")
    axes[-1].set_xlabel(a.xlabel)
    fig.suptitle(a.title, fontsize=10)
    fig.tight_layout()
    fig.savefig(a.png, dpi=90)
    print(f"wrote {a.png}")


def archive(a):
    """Records per run in every archived object (.json.gz / .json.zst needs zstd CLI), and duplicates."""
    per_run, keys, objects = Counter(), Counter(), 0
    for root, _, files in os.walk(a.dir):
        for fn in sorted(files):
            p = os.path.join(root, fn)
            if fn.endswith(".gz"):
                data = gzip.open(p).read()
            else:
                continue
            objects += 1
            for line in data.splitlines():
                m = re.match(rb'\{"run_id":"([^"]*)","source":"([^"]*)","type":"[a-z]*","frame":(\d+)', line)
                if m:
                    per_run[m.group(1).decode()] += 1
                    keys[m.group(0)] += 1
                else:
                    per_run["(other)"] += 1
    dups = sum(v - 1 for v in keys.values() if v > 1)
    print(json.dumps({"objects": objects, "records_per_run": dict(sorted(per_run.items())),
                      "records": sum(per_run.values()), "duplicates": dups}))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("sample")
    s.add_argument("--pid", type=int, required=True); s.add_argument("--mgmt", required=True)
    s.add_argument("--ch"); s.add_argument("--db"); s.add_argument("--every", type=float, default=10)
    s.add_argument("--out", required=True); s.add_argument("--until-file")
    l = sub.add_parser("load")
    l.add_argument("--url", required=True); l.add_argument("--profile", required=True)
    l.add_argument("--runs", type=int, default=1); l.add_argument("--run-prefix", default="load")
    l.add_argument("--batch", type=int, default=1000); l.add_argument("--workers", type=int, default=1)
    l.add_argument("--retry", action="store_true"); l.add_argument("--prebuild", action="store_true")
    l.add_argument("--start-delay", type=float); l.add_argument("--token"); l.add_argument("--out")
    l.add_argument("--until-file", help="stop sending (and report) once this file exists")
    l.add_argument("--deadline", type=float, help="seconds after the start: no more sends or retries after it")
    l.add_argument("--wall-time", action="store_true", help="record times = when the body is made (not with --prebuild)")
    x = sub.add_parser("proxy")
    x.add_argument("--listen", type=int, required=True); x.add_argument("--target", required=True)
    x.add_argument("--bytes-per-s", type=float, required=True); x.add_argument("--delay-ms", type=float, default=0)
    x.add_argument("--rate-file")
    w = sub.add_parser("ws")
    w.add_argument("--port", type=int, required=True); w.add_argument("--clients", type=int, default=1)
    w.add_argument("--run", required=True); w.add_argument("--seconds", type=float, default=30)
    w.add_argument("--stall", action="store_true"); w.add_argument("--rate", type=int, default=50)
    w.add_argument("--recv-buf", type=int, default=0); w.add_argument("--out")
    w.add_argument("--read-bytes-per-s", type=float, default=0, help="read at most this many bytes/s per client (0 = all)")
    w.add_argument("--procs", type=int, default=1, help="client processes (the clients are shared among them)")
    g = sub.add_parser("plot")
    g.add_argument("csv"); g.add_argument("png"); g.add_argument("--title", default="")
    g.add_argument("--cols", required=True); g.add_argument("--panels"); g.add_argument("--mark")
    g.add_argument("--x", default="t"); g.add_argument("--xscale", type=float, default=60)
    g.add_argument("--xlabel", default="minutes")
    r = sub.add_parser("archive")
    r.add_argument("dir")
    a = p.parse_args()
    {"sample": sample, "load": load, "proxy": proxy, "ws": ws, "plot": plot, "archive": archive}[a.cmd](a)


if __name__ == "__main__":
    main()
