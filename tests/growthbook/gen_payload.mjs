#!/usr/bin/env node
// A seeded random GrowthBook SDK payload, and random raw requests for it: the input of the
// differential test (Kraken's compiled evaluation against oracle.mjs). Deterministic for a seed.
//
//   node tests/growthbook/gen_payload.mjs --seed 7 [--features 12] [--requests 200] [--proto] > case.json
//
// Output (oracle.mjs reads it as it is): {"seed", "edge": <edge.json for Kraken>, "payload",
// "features": [listed keys], "pageTypes", "requests": [{"raw": {target, headers, unit?}}]}.
// A request without a valid kraken_uid cookie has no `unit`: the harness copies Kraken's
// `Kraken-Unit` into it before asking the oracle. Every payload is valid input (SPEC §6), and
// every key contains a character outside Kraken's `[a-z0-9_-]`, so no feature key can be an edge
// flag's key and no tracking key a Kraken experiment's key.

import { fileURLToPath } from "node:url";

/** mulberry32: small, fast, and the same sequence on every platform. */
export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const r = {
    next,
    int: (n) => Math.floor(next() * n),
    chance: (p) => next() < p,
    pick: (list) => list[Math.floor(next() * list.length)],
    sample: (list, n) => {
      const copy = [...list];
      const out = [];
      while (out.length < n && copy.length) out.push(copy.splice(Math.floor(next() * copy.length), 1)[0]);
      return out;
    },
  };
  return r;
}

// --- the request space, which the conditions draw their literals from --------------------------

export const PAGE_TYPES = ["home", "destination", "hotel", "deals"];
const OTHER_PAGES = ["checkout", "Home", "HOTEL", "", "search"];
const HOSTS = ["www.example.com", "example.com", "example.com:8080", "staging.example.ie", "www.example.de",
  "EXAMPLE.FR", "shop.example.co.uk", "[::1]:8443", "example.nl"];
const PATHS = ["/", "/hotel/123", "/hotel/98765", "/deals/summer-2026", "/de/hotel/%C3%A9t%C3%A9", "/search",
  "/destination/paris", "/destination/s%C3%A3o-paulo", "/HOTEL/1", "/a/b/c.html", "/v1.2.3/x", "/12", "/-5"];
const QUERIES = ["", "?", "?q=1", "?q=hotel+paris", "?utm_source=news&utm_medium=email", "?page=2", "?x=%E6%97%A5", "?flags=a:b"];
const COUNTRIES = ["DE", "FR", "IE", "GB", "US", "JP", "de", "10", " 0x1F", "1e3", "", "Ö"];
const DEVICES = ["mobile", "tablet", "desktop", "Mobile", "tv"];
const EDGE_ATTRIBUTES = ["id", "host", "path", "query", "url", "pageType", "country", "deviceType"];
const OTHER_ATTRIBUTES = ["plan", "company", "loggedIn"];
// 1.8.0 reads attributes with `key in obj`, so these are Object.prototype's, not absent (see
// docs/growthbook.md); only with --proto.
const PROTOTYPE_ATTRIBUTES = ["constructor", "toString", "hasOwnProperty", "__proto__"];
const IDS = ["u1", "u2", "abc", "AbC_-9", "0", "10", "x".repeat(64), "deadbeefdeadbeefdeadbeefdeadbeef", "1.0", "007"];

/** Example values of an attribute as requests carry them, for literals that match often. */
function valuesOf(attr) {
  switch (attr) {
    case "id": return IDS;
    case "host": return HOSTS.map((h) => h.toLowerCase());
    case "path": return PATHS;
    case "query": return QUERIES.filter((q) => q !== "?");
    case "url": return HOSTS.slice(0, 4).flatMap((h) => PATHS.slice(0, 4).map((p) => "https://" + h + p));
    case "pageType": return PAGE_TYPES;
    case "country": return COUNTRIES;
    case "deviceType": return DEVICES;
    default: return ["pro", "free", "true"];
  }
}

// Regexes a DFA can run: anchors, classes, alternation, bounded and unbounded repetition; no
// lookaround, no backreferences. Some are case-insensitive-sensitive, some non-ASCII.
const REGEXES = ["^/hotel/\\d+$", "^/(de|fr)/", "example\\.(com|de)$", "^www\\.", "q=", "^[A-Z]{2}$", "^(mobile|tablet)$",
  "h.t", "^$", "\u00e9", "\\s", "^\\w+$", ".*", "^/deals/[a-z-]+-\\d{4}$", "0{2,3}", "[^/]+$", "\\bhotel\\b", "^https://www\\.",
  ":\\d+", "paris|s\u00e3o", "^[0-9a-f]{32}$", "(?:ab)+c?", "/v\\d+(\\.\\d+)*/", "[\u00c0-\u00ff]", "^-?\\d+$", "\\?$", "E", "x{64}"];
const VERSIONS = ["1.2.3", "1.10.0", "v2.0.0-rc.1", "2.0.0", "0.0.1", "10", "1.2.3+build.5"];

// --- values ------------------------------------------------------------------------------------

const TRICKY_NUMBERS = [0, -0, 1, -1, 0.1, 0.30000000000000004, 1e21, 1e-7, 123456789012345680000, 5e-324, 2 ** 53 + 2,
  1.5, -273.15, 100, 1e300, 0.000001];
const TRICKY_STRINGS = ["on", "off", "", "a\"b", "back\\slash", "line\nbreak", "tab\tx", "\u0001\u001f\u007f", "\u2028\u2029",
  "caf\u00e9", "\u65e5\u672c\u8a9e", "\ud83d\ude80 launch", "</script>", "100%", "a;b=c", "null", "true"];

function randomJson(r, depth = 0) {
  const k = r.int(depth > 2 ? 4 : 6);
  if (k === 0) return r.pick(TRICKY_NUMBERS);
  if (k === 1) return r.pick(TRICKY_STRINGS);
  if (k === 2) return r.chance(0.5);
  if (k === 3) return null;
  if (k === 4) return Array.from({ length: r.int(4) }, () => randomJson(r, depth + 1));
  // Integer-like keys come first in JavaScript's own order, whatever the insertion order.
  const keys = r.sample(["b", "a", "10", "2", "z\u00e9", "", "key with space", "0", "-1", "01"], 1 + r.int(4));
  return Object.fromEntries(keys.map((key) => [key, randomJson(r, depth + 1)]));
}

/** A feature's type and a generator of its values. */
function valueKind(r) {
  const kind = r.pick(["boolean", "string", "number", "json"]);
  const gen = {
    boolean: () => r.chance(0.5),
    string: () => r.pick(TRICKY_STRINGS),
    number: () => r.pick(TRICKY_NUMBERS),
    json: () => ({ v: r.int(3), ...(r.chance(0.5) ? randomJson(r, 1) : {}) }),
  }[kind];
  return { kind, gen };
}

// --- conditions --------------------------------------------------------------------------------

let withPrototypeNames = false;
function attribute(r) {
  if (withPrototypeNames && r.chance(0.03)) return r.pick(PROTOTYPE_ATTRIBUTES);
  return r.chance(0.08) ? r.pick(OTHER_ATTRIBUTES) : r.pick(EDGE_ATTRIBUTES);
}

function literal(r, attr) {
  const x = r.int(10);
  if (x < 6) return r.pick(valuesOf(attr));
  if (x === 6) return r.pick([5, 10, 0, 1e3, 31, -5, 12]);
  if (x === 7) return r.chance(0.5);
  if (x === 8) return null;
  return r.pick(TRICKY_STRINGS);
}

function valueCondition(r, attr, groups, depth) {
  const op = r.pick(["literal", "$eq", "$ne", "$lt", "$lte", "$gt", "$gte", "$veq", "$vne", "$vgt", "$vgte", "$vlt", "$vlte",
    "$in", "$nin", "$ini", "$nini", "$exists", "$type", "$not", "$all", "$alli", "$elemMatch", "$size", "$regex", "$regexi",
    "$inGroup", "$notInGroup", "multi"]);
  const values = () => r.sample([...valuesOf(attr), r.pick([5, null, true])], 1 + r.int(4));
  switch (op) {
    case "literal":
      return r.chance(0.1) ? r.pick([[], ["a"], { a: 1 }]) : literal(r, attr);
    case "$eq": case "$ne": case "$lt": case "$lte": case "$gt": case "$gte":
      return { [op]: literal(r, attr) };
    case "$veq": case "$vne": case "$vgt": case "$vgte": case "$vlt": case "$vlte":
      return { [op]: r.chance(0.7) ? r.pick(VERSIONS) : literal(r, attr) };
    case "$in": case "$nin": case "$ini": case "$nini":
      return { [op]: values().map((v) => (op.endsWith("i") && typeof v === "string" && r.chance(0.5) ? v.toUpperCase() : v)) };
    case "$exists":
      return { $exists: r.chance(0.5) };
    case "$type":
      return { $type: r.pick(["string", "number", "boolean", "null", "array", "object", "undefined"]) };
    case "$not":
      return depth > 2 ? { $exists: true } : { $not: valueCondition(r, attr, groups, depth + 1) };
    case "$all": case "$alli":
      return { [op]: values() };
    case "$elemMatch":
      return { $elemMatch: r.chance(0.5) ? { $eq: literal(r, attr) } : { [attr]: literal(r, attr) } };
    case "$size":
      return { $size: r.pick([0, 1, { $gt: 0 }]) };
    case "$regex": case "$regexi":
      return { [op]: r.pick(REGEXES) };
    case "$inGroup": case "$notInGroup":
      return groups.length ? { [op]: r.pick(groups).id } : { $exists: true };
    default: {
      // Several operators on one value: all must hold.
      const a = r.pick(["$gte", "$gt", "$vgte", "$ne"]);
      const b = r.pick(["$lte", "$lt", "$vlt", "$regex"]);
      return { [a]: literal(r, attr), [b]: b === "$regex" ? r.pick(REGEXES) : literal(r, attr) };
    }
  }
}

/** A random condition, built so that a fair share of requests pass it. */
export function condition(r, groups, depth = 0) {
  const x = r.int(depth > 1 ? 6 : 10);
  if (x <= 2) return { pageType: r.chance(0.6) ? r.pick(PAGE_TYPES) : { $in: r.sample(PAGE_TYPES, 1 + r.int(3)) } };
  if (x <= 5) {
    const out = {};
    for (let n = 1 + r.int(2); n > 0; n--) {
      const attr = attribute(r);
      out[attr] = valueCondition(r, attr, groups, depth);
    }
    return out;
  }
  if (x === 6) return { $not: condition(r, groups, depth + 1) };
  if (x === 7) {
    const ref = groups.length && r.chance(0.3) ? { $savedGroup: { id: r.pick(groups).id } } : null;
    return ref || { $and: Array.from({ length: 1 + r.int(3) }, () => condition(r, groups, depth + 1)) };
  }
  const op = r.pick(["$or", "$nor"]);
  return { [op]: Array.from({ length: r.int(4) }, () => condition(r, groups, depth + 1)) };
}

// --- saved groups ------------------------------------------------------------------------------

function savedGroups(r) {
  const groups = [];
  const n = r.int(5);
  for (let i = 0; i < n; i++) {
    const attr = r.pick(["id", "country", "host", "deviceType"]);
    const values = r.sample(valuesOf(attr), 1 + r.int(4));
    const id = r.pick(["grp_", "gr\u00fcppe_", "g-"]) + i;
    const shape = r.int(4);
    // A v1 bare list; a v2 list (whose attributeKey $inGroup ignores); a v2 condition group.
    const entry =
      shape === 0 ? { type: "condition", condition: { [attr]: { $in: values } } }
        : shape === 1 ? { type: "list", attributeKey: attr, values }
          : values;
    groups.push({ id, entry, attr });
  }
  return groups;
}

// --- rules -------------------------------------------------------------------------------------

const KEY_PARTS = ["hero", "nav", "price", "banner", "sort", "caf\u00e9", "\u65e5\u672c", "\ud83d\ude80", "map", "cta"];
function key(r, prefix, used) {
  for (;;) {
    const k = prefix + r.pick(KEY_PARTS) + (r.chance(0.3) ? "." + r.pick(KEY_PARTS) : "") + "-" + r.int(1000);
    if (!used.has(k)) {
      used.add(k);
      return k;
    }
  }
}

function seed(r) {
  return r.pick(["s1", "seed-\u00e9t\u00e9", "\ud83c\udf31", "", "long-" + "x".repeat(40), "\u4e2d\u6587", "a:b"]);
}

/** Weights summing to 1 within the SDK's tolerance, often with float rounding at stake. */
function weights(r, n) {
  const x = r.int(6);
  if (x === 0) return Array(n).fill(1 / n);
  if (x === 1) {
    const w = Array(n).fill(Math.round(10000 / n) / 10000);
    w[0] = Math.round((1 - w.slice(1).reduce((a, b) => a + b, 0)) * 10000) / 10000;
    return w;
  }
  if (x === 2) return Array.from({ length: n }, (_, i) => (i === 0 ? 1 - 0.1 * (n - 1) + 0.004 : 0.1));
  if (x === 3) {
    const raw = Array.from({ length: n }, () => 1 + r.int(9));
    const total = raw.reduce((a, b) => a + b, 0);
    return raw.map((w) => w / total);
  }
  if (x === 4) return Array.from({ length: n }, (_, i) => (i === n - 1 ? 0 : 1 / (n - 1)));
  return Array(n).fill(0.33).map((w, i) => (n === 3 ? w + (i === 0 ? 0.0099 : 0) : 1 / n));
}

function coverage(r) {
  return r.pick([1, 0, 0.5, 0.1, 0.29, 0.7, 0.9999, 0.0505, 1 / 3]);
}

function hashFields(r, rule) {
  if (r.chance(0.6)) rule.hashVersion = r.pick([1, 2]);
  if (r.chance(0.5)) rule.seed = seed(r);
  if (r.chance(0.3)) rule.hashAttribute = r.pick(["id", "id", "host", "path", "country", "deviceType", "url", "company"]);
  // Without sticky bucketing the SDK ignores fallbackAttribute: it must not matter.
  if (r.chance(0.15)) rule.fallbackAttribute = r.pick(["country", "host"]);
}

function filters(r) {
  return Array.from({ length: 1 + r.int(2) }, () => {
    const a = r.pick([0, 0.1, 0.25, 0.5]);
    const f = { seed: seed(r), ranges: [[a, a + r.pick([0.25, 0.5, 0.05])]] };
    if (r.chance(0.3)) f.ranges.push([0.8, 1]);
    if (r.chance(0.5)) f.hashVersion = r.pick([1, 2]);
    if (r.chance(0.3)) f.attribute = r.pick(["id", "host", "country"]);
    return f;
  });
}

function forceRule(r, value, groups, parents, trackingKeys) {
  const rule = { id: "fr_" + r.int(1e6), force: value() };
  if (r.chance(0.7)) rule.condition = condition(r, groups);
  if (r.chance(0.4)) {
    hashFields(r, rule);
    if (r.chance(0.3)) rule.range = [r.pick([0, 0.2, 0.5]), r.pick([0.6, 0.8, 1])];
    else rule.coverage = coverage(r);
  }
  if (r.chance(0.1)) rule.filters = filters(r);
  if (parents.length && r.chance(0.2)) rule.parentConditions = prerequisites(r, parents);
  if (r.chance(0.15)) {
    // What a remote evaluation would have tracked: the edge reports them as they are.
    rule.tracks = Array.from({ length: 1 + r.int(2) }, () => ({
      experiment: { key: r.pick(trackingKeys), variations: [0, 1] },
      result: { key: r.pick(["0", "1", "ctl", "v\u00e9"]), variationId: 1, value: 1, inExperiment: true, hashUsed: true },
    }));
  }
  return rule;
}

function experimentRule(r, value, groups, parents, trackingKeys, variationCounts) {
  const trackingKey = r.pick(trackingKeys);
  // Rules that share a tracking key share its variation count, so an override index means the
  // same for all of them.
  const n = variationCounts.get(trackingKey) ?? variationCounts.set(trackingKey, 2 + r.int(3)).get(trackingKey);
  const rule = { key: trackingKey, variations: Array.from({ length: n }, value) };
  if (r.chance(0.7)) rule.weights = weights(r, n);
  if (r.chance(0.6)) rule.coverage = coverage(r);
  if (r.chance(0.6)) rule.condition = condition(r, groups);
  hashFields(r, rule);
  if (r.chance(0.7)) {
    rule.meta = Array.from({ length: n + r.int(2) }, (_, i) => {
      const m = {};
      if (r.chance(0.85)) m.key = r.pick(["control", "v" + i, "\u00e9-" + i, String(i), "a b"]);
      if (r.chance(0.1)) m.passthrough = true;
      if (r.chance(0.2)) m.name = "Variation " + i;
      return m;
    });
    // Variation keys unique within a rule, as GrowthBook writes them.
    const seen = new Set();
    for (const [i, m] of rule.meta.entries()) {
      if (!("key" in m)) continue;
      if (seen.has(m.key)) m.key = `dup${i}`;
      seen.add(m.key);
    }
  }
  if (r.chance(0.2)) rule.namespace = [r.pick(["ns", "espace-\u00e9"]), r.pick([0, 0.3, 0.5]), r.pick([0.6, 0.9, 1])];
  else if (r.chance(0.1)) rule.filters = filters(r);
  if (r.chance(0.1)) {
    let start = 0;
    rule.ranges = Array.from({ length: n }, () => {
      const end = Math.min(1, start + r.pick([0.1, 0.25, 0.5]));
      const range = [start, end];
      start = end;
      return range;
    });
  }
  if (parents.length && r.chance(0.2)) rule.parentConditions = prerequisites(r, parents);
  if (r.chance(0.1)) rule.name = "Experiment " + trackingKey;
  if (r.chance(0.1)) rule.phase = "1";
  if (r.chance(0.05)) rule.disableStickyBucketing = true;
  if (r.chance(0.05)) rule.bucketVersion = 1;
  return rule;
}

function prerequisites(r, parents) {
  return Array.from({ length: 1 + r.int(2) }, () => {
    const parent = r.pick(parents);
    const x = r.int(4);
    const cond =
      x === 0 ? { value: { $exists: true } }
        : x === 1 ? { value: true }
          : x === 2 ? { value: { $ne: null } }
            : { value: parent.sample() };
    return { id: parent.key, condition: cond, ...(r.chance(0.4) ? { gate: true } : {}) };
  });
}

// --- the payload and the requests --------------------------------------------------------------

export function generate(seedValue, { features: nFeatures = 12, requests: nRequests = 200, proto = false } = {}) {
  withPrototypeNames = proto;
  const r = rng(seedValue);
  const groups = savedGroups(r);
  const used = new Set();
  const trackingKeys = Array.from({ length: 3 + r.int(5) }, () => key(r, "gbx.", used));
  const variationCounts = new Map();
  const features = {};
  const parents = []; // earlier features only: prerequisites never form a cycle
  for (let i = 0; i < nFeatures; i++) {
    const k = key(r, "gb.", used);
    const { gen } = valueKind(r);
    const feature = {};
    if (r.chance(0.9)) feature.defaultValue = gen();
    const rules = [];
    for (let n = r.int(5); n > 0; n--) {
      rules.push(r.chance(0.45)
        ? forceRule(r, gen, groups, parents, trackingKeys)
        : experimentRule(r, gen, groups, parents, trackingKeys, variationCounts));
    }
    if (rules.length || r.chance(0.5)) feature.rules = rules;
    features[k] = feature;
    parents.push({ key: k, sample: gen });
  }
  const keys = Object.keys(features);
  // Listed: most features, in a shuffled order; the rest are there as prerequisites or to prune.
  const listed = r.sample(keys, Math.max(1, Math.ceil(keys.length * 0.7)));
  const payload = {
    status: 200,
    features,
    dateUpdated: "2026-12-01T00:00:00Z",
    savedGroups: Object.fromEntries(groups.map((g) => [g.id, g.entry])),
  };
  const requests = Array.from({ length: nRequests }, () => ({ raw: request(r, trackingKeys, variationCounts) }));
  return {
    seed: seedValue,
    edge: { page_types: PAGE_TYPES, growthbook: { features: listed } },
    payload,
    features: listed,
    pageTypes: PAGE_TYPES,
    requests,
  };
}

const enc = (s) => Buffer.from(s, "utf8").toString("hex");

function request(r, trackingKeys, variationCounts) {
  const headers = [];
  const host = r.pick(HOSTS);
  if (r.chance(0.7)) headers.push(["Kraken-Host", host], ["Host", "kraken.edgecompute.app"]);
  else if (r.chance(0.95)) headers.push(["Host", host]);
  if (r.chance(0.9)) headers.push(["Kraken-Page-Type", r.chance(0.85) ? r.pick(PAGE_TYPES) : r.pick(OTHER_PAGES)]);
  if (r.chance(0.8)) {
    // Now and then bytes that are not UTF-8 text: they reach JavaScript as Latin-1.
    headers.push(["Kraken-Country", r.chance(0.05) ? { hex: r.pick(["c9", "e9", "d6", "a0", "85", "c3a9"]) } : r.pick(COUNTRIES)]);
  }
  if (r.chance(0.8)) headers.push(["Kraken-Device", r.pick(DEVICES)]);
  const out = { target: "", headers };
  if (r.chance(0.9)) {
    const cookie = "kraken_uid=" + r.pick(IDS) + (r.chance(0.2) ? "; other=1" : "");
    headers.push(["Cookie", r.chance(0.2) ? "theme=dark; " + cookie : cookie]);
  }
  let query = r.pick(QUERIES);
  if (r.chance(0.25)) {
    const items = Array.from({ length: 1 + r.int(3) }, () => {
      const k = r.chance(0.9) ? r.pick(trackingKeys) : "gbx.unknown";
      const n = variationCounts.get(k) ?? 2;
      return encodeURIComponent(k).replace(/%3A/g, r.chance(0.5) ? ":" : "%3A") + ":" + r.pick([0, 1, n - 1, n, 7, "x", "-1"]);
    });
    query = (query && query !== "?" ? query + "&" : "?") + "variants=" + items.join(",");
  }
  out.target = r.pick(PATHS) + query;
  if (r.chance(0.02)) out.target = { hex: enc(out.target) };
  return out;
}

function main() {
  const args = process.argv.slice(2);
  const opt = (name, fallback) => {
    const i = args.indexOf("--" + name);
    return i >= 0 ? Number(args[i + 1]) : fallback;
  };
  const doc = generate(opt("seed", 1), {
    features: opt("features", 12),
    requests: opt("requests", 200),
    proto: args.includes("--proto"),
  });
  process.stdout.write(JSON.stringify(doc) + "\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
