"""Shared pieces of the fault scenarios (bench/validation/fault-*.py), Python 3 standard library only.

Each scenario starts the REAL agent jar as a user does (java -jar bootstrap/target/nervesys.jar with
-D flags and environment variables) on free ports, with its own data dir, its own ClickHouse database
and PostgreSQL database, and puts TCP proxies it controls between the agent and the services, so an
outage never touches the shared PostgreSQL / ClickHouse.

Environment:
  NERVESYS_JAR       the agent jar (default <repo>/bootstrap/target/nervesys.jar)
  CLICKHOUSE_HTTP    ClickHouse HTTP interface (default http://127.0.0.1:8123)
  PGHOST / PGPORT    PostgreSQL (default 127.0.0.1:5432, user postgres, trust; psql must be installed)
  S3PROXY_CP         class path of S3Proxy (default: computed once with ./mvnw dependency:build-classpath
                     of the processors module, which has org.gaul:s3proxy as a test dependency)
  FAULT_KEEP=1       keep the work directory and the databases after the run
"""

import collections
import gzip
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
JAR = os.environ.get("NERVESYS_JAR", os.path.join(REPO, "bootstrap", "target", "nervesys.jar"))
CH_URL = os.environ.get("CLICKHOUSE_HTTP", "http://127.0.0.1:8123")
PG_HOST = os.environ.get("PGHOST", "127.0.0.1")
PG_PORT = int(os.environ.get("PGPORT", "5432"))
KEEP = os.environ.get("FAULT_KEEP") == "1"
BASE_TIME = 1765368000  # 2025-12-10T12:00:00Z: telemetry times are fixed, not today's


def log(*args):
    print(time.strftime("%H:%M:%S"), *args, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tag():
    return "%06x" % random.randrange(1 << 24)


def work_dir(name):
    d = tempfile.mkdtemp(prefix="nervesys-%s-" % name)
    return d


# ---------------------------------------------------------------------------------------------
# TCP proxy: "down" closes the listener and every open connection (connection refused, as a
# stopped server); "up" listens again on the same port. mode "blackhole" instead accepts and
# forwards nothing (a network partition: the client waits for its timeout).

class TcpProxy:
    def __init__(self, target_host, target_port, name="proxy"):
        self.target = (target_host, target_port)
        self.name = name
        self.port = free_port()
        self.conns = set()
        self.lock = threading.Lock()
        self.listener = None
        self.mode = "up"
        self.bytes_up = 0
        self.bytes_down = 0
        self.up()

    def up(self):
        with self.lock:
            self.mode = "up"
            if self.listener is None:
                self._listen()

    def _listen(self):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", self.port))
        s.listen(128)
        self.listener = s
        threading.Thread(target=self._accept, args=(s,), daemon=True).start()

    def down(self, mode="refuse"):
        with self.lock:
            self.mode = mode
            if mode == "refuse" and self.listener is not None:
                # shutdown first: close() alone leaves a socket that another thread blocks in
                # accept() on listening (Linux), and connections would still be accepted
                for f in (lambda: self.listener.shutdown(socket.SHUT_RDWR), self.listener.close):
                    try:
                        f()
                    except OSError:
                        pass
                self.listener = None
            for c in list(self.conns):
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                try:
                    c.close()
                except OSError:
                    pass
            self.conns.clear()
            if mode == "blackhole" and self.listener is None:
                self._listen()

    def close(self):
        self.down("refuse")

    def _accept(self, s):
        while True:
            try:
                client, _ = s.accept()
            except OSError:
                return
            with self.lock:
                mode = self.mode
                if self.listener is not s:
                    client.close()
                    return
                self.conns.add(client)
            if mode == "blackhole":
                continue  # held open, never answered
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.conns.add(upstream)
            threading.Thread(target=self._pipe, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, False), daemon=True).start()

    def _pipe(self, src, dst, upward):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
                if upward:
                    self.bytes_up += len(data)
                else:
                    self.bytes_down += len(data)
        except OSError:
            pass
        finally:
            for x in (src, dst):
                try:
                    x.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                try:
                    x.close()
                except OSError:
                    pass
            with self.lock:
                self.conns.discard(src)
                self.conns.discard(dst)


# ---------------------------------------------------------------------------------------------
# ClickHouse and PostgreSQL (the shared servers: only our own database is created and dropped)

def ch(sql, database=None, timeout=120):
    url = CH_URL + "/?" + urllib.parse.urlencode({"database": database} if database else {})
    req = urllib.request.Request(url, data=sql.encode(), method="POST")
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.read().decode()


def ch_create(name):
    ch("CREATE DATABASE IF NOT EXISTS %s" % name)


def ch_drop(name):
    if not KEEP:
        # 18.16 removes the parts of a table one by one: thousands of small parts take minutes on a
        # busy machine; the drop goes on in the server if we stop waiting
        try:
            ch("DROP DATABASE IF EXISTS %s" % name, timeout=30)
        except OSError as e:
            log("DROP DATABASE %s still running in ClickHouse (%s)" % (name, e))


def ch_seq_stats(database, run_id):
    """count(), uniqExact(seq), min, max of the events of one run."""
    out = ch("SELECT count(), uniqExact(seq), min(seq), max(seq), uniqExact(buffer_id) FROM events WHERE run_id = '%s' FORMAT TabSeparated"
             % run_id, database).split()
    return dict(zip(["count", "uniq", "min", "max", "uniq_buffer_id"], map(int, out)))


def ch_seqs(database, run_id):
    """Counter seq -> copies stored in events."""
    text = ch("SELECT seq, count() FROM events WHERE run_id = '%s' GROUP BY seq FORMAT TabSeparated" % run_id, database)
    c = collections.Counter()
    for line in text.splitlines():
        s, n = line.split("\t")
        c[int(s)] = int(n)
    return c


def psql(sql, database="postgres"):
    r = subprocess.run(["psql", "-h", PG_HOST, "-p", str(PG_PORT), "-U", "postgres", "-d", database, "-At", "-v",
                        "ON_ERROR_STOP=1", "-c", sql], capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise RuntimeError("psql: " + r.stderr.strip())
    return r.stdout.strip()


def pg_create(name):
    psql("CREATE DATABASE %s" % name)


def pg_drop(name):
    if not KEEP:
        psql("DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)


# ---------------------------------------------------------------------------------------------
# S3Proxy, standalone, over a filesystem blob store (objects are plain files: read back directly)

def s3proxy_classpath():
    cp = os.environ.get("S3PROXY_CP")
    if cp:
        return cp
    cache = os.path.join(tempfile.gettempdir(), "nervesys-s3proxy-classpath.txt")
    if not os.path.exists(cache):
        log("computing the S3Proxy class path (./mvnw dependency:build-classpath, once)")
        subprocess.run([os.path.join(REPO, "mvnw"), "-o", "-q", "-B", "-pl", "processors", "dependency:build-classpath",
                        "-Dmdep.includeScope=test", "-Dmdep.outputFile=" + cache], cwd=REPO, check=True)
    with open(cache) as f:
        return f.read().strip()


class S3Proxy:
    ACCESS = "fault-access-key"
    SECRET = "fault-secret-key"
    BUCKET = "fleet-archive"

    def __init__(self, base):
        self.base = os.path.join(base, "s3")
        os.makedirs(os.path.join(self.base, "blobs", self.BUCKET))
        self.port = free_port()
        conf = os.path.join(self.base, "s3proxy.conf")
        with open(conf, "w") as f:
            f.write("s3proxy.endpoint=http://127.0.0.1:%d\n" % self.port)
            f.write("s3proxy.authorization=aws-v2-or-v4\n")
            f.write("s3proxy.identity=%s\ns3proxy.credential=%s\n" % (self.ACCESS, self.SECRET))
            f.write("jclouds.provider=filesystem\njclouds.filesystem.basedir=%s\n" % os.path.join(self.base, "blobs"))
            f.write("jclouds.identity=x\njclouds.credential=y\n")
        self.out = open(os.path.join(self.base, "s3proxy.log"), "w")
        self.proc = subprocess.Popen(["java", "-Xmx256m", "-cp", s3proxy_classpath(), "org.gaul.s3proxy.Main",
                                      "--properties", conf], stdout=self.out, stderr=subprocess.STDOUT)
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("S3Proxy exited, see " + self.out.name)
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError("S3Proxy did not start")

    def objects_dir(self):
        return os.path.join(self.base, "blobs", self.BUCKET)

    def close(self):
        self.proc.terminate()
        self.proc.wait(30)


# ---------------------------------------------------------------------------------------------
# The agent, started as a user starts it

class Agent:
    def __init__(self, name, base, props=None, env=None, jvm=("-Xmx256m",)):
        self.name = name
        self.base = base
        self.data = os.path.join(base, "data")
        self.ingest_port = free_port()
        self.live_port = free_port()
        self.mgmt_port = free_port()
        self.server_port = free_port()
        self.props = {
            "nervesys.agentId": name,
            "nervesys.server": name,
            "nervesys.dataDir": self.data,
            "nervesys.ingest.host": "127.0.0.1",
            "nervesys.ingest.port": self.ingest_port,
            "nervesys.live.host": "127.0.0.1",
            "nervesys.live.port": self.live_port,
            "camel.management.host": "127.0.0.1",
            "camel.management.port": self.mgmt_port,
            "camel.server.port": self.server_port,
            "nervesys.cli.enabled": "false",
        }
        self.props.update(props or {})
        self.env = dict(os.environ)
        self.env.update(env or {})
        self.jvm = list(jvm)
        self.proc = None
        self.starts = 0

    def start(self, timeout=180):
        self.starts += 1
        self.logfile = open(os.path.join(self.base, "agent-%d.log" % self.starts), "w")
        cmd = ["java"] + self.jvm + ["-D%s=%s" % (k, v) for k, v in self.props.items()] + ["-jar", JAR]
        if self.starts == 1:
            log("agent:", " ".join(cmd))
        t0 = time.time()
        self.proc = subprocess.Popen(cmd, cwd=REPO, env=self.env, stdout=self.logfile, stderr=subprocess.STDOUT)
        while time.time() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError("agent exited with %s, see %s" % (self.proc.returncode, self.logfile.name))
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.ingest_port, timeout=2)
                c.request("GET", "/ping")
                if c.getresponse().status == 204:
                    c.close()
                    self.started_in = time.time() - t0
                    return self.started_in
            except OSError:
                pass
            time.sleep(0.25)
        raise RuntimeError("agent not up within %ss" % timeout)

    def kill(self, sig):
        self.proc.send_signal(sig)
        t0 = time.time()
        rc = self.proc.wait(120)
        return rc, time.time() - t0

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(90)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def metrics(self):
        with urllib.request.urlopen("http://127.0.0.1:%d/observe/metrics" % self.mgmt_port, timeout=30) as r:
            text = r.read().decode()
        m = {}
        for line in text.splitlines():
            if line.startswith("nervesys_"):
                k, _, v = line.rpartition(" ")
                try:
                    m[k] = float(v)
                except ValueError:
                    pass
        return m

    def console(self):
        req = urllib.request.Request("http://127.0.0.1:%d/q/dev/nervesys" % self.mgmt_port,
                                     headers={"Accept": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            c = json.loads(r.read().decode())
        return c.get("nervesys", c)

    def pending(self, consumer):
        return self.metrics().get('nervesys_buffer_pending_records{consumer="%s"}' % consumer)

    def wait_drained(self, consumers, timeout, every=5):
        """Waits until every consumer has nothing pending; returns seconds waited or None."""
        t0 = time.time()
        while time.time() - t0 < timeout:
            try:
                p = [self.pending(c) for c in consumers]
                if all(x == 0 for x in p):
                    return time.time() - t0
            except OSError:
                pass
            time.sleep(every)
        return None


# ---------------------------------------------------------------------------------------------
# Load: telemetry records, each with a unique sequence number in "seq" (and "frame")

def telemetry(run_id, seq, source="s0"):
    t = BASE_TIME + seq // 1000
    return ('{"run_id":"%s","source":"%s","type":"update","frame":%d,"time":"%s.%03dZ","seq":%d,'
            '"fields":{"rpm":%d.5,"temp":%d,"ok":true}}'
            % (run_id, source, seq, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)), seq % 1000, seq,
               1000 + seq % 5000, seq % 90))


class Load:
    """Posts NDJSON batches of telemetry at a paced rate on keep-alive connections. A batch
    answered 204 is acknowledged; anything else (an error status, a refused or cut connection) is
    not, and its sequence numbers are never re-sent (a retry gets new numbers), so that what is
    stored can be compared exactly with what was acknowledged."""

    def __init__(self, port_fn, run_id, rate=1000, batch=200, threads=2, timeout=30):
        self.port_fn = port_fn
        self.run_id = run_id
        self.rate = rate
        self.batch = batch
        self.threads = threads
        self.timeout = timeout
        self.next_seq = 0
        self.lock = threading.Lock()
        self.acked = []       # (first, count)
        self.unacked = []     # (first, count, why)
        self.status = collections.Counter()
        self.samples = {}     # status -> first answer body seen with it
        self.timeline = []    # (seconds since start, status) of every request
        self.latencies = []
        self.stopping = threading.Event()
        self.workers = []
        self.started = None

    def _take(self):
        with self.lock:
            s = self.next_seq
            self.next_seq += self.batch
            return s

    def start(self):
        self.started = time.time()
        for i in range(self.threads):
            t = threading.Thread(target=self._run, args=(i,), daemon=True)
            t.start()
            self.workers.append(t)

    def _run(self, i):
        period = self.batch * self.threads / float(self.rate)
        next_at = time.time() + i * period / self.threads
        conn = None
        while not self.stopping.is_set():
            now = time.time()
            if next_at > now:
                time.sleep(next_at - now)
            next_at = max(next_at + period, time.time() - period)
            first = self._take()
            body = "\n".join(telemetry(self.run_id, s, "s%d" % (s % 4)) for s in range(first, first + self.batch)) + "\n"
            t0 = time.time()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port_fn(), timeout=self.timeout)
                conn.request("POST", "/ingest", body=body.encode(), headers={"Content-Type": "application/x-ndjson"})
                r = conn.getresponse()
                answer = r.read()
                code = r.status
                if code not in self.samples:
                    self.samples[code] = answer[:300].decode("utf-8", "replace")
                if r.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as e:
                code = type(e).__name__
                if conn is not None:
                    conn.close()
                conn = None
                if not self.stopping.is_set():
                    time.sleep(0.2)
            with self.lock:
                self.status[code] += 1
                self.timeline.append((round(t0 - self.started, 2), code))
                if code == 204:
                    self.acked.append((first, self.batch))
                    self.latencies.append(time.time() - t0)
                else:
                    self.unacked.append((first, self.batch, code))

    def stop(self):
        self.stopping.set()
        for t in self.workers:
            t.join(self.timeout + 5)
        self.stopped = time.time()

    def acked_set(self):
        with self.lock:
            return set(s for f, n in self.acked for s in range(f, f + n))

    def unacked_set(self):
        with self.lock:
            return set(s for f, n, _ in self.unacked for s in range(f, f + n))

    def acked_count(self):
        with self.lock:
            return sum(n for _, n in self.acked)


# ---------------------------------------------------------------------------------------------
# Reading the archive back (local folder or the S3Proxy filesystem store: plain files either way)

def archive_seqs(root, run_id):
    """Counter seq -> copies over every archive object under root, plus the number of objects."""
    c = collections.Counter()
    objects = 0
    needle = '"run_id":"%s"' % run_id
    seq_re = re.compile(r'"seq":(\d+)')
    for dirpath, _, files in os.walk(root):
        for f in files:
            if not f.endswith(".json.gz"):
                continue
            objects += 1
            with gzip.open(os.path.join(dirpath, f), "rt", encoding="utf-8") as g:
                for line in g:
                    if needle in line:
                        c[int(seq_re.search(line).group(1))] += 1
    return c, objects


def compare(name, acked, unacked, stored):
    """Prints and returns the comparison of acknowledged seqs with a Counter of stored ones."""
    present = set(stored)
    lost = acked - present
    dup = sum(n - 1 for n in stored.values() if n > 1)
    extra = present - acked
    unexplained = extra - unacked
    res = {"stored_rows": sum(stored.values()), "distinct": len(present), "acked": len(acked), "lost_acked": len(lost),
           "duplicates": dup, "unacked_but_stored": len(extra), "never_sent": len(unexplained)}
    log("%-10s" % name, " ".join("%s=%s" % kv for kv in res.items()))
    if lost:
        log("   first lost seqs:", sorted(lost)[:20])
    return res


def percentile(xs, p):
    if not xs:
        return None
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p / 100.0 * len(xs)))]


def _str_keys(o):
    if isinstance(o, dict):
        return {str(k): _str_keys(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_str_keys(v) for v in o]
    return o


def emit(path, result):
    """Writes the scenario's figures as JSON beside the human output."""
    result = _str_keys(result)
    if path:
        with open(path, "w") as f:
            json.dump(result, f, indent=2, sort_keys=True, default=str)
    print("RESULT " + json.dumps(result, sort_keys=True, default=str), flush=True)


def cleanup(base):
    if not KEEP:
        shutil.rmtree(base, ignore_errors=True)
    else:
        log("kept", base)
