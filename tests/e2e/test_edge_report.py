"""scripts/edge-report on lines whose figures are known: percentiles, rates, prefixes, junk.

The live check (lines from varnishd while Kraken is up, down, hanging and broken) is
EdgeLogTest in test_edge.py; this one pins the arithmetic.
"""

import json
import random
import subprocess
import sys
import unittest

from stack import REPO

EDGE_REPORT = REPO / "scripts" / "edge-report"


def assigned(ms, minted=False, page_type="hotel"):
    return json.dumps({"event": "kraken_preflight", "state": "assigned", "page_type": page_type,
                       "config": "abc123", "pop": "FRA", "minted": minted, "key_len": 10,
                       "kraken_ms": ms}, separators=(",", ":"))


def fail_open(reason, page_type="deals"):
    return json.dumps({"event": "kraken_preflight", "state": "fail-open", "reason": reason,
                       "page_type": page_type, "pop": "FRA", "minted": False, "key_len": 0},
                      separators=(",", ":"))


def report(lines, *args):
    run = subprocess.run([sys.executable, str(EDGE_REPORT), *args], input="\n".join(lines) + "\n",
                         capture_output=True, text=True, timeout=60)
    if run.returncode != 0:
        raise AssertionError(run.stderr)
    return run.stdout


class EdgeReportTest(unittest.TestCase):
    def lines(self):
        # 100 assigned with in-main times 0.01 .. 1.00 ms (shuffled), 5 minted; 10 fail-opens.
        times = [round(0.01 * i, 2) for i in range(1, 101)]
        random.Random(3).shuffle(times)
        lines = [assigned(ms, minted=i < 5) for i, ms in enumerate(times)]
        lines += [fail_open("timeout")] * 6 + [fail_open("refused")] * 3 + [fail_open("status-500")]
        # What a log endpoint or varnishlog puts around them, and lines that are not ours.
        lines = [f"<134>2026-12-01T09:00:00Z cache-fra-1 kraken-edge[1]: {line}" if i % 3 == 0
                 else f"   32770 VCL_Log        c kraken-edge: {line}" if i % 3 == 1 else line
                 for i, line in enumerate(lines)]
        return lines + ["GET /deals 200", '{"event":"other"}', ""]

    def test_counts_rates_and_nearest_rank_percentiles(self):
        got = json.loads(report(self.lines(), "--json"))
        self.assertEqual(got["requests"], 110)
        self.assertEqual(got["assigned"], 100)
        self.assertEqual(got["fail_open"], 10)
        self.assertAlmostEqual(got["fail_open_rate"], 10 / 110)
        self.assertEqual(got["fail_open_by_reason"], {"refused": 3, "status-500": 1, "timeout": 6})
        self.assertAlmostEqual(got["fail_open_rate_by_reason"]["timeout"], 6 / 110)
        self.assertEqual(got["minted"], 5)
        self.assertEqual(got["page_types"], {"deals": 10, "hotel": 100})
        self.assertEqual(got["configs"], {"abc123": 100})
        self.assertEqual(got["in_main_ms"], {"count": 100, "p50": 0.5, "p95": 0.95, "p99": 0.99,
                                             "max": 1.0})
        self.assertEqual(got["unreadable"], 0)

    def test_a_cut_line_is_reported_not_counted(self):
        got = json.loads(report([assigned(0.2), assigned(0.3)[:40]], "--json"))
        self.assertEqual((got["requests"], got["unreadable"]), (1, 1))

    def test_the_table_shows_the_same_figures(self):
        text = report(self.lines())
        self.assertRegex(text, r"preflights\s+110\n")
        self.assertRegex(text, r"fail-open\s+10\s+9\.1%\n")
        self.assertRegex(text, r"  timeout\s+6\s+5\.5%\n")
        self.assertIn("in-main ms      p50 0.500  p95 0.950  p99 0.990  max 1.000  (over 100)", text)


if __name__ == "__main__":
    unittest.main()
