"""End to end: Varnish running kraken/vcl/varnish.vcl, Kraken under Viceroy, a counting origin.

Keys are checked against the Python reference (tests/reference/kraken_ref.py), so a wrong page
type from the VCL's path rules, a lost cookie or a lost query shows up as a key mismatch.
"""

import random
import re
import sys
import time
import unittest

from stack import REPO, Blackhole, EdgeStack

sys.path.insert(0, str(REPO / "tests" / "reference"))
import kraken_ref  # noqa: E402

CONFIG = kraken_ref.load(str(REPO / "config"))
HOST = "www.example.com"
SET_COOKIE = re.compile(
    r"kraken_uid=([0-9a-f]{32}); Path=/; Max-Age=31536000; SameSite=Lax; Secure"
)
# Headers only the edge and Kraken use: none may reach the origin as visitor data.
PRIVATE_TO_EDGE = ("cookie", "kraken-page-type", "kraken-set-cookie", "kraken-state", "kraken-unit")


def oracle_key(unit, page_type, query=None, host=HOST):
    cookie = None if unit is None else f"kraken_uid={unit}"
    return kraken_ref.assign(CONFIG, cookie, host, page_type, query, minted_unit=unit)["key"]


def query_of(path):
    return path.partition("?")[2] or None


class EdgeCase(unittest.TestCase):
    """Shared helpers: requests through Varnish that also check no Kraken-* header leaks."""

    stack = None

    def get(self, path, **kwargs):
        resp = self.stack.get(path, **kwargs)
        self.assertEqual(resp.status, 200, f"{path}: {resp.body[:200]!r}")
        leaked = [name for name, _ in resp.headers if name.lower().startswith("kraken-")]
        self.assertEqual(leaked, [], f"{path}: Kraken headers reached the client")
        return resp

    def fetches(self, path):
        return [f for f in self.stack.origin.fetches if f.path == path]


class EdgeStackTest(EdgeCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = EdgeStack().start()
        cls.addClassCleanup(cls.stack.stop)

    def visitors_by_key(self, page_type, query=None, wanted=2):
        """Random unit ids grouped by their key until one key has `wanted` ids."""
        rng = random.Random(f"{page_type}:{query}")
        groups = {}
        for _ in range(20000):
            unit = "%032x" % rng.getrandbits(128)
            group = groups.setdefault(oracle_key(unit, page_type, query), [])
            group.append(unit)
            if len(group) >= wanted and len(groups) >= 2:
                return groups
        self.fail(f"no two visitors share a key on {page_type} pages")

    def test_same_key_shares_one_object_different_keys_do_not(self):
        path = "/hotels/grand-budapest"
        groups = self.visitors_by_key("hotel")
        shared_key = next(k for k, units in groups.items() if len(units) >= 2)
        other_key = next(k for k in groups if k != shared_key)
        a, b = groups[shared_key][:2]
        c = groups[other_key][0]

        first = self.get(path, cookie=f"kraken_uid={a}")
        second = self.get(path, cookie=f"kraken_uid={b}")
        third = self.get(path, cookie=f"kraken_uid={c}")

        self.assertEqual([f.key for f in self.fetches(path)], [shared_key, other_key])
        self.assertEqual(first.json()["fetch"], second.json()["fetch"], "same key, same object")
        self.assertNotEqual(first.json()["fetch"], third.json()["fetch"])
        self.assertEqual(third.json()["key"], other_key)
        for resp in (first, second, third):
            self.assertIsNone(resp.header("Set-Cookie"), "a known visitor gets no new cookie")

    def test_each_route_sends_its_page_type_and_the_origin_gets_only_the_key(self):
        unit = "0123456789abcdef0123456789abcdef"
        routes = {
            "/": "home",
            "/?utm_source=mail": "home",
            "/destinations/lisbon": "destination",
            "/hotels/ritz?nights=2": "hotel",
            "/deals": "deals",
            "/deals/summer": "deals",
        }
        for path, page_type in routes.items():
            with self.subTest(path=path):
                # A client cannot pick its key or page type: restart 0 drops these.
                resp = self.get(path, cookie=f"other=1; kraken_uid={unit}", headers={
                    "Kraken-Assignments": "exp:spoofed=yes",
                    "Kraken-Page-Type": "checkout",
                    "Kraken-State": "assigned",
                })
                expected = oracle_key(unit, page_type, query_of(path))
                self.assertEqual(resp.json()["key"], expected)
                fetches = self.fetches(path)
                self.assertEqual(len(fetches), 1)
                fetch = fetches[0]
                self.assertEqual(fetch.key, expected)
                self.assertEqual(
                    [h for h in PRIVATE_TO_EDGE if h in fetch.headers], [],
                    "the cached object must not depend on one visitor's data",
                )
                self.assertEqual(resp.header("Cache-Control"), "private, no-cache")

    def test_url_overrides_reach_the_origin_as_part_of_the_key(self):
        unit = "fedcba9876543210fedcba9876543210"
        flag = next(f for f in CONFIG.flags if len(f["values"]) >= 2)
        natural = oracle_key(unit, "deals")
        value = next(v for v in flag["values"] if f"ff:{flag['key']}={v}" not in natural)
        experiment, variation = next(
            (e["key"], v["key"])
            for e in CONFIG.experiments
            if "deals" in e["page_types"] and not (e.get("targeting") or {}).get("domains")
            for v in e["variations"]
            if f"exp:{e['key']}={v['key']}" not in natural
        )
        query = f"variants={experiment}:{variation}&page=2&flags={flag['key']}:{value}"
        resp = self.get(f"/deals?{query}", cookie=f"kraken_uid={unit}")

        key = oracle_key(unit, "deals", query)
        self.assertIn(f"ff:{flag['key']}={value}", key.split(";"))
        self.assertIn(f"exp:{experiment}={variation}", key.split(";"))
        self.assertEqual(resp.json()["key"], key)
        # The overrides are in the key; the origin gets (and the cache keys on) the bare URL.
        self.assertEqual([f.key for f in self.fetches("/deals?page=2")], [key])

    def test_undeclared_override_values_create_no_new_object(self):
        unit = "00000000000000000000000000000042"
        path = "/destinations/porto?from=home"
        flag = CONFIG.flags[0]["key"]
        experiment = next(e["key"] for e in CONFIG.experiments if "destination" in e["page_types"])
        plain = self.get(path, cookie=f"kraken_uid={unit}")
        for junk in (
            f"&flags={flag}:no-such-value",
            f"&variants={experiment}:no-such-variation",
            "&variants=no-such-experiment:b",
            f"&flags={flag}",
            "&flags=&variants=",
            f"&variants={experiment}%3Ano-such-variation,%zz",
        ):
            with self.subTest(junk=junk):
                resp = self.get(path + junk, cookie=f"kraken_uid={unit}")
                self.assertEqual(resp.json()["fetch"], plain.json()["fetch"])
        self.assertEqual(len(self.fetches(path)), 1)

    def test_new_visitor_gets_the_minted_cookie_and_the_cache_does_not(self):
        path = "/destinations/kyoto"
        first = self.get(path)
        cookies = first.header_all("Set-Cookie")
        self.assertEqual(len(cookies), 1)
        unit = SET_COOKIE.fullmatch(cookies[0]).group(1)
        self.assertEqual(first.json()["key"], oracle_key(unit, "destination"))

        # The same visitor back with its cookie: a hit on the object the first response was
        # built from, and no cookie comes with it, so the cookie is not in the cached object.
        again = self.get(path, cookie=f"kraken_uid={unit}")
        self.assertEqual(again.json()["fetch"], first.json()["fetch"])
        self.assertIsNone(again.header("Set-Cookie"))
        # The next new visitor gets a cookie of its own.
        other = self.get(path)
        (other_cookie,) = other.header_all("Set-Cookie")
        self.assertNotEqual(SET_COOKIE.fullmatch(other_cookie).group(1), unit)
        self.assertEqual(len(self.fetches(path)), len({f.key for f in self.fetches(path)}))

    def test_other_routes_do_not_go_through_kraken(self):
        for method, path in (("GET", "/assets/app.js"), ("GET", "/api/search?q=rome"),
                             ("GET", "/destinations"), ("POST", "/")):
            with self.subTest(method=method, path=path):
                before = len(self.fetches(path))
                resp = self.get(path, method=method, cookie="session=s1",
                                headers={"Kraken-Assignments": "exp:spoofed=yes"})
                fetch = self.fetches(path)[before]
                self.assertIsNone(fetch.key)
                self.assertEqual(fetch.headers.get("cookie"), "session=s1")
                self.assertIsNone(resp.header("Set-Cookie"), "Kraken was not asked")
                self.assertEqual(resp.header("Cache-Control"), "max-age=300")


class FailOpenTest(EdgeCase):
    """Kraken stopped or hanging: pages still come, quickly, under the default (empty) key."""

    @classmethod
    def setUpClass(cls):
        cls.stack = EdgeStack().start()
        cls.addClassCleanup(cls.stack.stop)

    def assert_live(self, path):
        resp = self.get(path)
        self.assertTrue(resp.json()["key"], "Kraken answers with a key")
        self.assertIsNotNone(resp.header("Set-Cookie"))

    def assert_fails_open(self, path, min_seconds=0.0):
        budget = self.stack.kraken_timeout("connect_timeout", "first_byte_timeout")
        self.assertLessEqual(budget, 1.0, "Kraken's timeouts in the VCL must stay short")
        first = self.get(path)
        known = self.get(path, cookie="kraken_uid=returning-visitor")
        for resp in (first, known):
            self.assertEqual(resp.json()["key"], "", "served under the default key")
            self.assertIsNone(resp.header("Set-Cookie"))
            self.assertGreaterEqual(resp.elapsed, min_seconds)
            # Slack for a loaded CI machine; without the VCL's timeouts this would be 60 s.
            self.assertLess(resp.elapsed, budget + 2.0)
        self.assertEqual(first.json()["fetch"], known.json()["fetch"], "one default object")
        self.assertEqual([f.key for f in self.fetches(path)], [""])

    def test_kraken_stopped(self):
        self.assert_live("/deals?before=stop")
        self.stack.kraken.stop()
        try:
            self.assert_fails_open("/deals?while=stopped")
        finally:
            self.stack.kraken.start()
        # After a refused connection varnishd holds the backend down for
        # backend_remote_error_holddown (0.25 s by default): wait it out, then Kraken is live.
        time.sleep(0.5)
        self.assert_live("/deals?after=restart")

    def test_kraken_hanging_costs_at_most_the_first_byte_timeout(self):
        self.stack.kraken.stop()
        hole = Blackhole(self.stack.kraken_port)
        try:
            first_byte = self.stack.kraken_timeout("first_byte_timeout")
            self.assert_fails_open("/hotels/hanging", min_seconds=first_byte * 0.9)
        finally:
            hole.stop()
            self.stack.kraken.start()
        time.sleep(0.5)  # varnishd's backend hold-down, as in test_kraken_stopped
        self.assert_live("/hotels/after-hang")


if __name__ == "__main__":
    unittest.main()
