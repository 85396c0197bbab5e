"""scripts/lint-workflows passes on the repository's workflows and fails on a broken one; the
workflows keep the shape docs/operations.md promises."""

import re
import subprocess
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT = ROOT / "scripts" / "lint-workflows"
WORKFLOWS = ROOT / ".github" / "workflows"

BROKEN = """\
name: Broken
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    needs: missing
    steps:
      - uses: actions/checkout@v4
      - uses: actions/cache@5a3ec84eff668545956fd18022155c47e93e2684
      - run: echo "${{ github.evnt.name }}"
"""


def lint(*files):
    return subprocess.run([str(LINT), *map(str, files)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


class LintWorkflowsTest(unittest.TestCase):
    def test_repository_workflows_pass(self):
        run = lint()
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        count = len(list(WORKFLOWS.glob("*.yml")))
        self.assertIn(f"{count} workflow(s), 0 problem(s)", run.stdout)

    def test_a_broken_workflow_fails_with_every_problem(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "broken.yml"
            path.write_text(BROKEN)
            run = lint(path)
        self.assertEqual(run.returncode, 1, run.stdout + run.stderr)
        for expected in ('needs job "missing"', 'property "evnt" is not defined',
                         "actions/checkout@v4 is not pinned to a full commit SHA",
                         'needs a "# vX.Y.Z" comment', "no top-level permissions"):
            self.assertIn(expected, run.stdout)
        self.assertIn("5 problem(s)", run.stdout)


class WorkflowShapeTest(unittest.TestCase):
    def read(self, name):
        return (WORKFLOWS / name).read_text()

    def test_fetch_runs_every_30_minutes_on_demand_and_by_webhook(self):
        text = self.read("fetch-features.yml")
        self.assertIn('- cron: "*/30 * * * *"', text)
        for trigger in ("workflow_dispatch:", "repository_dispatch:"):
            self.assertIn(trigger, text)
        self.assertIn("run: scripts/fetch-config", text)
        self.assertRegex(text, r"concurrency:\n  group: fetch-features\n  cancel-in-progress: false")
        # Write access only on the job that pushes; the deploy only after a commit.
        self.assertEqual(text.count("contents: write"), 1)
        self.assertIn("if: steps.fetch.outputs.changed == 'true'\n"
                      "        run: git push origin HEAD:main", text)
        self.assertRegex(text, r"if: needs.fetch.outputs.changed == 'true'\n(.*\n)*"
                               r"    uses: ./.github/workflows/deploy.yml")

    def test_deploy_is_callable_gated_and_uses_the_fastly_cli(self):
        text = self.read("deploy.yml")
        for needed in ("workflow_call:", "workflow_dispatch:", "branches: [main]",
                       "environment: production", "cargo codegen check", "cargo test --workspace",
                       "FASTLY_API_TOKEN: ${{ secrets.FASTLY_API_TOKEN }}",
                       "FASTLY_SERVICE_ID: ${{ vars.FASTLY_SERVICE_ID }}"):
            self.assertIn(needed, text)
        self.assertNotIn("contents: write", text)

    def test_deploy_ships_the_package_that_scripts_package_makes(self):
        # The package a test serves under Viceroy (tests/e2e/test_package.py) is what ships:
        # the step's output, not a build the CLI would make on its own.
        text = self.read("deploy.yml")
        self.assertRegex(text, r"id: package\n(.*\n){0,3}\s+path=\$\(scripts/package\)\n"
                               r'\s+echo "path=\$path" >> "\$GITHUB_OUTPUT"')
        self.assertIn("PACKAGE: ${{ steps.package.outputs.path }}", text)
        self.assertIn('fastly compute deploy --non-interactive --service-id "$FASTLY_SERVICE_ID"'
                      ' --package "$PACKAGE"', text)
        self.assertLess(text.index("scripts/package"), text.index("fastly compute deploy"))
        self.assertNotIn("fastly compute build", text)
        self.assertNotIn("fastly compute publish", text)

    def test_ci_runs_the_checks_and_the_test_command(self):
        text = self.read("ci.yml")
        for needed in ("pull_request:", "cargo fmt --all -- --check", "-- -D warnings",
                       "cargo codegen check", "scripts/lint-workflows",
                       "cargo test -p kraken --test viceroy", "run: .ci/run"):
            self.assertIn(needed, text)

    def test_every_workflow_is_read_only_by_default(self):
        for path in WORKFLOWS.glob("*.yml"):
            self.assertTrue(re.search(r"^permissions:\n  contents: read$", path.read_text(), re.M), path.name)


if __name__ == "__main__":
    unittest.main()
