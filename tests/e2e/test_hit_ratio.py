"""scripts/hit-ratio runs as docs/edge.md says and its numbers add up."""

import json
import subprocess
import sys
import unittest

from stack import REPO


class HitRatioTest(unittest.TestCase):
    def test_small_run_reports_consistent_numbers(self):
        result = subprocess.run(
            [sys.executable, str(REPO / "scripts" / "hit-ratio"), "--visitors", "300",
             "--path", "/deals", "--seed", "7", "--no-build", "--json"],
            capture_output=True, text=True, timeout=120,
        )
        self.assertEqual(result.returncode, 0, result.stderr[-2000:])
        report = json.loads(result.stdout)
        self.assertEqual(report["requests"], 300)
        self.assertEqual(report["served"], 300)
        self.assertEqual(report["failed"], {})
        self.assertEqual(report["default_key"], 0, "Kraken answered every visitor")
        # One URL and a long TTL: the origin is asked exactly once per key.
        self.assertEqual(report["origin_fetches"], report["distinct_keys"])
        self.assertGreater(report["distinct_keys"], 1)
        self.assertLess(report["distinct_keys"], 300, "visitors share cached pages")
        self.assertAlmostEqual(report["hit_ratio"], 1 - report["distinct_keys"] / 300)


if __name__ == "__main__":
    unittest.main()
