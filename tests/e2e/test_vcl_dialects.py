"""Keeps fastly.vcl and varnish.vcl in step, since only the Varnish one runs in a test here.

Fastly VCL cannot be compiled on this machine; these checks compare what both files must
agree on (routes, timeouts, override parameters, headers they reset) and that varnishd
compiles its file.
"""

import json
import re
import subprocess
import unittest

from stack import REPO, find_program, vcl_duration

VCL_DIR = REPO / "kraken" / "vcl"
FASTLY = (VCL_DIR / "fastly.vcl").read_text()
VARNISH = (VCL_DIR / "varnish.vcl").read_text()


def sub_body(vcl, name):
    """Text of `sub name { ... }` (braces balanced)."""
    start = re.search(r"\bsub\s+" + name + r"\s*\{", vcl)
    assert start, f"sub {name} not found"
    depth, i = 1, start.end()
    while depth:
        depth += {"{": 1, "}": -1}.get(vcl[i], 0)
        i += 1
    return vcl[start.end():i - 1]


def routes(vcl):
    body = sub_body(vcl, "kraken_route")
    return re.findall(r'req\.url ~ "([^"]+)"\)\s*\{\s*set req\.http\.Kraken-Page-Type = "([^"]+)"', body)


def restart0_unsets(vcl):
    return set(re.findall(r"unset req\.http\.(Kraken-[A-Za-z-]+);", sub_body(vcl, "vcl_recv")))


class DialectsTest(unittest.TestCase):
    def test_same_routes_and_they_cover_the_edge_page_types(self):
        self.assertEqual(routes(FASTLY), routes(VARNISH))
        edge = json.loads((REPO / "config" / "edge.json").read_text())["page_types"]
        self.assertEqual(sorted({pt for _, pt in routes(VARNISH)}), sorted(edge),
                         "every page type of config/edge.json needs a route, and only those")

    def test_same_kraken_timeouts(self):
        fastly = dict(re.findall(r"set bereq\.(\w+_timeout) = ([0-9]+ms);", FASTLY))
        for name in ("connect_timeout", "first_byte_timeout", "between_bytes_timeout"):
            with self.subTest(name=name):
                self.assertAlmostEqual(
                    int(fastly[name][:-2]) / 1000, vcl_duration(VARNISH, "kraken", name))

    def test_same_override_parameters_dropped_from_the_url(self):
        fastly = re.search(r'querystring\.filter\(req\.url, "(\w+)" \+ querystring\.filtersep\(\) \+ "(\w+)"\)',
                           FASTLY).groups()
        varnish = re.search(r"\((\w+)\|(\w+)\)\(=", sub_body(VARNISH, "kraken_strip_overrides")).groups()
        self.assertEqual(sorted(fastly), sorted(varnish))
        self.assertEqual(sorted(varnish), ["flags", "variants"])

    def test_both_reset_the_same_request_headers(self):
        expected = {"Kraken-Assignments", "Kraken-Page-Type", "Kraken-Set-Cookie", "Kraken-State"}
        self.assertEqual(restart0_unsets(FASTLY), expected)
        self.assertEqual(restart0_unsets(VARNISH), expected)

    def test_fastly_keeps_the_generation_in_the_hash_and_strips_kraken_headers(self):
        self.assertIn("set req.hash += req.vcl.generation;", sub_body(FASTLY, "vcl_hash"))
        self.assertIn("unset resp.http.Kraken-*;", sub_body(FASTLY, "vcl_deliver"))
        for macro in ("recv", "hash", "hit", "miss", "pass", "fetch", "error", "deliver", "log"):
            self.assertIn(f"#FASTLY {macro}\n", FASTLY)

    def test_varnish_vcl_compiles(self):
        result = subprocess.run([find_program("varnishd"), "-C", "-f", str(VCL_DIR / "varnish.vcl")],
                                capture_output=True, text=True)
        self.assertEqual(result.returncode, 0, result.stderr[-2000:])


if __name__ == "__main__":
    unittest.main()
