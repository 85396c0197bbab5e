// node --test: config/growthbook.json, the sample payload, is what config/make_sample.py writes,
// is valid input (SPEC §6), covers what the issue asks of it, and the oracle serves it.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import test from "node:test";
import { payloadProblem } from "./edge_skips.mjs";
import { generate } from "./gen_payload.mjs";
import { evaluateRequest } from "./oracle.mjs";

const config = fileURLToPath(new URL("../../config/", import.meta.url));
const read = (dir, name) => readFileSync(join(dir, name), "utf8");
const payload = JSON.parse(read(config, "growthbook.json"));
const edge = JSON.parse(read(config, "edge.json"));
const listed = edge.growthbook.features;

test("make_sample.py writes the committed growthbook.json and edge.json", () => {
  const out = mkdtempSync(join(tmpdir(), "kraken-sample-"));
  execFileSync("python3", [join(config, "make_sample.py"), out], { stdio: "ignore" });
  for (const name of ["growthbook.json", "edge.json", "experiments.json", "site-features.json"]) {
    assert.ok(read(out, name) === read(config, name), `config/${name} is stale: run python3 config/make_sample.py`);
  }
});

test("the sample is valid and has what a realistic payload has", () => {
  assert.equal(payloadProblem(payload.features), null);
  assert.equal(Object.keys(payload.features).length, 80);
  assert.equal(listed.length, 20);
  for (const key of listed) assert.ok(key in payload.features, key);
  const rules = listed.flatMap((k) => payload.features[k].rules || []);
  const text = JSON.stringify(rules);
  for (const attr of ["pageType", "host", "country", "deviceType", "path", "url"]) assert.ok(text.includes(`"${attr}"`), attr);
  for (const op of ["$inGroup", "$notInGroup", "$savedGroup", "$regex"]) assert.ok(text.includes(op), op);
  assert.ok(rules.some((r) => r.namespace) && rules.some((r) => r.parentConditions));
  assert.ok(rules.some((r) => "force" in r && !("coverage" in r)) && rules.some((r) => "force" in r && "coverage" in r));
  assert.ok(rules.some((r) => r.hashVersion === 1) && rules.some((r) => r.hashVersion === 2));
  assert.ok(rules.some((r) => /[^\x00-\x7f]/.test(r.seed || "")) && rules.some((r) => /[^\x00-\x7f]/.test(r.key || "")));
  const types = new Set(listed.map((k) => payload.features[k].defaultValue).map((v) =>
    v === null ? "null" : Array.isArray(v) ? "array" : typeof v));
  for (const t of ["boolean", "string", "number", "object"]) assert.ok(types.has(t), t);
});

test("the oracle evaluates the sample for random requests", () => {
  const { requests } = generate(42, { features: 1, requests: 300 });
  const input = { payload, features: listed, pageTypes: edge.page_types };
  const keys = new Set();
  const tracked = new Set();
  for (const { raw } of requests) {
    const out = evaluateRequest(input, { raw: { ...raw, unit: "0123456789abcdef0123456789abcdef" } });
    assert.equal(out.items.filter((i) => i.startsWith("ff:")).length, listed.length);
    keys.add(out.key);
    for (const [k] of out.experiments) tracked.add(k);
  }
  assert.ok(keys.size > 50, `${keys.size} distinct keys`);
  assert.ok(tracked.size >= 5, `experiments seen: ${[...tracked]}`);
});
