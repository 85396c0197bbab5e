"""Keeps fastly.vcl and varnish.vcl in step, since only the Varnish one runs in a test here.

Fastly VCL cannot be compiled on this machine; these checks compare what both files must
agree on (routes, timeouts, override parameters, headers they reset and keep from the origin,
surrogate keys, log fields), that the install commands in docs/operations.md configure what
the VCL expects, and that varnishd compiles its file.
"""

import json
import re
import subprocess
import unittest

from stack import REPO, find_program, vcl_duration

VCL_DIR = REPO / "kraken" / "vcl"
FASTLY = (VCL_DIR / "fastly.vcl").read_text()
VARNISH = (VCL_DIR / "varnish.vcl").read_text()
OPERATIONS = (REPO / "docs" / "operations.md").read_text()


def sub_body(vcl, name):
    """Text of `sub name { ... }`: braces balanced outside strings ("...", {"..."}) and comments."""
    start = re.search(r"\bsub\s+" + name + r"\s*\{", vcl)
    assert start, f"sub {name} not found"
    depth, i = 1, start.end()
    while depth:
        if vcl.startswith('{"', i):
            i = vcl.index('"}', i + 2) + 2
        elif vcl[i] == '"':
            i = vcl.index('"', i + 1) + 1
        elif vcl[i] == "#":
            i = vcl.index("\n", i)
        else:
            depth += {"{": 1, "}": -1}.get(vcl[i], 0)
            i += 1
    return vcl[start.end():i - 1]


def routes(vcl):
    body = sub_body(vcl, "kraken_route")
    return re.findall(r'req\.url ~ "([^"]+)"\)\s*\{\s*set req\.http\.Kraken-Page-Type = "([^"]+)"', body)


def restart0_unsets(vcl):
    return set(re.findall(r"unset req\.http\.(Kraken-[A-Za-z-]+);", sub_body(vcl, "vcl_recv")))


def origin_unsets(vcl, sub):
    return set(re.findall(r"unset bereq\.http\.([A-Za-z-]+);", sub_body(vcl, sub)))


def log_fields(vcl):
    """The JSON field names the log line's strings spell out."""
    return set(re.findall(r'"(\w+)":', sub_body(vcl, "kraken_log_line")))


def fail_reasons(vcl, sub):
    return set(re.findall(r'Kraken-Fail-Reason = "([a-z-]+)"', sub_body(vcl, sub)))


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
        expected = {"Kraken-Assignments", "Kraken-Country", "Kraken-Device", "Kraken-Host",
                    "Kraken-Log", "Kraken-Page-Type", "Kraken-Set-Cookie", "Kraken-State"}
        self.assertEqual(restart0_unsets(FASTLY), expected)
        self.assertEqual(restart0_unsets(VARNISH), expected)

    def test_both_keep_the_same_headers_from_the_origin(self):
        # Every request header the VCL sets, except the key itself, stays at the edge.
        expected = {"Cookie", "Kraken-Country", "Kraken-Device", "Kraken-Host", "Kraken-Log",
                    "Kraken-Page-Type", "Kraken-Set-Cookie", "Kraken-State"}
        self.assertEqual(origin_unsets(FASTLY, "kraken_origin_request"), expected)
        self.assertEqual(origin_unsets(VARNISH, "vcl_backend_fetch"), expected)

    def test_same_log_fields_and_fail_open_reasons(self):
        fields = {"event", "state", "reason", "page_type", "config", "pop", "minted", "key_len",
                  "kraken_ms"}
        self.assertEqual(log_fields(FASTLY), fields)
        self.assertEqual(log_fields(VARNISH), fields)
        self.assertNotIn("Kraken-Unit", sub_body(FASTLY, "kraken_log_line"))
        # Varnish cannot tell an unhealthy backend (it has no probe) nor other errors apart.
        self.assertEqual(fail_reasons(FASTLY, "vcl_error"), {"timeout", "refused", "unhealthy", "error"})
        self.assertEqual(fail_reasons(VARNISH, "vcl_backend_error"), {"timeout", "refused"})
        self.assertIn('log "syslog " req.service_id " kraken-edge :: " req.http.Kraken-Log;',
                      sub_body(FASTLY, "vcl_log"))

    def test_same_surrogate_keys(self):
        for vcl in (FASTLY, VARNISH):
            body = sub_body(vcl, "kraken_surrogate_keys")
            self.assertIn('"url:"', body)
            self.assertIn('"page-type:"', body)
            self.assertIn("1024", body)

    def install_command(self, command):
        """The documented `fastly ...` command (continued lines joined) from docs/operations.md."""
        text = OPERATIONS.replace("\\\n", " ")
        found = re.findall(r"^" + re.escape(command) + r" .*$", text, re.M)
        self.assertEqual(len(found), 1, f"docs/operations.md documents `{command}` once")
        return found[0]

    def test_the_compute_domain_is_the_one_the_docs_configure(self):
        domain = re.search(r'set bereq\.http\.Host = "([^"]+)";',
                           sub_body(VARNISH, "kraken_backend_host"))[1]
        backend = self.install_command("fastly service backend create")
        for flag in ("--address", "--override-host", "--ssl-sni-hostname"):
            self.assertIn(f"{flag} {domain} ", backend + " ")
        domain_create = self.install_command("fastly service domain create")
        self.assertIn(f"--name {domain}", domain_create)
        # The backend's timeouts are the VCL's.
        for flag, name in (("--connect-timeout", "connect_timeout"),
                           ("--first-byte-timeout", "first_byte_timeout"),
                           ("--between-bytes-timeout", "between_bytes_timeout")):
            ms = int(re.search(flag + r" (\d+)", backend)[1])
            self.assertAlmostEqual(ms / 1000, vcl_duration(VARNISH, "kraken", name))

    def test_the_documented_health_check_starts_healthy(self):
        # Fastly starts a backend with `initial` good probes: below `threshold` it would be
        # unhealthy after every activation until enough probes passed, failing every page open.
        check = self.install_command("fastly service healthcheck create")
        flags = dict(re.findall(r"--(initial|threshold|window|name) (\S+)", check))
        self.assertGreaterEqual(int(flags["initial"]), int(flags["threshold"]))
        self.assertLessEqual(int(flags["threshold"]), int(flags["window"]))
        self.assertIn(f"--healthcheck {flags['name']}", self.install_command("fastly service backend create"))

    def test_the_log_endpoint_is_the_one_vcl_log_names(self):
        endpoint = re.search(r'" (\S+) :: "', sub_body(FASTLY, "vcl_log"))[1]
        logging = self.install_command("fastly service logging grafanacloudlogs create")
        self.assertIn(f"--name {endpoint} ", logging)
        self.assertIn("--placement none", logging, "the VCL logs itself, Fastly adds no log call")

    def test_the_docs_use_the_cli_16_command_names(self):
        # Hidden aliases in CLI 16 (`fastly --help` lists none of them; `fastly service ...`
        # holds their current names).
        for old in ("fastly backend ", "fastly healthcheck ", "fastly vcl ", "fastly purge ",
                    "fastly logging ", "fastly service-version "):
            for name, text in (("docs/operations.md", OPERATIONS),
                               ("kraken/vcl/README.md", (VCL_DIR / "README.md").read_text())):
                self.assertNotIn(old, text, f"{name}: `{old.strip()}` is deprecated")

    def test_restarts_stay_within_fastlys_limit(self):
        # A landing page: the preflight's restart, then at most one origin retry: 2 of 3.
        fetch = sub_body(FASTLY, "vcl_fetch")
        self.assertIn("set var.origin_restarts -= 1;", fetch)
        self.assertIn("var.origin_restarts < 1", fetch)
        self.assertEqual(FASTLY.count("restart;"), 2)

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
