#!/usr/bin/env node
// Runs npm `@growthbook/growthbook` 1.8.0 (the SDK SPEC §6 pins) on every case of GrowthBook's
// JS-SDK conformance corpus (the unedited `cases.json` that the crate growthbook-rust 0.4.0
// ships) and lists the cases where 1.8.0 disagrees with the corpus's expectation.
//
//   node tests/growthbook/corpus.mjs            summary, and every disagreement
//   node tests/growthbook/corpus.mjs --write    rewrite npm-1.8.0-differs.json
//
// The corpus is read from the cargo registry (`scripts/setup test` fetches the crate) or from
// $KRAKEN_GROWTHBOOK_CORPUS (a directory holding cases.json and source.json); its SHA-256 must
// be the pinned one. See docs/growthbook.md.

import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { GrowthBook, StickyBucketService, evalCondition } from "@growthbook/growthbook";
// The SDK's own helpers; its package `exports` hide dist/, a file URL reaches them.
const util = await import(new URL("./node_modules/@growthbook/growthbook/dist/esm/util.mjs", import.meta.url));

export const CRATE = "growthbook-rust-0.4.0";
export const CORPUS_SHA256 = "01811b2c39ab6f80426376342fa8338f5447d6d1a9d14095dbc06fc3cc882bf3";
export const DIFFERS_FILE = fileURLToPath(new URL("./npm-1.8.0-differs.json", import.meta.url));

/** The corpus directory: $KRAKEN_GROWTHBOOK_CORPUS, else the crate in the cargo registry. */
export function corpusDir() {
  if (process.env.KRAKEN_GROWTHBOOK_CORPUS) return process.env.KRAKEN_GROWTHBOOK_CORPUS;
  const src = join(process.env.CARGO_HOME || join(homedir(), ".cargo"), "registry", "src");
  if (existsSync(src)) {
    for (const index of readdirSync(src).sort()) {
      const dir = join(src, index, CRATE, "tests", "cases");
      if (existsSync(join(dir, "cases.json"))) return dir;
    }
  }
  throw new Error(`no ${CRATE} in ${src}: run scripts/setup test (or set KRAKEN_GROWTHBOOK_CORPUS)`);
}

/** cases.json and source.json, after checking the bytes against the pinned SHA-256. */
export function loadCorpus(dir = corpusDir()) {
  const bytes = readFileSync(join(dir, "cases.json"));
  const source = JSON.parse(readFileSync(join(dir, "source.json"), "utf8"));
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  if (sha256 !== CORPUS_SHA256 || source.sha256 !== CORPUS_SHA256) {
    throw new Error(`${dir}/cases.json: SHA-256 ${sha256}, source.json says ${source.sha256}, pinned ${CORPUS_SHA256}`);
  }
  return { cases: JSON.parse(bytes.toString("utf8")), source };
}

/** JSON with sorted keys and `undefined` dropped: Jest's `toEqual`, as the corpus is used. */
export function canon(value) {
  if (value === undefined) return undefined;
  return JSON.stringify(value, (_, v) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]]))
      : v,
  );
}

const round = (digits) => (x) => Math.round(x * 10 ** digits) / 10 ** digits;

class MemoryStickyBuckets extends StickyBucketService {
  constructor() {
    super();
    this.docs = new Map();
  }
  async getAssignments(name, value) {
    return this.docs.get(this.getKey(name, value)) || null;
  }
  async saveAssignments(doc) {
    this.docs.set(this.getKey(doc.attributeName, doc.attributeValue), doc);
  }
}

/** Quietly: the SDK logs warnings for the malformed inputs that some cases feed it on purpose. */
async function quiet(fn) {
  const error = console.error;
  const log = console.log;
  console.error = () => {};
  console.log = () => {};
  try {
    return await fn();
  } finally {
    console.error = error;
    console.log = log;
  }
}

function featureResult(ctx, key) {
  const gb = new GrowthBook(ctx);
  try {
    return gb.evalFeature(key);
  } finally {
    gb.destroy();
  }
}

// Each runner returns {name, actual, expected} for one case; agreement is canon(actual) ===
// canon(expected). Floats are compared to the corpus's own precision where it writes rounded
// numbers (bucket ranges: 6 decimals, equal weights: 8).
const RUNNERS = {
  hash: ([seed, value, version, expected]) => ({
    name: `hash(${JSON.stringify(seed)}, ${JSON.stringify(value)}, ${version})`,
    actual: util.hash(seed, value, version),
    expected,
  }),
  getBucketRange: ([name, [n, coverage, weights], expected]) => ({
    name,
    actual: util.getBucketRanges(n, coverage, weights ?? undefined).map((r) => r.map(round(6))),
    expected: expected.map((r) => r.map(round(6))),
  }),
  chooseVariation: ([name, n, ranges, expected]) => ({
    name,
    actual: util.chooseVariation(n, ranges),
    expected,
  }),
  getQueryStringOverride: ([name, key, url, n, expected]) => ({
    name,
    actual: util.getQueryStringOverride(key, url, n),
    expected,
  }),
  inNamespace: ([name, id, namespace, expected]) => ({
    name,
    actual: util.inNamespace(id, namespace),
    expected,
  }),
  getEqualWeights: ([n, expected]) => ({
    name: `getEqualWeights(${n})`,
    actual: util.getEqualWeights(n).map(round(8)),
    expected: expected.map(round(8)),
  }),
  evalCondition: ([name, condition, attributes, expected, savedGroups]) => ({
    name,
    actual: evalCondition(attributes, condition, savedGroups),
    expected,
  }),
  decrypt: async ([name, encrypted, key, expected]) => {
    let actual;
    try {
      actual = await util.decrypt(encrypted, key);
    } catch {
      actual = null; // the corpus writes a rejected input as null
    }
    return { name, actual, expected };
  },
  feature: ([name, ctx, key, expected]) => ({ name, actual: featureResult(ctx, key), expected }),
  contextualBandit: ([name, ctx, key, expected]) => ({ name, actual: featureResult(ctx, key), expected }),
  run: ([name, ctx, experiment, value, inExperiment, hashUsed]) => {
    const gb = new GrowthBook(ctx);
    const result = gb.run(experiment);
    gb.destroy();
    return {
      name,
      actual: [result.value, result.inExperiment, result.hashUsed],
      expected: [value, inExperiment, hashUsed],
    };
  },
  stickyBucket: async ([name, ctx, docs, key, expectedResult, expectedDocs]) => {
    const service = new MemoryStickyBuckets();
    for (const doc of docs) await service.saveAssignments(doc);
    const { features, ...rest } = ctx;
    const gb = new GrowthBook({ ...rest, stickyBucketService: service });
    await gb.setPayload({ features });
    const result = gb.evalFeature(key).experimentResult ?? null;
    const actualDocs = gb.getStickyBucketAssignmentDocs();
    gb.destroy();
    return { name, actual: [result, actualDocs], expected: [expectedResult, expectedDocs] };
  },
  urlRedirect: ([name, ctx, expected]) => {
    const gb = new GrowthBook(ctx);
    // The redirect the SDK performs: the first experiment that puts the visitor on a variation
    // with a `urlRedirect` (a browser navigates once).
    const actual = [];
    for (const experiment of ctx.experiments || []) {
      const result = gb.run(experiment);
      const redirect = result.value && result.value.urlRedirect;
      if (!result.inExperiment || !redirect) continue;
      actual.push({
        inExperiment: true,
        urlRedirect: redirect,
        urlWithParams: experiment.persistQueryString ? util.mergeQueryStrings(ctx.url, redirect) : redirect,
      });
      break;
    }
    gb.destroy();
    return { name, actual, expected };
  },
  pruneCondition: ([name, condition, known, expected, savedGroups]) => {
    const witness = pruneWitness(condition, known, expected, savedGroups || {});
    return { name, actual: witness ?? expected, expected, probe: true };
  },
  reducePayload: ([name, { payload, attributes, globalAttributes }, expected]) => {
    const witness = reduceWitness(payload, { ...globalAttributes, ...attributes }, expected);
    return { name, actual: witness ?? "equivalent on every probe", expected: "equivalent on every probe", probe: true };
  },
};

// --- pruneCondition / reducePayload -----------------------------------------------------------
// 1.8.0 has neither function. What it can say is whether the corpus's pruned condition (or
// reduced payload) is equivalent to the original under 1.8.0's own evaluation: for the known
// attributes plus every combination (up to PROBES) of the other attributes the condition names,
// each absent or set to a literal the condition holds, both must evaluate alike. A disagreement
// is a witness; agreement on the probes is evidence, not proof.

const PROBES = 256;

/** Attribute paths and scalar literals a condition (or payload) mentions. */
function mentions(node, paths = new Set(), literals = []) {
  if (Array.isArray(node)) {
    for (const v of node) mentions(v, paths, literals);
  } else if (node && typeof node === "object") {
    for (const [k, v] of Object.entries(node)) {
      if (!k.startsWith("$")) paths.add(k.split(".")[0]);
      mentions(v, paths, literals);
    }
  } else if (node !== undefined && !literals.some((l) => Object.is(l, node))) {
    literals.push(node);
  }
  return { paths, literals };
}

function* probes(known, paths, literals) {
  const free = [...paths].filter((p) => !(p in known)).sort();
  const choices = [undefined, ...literals, [...literals.filter((l) => typeof l === "string")]];
  const total = choices.length ** free.length;
  const step = total <= PROBES ? 1 : Math.floor(total / PROBES);
  for (let i = 0, seen = 0; i < total && seen < PROBES; i += step, seen++) {
    const attrs = { ...known };
    let rest = i;
    for (const path of free) {
      const value = choices[rest % choices.length];
      rest = Math.floor(rest / choices.length);
      if (value !== undefined) attrs[path] = value;
    }
    yield attrs;
  }
}

/** evalCondition, with an exception as a result of its own (1.8.0 throws on some malformed input). */
function tryEval(attrs, condition, savedGroups) {
  try {
    return evalCondition(attrs, condition, savedGroups);
  } catch (e) {
    return `throws ${e.constructor.name}`;
  }
}

function pruneWitness(condition, known, expected, savedGroups) {
  const { paths, literals } = mentions([condition, savedGroups]);
  for (const attrs of probes(known, paths, literals)) {
    const original = tryEval(attrs, condition, savedGroups);
    const pruned = typeof expected === "boolean" ? expected : tryEval(attrs, expected, savedGroups);
    if (original !== pruned) return { attributes: attrs, original, pruned };
  }
  return null;
}

/** Values and tracked experiments of `keys` (a reduced payload may drop features on purpose). */
function evalAll(payload, attrs, keys) {
  const out = {};
  const tracked = [];
  const gb = new GrowthBook({
    features: payload.features || {},
    savedGroups: payload.savedGroups || {},
    contextualBandits: payload.contextualBandits,
    attributes: attrs,
    trackingCallback: (e, r) => tracked.push([e.key, r.key]),
  });
  for (const key of keys) {
    try {
      out[key] = gb.evalFeature(key).value;
    } catch (e) {
      out[key] = `throws ${e.constructor.name}`;
    }
  }
  gb.destroy();
  return canon([out, tracked]);
}

function reduceWitness(payload, known, reduced) {
  const keys = Object.keys(reduced.features || {}).sort();
  const { paths, literals } = mentions([payload.features || {}, payload.savedGroups || {}]);
  for (const attrs of probes(known, paths, literals)) {
    const original = evalAll(payload, attrs, keys);
    const after = evalAll(reduced, attrs, keys);
    if (original !== after) return { attributes: attrs, original: JSON.parse(original), reduced: JSON.parse(after) };
  }
  return null;
}

// --- running ----------------------------------------------------------------------------------

/** Every section of the corpus as [sectionName, cases]; nested suites become `suite.section`. */
export function sections(cases) {
  const out = [];
  for (const [name, value] of Object.entries(cases)) {
    if (name === "specVersion") continue;
    if (Array.isArray(value)) out.push([name, name, value]);
    else for (const [sub, list] of Object.entries(value)) out.push([`${name}.${sub}`, sub, list]);
  }
  return out;
}

/** Runs every case; returns one record per case. */
export async function runCorpus(cases) {
  const records = [];
  await quiet(async () => {
    for (const [section, kind, list] of sections(cases)) {
      const runner = RUNNERS[kind];
      if (!runner) throw new Error(`corpus section ${section}: no runner for ${kind}`);
      for (let index = 0; index < list.length; index++) {
        let r;
        try {
          r = await runner(list[index]);
        } catch (e) {
          r = { name: String(list[index][0]), actual: { threw: String(e) }, expected: "no exception" };
        }
        const agrees = canon(r.actual) === canon(r.expected);
        records.push({ section, index, name: r.name, agrees, actual: r.actual, expected: r.expected });
      }
    }
  });
  return records;
}

// Why 1.8.0 disagrees: rules (section, regex on the case name, reason), written after reading
// every disagreement; the first rule that matches a case gives its reason.
export const REASONS = JSON.parse(readFileSync(new URL("./npm-1.8.0-reasons.json", import.meta.url), "utf8"));

export function reasonOf(section, name) {
  const rule = REASONS.find((r) => r.section === section && new RegExp(r.match).test(name));
  return rule ? rule.reason : "UNEXPLAINED";
}

/** The committed list: every disagreement, with its reason. */
export function differsDocument(records, source) {
  const differs = records
    .filter((r) => !r.agrees)
    .map((r) => ({
      section: r.section,
      index: r.index,
      name: r.name,
      npm: r.actual,
      corpus: r.expected,
      reason: reasonOf(r.section, r.name),
    }));
  const summary = {};
  for (const r of records) {
    const s = (summary[r.section] ??= { cases: 0, agree: 0, differ: 0 });
    s.cases++;
    r.agrees ? s.agree++ : s.differ++;
  }
  return {
    "//": "Generated by `node tests/growthbook/corpus.mjs --write`; reasons live in npm-1.8.0-reasons.json.",
    sdk: "@growthbook/growthbook 1.8.0",
    corpus: { crate: CRATE, ...source },
    summary,
    differs,
  };
}

export function serialise(doc) {
  return JSON.stringify(doc, null, 1) + "\n";
}

async function main() {
  const { cases, source } = loadCorpus();
  const records = await runCorpus(cases);
  const doc = differsDocument(records, source);
  if (process.argv.includes("--write")) {
    writeFileSync(DIFFERS_FILE, serialise(doc));
    console.error(`wrote ${DIFFERS_FILE}`);
  }
  for (const d of doc.differs) {
    console.log(`${d.section}[${d.index}] ${d.name}\n  npm 1.8.0: ${canon(d.npm)}\n  corpus:    ${canon(d.corpus)}\n  reason:    ${d.reason}`);
  }
  const agree = records.filter((r) => r.agrees).length;
  console.log(`growthbook corpus on npm 1.8.0: ${agree} agree, ${records.length - agree} differ, of ${records.length}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
