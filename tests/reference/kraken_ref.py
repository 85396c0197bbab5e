"""Independent Python reference implementation of the Kraken contract.

Written from /work/shared/SPEC.md only (not from the Rust code) so the tests
can cross-check the service:

* SPEC §1/§2 -- ``load``: read ``experiments.json``, ``site-features.json`` and
  ``edge.json``; keep relevant experiments (status ``running``, ``web`` in
  ``platforms``, ``page_types`` meets the edge's page types, ``traffic > 0``)
  and edge flags (``"edge": true``).  The config is assumed valid.
* SPEC §3 -- unit id, host normalisation, page type, hashing, buckets, layers,
  variation ranges, flag values.
* SPEC §4 -- ``variants=`` / ``flags=`` query overrides.
* SPEC §5 -- the assignment key (``Kraken-Assignments``).
* SPEC §6 -- with ``load(..., growthbook=True)`` and ``growthbook.json``, the listed features' items
  come from GrowthBook's own JS SDK (``tests/growthbook/oracle.mjs``, one
  persistent ``node`` process), merged into the key.

Request inputs are handled as raw bytes so non-UTF-8 headers are treated
literally; config strings are compared by their UTF-8 bytes.

CLI::

    python3 tests/reference/kraken_ref.py CONFIG_DIR < requests.jsonl > keys.jsonl

Each input line: {"cookie", "host", "page_type", "query": str|null,
"minted": str}, optionally "kraken_host"; "cookie_b64"/"host_b64"/
"kraken_host_b64"/"page_type_b64"/"query_b64"
(base64 bytes) take precedence over the plain field.  Each output line:
{"key": str, "unit": str, "minted": bool}.
"""

import base64
import json
import os
import re
import sys
from urllib.parse import unquote_to_bytes

import xxhash

UNIT_RE = re.compile(rb"[A-Za-z0-9_-]{1,64}")


def _b(s):
    """str -> UTF-8 bytes (lone surrogates passed through); bytes/None unchanged."""
    return s.encode("utf-8", "surrogatepass") if isinstance(s, str) else s


class Config:
    def __init__(self, experiments, flags, page_types):
        self.experiments = experiments  # relevant experiments (SPEC §2)
        self.flags = flags              # edge flags
        self.page_types = page_types    # edge page types


def load(config_dir, growthbook=False):
    """SPEC §1, §2: read the three config files and prune. With ``growthbook``, keys also hold
    SPEC §6's items (the whole key a Kraken built from this config serves)."""
    def read(name):
        with open(os.path.join(config_dir, name), encoding="utf-8") as f:
            return json.load(f)

    edge_pts = list(read("edge.json")["page_types"])
    exps = [
        e for e in read("experiments.json")["experiments"]
        if e["status"] == "running" and "web" in e["platforms"]
        and set(e["page_types"]) & set(edge_pts) and e["traffic"] > 0
    ]
    flags = [f for f in read("site-features.json")["flags"] if f.get("edge") is True]
    cfg = Config(exps, flags, edge_pts)
    edge = read("edge.json")
    listed = (edge.get("growthbook") or {}).get("features") or []
    path = os.path.join(config_dir, "growthbook.json")
    cfg.growthbook = (_GrowthBook(path, listed, edge_pts)
                      if growthbook and listed and os.path.exists(path) else None)
    return cfg


class _GrowthBook:
    """SPEC §6 through the real SDK: oracle.mjs's functions in one node process, a JSON line
    per request (the payload travels as its text: it may hold what Python's json cannot)."""

    SCRIPT = r"""
import { createInterface } from "node:readline";
import { readFileSync } from "node:fs";
import { evaluate, attributesFromRaw, forcedVariationsFromRaw } from "./oracle.mjs";
const [payloadFile, features, pageTypes] = [process.argv[1], JSON.parse(process.argv[2]), JSON.parse(process.argv[3])];
const payload = JSON.parse(readFileSync(payloadFile, "utf8"));
const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  const raw = JSON.parse(line);
  const attributes = attributesFromRaw(raw, pageTypes);
  const forcedVariations = forcedVariationsFromRaw(raw, payload);
  process.stdout.write(JSON.stringify(evaluate({ payload, features, attributes, forcedVariations }).items) + "\n");
});
"""

    def __init__(self, payload_path, features, page_types):
        self.args = [os.path.abspath(payload_path), json.dumps(features), json.dumps(page_types)]
        self.proc = None
        self.cache = {}

    def items(self, raw):
        line = json.dumps(raw, sort_keys=True)
        if line not in self.cache:
            if self.proc is None:
                import subprocess
                tools = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "growthbook")
                self.proc = subprocess.Popen(
                    ["node", "--input-type=module", "-e", self.SCRIPT, *self.args],
                    cwd=tools, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            self.proc.stdin.write(line + "\n")
            self.proc.stdin.flush()
            self.cache[line] = json.loads(self.proc.stdout.readline())
        return self.cache[line]


def h(s):
    """SPEC §3: xxh3_64 of the UTF-8 bytes, seed 0."""
    return xxhash.xxh3_64_intdigest(_b(s))


def unit_from_cookie(cookie):
    """SPEC §3: first `kraken_uid` cookie value if valid, else None. Spaces and tabs
    around a pair are ignored (the README's choice where the SPEC is silent)."""
    if cookie is None:
        return None
    for pair in cookie.split(b";"):
        name, eq, value = pair.strip(b" \t").partition(b"=")
        if eq and name == b"kraken_uid":
            return value.decode("ascii") if UNIT_RE.fullmatch(value) else None
    return None


def normalise_host(host):
    """SPEC §3: lowercase (ASCII), drop the port, strip leading www./staging."""
    host = (host or b"").lower()  # bytes.lower() is ASCII-only
    if host.startswith(b"["):
        end = host.find(b"]")
        if end >= 0:
            host = host[:end + 1]
    else:
        host = host.split(b":", 1)[0]
    while True:
        for prefix in (b"www.", b"staging."):
            if host.startswith(prefix):
                host = host[len(prefix):]
                break
        else:
            return host


def parse_overrides(query, name):
    """SPEC §4: [(key, value)] items of every `name` parameter, in order (bytes)."""
    items = []
    for pair in (query or b"").split(b"&"):
        k, _, v = pair.partition(b"=")
        if unquote_to_bytes(k.replace(b"+", b" ")) != name:
            continue
        for item in unquote_to_bytes(v.replace(b"+", b" ")).split(b","):
            key, colon, val = item.partition(b":")
            if colon:
                items.append((key, val))
    return items


def first_valid(items, allowed):
    """SPEC §4: drop items whose key/value the config doesn't declare; first per key wins.

    `allowed` maps key bytes -> set of legal value bytes.
    """
    out = {}
    for key, val in items:
        if key in allowed and val in allowed[key] and key not in out:
            out[key] = val
    return out


def variation_for(exp, unit):
    """SPEC §3: layer check, bucket and variation ranges; None if not enrolled."""
    layer = exp.get("layer")
    if layer is not None:
        l = h("layer:" + layer["key"] + ":" + unit) % 10000
        if not layer["from"] <= l < layer["to"]:
            return None
    seed = exp.get("seed")
    n = h((exp["key"] if seed is None else seed) + ":" + unit) % 10000
    start, t = 0, exp["traffic"]
    for var in exp["variations"]:
        if start <= n < start + var["weight"] * t // 10000:
            return var["key"]
        start += var["weight"]
    return None


def assign(cfg, cookie_header, host_header, page_type_header, query, minted_unit,
           kraken_host_header=None, target=None, country=None, device=None):
    """SPEC §3-§6: returns dict(key=..., unit=..., minted=bool). ``target`` is the request
    target (default ``/`` and the query), ``country``/``device`` the Kraken-Country and
    Kraken-Device headers: they matter only with GrowthBook features (SPEC §6)."""
    raw_headers = [(name, value) for name, value in (
        ("Host", host_header), ("Kraken-Host", kraken_host_header),
        ("Kraken-Page-Type", page_type_header), ("Kraken-Country", country),
        ("Kraken-Device", device), ("Cookie", cookie_header)) if value is not None]
    raw_target = target if target is not None else "/" + (f"?{query}" if query else "")
    cookie_header, host_header, page_type_header, query, kraken_host_header = map(
        _b, (cookie_header, host_header, page_type_header, query, kraken_host_header))
    # SPEC §3: Kraken-Host when the request has one (even empty), else Host.
    if kraken_host_header is not None:
        host_header = kraken_host_header
    unit = unit_from_cookie(cookie_header)
    minted = unit is None
    if minted:
        unit = minted_unit
    host = normalise_host(host_header)

    # Experiments taking part in this request (SPEC §3, last bullet).
    taking_part = []
    if page_type_header is not None and page_type_header in {_b(p) for p in cfg.page_types}:
        for e in cfg.experiments:
            if page_type_header not in {_b(p) for p in e["page_types"]}:
                continue
            domains = (e.get("targeting") or {}).get("domains")
            if domains is not None and host not in {_b(d) for d in domains}:
                continue
            taking_part.append(e)

    forced_v = first_valid(parse_overrides(query, b"variants"),
                           {_b(e["key"]): {_b(v["key"]) for v in e["variations"]}
                            for e in taking_part})
    forced_f = first_valid(parse_overrides(query, b"flags"),
                           {_b(f["key"]): {_b(v) for v in f["values"]} for f in cfg.flags})

    items = []
    for e in taking_part:
        k = _b(e["key"])
        var = forced_v[k].decode() if k in forced_v else variation_for(e, unit)
        if var is not None:
            items.append(f"exp:{e['key']}={var}")
    for f in cfg.flags:
        k = _b(f["key"])
        if k in forced_f:
            val = forced_f[k].decode()
        else:
            val = next((r["value"] for r in f.get("rules") or []
                        if host in {_b(d) for d in r["domains"]}), f["default"])
        items.append(f"ff:{f['key']}={val}")
    if getattr(cfg, "growthbook", None) is not None:
        hexed = lambda v: {"hex": _b(v).hex()}  # noqa: E731
        raw = {"target": hexed(raw_target), "unit": _b(unit).decode("ascii", "replace"),
               "headers": [[name, hexed(value)] for name, value in raw_headers]}
        items = sorted(set(items) | set(cfg.growthbook.items(raw)), key=_b)
    items.sort(key=_b)
    return {"key": ";".join(items), "unit": unit, "minted": minted}


def _field(req, name):
    if req.get(name + "_b64") is not None:
        return base64.b64decode(req[name + "_b64"])
    return _b(req.get(name))


def main(argv):
    if len(argv) != 2:
        sys.exit("usage: kraken_ref.py CONFIG_DIR < requests.jsonl > keys.jsonl")
    cfg = load(argv[1])
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        out = assign(cfg, _field(req, "cookie"), _field(req, "host"),
                     _field(req, "page_type"), _field(req, "query"), req["minted"],
                     _field(req, "kraken_host"))
        sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main(sys.argv)
