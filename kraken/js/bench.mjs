// `assign` calls per second in Node: the npm package (the compiled tables in wasm) against a
// plain JavaScript evaluation of the same JSON config (the origin's "before": load the JSON
// once, evaluate it per request, XXH3 from the native @node-rs/xxhash; the GrowthBook features
// through GrowthBook's own JS SDK over growthbook.json, as tests/growthbook/oracle.mjs runs it).
// Both must give the same key for every request of the mix before anything is timed. See
// docs/origin.md.
//
//   node kraken/js/bench.mjs [--tgz PATH] [--seconds S] [--rounds N]
//
// Without --tgz it runs scripts/package-js first. Needs kraken/js/dev and tests/growthbook
// (scripts/setup installs both).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { attributesFromRaw, evaluate, forcedVariationsFromRaw } from "../../tests/growthbook/oracle.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const args = process.argv.slice(2);
const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const seconds = Number(option("--seconds") ?? 1);
const rounds = Number(option("--rounds") ?? 5);
const tgz = option("--tgz") ?? execFileSync(join(root, "scripts/package-js"), { encoding: "utf8" }).trim().split("\n").at(-1);

const scratch = mkdtempSync(join(tmpdir(), "kraken-js-bench-"));
writeFileSync(join(scratch, "package.json"), '{"private":true}');
execFileSync("npm", ["install", "--offline", "--no-audit", "--no-fund", "--silent", tgz], { cwd: scratch });
const kraken = createRequire(join(scratch, "package.json"))("@kraken/origin");
const { xxh3 } = createRequire(join(root, "kraken/js/dev/package.json"))("@node-rs/xxhash");

// --- the "before": the JSON config evaluated per request (SPEC §3-§5) ---------------------------

function loadJsonConfig() {
  const read = (name) => JSON.parse(readFileSync(join(root, "config", name), "utf8"));
  const edge = read("edge.json");
  const pageTypes = new Set(edge.page_types);
  const experiments = read("experiments.json").experiments.filter(
    (e) =>
      e.status === "running" &&
      e.platforms?.includes("web") &&
      e.page_types?.some((p) => pageTypes.has(p)) &&
      e.traffic > 0,
  );
  const flags = read("site-features.json").flags.filter((f) => f.edge === true);
  const growthbook = { payload: read("growthbook.json"), features: edge.growthbook?.features ?? [], pageTypes: edge.page_types };
  return { pageTypes, experiments, flags, growthbook };
}

const UNIT = /^[A-Za-z0-9_-]{1,64}$/;
const trim = (s) => s.replace(/^[ \t]+|[ \t]+$/g, "");
const bucket = (s) => Number(xxh3.xxh64(Buffer.from(s)) % 10000n);

function unitOf(cookies) {
  for (const header of cookies) {
    for (const pair of header.split(";")) {
      const p = trim(pair);
      const eq = p.indexOf("=");
      if (eq >= 0 && trim(p.slice(0, eq)) === "kraken_uid") return trim(p.slice(eq + 1));
    }
  }
  return null;
}

function normaliseHost(raw) {
  let h = raw.replace(/[A-Z]/g, (c) => c.toLowerCase());
  const end = h.startsWith("[") ? (h.indexOf("]") + 1 || h.length) : h.indexOf(":") < 0 ? h.length : h.indexOf(":");
  h = h.slice(0, end);
  for (;;) {
    if (h.startsWith("www.")) h = h.slice(4);
    else if (h.startsWith("staging.")) h = h.slice(8);
    else return h;
  }
}

function formDecode(s) {
  return s.replace(/\+/g, " ").replace(/%([0-9a-fA-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
}

function overrides(query) {
  const lists = { variants: [], flags: [] };
  if (!query) return lists;
  for (const param of query.split("&")) {
    const eq = param.indexOf("=");
    if (eq < 0) continue;
    const name = formDecode(param.slice(0, eq));
    if (name !== "variants" && name !== "flags") continue;
    for (const item of formDecode(param.slice(eq + 1)).split(",")) {
      const colon = item.indexOf(":");
      if (colon >= 0) lists[name].push([item.slice(0, colon), item.slice(colon + 1)]);
    }
  }
  return lists;
}

/** SPEC §6's items for the request, from GrowthBook's SDK (attributes as the oracle builds them). */
function growthbookItems({ payload, features, pageTypes }, { cookie, host, krakenHost, pageType, query, path, country, device }, unit) {
  const headers = [["host", host], ["kraken-host", krakenHost], ["kraken-page-type", pageType], ["cookie", cookie],
    ["kraken-country", country], ["kraken-device", device]].filter(([, v]) => v !== undefined);
  const raw = { target: (path ?? "/") + (query === undefined ? "" : `?${query}`), unit, headers };
  return evaluate({
    payload,
    features,
    attributes: attributesFromRaw(raw, pageTypes),
    forcedVariations: forcedVariationsFromRaw(raw, payload),
  }).items;
}

function jsonAssign(config, request, mint) {
  const { cookie, host, krakenHost, pageType, query } = request;
  let unit = unitOf(cookie === undefined ? [] : [cookie]);
  const minted = unit === null || !UNIT.test(unit);
  if (minted) unit = mint();
  const site = normaliseHost(krakenHost ?? host ?? "");
  const forced = overrides(query);
  const items = [];
  if (config.pageTypes.has(pageType)) {
    for (const e of config.experiments) {
      if (!e.page_types.includes(pageType)) continue;
      if (e.targeting?.domains && !e.targeting.domains.includes(site)) continue;
      const force = forced.variants.find(([k, v]) => k === e.key && e.variations.some((x) => x.key === v));
      if (force) {
        items.push(`exp:${e.key}=${force[1]}`);
        continue;
      }
      const n = bucket(`${e.seed ?? e.key}:${unit}`);
      let start = 0;
      let hit = null;
      for (const v of e.variations) {
        const end = start + Math.floor((v.weight * e.traffic) / 10000);
        if (n >= start && n < end) hit = v;
        start += v.weight;
      }
      if (!hit) continue;
      if (e.layer) {
        const l = bucket(`layer:${e.layer.key}:${unit}`);
        if (l < e.layer.from || l >= e.layer.to) continue;
      }
      items.push(`exp:${e.key}=${hit.key}`);
    }
  }
  for (const f of config.flags) {
    const force = forced.flags.find(([k, v]) => k === f.key && f.values.includes(v));
    const rule = f.rules.find((r) => r.domains.includes(site));
    items.push(`ff:${f.key}=${force ? force[1] : rule ? rule.value : f.default}`);
  }
  // Every item is ASCII, so code-unit order is byte order.
  items.push(...growthbookItems(config.growthbook, request, unit));
  items.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { key: items.join(";"), unit, minted };
}

// --- the request mix ---------------------------------------------------------------------------

function requests(config, n) {
  let s = 0x9e3779b9;
  const rand = (k) => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) % k);
  const domains = [...new Set(config.flags.flatMap((f) => f.rules.flatMap((r) => r.domains)))];
  const pages = [...config.pageTypes, "search"];
  return Array.from({ length: n }, (_, i) => {
    const r = {
      host: ["www.", "", "staging."][rand(3)] + domains[rand(domains.length)],
      pageType: pages[rand(pages.length)],
    };
    r.path = ["/", "/hotel/42", "/deals/winter", "/destinations/porto"][rand(4)];
    if (rand(10) < 7) r.country = ["DE", "AT", "FR", "JP", "IE", "US"][rand(6)];
    if (rand(10) < 8) r.device = ["mobile", "tablet", "desktop"][rand(3)];
    if (rand(10) < 8) r.cookie = `_ga=GA1.2.3; kraken_uid=visitor-${i}; theme=dark`;
    if (rand(10) === 0) {
      const e = config.experiments[rand(config.experiments.length)];
      r.query = `variants=${e.key}:${e.variations[0].key}&flags=new-nav:on`;
    }
    return r;
  });
}

// --- run -----------------------------------------------------------------------------------------

const config = loadJsonConfig();
const mix = requests(config, 2000);
for (const r of mix) {
  const a = kraken.assign(r);
  const b = jsonAssign(config, r, () => a.unit);
  if (a.key !== b.key || a.unit !== b.unit || a.minted !== b.minted) {
    throw new Error(`baseline disagrees on ${JSON.stringify(r)}:\n  package ${a.key}\n  json    ${b.key}`);
  }
}

const mintHex = () => {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Buffer.from(bytes).toString("hex");
};
const buffers = mix.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Buffer.from(v, "latin1")])));

function rate(name, run) {
  let calls = 0;
  let sink = 0;
  for (let i = 0; i < 2000; i++) sink += run(mix[i % mix.length], i); // warm up
  const until = performance.now() + seconds * 1000;
  const started = performance.now();
  while (performance.now() < until) {
    for (let i = 0; i < 500; i++, calls++) sink += run(mix[calls % mix.length], calls);
  }
  const perSecond = calls / ((performance.now() - started) / 1000);
  return { name, perSecond, sink };
}

const keys = mix.map((r) => kraken.assign(r).key);
// Each row returns a number so no call can be optimised away. Rows take turns for `rounds`
// rounds and report their median: the machine is shared, and turns spread its noise evenly.
const rows = [
  ["package assign (strings)", (r) => kraken.assign(r).key.length],
  ["package assign (Buffers)", (_, i) => kraken.assign(buffers[i % buffers.length]).key.length],
  ["plain JS over the JSON config", (r) => jsonAssign(config, r, mintHex).key.length],
  ["package parseKey", (_, i) => Object.keys(kraken.parseKey(keys[i % keys.length]).flags).length],
];
const runs = rows.map(() => []);
for (let round = 0; round < rounds; round++) {
  rows.forEach(([name, run], i) => runs[i].push(rate(name, run).perSecond));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(runs[2]);
console.log(`node ${process.version}, ${mix.length} requests in the mix (agreeing), median of ${rounds} rounds of ${seconds} s per row`);
rows.forEach(([name], i) => {
  const perSecond = median(runs[i]);
  console.log(`${name.padEnd(32)} ${Math.round(perSecond).toLocaleString("en").padStart(10)} calls/s  ${(perSecond / base).toFixed(2)}x`);
});
rmSync(scratch, { recursive: true, force: true });
