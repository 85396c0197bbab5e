// node --test: the differential test's generator is deterministic, covers every rule kind and
// operator, and writes only valid payloads that the oracle evaluates.
import assert from "node:assert/strict";
import test from "node:test";
import { payloadProblem } from "./edge_skips.mjs";
import { generate } from "./gen_payload.mjs";
import { evaluateRequest } from "./oracle.mjs";

const SEEDS = Array.from({ length: 30 }, (_, i) => i + 1);
const docs = SEEDS.map((seed) => generate(seed, { features: 12, requests: 60 }));

test("deterministic for a seed, different across seeds", () => {
  assert.equal(JSON.stringify(generate(5)), JSON.stringify(generate(5)));
  assert.notEqual(JSON.stringify(docs[0].payload), JSON.stringify(docs[1].payload));
});

test("every payload is valid input (SPEC §6), and keys cannot collide with Kraken's", () => {
  const kraken = /^[a-z0-9][a-z0-9_-]{0,63}$/;
  for (const doc of docs) {
    assert.equal(payloadProblem(doc.payload.features), null, `seed ${doc.seed}`);
    for (const [id, feature] of Object.entries(doc.payload.features)) {
      assert.ok(!kraken.test(id), id);
      for (const rule of feature.rules || []) if (rule.key) assert.ok(!kraken.test(rule.key), rule.key);
    }
    for (const f of doc.features) assert.ok(f in doc.payload.features);
  }
});

test("across seeds, every rule kind and every 1.8.0 operator appears", () => {
  const text = JSON.stringify(docs.map((d) => d.payload));
  for (const op of ["$eq", "$ne", "$lt", "$lte", "$gt", "$gte", "$veq", "$vne", "$vgt", "$vgte", "$vlt", "$vlte", "$in",
    "$nin", "$ini", "$nini", "$exists", "$type", "$not", "$and", "$or", "$nor", "$all", "$alli", "$elemMatch", "$size",
    "$regex", "$regexi", "$inGroup", "$notInGroup", "$savedGroup"]) {
    assert.ok(text.includes(`"${op}"`), op);
  }
  const rules = docs.flatMap((d) => Object.values(d.payload.features).flatMap((f) => f.rules || []));
  const has = (what, pred) => assert.ok(rules.some(pred), what);
  has("force", (r) => "force" in r && !("coverage" in r) && !r.range);
  has("rollout with coverage", (r) => "force" in r && "coverage" in r);
  has("rollout with range", (r) => "force" in r && r.range);
  has("rollout with hashAttribute", (r) => "force" in r && r.hashAttribute);
  has("fallbackAttribute", (r) => r.fallbackAttribute);
  has("tracks", (r) => r.tracks);
  has("experiment with weights", (r) => r.variations && r.weights);
  has("namespace", (r) => r.namespace);
  has("filters", (r) => r.filters);
  has("ranges", (r) => r.ranges);
  has("meta key", (r) => r.meta && r.meta.some((m) => "key" in m));
  has("passthrough", (r) => r.meta && r.meta.some((m) => m.passthrough));
  has("prerequisites", (r) => r.parentConditions);
  has("gated prerequisites", (r) => r.parentConditions && r.parentConditions.some((p) => p.gate));
  has("hashVersion 1", (r) => r.hashVersion === 1);
  has("hashVersion 2", (r) => r.hashVersion === 2);
  has("non-ASCII seed", (r) => r.seed && /[^\x00-\x7f]/.test(r.seed));
  has("non-ASCII tracking key", (r) => r.key && /[^\x00-\x7f]/.test(r.key));
  const groups = docs.flatMap((d) => Object.values(d.payload.savedGroups));
  assert.ok(groups.some(Array.isArray) && groups.some((g) => g.type === "list") && groups.some((g) => g.type === "condition"));
});

test("the oracle evaluates every generated request, and the keys vary", () => {
  const keys = new Set();
  let experiments = 0;
  let forced = 0;
  for (const doc of docs.slice(0, 10)) {
    for (const { raw } of doc.requests) {
      const out = evaluateRequest(doc, { raw: { ...raw, unit: "0123456789abcdef0123456789abcdef" } });
      keys.add(out.key);
      if (out.experiments.length) experiments++;
      if (Object.keys(out.forcedVariations).length) forced++;
    }
  }
  assert.ok(keys.size > 150, `${keys.size} distinct keys`);
  assert.ok(experiments > 100 && forced > 20, `${experiments} with experiments, ${forced} forced`);
});
