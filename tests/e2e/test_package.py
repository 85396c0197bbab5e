"""scripts/package makes the package deploy.yml ships, and that package's wasm serves keys.

The test opens the tarball the way Fastly does (manifest + bin/main.wasm under the package's
name), serves that very wasm under Viceroy with the manifest it carries, and checks the keys
against the Python reference (tests/reference/kraken_ref.py).
"""

import http.client
import subprocess
import sys
import tarfile
import tempfile
import tomllib
import unittest
from pathlib import Path

from stack import REPO, WASM, Kraken

sys.path.insert(0, str(REPO / "tests" / "reference"))
import kraken_ref  # noqa: E402

PACKAGE = REPO / "scripts" / "package"
CONFIG = kraken_ref.load(str(REPO / "config"), growthbook=True)


class PackageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # --no-build: scripts/test (and the e2e suite) have built the release wasm already.
        run = subprocess.run([str(PACKAGE), "--no-build"], capture_output=True, text=True,
                             timeout=300)
        if run.returncode != 0:
            raise AssertionError(f"scripts/package failed:\n{run.stderr[-2000:]}")
        cls.stdout = run.stdout
        cls.path = Path(run.stdout.strip())
        cls.tmp = tempfile.TemporaryDirectory(prefix="kraken-package-")
        cls.addClassCleanup(cls.tmp.cleanup)
        with tarfile.open(cls.path, "r:gz") as tar:
            cls.members = {m.name: m for m in tar.getmembers()}
            tar.extractall(cls.tmp.name, filter="data")
        cls.root = Path(cls.tmp.name)

    def test_prints_only_the_package_path(self):
        self.assertEqual(self.stdout.count("\n"), 1)
        self.assertTrue(self.path.is_absolute())
        self.assertEqual(self.path, REPO / "kraken" / "pkg" / "kraken.tar.gz")

    def test_holds_the_manifest_and_the_release_wasm(self):
        files = sorted(name for name, m in self.members.items() if m.isfile())
        self.assertEqual(files, ["kraken/bin/main.wasm", "kraken/fastly.toml"])
        manifest = tomllib.loads((self.root / "kraken" / "fastly.toml").read_text())
        self.assertEqual(manifest["name"], "kraken")
        self.assertEqual(manifest["language"], "rust")
        self.assertEqual(manifest["manifest_version"], 3)
        self.assertEqual((self.root / "kraken" / "fastly.toml").read_bytes(),
                         (REPO / "kraken" / "fastly.toml").read_bytes())
        self.assertEqual((self.root / "kraken" / "bin" / "main.wasm").read_bytes(),
                         WASM.read_bytes(), "the package ships the wasm scripts/test built")

    def test_the_packaged_wasm_serves_correct_keys(self):
        kraken = Kraken(self.root, wasm=self.root / "kraken" / "bin" / "main.wasm",
                        manifest=self.root / "kraken" / "fastly.toml").start()
        self.addCleanup(kraken.stop)
        cases = (  # (cookie, Kraken-Host, page type, query)
            ("kraken_uid=0123456789abcdef0123456789abcdef", "www.example.ie", "home", None),
            ("kraken_uid=package-test", "www.example.com", "hotel", "flags=new-nav:on"),
            ("other=1; kraken_uid=another-visitor", "staging.example.de:443", "deals", None),
        )
        for cookie, host, page_type, query in cases:
            with self.subTest(host=host, page_type=page_type):
                conn = http.client.HTTPConnection("127.0.0.1", kraken.port, timeout=30)
                target = "/" + (f"?{query}" if query else "")
                conn.request("GET", target, headers={
                    "Host": "kraken-example.edgecompute.app", "Kraken-Host": host,
                    "Kraken-Page-Type": page_type, "Cookie": cookie})
                resp = conn.getresponse()
                resp.read()
                conn.close()
                self.assertEqual(resp.status, 200)
                expected = kraken_ref.assign(CONFIG, cookie, "kraken-example.edgecompute.app",
                                             page_type, query, minted_unit=None,
                                             kraken_host_header=host, target=target)["key"]
                self.assertEqual(resp.getheader("Kraken-Assignments"), expected)
                self.assertRegex(resp.getheader("Server-Timing"), r"^kraken;dur=[0-9]+\.[0-9]{3}$")


if __name__ == "__main__":
    unittest.main()
