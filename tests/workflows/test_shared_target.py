"""Two copies of the repository and one CARGO_TARGET_DIR: a codegen binary built in one copy and
run in the other reads and writes the copy it runs in, never the one it was built in.

Codegen finds its default paths at run time (the checkout holding the current directory), not
from `env!("CARGO_MANIFEST_DIR")` at build time; with a shared target dir (a second clone, a
worktree, CI caches) the binary built last is the one every copy runs.
"""

import json
import os
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GENERATED = "kraken/src/generated/config.rs"


def copy_repository(dest):
    """The work tree's files (tracked and new, not ignored), as they are now."""
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           cwd=ROOT, check=True, capture_output=True).stdout.split(b"\0")
    for name in filter(None, (f.decode() for f in files)):
        source = ROOT / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)


class SharedTargetDirTest(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory(prefix="kraken-shared-target-")
        self.addCleanup(tmp.cleanup)
        self.tmp = Path(tmp.name)
        self.a, self.b = self.tmp / "a", self.tmp / "b"
        for copy in (self.a, self.b):
            copy_repository(copy)
        self.env = {**os.environ, "CARGO_TARGET_DIR": str(self.tmp / "target")}

    def cargo_codegen(self, cwd, *args):
        return subprocess.run(["cargo", "run", "--quiet", "--package", "codegen", "--", *args],
                              cwd=cwd, env=self.env, capture_output=True, text=True, timeout=1200)

    def binary(self, cwd, *args):
        return subprocess.run([str(self.tmp / "target/debug/codegen"), *args],
                              cwd=cwd, capture_output=True, text=True)

    def change_traffic(self, copy):
        """One live experiment's traffic changed in `copy`'s config."""
        path = copy / "config/experiments.json"
        doc = json.loads(path.read_text(encoding="utf-8"))
        page_types = json.loads((copy / "config/edge.json").read_text(encoding="utf-8"))["page_types"]
        experiment = next(e for e in doc["experiments"] if e.get("status") == "running"
                          and "web" in e.get("platforms", []) and e.get("traffic", 0) > 1
                          and set(e.get("page_types", [])) & set(page_types))
        experiment["traffic"] -= 1
        path.write_text(json.dumps(doc, indent=2), encoding="utf-8")

    def test_each_copy_reads_and_writes_only_its_own_files(self):
        original = (ROOT / GENERATED).read_bytes()
        ours = {p: p.read_bytes() for p in (ROOT / "config").iterdir() if p.is_file()}

        # Built in a (a clean copy, so check passes there), then run in b after b's config moved.
        built = self.cargo_codegen(self.a, "check")
        self.assertEqual(built.returncode, 0, built.stderr)
        self.change_traffic(self.b)
        run = self.binary(self.b / "kraken", "generate", "--json")
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(json.loads(run.stdout)["status"], "written")
        self.assertNotEqual((self.b / GENERATED).read_bytes(), original, "b's tables regenerated")
        self.assertEqual((self.a / GENERATED).read_bytes(), original, "a, where it was built, untouched")
        self.assertEqual(self.binary(self.b, "check").returncode, 0)

        # Rebuilt from b into the same target dir: now run in a, it sees a's config, not b's.
        rebuilt = self.cargo_codegen(self.b, "check")
        self.assertEqual(rebuilt.returncode, 0, rebuilt.stderr)
        check = self.binary(self.a, "check", "--json")
        self.assertEqual(check.returncode, 0, check.stderr)
        self.assertEqual(json.loads(check.stdout)["status"], "up to date")
        self.assertEqual((self.a / GENERATED).read_bytes(), original)

        # This checkout was never read for defaults nor written.
        self.assertEqual((ROOT / GENERATED).read_bytes(), original)
        self.assertEqual({p: p.read_bytes() for p in (ROOT / "config").iterdir() if p.is_file()}, ours)


if __name__ == "__main__":
    unittest.main()
