"""Starts and stops the edge stack on loopback: a counting Node origin that renders through the npm
package, Kraken under Viceroy, varnishd.

Reused by the e2e tests, scripts/hit-ratio and scripts/load (wrk load and fault runs), so every
piece can be started, stopped and swapped on its own:

    with EdgeStack() as stack:              # origin + Kraken + Varnish, free ports
        resp = stack.get("/", host="www.example.com", cookie="kraken_uid=abc")
        stack.origin.fetches                # what the origin received
        stack.kraken.stop()                 # fault injection: Kraken gone
        stack.kraken.start()                # back on the same port
        stack.varnish.url                   # http://127.0.0.1:PORT for wrk & co

Everything listens on 127.0.0.1 on ports picked at run time. Child processes get their own
process group (stopped as a group) and a parent-death signal, so none outlives the test.

The origin's contract (what any replacement must keep; the tests read nothing else):
  - answers every method and path with 200 and an HTML page (tests/e2e/origin/server.mjs)
    rendered for the forwarded key through the npm package's `parseKey`: one marker per
    experiment, flag, GrowthBook feature and GrowthBook tracked experiment (`Response.rendered`),
    and the render as JSON in <script id="kraken-render"> (`Response.json`): {"fetch": n,
    "path": <request target>, "key": <Kraken-Assignments or null>, "experiments", "flags",
    "growthbook", "config"}, n numbering its
    answers from 1 (`GET /__ready` answers fetch 0 and is not counted);
  - `Cache-Control: max-age=<ttl>` (300 s unless told), `Surrogate-Key: site exp:<key>...` (a
    site-wide key and one per experiment rendered, which the edge keeps beside its own), and
    the key back as `Kraken-Assignments` when it was asked with one (origins echo headers; the
    edge must strip it);
  - `fail_next(path, n)`: the next n fetches of that exact target answer 503 instead (counted
    like the others), for the edge's origin retry;
  - records each fetch: method, target, key, headers (lowercased names), arrival time.
"""

import ctypes
import html
import http.client
import json
import os
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
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
WASM = REPO / "target" / "wasm32-wasip1" / "release" / "kraken.wasm"
FASTLY_TOML = REPO / "kraken" / "fastly.toml"
# KRAKEN_VARNISH_VCL runs the suite against another VCL (e.g. a deliberately broken copy).
VARNISH_VCL = Path(os.environ.get("KRAKEN_VARNISH_VCL") or REPO / "kraken" / "vcl" / "varnish.vcl")
# varnishd is installed in /usr/sbin, which a non-root PATH often lacks.
SEARCH_PATH = os.pathsep.join(
    [os.environ.get("PATH", ""), str(Path.home() / ".cargo" / "bin"), "/usr/sbin", "/usr/local/sbin"]
)
STARTUP_TIMEOUT = 60.0  # seconds; varnishd compiles the VCL with gcc on a busy 2-core machine


def find_program(name):
    path = shutil.which(name, path=SEARCH_PATH)
    if path is None:
        raise RuntimeError(f"{name} not found (run `scripts/setup test`)")
    return path


def free_port():
    """A port free right now on 127.0.0.1 (the child binds it a moment later)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def vcl_duration(vcl_text, backend, name):
    """Seconds of `.name = <n>ms|s;` in `backend <backend> { ... }` of a Varnish VCL."""
    block = re.search(r"backend\s+" + backend + r"\s*\{(.*?)\}", vcl_text, re.S).group(1)
    value, unit = re.search(r"\." + name + r"\s*=\s*([0-9.]+)(ms|s)\s*;", block).groups()
    return float(value) / (1000 if unit == "ms" else 1)


def _die_with_parent():
    # Linux PR_SET_PDEATHSIG: the child gets SIGTERM if this process dies without cleaning up.
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)
    except OSError:
        pass


class Process:
    """One child process in its own process group, stopped as a group."""

    def __init__(self, name, argv, log_path, env=None):
        self.name = name
        self.log_path = Path(log_path)
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )

    def alive(self):
        return self.proc.poll() is None

    def log_tail(self, lines=30):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout=10.0):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._log.close()


def wait_http(name, port, process, timeout=STARTUP_TIMEOUT):
    """Until GET / on the port answers with any status; fails early if the process died."""
    deadline = time.monotonic() + timeout
    while True:
        if not process.alive():
            raise RuntimeError(f"{name} exited at startup:\n{process.log_tail()}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/__ready", headers={"Host": "ready.invalid"})
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} not answering on {port}:\n{process.log_tail()}")
            time.sleep(0.05)


# --- origin -----------------------------------------------------------------------------------


@dataclass
class Fetch:
    """One request as the origin received it."""

    method: str
    path: str
    key: str | None  # Kraken-Assignments, None when absent
    headers: dict = field(default_factory=dict)  # lowercased names
    at: float = 0.0  # time.monotonic() when it arrived (the origin reads the same clock)


ORIGIN_DIR = REPO / "tests" / "e2e" / "origin"
_origin_installed = False


def install_origin_package():
    """Packs the npm package (scripts/package-js, from the committed tables) and installs it
    beside the Node origin, once per process: the origin renders through exactly this build."""
    global _origin_installed
    if _origin_installed:
        return
    packed = subprocess.run([str(REPO / "scripts" / "package-js")], cwd=REPO,
                            capture_output=True, text=True)
    if packed.returncode != 0:
        raise RuntimeError(f"scripts/package-js failed:\n{packed.stderr[-3000:]}")
    tgz = packed.stdout.strip().splitlines()[-1]
    subprocess.run([find_program("npm"), "install", "--offline", "--no-save", "--no-package-lock",
                    "--no-audit", "--no-fund", "--silent", tgz], cwd=ORIGIN_DIR, check=True)
    _origin_installed = True


class Origin:
    """The Node origin (tests/e2e/origin/server.mjs) as a child process: renders each page from
    its Kraken-Assignments through the npm package's `parseKey`, and counts fetches.

    Its page carries the render as JSON ({"fetch": n, "path", "key", "experiments", "flags",
    "config"}, see `Response.json`); `fetch` numbers the origin's answers, so two clients that
    got the same `fetch` got the same cached object. The key also comes back as a
    `Kraken-Assignments` response header, which the edge must not let through.
    `delay=(low, high)` makes each answer wait a uniform random number of seconds (a slow origin).
    The contract any replacement keeps is at the top of this file.
    """

    # The site-wide surrogate key every page carries (server.mjs), beside one per experiment.
    SURROGATE_KEY = "site"

    def __init__(self, workdir, ttl=300, delay=None):
        self.ttl = ttl
        self.delay = delay
        self.port = free_port()
        self.log_path = Path(workdir) / "origin.log"
        self.process = None

    def start(self):
        install_origin_package()
        argv = [find_program("node"), str(ORIGIN_DIR / "server.mjs"),
                "--port", str(self.port), "--ttl", str(self.ttl)]
        if self.delay:
            argv += ["--delay", f"{self.delay[0]},{self.delay[1]}"]
        self.process = Process("origin", argv, self.log_path)
        wait_http("origin", self.port, self.process)
        return self

    def stop(self):
        if self.process is not None:
            self.process.stop()
            self.process = None

    def _control(self, method, path):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, headers={"Host": "origin.invalid"})
            resp = conn.getresponse()
            body = resp.read()
            if resp.status >= 300:
                raise RuntimeError(f"origin {method} {path}: {resp.status} {body[:200]!r}")
            return body
        finally:
            conn.close()

    @property
    def fetches(self):
        """Every fetch so far, oldest first (asked of the origin, so none is in flight)."""
        return [Fetch(**f) for f in json.loads(self._control("GET", "/__fetches"))]

    def count(self):
        return len(self.fetches)

    def fail_next(self, path, n=1):
        """The next n fetches of `path` (the exact request target) answer 503."""
        self._control("POST", "/__fail?" + urllib.parse.urlencode({"path": path, "n": n}))


# --- Kraken under Viceroy ---------------------------------------------------------------------


class Kraken:
    """`viceroy serve` on the release wasm (`cargo build -p kraken --release --target wasm32-wasip1`)."""

    def __init__(self, workdir, port=None, wasm=WASM, manifest=FASTLY_TOML):
        if not Path(wasm).is_file():
            raise RuntimeError(f"{wasm} missing: cargo build -p kraken --release --target wasm32-wasip1")
        self.workdir = Path(workdir)
        self.port = port or free_port()
        self.wasm = Path(wasm)
        self.manifest = Path(manifest)
        self.process = None

    def start(self):
        argv = [find_program("viceroy"), "serve", "-C", str(self.manifest),
                "--addr", f"127.0.0.1:{self.port}", str(self.wasm)]
        self.process = Process("viceroy", argv, self.workdir / "viceroy.log")
        wait_http("viceroy", self.port, self.process)
        return self

    def stop(self):
        if self.process is not None:
            self.process.stop()
            self.process = None


class Blackhole:
    """Accepts TCP connections on a port and never answers: a Kraken that hangs."""

    def __init__(self, port):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(128)
        self.port = port
        self._held = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self._held.append(conn)

    def stop(self):
        # shutdown() wakes the accept() blocked in the thread; close() alone may not.
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        for conn in self._held:
            conn.close()


# --- varnishd ---------------------------------------------------------------------------------


def render_vcl(origin_port, kraken_port, source=VARNISH_VCL):
    """The committed Varnish VCL with the backends' ports pointed at this run's servers."""
    text = Path(source).read_text()
    for backend, port in (("origin", origin_port), ("kraken", kraken_port)):
        pattern = r"(backend\s+" + backend + r"\s*\{[^}]*?\.port\s*=\s*\")\d+(\")"
        text, n = re.subn(pattern, r"\g<1>" + str(port) + r"\2", text, flags=re.S)
        if n != 1:
            raise RuntimeError(f"backend {backend} with a .port not found in {source}")
    return text


class Varnish:
    """varnishd in the foreground (-F), its own work dir (-n), no jail: runs as any user."""

    def __init__(self, workdir, origin_port, kraken_port, port=None, vcl_source=VARNISH_VCL):
        self.workdir = Path(workdir)
        self.port = port or free_port()
        self.vcl_text = render_vcl(origin_port, kraken_port, vcl_source)
        self.instance = self.workdir / "varnishd"
        self.process = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        vcl = self.workdir / "varnish.vcl"
        vcl.write_text(self.vcl_text)
        self.instance.mkdir(exist_ok=True)
        argv = [find_program("varnishd"), "-F", "-j", "none", "-n", str(self.instance),
                "-a", f"127.0.0.1:{self.port}", "-T", "none", "-f", str(vcl),
                "-s", "malloc,64m",
                "-p", "thread_pools=1", "-p", "thread_pool_min=8", "-p", "thread_pool_max=200"]
        env = dict(os.environ, PATH=SEARCH_PATH)
        self.process = Process("varnishd", argv, self.workdir / "varnishd.log", env=env)
        wait_http("varnishd", self.port, self.process)
        return self

    def stop(self):
        if self.process is not None:
            self.process.stop()
            self.process = None

    def log_records(self, *tags):
        """The shared-memory log so far (`varnishlog -d -g raw -i TAGS`): [(vxid, tag, value)]."""
        argv = [find_program("varnishlog"), "-n", str(self.instance), "-d", "-g", "raw",
                "-i", ",".join(tags)]
        out = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=60).stdout
        records = []
        for line in out.splitlines():
            match = re.match(r"\s*(\d+) (\S+)\s+[bc-] ?(.*)$", line)
            if match:
                records.append((int(match[1]), match[2], match[3]))
        return records

    def edge_log(self):
        """The VCL's `kraken-edge:` lines (one per preflight), without the prefix."""
        prefix = "kraken-edge: "
        return [value[len(prefix):] for _, _, value in self.log_records("VCL_Log")
                if value.startswith(prefix)]

    def backend_requests(self):
        """Each backend request as sent: [(url, {lowercased name: value})], oldest first."""
        requests = {}
        for vxid, tag, value in self.log_records("BereqURL", "BereqHeader", "BereqUnset"):
            url, headers = requests.setdefault(vxid, [None, {}])
            if tag == "BereqURL":
                requests[vxid][0] = value
                continue
            name, _, header_value = value.partition(":")
            if tag == "BereqHeader":
                headers[name.strip().lower()] = header_value.strip()
            else:
                headers.pop(name.strip().lower(), None)
        return [(url, headers) for url, headers in requests.values()]


# --- the whole stack --------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: list  # [(name, value)] as received, repeated names kept
    body: bytes
    elapsed: float  # seconds

    def header(self, name):
        values = self.header_all(name)
        return values[0] if values else None

    def header_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def json(self):
        """The body as JSON; for the origin's HTML page, the render it embeds."""
        render = re.search(rb'<script type="application/json" id="kraken-render">(.*?)</script>',
                           self.body, re.S)
        return json.loads(render[1] if render else self.body)

    def rendered(self):
        """The variant markers of the origin's page: {"exp:<key>": variation, "ff:<key>": value}
        for the platform's items, and SPEC §6's decoded: {"gb-exp:<tracking key>": variation,
        "gb-ff:<feature key>": <the JSON value>}."""
        markers = re.findall(rb'data-(experiment|flag|tracking-key|feature)="([^"]*)" '
                             rb'data-(?:variation|value)="([^"]*)"', self.body)
        out = {}
        for kind, name, value in markers:
            name, value = html.unescape(name.decode()), html.unescape(value.decode())
            if kind == b"feature":
                out["gb-ff:" + name] = json.loads(value)
            else:
                prefix = {b"experiment": "exp:", b"flag": "ff:", b"tracking-key": "gb-exp:"}[kind]
                out[prefix + name] = value
        return out


class EdgeStack:
    """Origin + Kraken (Viceroy) + Varnish on loopback; a context manager that always cleans up."""

    def __init__(self, origin_ttl=300, with_kraken=True, origin_delay=None, wasm=WASM):
        self._tmp = tempfile.TemporaryDirectory(prefix="kraken-e2e-")
        self.workdir = Path(self._tmp.name)
        self.origin = Origin(self.workdir, ttl=origin_ttl, delay=origin_delay)
        self.kraken = Kraken(self.workdir, wasm=wasm) if with_kraken else None
        self.kraken_port = self.kraken.port if self.kraken else free_port()
        self.varnish = Varnish(self.workdir, self.origin.port, self.kraken_port)

    def start(self):
        try:
            self.origin.start()
            if self.kraken:
                self.kraken.start()
            self.varnish.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        for part in (self.varnish, self.kraken):
            if part is not None:
                part.stop()
        self.origin.stop()
        self._tmp.cleanup()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def kraken_timeout(self, *names):
        """Sum of the Kraken backend's timeouts in the VCL, in seconds (e.g. "connect_timeout")."""
        return sum(vcl_duration(self.varnish.vcl_text, "kraken", name) for name in names)

    def purge(self, *keys, soft=False):
        """Purges by surrogate key through Varnish, as `fastly purge --key` does on Fastly;
        returns how many objects went."""
        headers = {"Surrogate-Key": " ".join(keys)}
        if soft:
            headers["Fastly-Soft-Purge"] = "1"
        resp = self.get("/", method="PURGE", headers=headers)
        if resp.status != 200:
            raise RuntimeError(f"purge {keys}: {resp.status} {resp.body[:200]!r}")
        return resp.json()["purged"]

    def get(self, path, host="www.example.com", cookie=None, headers=None, method="GET",
            conn=None):
        """One request through Varnish; pass `conn` to reuse a keep-alive connection."""
        sent = {"Host": host}
        if cookie is not None:
            sent["Cookie"] = cookie
        sent.update(headers or {})
        own = conn is None
        if own:
            conn = http.client.HTTPConnection("127.0.0.1", self.varnish.port, timeout=30)
        try:
            started = time.perf_counter()
            conn.request(method, path, headers=sent)
            resp = conn.getresponse()
            body = resp.read()
            elapsed = time.perf_counter() - started
            return Response(resp.status, resp.getheaders(), body, elapsed)
        finally:
            if own:
                conn.close()
