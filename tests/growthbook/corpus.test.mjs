// node --test: the committed npm-1.8.0-differs.json is what npm 1.8.0 does on the corpus today,
// every disagreement has a reason, and the corpus is the pinned one.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "node:test";
import {
  DIFFERS_FILE,
  REASONS,
  corpusDir,
  differsDocument,
  loadCorpus,
  runCorpus,
  serialise,
} from "./corpus.mjs";

const { cases, source } = loadCorpus();
const records = await runCorpus(cases);
const doc = differsDocument(records, source);

test("npm-1.8.0-differs.json is up to date", () => {
  const committed = readFileSync(DIFFERS_FILE, "utf8");
  assert.ok(committed === serialise(doc), "stale: run `node tests/growthbook/corpus.mjs --write` and review the diff");
});

test("every disagreement has a reason, and every reason is used", () => {
  const unexplained = doc.differs.filter((d) => d.reason === "UNEXPLAINED");
  assert.deepEqual(unexplained.map((d) => `${d.section}[${d.index}] ${d.name}`), []);
  const used = new Set(doc.differs.map((d) => d.reason));
  assert.deepEqual(REASONS.filter((r) => !used.has(r.reason)), [], "a reason rule matches no disagreement");
});

test("every section of the corpus runs, and most cases agree", () => {
  const sections = new Set(records.map((r) => r.section));
  for (const s of ["hash", "getBucketRange", "chooseVariation", "inNamespace", "getEqualWeights",
    "evalCondition", "decrypt", "feature", "run", "pruneCondition", "reducePayload"]) {
    assert.ok(sections.has(s), s);
  }
  // A broken runner shows up as a whole section disagreeing.
  for (const [section, s] of Object.entries(doc.summary)) assert.ok(s.agree > 0, `${section}: nothing agrees`);
});

test("a corpus with other bytes is refused", () => {
  const dir = mkdtempSync(join(tmpdir(), "gb-corpus-"));
  const original = corpusDir();
  copyFileSync(join(original, "source.json"), join(dir, "source.json"));
  writeFileSync(join(dir, "cases.json"), readFileSync(join(original, "cases.json"), "utf8").replace("0.12.0", "0.12.1"));
  assert.throws(() => loadCorpus(dir), /SHA-256/);
});

test("edge-skips.json is up to date", async () => {
  const { edgeSkips, serialise: write, SKIPS_FILE } = await import("./edge_skips.mjs");
  const committed = readFileSync(SKIPS_FILE, "utf8");
  assert.ok(committed === write(edgeSkips(cases, source)), "stale: run `node tests/growthbook/edge_skips.mjs --write` and review the diff");
});

test("the edge skips name real reasons", async () => {
  const { conditionProblem } = await import("./edge_skips.mjs");
  assert.equal(conditionProblem({ host: { $regex: "^www\\." } }), null);
  assert.match(conditionProblem({ host: { $regx: "a" } }), /\$regx/);
  assert.match(conditionProblem({ host: { $regex: "(" } }), /RegExp rejects/);
  assert.match(conditionProblem({ $or: { host: "a" } }), /non-array/);
  assert.match(conditionProblem({ tags: { $elemMatch: { $or: [{ a: 1 }] } } }), /where an operator on a value belongs/);
});
