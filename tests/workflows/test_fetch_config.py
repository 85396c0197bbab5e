"""scripts/fetch-config against a loopback HTTP "platform", in a scratch clone of this repository.

Each test clones the repository into a temp dir, serves config from 127.0.0.1 and runs the script
there: a commit must appear exactly when the content changed, name what changed, and a bad
download must leave the clone as it was. Codegen is this work tree's (already built in its own
target dir): sharing a target dir with a clone would swap the binary under other cargo users.
"""

import json
import os
import shlex
import subprocess
import tempfile
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "fetch-config"
CODEGEN = ["cargo", "run", "--quiet", "--package", "codegen",
           "--manifest-path", str(ROOT / "Cargo.toml"), "--"]
GENERATED = ["--config", "config", "--out", "kraken/src/generated/config.rs"]
AUTH = ("X-Platform-Token", "s3cret-token-value")
BOT = "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>"


class Platform:
    """A loopback server: path -> (status, body); records the headers of every request."""

    def __init__(self):
        self.routes, self.seen = {}, []
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                platform.seen.append((self.path, dict(self.headers)))
                status, body = platform.routes.get(self.path, (404, b"not found"))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def serve(self, experiments, site_features):
        for path, doc in (("/experiments.json", experiments), ("/site-features.json", site_features)):
            body = doc if isinstance(doc, bytes) else json.dumps(doc, indent=2).encode()
            self.routes[path] = (200, body)

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def git(repo, *args):
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def live(experiment, page_types):
    """Whether codegen keeps this experiment (SPEC section 2)."""
    return (experiment.get("status") == "running" and "web" in experiment.get("platforms", [])
            and set(experiment.get("page_types", [])) & set(page_types) and experiment.get("traffic", 0) > 0)


class FetchConfigTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # Built once here so the first test does not time a compile.
        subprocess.run([*CODEGEN, "--help"], check=True, capture_output=True)

    def setUp(self):
        tmp = tempfile.TemporaryDirectory(prefix="kraken-fetch-test-")
        self.addCleanup(tmp.cleanup)
        self.repo = Path(tmp.name) / "clone"
        subprocess.run(["git", "-c", "advice.detachedHead=false", "clone", "--quiet",
                        str(ROOT), str(self.repo)], check=True)
        git(self.repo, "config", "user.name", "Test")
        git(self.repo, "config", "user.email", "test@example.invalid")
        # The clone holds the last commit; bring its tables in line with this work tree's codegen.
        subprocess.run([*CODEGEN, "generate", *GENERATED], cwd=self.repo, check=True,
                       capture_output=True)
        if git(self.repo, "status", "--porcelain"):
            git(self.repo, "commit", "--quiet", "-am", "test baseline: tables from the work tree's codegen")
        self.platform = Platform()
        self.addCleanup(self.platform.close)
        self.outputs = Path(tmp.name) / "github-output"
        self.experiments = self.load("experiments.json")
        self.site_features = self.load("site-features.json")
        self.page_types = self.load("edge.json")["page_types"]

    def load(self, name):
        return json.loads((self.repo / "config" / name).read_text(encoding="utf-8"))

    def fetch(self, *args):
        env = {
            **os.environ,
            "KRAKEN_EXPERIMENTS_URL": self.platform.url("/experiments.json"),
            "KRAKEN_SITE_FEATURES_URL": self.platform.url("/site-features.json"),
            "KRAKEN_PLATFORM_AUTH": f"{AUTH[0]}: {AUTH[1]}",
            "KRAKEN_CODEGEN": shlex.join(CODEGEN),
            "KRAKEN_FETCH_ATTEMPTS": "1",
            "GITHUB_OUTPUT": str(self.outputs),
        }
        env.pop("GITHUB_STEP_SUMMARY", None)
        return subprocess.run([str(SCRIPT), *args], cwd=self.repo, env=env, capture_output=True, text=True,
                              timeout=600)

    def head(self):
        return git(self.repo, "rev-parse", "HEAD").strip()

    def assert_untouched(self, head):
        self.assertEqual(self.head(), head, "no commit may appear")
        self.assertEqual(git(self.repo, "status", "--porcelain", "--untracked-files=all"), "",
                         "the work tree must be left as it was")

    def output(self, name):
        values = dict(line.split("=", 1) for line in self.outputs.read_text().splitlines())
        return values[name]

    def live_keys(self):
        return [e["key"] for e in self.experiments["experiments"] if live(e, self.page_types)]

    def test_only_a_new_generated_at_makes_no_commit(self):
        head = self.head()
        self.experiments["generated_at"] = "2031-01-01T00:00:00Z"
        self.platform.serve(self.experiments, self.site_features)
        run = self.fetch()
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertIn("no change", run.stdout)
        self.assert_untouched(head)
        self.assertEqual(self.output("changed"), "false")
        self.assertEqual([p for p, _ in self.platform.seen], ["/experiments.json", "/site-features.json"])
        for _, headers in self.platform.seen:
            self.assertEqual(headers.get(AUTH[0]), AUTH[1], "the auth header goes with every request")
        self.assertNotIn(AUTH[1], run.stdout + run.stderr, "the secret is never printed")

    def test_changed_config_is_committed_once_with_a_message_naming_the_changes(self):
        head = self.head()
        old_digest = self.digest()
        exps = self.experiments["experiments"]
        changed_key, removed_key = self.live_keys()[:2]
        changed = next(e for e in exps if e["key"] == changed_key)
        changed["traffic"] = 1 if changed["traffic"] != 1 else 2
        exps.remove(next(e for e in exps if e["key"] == removed_key))
        exps.append({"key": "fetch-test-new", "status": "running", "platforms": ["web"],
                     "page_types": [self.page_types[0]], "traffic": 5000,
                     "variations": [{"key": "control", "weight": 5000}, {"key": "b", "weight": 5000}]})
        flag = next(f for f in self.site_features["flags"] if f.get("edge") is True)
        flag["default"] = next(v for v in flag["values"] if v != flag["default"])
        self.experiments["generated_at"] = "2031-01-01T00:30:00Z"
        self.platform.serve(self.experiments, self.site_features)

        run = self.fetch()
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(git(self.repo, "rev-list", "--count", f"{head}..HEAD").strip(), "1")
        self.assertEqual(git(self.repo, "status", "--porcelain"), "", "everything fetched is committed")
        message = git(self.repo, "log", "-1", "--format=%B")
        subject = message.splitlines()[0]
        self.assertEqual(subject, "config: 1 experiment added, 1 removed, 1 changed; 1 flag changed")
        self.assertIn("Experiments added (1): fetch-test-new", message)
        self.assertIn(f"Experiments removed (1): {removed_key}", message)
        self.assertRegex(message, rf"{changed_key}: traffic \d+ -> \d+")
        self.assertRegex(message, rf"Flags changed \(1\):\n  {flag['key']}: "
                                  rf"default \"[^\"]+\" -> \"{flag['default']}\"")
        new_digest = self.digest()
        self.assertNotEqual(new_digest, old_digest)
        self.assertIn(f"digest {old_digest} -> {new_digest}", message)
        self.assertEqual(git(self.repo, "log", "-1", "--format=%an <%ae>").strip(), BOT)
        self.assertEqual(sorted(git(self.repo, "diff", "--name-only", head, "HEAD").split()),
                         ["config/experiments.json", "config/site-features.json",
                          "kraken/js/npm/config.d.ts", "kraken/src/generated/config.rs"])
        # What was committed is byte for byte what the platform sent.
        self.assertEqual((self.repo / "config/experiments.json").read_bytes(),
                         self.platform.routes["/experiments.json"][1])
        self.assertEqual(self.output("changed"), "true")
        self.assertEqual(self.output("commit"), self.head())
        self.assertEqual(self.output("digest"), new_digest)
        check = subprocess.run([*CODEGEN, "check", *GENERATED], cwd=self.repo,
                               capture_output=True, text=True)
        self.assertEqual(check.returncode, 0, check.stderr)

        # The same config again (a new export timestamp only): nothing more to commit.
        after = self.head()
        self.experiments["generated_at"] = "2031-01-01T01:00:00Z"
        self.platform.serve(self.experiments, self.site_features)
        again = self.fetch()
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assert_untouched(after)

    def test_metadata_only_change_is_committed_with_edge_tables_unchanged(self):
        head, digest = self.head(), self.digest()
        generated = (self.repo / "kraken/src/generated/config.rs").read_bytes()
        key = self.live_keys()[0]
        experiment = next(e for e in self.experiments["experiments"] if e["key"] == key)
        experiment["owner"] = "team-fetch-test"
        self.platform.serve(self.experiments, self.site_features)
        run = self.fetch()
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertNotEqual(self.head(), head)
        message = git(self.repo, "log", "-1", "--format=%B")
        self.assertEqual(message.splitlines()[0], "config: 1 experiment changed (edge tables unchanged)")
        self.assertIn(f'{key}: owner "', message)
        self.assertIn(f"Edge tables: unchanged (digest {digest})", message)
        self.assertEqual((self.repo / "kraken/src/generated/config.rs").read_bytes(), generated)

    def test_invalid_config_leaves_the_clone_untouched_with_a_clear_error(self):
        head = self.head()
        index, experiment = next((i, e) for i, e in enumerate(self.experiments["experiments"])
                                 if live(e, self.page_types))
        experiment["variations"][0]["weight"] += 1
        self.platform.serve(self.experiments, self.site_features)
        run = self.fetch()
        self.assertEqual(run.returncode, 1, run.stdout + run.stderr)
        self.assertIn(f"downloaded/experiments.json: experiments[{index}].variations", run.stderr)
        self.assertIn("the downloaded config is invalid", run.stderr)
        self.assertIn("config/ and kraken/src/generated/ were left untouched", run.stderr)
        self.assert_untouched(head)
        self.assertFalse(self.outputs.exists(), "no outputs: the job fails before any commit")

    def test_a_response_that_is_not_json_is_refused(self):
        head = self.head()
        self.platform.serve(self.experiments, b"<html><body>Please log in</body></html>")
        run = self.fetch()
        self.assertEqual(run.returncode, 1, run.stdout + run.stderr)
        self.assertIn("downloaded/site-features.json", run.stderr)
        self.assertIn("the downloaded config is invalid", run.stderr)
        self.assert_untouched(head)

    def test_an_http_error_is_refused_and_names_the_url(self):
        head = self.head()
        self.platform.serve(self.experiments, self.site_features)
        self.platform.routes["/site-features.json"] = (401, b'{"error": "unauthorized"}')
        run = self.fetch()
        self.assertEqual(run.returncode, 1, run.stdout + run.stderr)
        url = self.platform.url("/site-features.json")
        self.assertIn(f"could not download site-features.json from {url}: HTTP 401", run.stderr)
        self.assert_untouched(head)

    def test_local_edits_to_fetched_files_are_not_overwritten(self):
        path = self.repo / "config/site-features.json"
        path.write_text(path.read_text() + "\n")
        self.platform.serve(self.experiments, self.site_features)
        run = self.fetch()
        self.assertEqual(run.returncode, 2, run.stdout + run.stderr)
        self.assertIn("local changes in config/", run.stderr)
        self.assertEqual(self.platform.seen, [], "refused before downloading")

    def digest(self):
        text = (self.repo / "kraken/src/generated/config.rs").read_text()
        return next(line.split('"')[1] for line in text.splitlines() if line.startswith("pub const DIGEST"))


if __name__ == "__main__":
    unittest.main()
