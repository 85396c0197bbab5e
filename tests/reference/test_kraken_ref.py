"""Self-test of the reference implementation (SPEC §2-§5) on a tiny config.

Run: python3 -m unittest discover -s tests/reference
"""

import json
import os
import subprocess
import sys
import tempfile
import unittest

import xxhash

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kraken_ref as K  # noqa: E402

UNIT = "0123456789abcdef0123456789abcdef"


def exp(key, **kw):
    e = {"key": key, "status": "running", "platforms": ["web"], "page_types": ["home"],
         "traffic": 10000, "variations": [{"key": "on", "weight": 10000}]}
    e.update(kw)
    return e


EXPERIMENTS = [
    exp("always"),                                     # traffic 10000, weights [10000]
    exp("half", seed="half-s1", traffic=5000,
        variations=[{"key": "control", "weight": 5000}, {"key": "b", "weight": 5000}]),
    exp("a", variations=[{"key": "x", "weight": 5000}, {"key": "y", "weight": 5000}]),
    exp("a-b", page_types=["hotel"]),
    exp("ie-only", targeting={"domains": ["example.ie"]}),
    exp("layered", layer={"key": "homepage", "from": 0, "to": 5000}),
    # Pruned (SPEC §2):
    exp("paused", status="paused"),
    exp("app-only", platforms=["ios"]),
    exp("other-pages", page_types=["checkout"]),
    exp("no-traffic", traffic=0),
]
FLAGS = [
    {"key": "new-nav", "values": ["off", "on"], "default": "off", "edge": True,
     "rules": [{"domains": ["example.ie"], "value": "on"}]},
    {"key": "theme", "values": ["light", "dark", "blue"], "default": "light", "edge": True,
     "rules": [{"domains": ["example.com", "example.ie"], "value": "dark"},
               {"domains": ["example.ie"], "value": "blue"}]},
    {"key": "backend-only", "values": ["off", "on"], "default": "off", "edge": False},
]
EDGE = {"page_types": ["home", "hotel", "deals"]}


def bucket(s):
    return xxhash.xxh3_64_intdigest(s.encode()) % 10000


def find_unit(pred):
    """First unit id `u<i>` satisfying pred(unit)."""
    return next(u for u in (f"u{i}" for i in range(100000)) if pred(u))


class RefTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = cls.tmp.name
        for name, doc in [("experiments.json", {"generated_at": "x", "experiments": EXPERIMENTS}),
                          ("site-features.json", {"flags": FLAGS}), ("edge.json", EDGE)]:
            with open(os.path.join(cls.dir, name), "w") as f:
                json.dump(doc, f)
        cls.cfg = K.load(cls.dir)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def run_(self, cookie=b"kraken_uid=" + UNIT.encode(), host=b"example.com",
             page_type=b"home", query=None, minted="f" * 32, kraken_host=None):
        return K.assign(self.cfg, cookie, host, page_type, query, minted, kraken_host)

    def items(self, **kw):
        return dict(i.split("=", 1) for i in self.run_(**kw)["key"].split(";") if i)

    def test_pruning(self):
        self.assertEqual([e["key"] for e in self.cfg.experiments],
                         ["always", "half", "a", "a-b", "ie-only", "layered"])
        self.assertEqual([f["key"] for f in self.cfg.flags], ["new-nav", "theme"])

    def test_hash_known_value(self):
        self.assertEqual(K.h(""), 0x2D06800538D394C2)  # XXH3_64 of empty input

    def test_full_traffic_single_variation(self):
        for u in ("x", "y", UNIT, "A-b_9"):
            self.assertEqual(self.items(cookie=b"kraken_uid=" + u.encode())["exp:always"], "on")

    def test_half_traffic_ranges(self):
        # traffic 5000, weights 5000/5000: control owns [0,2500), b owns [5000,7500).
        for lo, hi, want in [(0, 2500, "control"), (2500, 5000, None),
                             (5000, 7500, "b"), (7500, 10000, None)]:
            u = find_unit(lambda u: lo <= bucket("half-s1:" + u) < hi)
            got = self.items(cookie=b"kraken_uid=" + u.encode()).get("exp:half")
            self.assertEqual(got, want, (lo, hi, u))

    def test_seed_defaults_to_key(self):
        u = find_unit(lambda u: bucket("a:" + u) < 5000)
        self.assertEqual(self.items(cookie=b"kraken_uid=" + u.encode())["exp:a"], "x")
        u = find_unit(lambda u: bucket("a:" + u) >= 5000)
        self.assertEqual(self.items(cookie=b"kraken_uid=" + u.encode())["exp:a"], "y")

    def test_layer(self):
        u_in = find_unit(lambda u: bucket("layer:homepage:" + u) < 5000)
        u_out = find_unit(lambda u: bucket("layer:homepage:" + u) >= 5000)
        self.assertIn("exp:layered", self.items(cookie=b"kraken_uid=" + u_in.encode()))
        self.assertNotIn("exp:layered", self.items(cookie=b"kraken_uid=" + u_out.encode()))
        # A forced variation ignores the layer.
        self.assertEqual(self.items(cookie=b"kraken_uid=" + u_out.encode(),
                                    query="variants=layered:on")["exp:layered"], "on")

    def test_host_normalisation(self):
        for raw, want in [(b"WWW.Staging.www.Example.COM:8080", b"example.com"),
                          (b"example.com", b"example.com"), (b"staging.example.ie", b"example.ie"),
                          (b"[::1]:443", b"[::1]"), (b"www.", b""), (None, b""),
                          (b"api.www.example.com", b"api.www.example.com"),
                          (b"Ex\xffample.COM", b"ex\xffample.com")]:
            self.assertEqual(K.normalise_host(raw), want, raw)

    def test_targeting_and_flags_by_host(self):
        ie = self.items(host=b"www.EXAMPLE.ie:443")
        self.assertEqual((ie["exp:ie-only"], ie["ff:new-nav"], ie["ff:theme"]), ("on", "on", "dark"))
        com = self.items(host=b"example.com")
        self.assertNotIn("exp:ie-only", com)
        self.assertEqual((com["ff:new-nav"], com["ff:theme"]), ("off", "dark"))
        other = self.items(host=None)
        self.assertEqual((other["ff:new-nav"], other["ff:theme"]), ("off", "light"))

    def test_kraken_host_wins_over_host(self):
        compute = b"kraken-example.edgecompute.app"
        ie = self.items(host=compute, kraken_host=b"www.EXAMPLE.ie:443")
        self.assertEqual(ie, self.items(host=b"example.ie"))
        self.assertEqual(ie["ff:new-nav"], "on")
        # Present but empty: no host, even when Host names a targeted site.
        empty = self.items(host=b"example.ie", kraken_host=b"")
        self.assertEqual(empty, self.items(host=None))
        self.assertNotIn("exp:ie-only", empty)
        self.assertEqual(self.items(host=b"example.ie", kraken_host=b"\xffexample.ie"),
                         self.items(host=b"unknown.example.org"))
        # Absent: Host decides.
        self.assertEqual(self.items(host=b"example.ie", kraken_host=None)["ff:new-nav"], "on")

    def test_page_type(self):
        self.assertEqual(set(self.items(page_type=b"hotel")),
                         {"exp:a-b", "ff:new-nav", "ff:theme"})
        for pt in (b"checkout", b"Home", b"home ", None, b"\xff"):  # flags only
            self.assertEqual(set(self.items(page_type=pt)), {"ff:new-nav", "ff:theme"}, pt)

    def test_sorted_output(self):
        # 'exp:a-b=...' sorts before 'exp:a=...': '-' (0x2d) < '=' (0x3d).
        r = self.run_(page_type=b"hotel", query="variants=a-b:on")
        self.assertEqual(r["key"], "exp:a-b=on;ff:new-nav=off;ff:theme=dark")
        keys = self.run_()["key"].split(";")
        self.assertEqual(keys, sorted(keys))
        cfg = K.Config([exp("a", traffic=10000), exp("a-b")], [], ["home"])
        self.assertEqual(K.assign(cfg, b"kraken_uid=z", b"h", b"home", None, "m")["key"],
                         "exp:a-b=on;exp:a=on")

    def test_overrides(self):
        q = ("variants=half:bogus,nope:b,half,a:y,half:b,half:control"
             "&flags=new-nav:maybe,new-nav:on&flags=new-nav:off,backend-only:on,theme:blue")
        it = self.items(query=q)
        self.assertEqual((it["exp:half"], it["exp:a"]), ("b", "y"))
        self.assertEqual((it["ff:new-nav"], it["ff:theme"]), ("on", "blue"))
        self.assertNotIn("ff:backend-only", it)
        # Percent-decoding and '+' (space): an encoded comma/colon still splits.
        it = self.items(query="%76ariants=a%3Ax%2Chalf%3Acontrol&flags=theme:+dark&x=%zz")
        self.assertEqual((it["exp:a"], it["exp:half"], it["ff:theme"]), ("x", "control", "dark"))
        # Not taking part (page type / targeting / pruned) -> ignored.
        it = self.items(page_type=b"hotel", query="variants=a:x,ie-only:on,paused:on")
        self.assertEqual(set(it), {"exp:a-b", "ff:new-nav", "ff:theme"})
        # Malformed queries never fail.
        for q in ("", "&&", "=", "variants", "variants=", "variants=:,,:", "flags=%", "%%%"):
            self.run_(query=q)

    def test_unit(self):
        for cookie, unit in [(b"kraken_uid=abc", "abc"), (b"a=1; kraken_uid=X_-9 ;b=2", "X_-9"),
                             (b"kraken_uid=first; kraken_uid=second", "first"),
                             (b"kraken_uid=" + b"a" * 64, "a" * 64),
                             (b"kraken_uid=a=b; kraken_uid=c", None),   # first one invalid
                             (b"kraken_uid=" + b"a" * 65, None), (b"kraken_uid=", None),
                             (b"kraken_uid=\xc3\xa9", None), (b"Kraken_uid=abc", None),
                             (b"kraken_uid =abc", None), (b'kraken_uid="abc"', None),
                             (b"xkraken_uid=abc", None), (b"", None), (None, None)]:
            r = self.run_(cookie=cookie, minted="m" * 32)
            self.assertEqual((r["unit"], r["minted"]), (unit or "m" * 32, unit is None), cookie)

    def test_cli(self):
        reqs = [{"cookie": "kraken_uid=abc", "host": "www.example.ie", "page_type": "home",
                 "query": "flags=theme:light", "minted": "m"},
                {"cookie": None, "host": None, "page_type": None, "query": None, "minted": "m2",
                 "host_b64": "ZXhhbXBsZS5pZQ=="}]
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kraken_ref.py")
        out = subprocess.run([sys.executable, script, self.dir], check=True, text=True,
                             capture_output=True,
                             input="".join(json.dumps(r) + "\n" for r in reqs)).stdout
        got = [json.loads(line) for line in out.splitlines()]
        self.assertEqual(got[0]["unit"], "abc")
        self.assertFalse(got[0]["minted"])
        self.assertIn("ff:theme=light", got[0]["key"])
        self.assertEqual(got[1], {"key": "ff:new-nav=on;ff:theme=dark", "unit": "m2", "minted": True})


if __name__ == "__main__":
    unittest.main()
