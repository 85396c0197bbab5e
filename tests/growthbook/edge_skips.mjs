#!/usr/bin/env node
// Which cases of GrowthBook's conformance corpus cannot apply at the edge, and why: the rules
// below, applied to every case, give edge-skips.json (SPEC §6 defines the edge's SDK context:
// features, savedGroups, attributes and forcedVariations; no url, no sticky bucketing).
//
//   node tests/growthbook/edge_skips.mjs            print the list
//   node tests/growthbook/edge_skips.mjs --write    rewrite edge-skips.json
//
// `skips` cannot apply at the edge. `unobservable` can run through a harness that feeds JSON
// attributes, but no Kraken request produces such a visitor (every edge attribute is a string or
// absent): a harness whose compiled conditions assume string attributes may skip those too.

import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CRATE, loadCorpus, sections } from "./corpus.mjs";

export const SKIPS_FILE = fileURLToPath(new URL("./edge-skips.json", import.meta.url));

// Operators npm 1.8.0 defines (src/mongrule.ts): on a value, and at the top of a condition.
const VALUE_OPERATORS = new Set(["$veq", "$vne", "$vgt", "$vgte", "$vlt", "$vlte", "$eq", "$ne", "$lt",
  "$lte", "$gt", "$gte", "$exists", "$in", "$ini", "$inGroup", "$notInGroup", "$nin", "$nini", "$not",
  "$size", "$elemMatch", "$all", "$alli", "$regex", "$regexi", "$type"]);
const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const isOperatorObject = (v) => isObject(v) && Object.keys(v).length > 0 && Object.keys(v).every((k) => k[0] === "$");

/** What SPEC §6 calls invalid input in a condition (codegen refuses it), or null. */
export function conditionProblem(condition) {
  if (!isObject(condition)) return `a condition that is not an object (${JSON.stringify(condition)})`;
  for (const [k, v] of Object.entries(condition)) {
    if (k === "$or" || k === "$nor" || k === "$and") {
      if (!Array.isArray(v)) return `${k} with a non-array operand`;
      for (const c of v) {
        const p = conditionProblem(c);
        if (p) return p;
      }
    } else if (k === "$not") {
      const p = conditionProblem(v);
      if (p) return p;
    } else if (k !== "$savedGroup") {
      const p = valueProblem(v);
      if (p) return p;
    }
  }
  return null;
}

function valueProblem(value) {
  if (!isOperatorObject(value)) return null;
  for (const [op, arg] of Object.entries(value)) {
    if (["$or", "$nor", "$and", "$savedGroup"].includes(op)) {
      return `${op} where an operator on a value belongs (1.8.0 defines it only on a condition, logs "Unknown operator" and fails)`;
    }
    if (!VALUE_OPERATORS.has(op)) return `operator ${op}, which 1.8.0 does not define`;
    if (op === "$regex" || op === "$regexi") {
      try {
        new RegExp(String(arg).replace(/([^\\])\//g, "$1\\/"));
      } catch {
        return `a $regex that JavaScript's RegExp rejects (${JSON.stringify(arg)})`;
      }
    }
    const p =
      op === "$not" || op === "$size"
        ? valueProblem(arg)
        : op === "$elemMatch"
          ? isOperatorObject(arg) ? valueProblem(arg) : conditionProblem(arg)
          : op === "$all" || op === "$alli"
            ? Array.isArray(arg) ? arg.map(valueProblem).find(Boolean) : null
            : null;
    if (p) return p;
  }
  return null;
}

/** SPEC §6's invalid input in an experiment or rule, or null. */
function ruleProblem(rule, features) {
  if (rule.condition !== undefined) {
    const p = conditionProblem(rule.condition);
    if (p) return p;
  }
  for (const parent of rule.parentConditions || []) {
    if (features && !(parent.id in features)) return `a missing prerequisite (${parent.id})`;
    if (parent.condition !== undefined) {
      const p = conditionProblem(parent.condition);
      if (p) return `prerequisite condition: ${p}`;
    }
  }
  if (rule.hashVersion !== undefined && rule.hashVersion !== 1 && rule.hashVersion !== 2) {
    return `hashVersion ${rule.hashVersion}`;
  }
  const variations = rule.contextualVariations ?? rule.variations;
  if (Array.isArray(rule.weights) && Array.isArray(variations)) {
    const total = rule.weights.reduce((a, b) => a + b, 0);
    if (total < 0.99 || total > 1.01) return `weights summing to ${total}, outside 0.99..1.01`;
  }
  if (Array.isArray(rule.meta) && Array.isArray(variations) && rule.meta.length < variations.length) {
    return "meta shorter than variations";
  }
  return null;
}

/** A prerequisite cycle reachable in `features`, as "a -> b -> a", or null. */
function prerequisiteCycle(features) {
  const state = new Map();
  const visit = (id, path) => {
    if (state.get(id) === "done") return null;
    if (state.get(id) === "open") return [...path.slice(path.indexOf(id)), id].join(" -> ");
    state.set(id, "open");
    for (const rule of (features[id] && features[id].rules) || []) {
      for (const parent of rule.parentConditions || []) {
        const cycle = visit(parent.id, [...path, id]);
        if (cycle) return cycle;
      }
    }
    state.set(id, "done");
    return null;
  };
  for (const id of Object.keys(features)) {
    const cycle = visit(id, []);
    if (cycle) return cycle;
  }
  return null;
}

export function payloadProblem(features, extraRules = []) {
  for (const [id, feature] of Object.entries(features || {})) {
    for (const rule of feature.rules || []) {
      const p = ruleProblem(rule, features);
      if (p) return `feature ${JSON.stringify(id)}: ${p}`;
    }
  }
  for (const rule of extraRules) {
    const p = ruleProblem(rule, features || {});
    if (p) return `experiment: ${p}`;
  }
  const cycle = prerequisiteCycle(features || {});
  return cycle ? `a prerequisite cycle (${cycle})` : null;
}

const INVALID = (what) => `SPEC §6 invalid input, ${what}: codegen refuses such a payload, so the SDK's fallback never runs at the edge`;
const CONTEXT_OPTIONS = {
  url: "the case sets the context's url (URL targeting or forcing); SPEC §6's context has no url",
  qaMode: "the context option qaMode, which the edge never sets",
  enabled: "the context option enabled, which the edge never sets",
  stickyBucketAssignmentDocs: "sticky bucket documents; SPEC §6 has no sticky bucketing",
  contextualBandits: "contextual bandit definitions; SPEC §6's context passes features and savedGroups only",
  remoteGroupIds: "remote saved groups, which need a server to resolve the visitor's groups",
};
const INLINE_ONLY = ["force", "active", "status", "groups", "include", "url", "urlPatterns"];

/** [kind, reason] pairs for one case; empty when it applies at the edge. */
export function skipReasons(section, kind, c) {
  const out = [];
  const add = (k, r) => out.push([k, r]);
  const suite = section.split(".")[0];
  if (kind === "stickyBucket") add("sticky-bucketing", "sticky bucketing; SPEC §6 has no sticky bucket service");
  if (kind === "urlRedirect") add("url", "URL redirect experiments need the page URL and a browser; SPEC §6's context has no url");
  if (kind === "getQueryStringOverride") {
    add("url", "query-string forcing reads the context's url, which SPEC §6 leaves out (the edge's override is ?variants=)");
  }
  if (suite === "savedGroupReferencesRemote") {
    add("remote-saved-group", "remote saved groups (type remote, __gb_remoteGroupIds) need a server to resolve membership");
  }
  if (kind === "evalCondition") {
    const p = conditionProblem(c[1]);
    if (p) add("invalid-input", INVALID(p));
  }
  if (kind === "pruneCondition") {
    const p = conditionProblem(c[1]);
    if (p) add("invalid-input", INVALID(p));
  }
  if (kind === "feature" || kind === "run" || kind === "contextualBandit") {
    const ctx = c[1];
    for (const [option, reason] of Object.entries(CONTEXT_OPTIONS)) {
      if (option in ctx) add(option === "url" ? "url" : option === "contextualBandits" ? "contextual-bandit" : "context-option", reason);
    }
    const experiment = kind === "run" ? c[2] : null;
    if (experiment) {
      for (const field of INLINE_ONLY) {
        if (field in experiment) add("inline-experiment", `the inline experiment field ${field}, which no feature rule has; the edge evaluates features only`);
      }
    }
    const p = payloadProblem(ctx.features, experiment ? [experiment] : []);
    if (p) add("invalid-input", INVALID(p));
  }
  if (kind === "reducePayload") {
    const { payload } = c[1];
    for (const option of ["include", "exclude", "prerequisites"]) {
      if (option in c[1]) {
        add("payload-filter", `payload filtering (${option}: by project, tag or custom field) is a GrowthBook server option; the edge selects features by edge.json`);
      }
    }
    if (Array.isArray(payload.experiments) && payload.experiments.length) {
      add("auto-experiment", "auto experiments (the payload's experiments: visual editor, URL redirects); SPEC §6 evaluates features only");
    }
    if ("contextualBandits" in payload) {
      add("contextual-bandit", "contextual bandit definitions; SPEC §6's context passes features and savedGroups only");
    }
    if (/sticky bucket/.test(c[0])) {
      add("exact-output", "the expected payload keeps what sticky buckets need (they skip an experiment's condition); without sticky bucketing the edge may prune further, so compare by evaluation, not by output");
    }
    const p = payloadProblem(payload.features);
    if (p) add("invalid-input", INVALID(p));
  }
  // Dedupe identical reasons (several options can say the same thing).
  return out.filter(([k, r], i) => out.findIndex(([k2, r2]) => k2 === k && r2 === r) === i);
}

/** A non-string attribute value the case gives the visitor, or null. */
function nonStringAttribute(kind, c) {
  let attrs = null;
  if (kind === "evalCondition") attrs = c[2];
  else if (kind === "feature" || kind === "run" || kind === "contextualBandit") attrs = c[1].attributes;
  if (!isObject(attrs)) return null;
  const found = Object.entries(attrs).find(([, v]) => typeof v !== "string");
  return found ? `${found[0]} = ${JSON.stringify(found[1])}` : null;
}

function caseName(kind, c) {
  if (kind === "hash") return `hash(${JSON.stringify(c[0])}, ${JSON.stringify(c[1])}, ${c[2]})`;
  if (kind === "getEqualWeights") return `getEqualWeights(${c[0]})`;
  return String(c[0]);
}

export function edgeSkips(cases, source) {
  const skips = [];
  const unobservable = [];
  const counts = {};
  for (const [section, kind, list] of sections(cases)) {
    list.forEach((c, index) => {
      const name = caseName(kind, c);
      const reasons = skipReasons(section, kind, c);
      const count = (counts[section] ??= { cases: 0, skipped: 0, unobservable: 0 });
      count.cases++;
      if (reasons.length) {
        count.skipped++;
        skips.push({ section, index, name, kinds: [...new Set(reasons.map(([k]) => k))], reason: reasons.map(([, r]) => r).join("; ") });
        return;
      }
      const attr = nonStringAttribute(kind, c);
      if (attr) {
        count.unobservable++;
        unobservable.push({ section, index, name, reason: `attribute ${attr}: every edge attribute is a string or absent` });
      }
    });
  }
  return {
    "//": "Generated by `node tests/growthbook/edge_skips.mjs --write` from its rules; keyed by section, index and name.",
    corpus: { crate: CRATE, commit: source.commit, sha256: source.sha256 },
    summary: counts,
    skips,
    unobservable,
  };
}

export const serialise = (doc) => JSON.stringify(doc, null, 1) + "\n";

function main() {
  const { cases, source } = loadCorpus();
  const doc = edgeSkips(cases, source);
  if (process.argv.includes("--write")) writeFileSync(SKIPS_FILE, serialise(doc));
  for (const s of doc.skips) console.log(`${s.section}[${s.index}] ${s.name}\n  ${s.reason}`);
  const total = Object.values(doc.summary).reduce((a, s) => a + s.cases, 0);
  console.log(`edge skips: ${doc.skips.length} of ${total} cases; ${doc.unobservable.length} more unobservable at the edge`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
