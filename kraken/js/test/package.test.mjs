// The npm package as an origin gets it: packed by scripts/package-js, installed into a scratch
// project, loaded as CommonJS and as an ES module; thousands of random and hostile requests
// (paths, countries and devices too) through `assign` must get the Compute service's full key
// (the Rust core's `growthbook_assign`), unit and cookie, and the Python reference's platform
// items;
// `parseKey` round-trips; the wasm holds no JSON; the types check with tsc.
//
//   node --test kraken/js/test/package.test.mjs   (KRAKEN_JS_TGZ=<packed .tgz> skips the packing)

import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, cpSync, rmSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import { cases, declared, Rng } from "./cases.mjs";
import { attributesFromRaw, evaluate, forcedVariationsFromRaw } from "../../../tests/growthbook/oracle.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "../../..");
const here = join(root, "kraken/js/test");
const CASES = Number(process.env.KRAKEN_JS_CASES ?? 4000);

const readJson = (path) => JSON.parse(readFileSync(join(root, path), "utf8"));
const config = {
  experiments: readJson("config/experiments.json"),
  features: readJson("config/site-features.json"),
  edge: readJson("config/edge.json"),
};

let scratch;
let kraken;

before(() => {
  const tgz =
    process.env.KRAKEN_JS_TGZ ||
    execFileSync(join(root, "scripts/package-js"), { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] })
      .trim()
      .split("\n")
      .at(-1);
  scratch = mkdtempSync(join(tmpdir(), "kraken-js-"));
  writeFileSync(join(scratch, "package.json"), JSON.stringify({ name: "origin", private: true }));
  // A fresh project, no registry: the package has no dependencies and no install step.
  execFileSync("npm", ["install", "--offline", "--no-audit", "--no-fund", "--silent", tgz], { cwd: scratch });
  kraken = createRequire(join(scratch, "package.json"))("@kraken/origin");
});

after(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs the JSONL requests through a command, one JSON answer per line back. */
function answers(command, args, lines) {
  const run = spawnSync(command, args, {
    cwd: root,
    input: lines.map((l) => JSON.stringify(l)).join("\n") + "\n",
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
  assert.equal(run.status, 0, `${command} ${args.join(" ")} failed:\n${run.stderr}`);
  return run.stdout.trim().split("\n").map((l) => JSON.parse(l));
}

/** JSON for messages: the hostile cases hold BigInts, symbols and functions. */
const shown = (v) => JSON.stringify(v, (_, x) => (["bigint", "symbol", "function"].includes(typeof x) ? String(x) : x));
const b64 = (bytes) => (bytes === null ? null : Buffer.from(bytes).toString("base64"));

/** SPEC §6's percent-encoding, written again here: UTF-8, uppercase hex, all but A-Z a-z 0-9 -._~. */
const percentEncode = (s) =>
  [...Buffer.from(s, "utf8")]
    .map((b) => (/[A-Za-z0-9\-._~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, "0")}`))
    .join("");
const byteOrder = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** A parsed key's items, encoded again and in byte order: the key itself, or its platform half. */
function itemsOf(parsed, { growthbook = true } = {}) {
  return [
    ...Object.entries(parsed.experiments).map(([k, v]) => `exp:${k}=${v}`),
    ...Object.entries(parsed.flags).map(([k, v]) => `ff:${k}=${v}`),
    ...(growthbook
      ? [
          ...Object.entries(parsed.growthbook.features).map(([k, v]) => `ff:${percentEncode(k)}=${percentEncode(JSON.stringify(v))}`),
          ...Object.entries(parsed.growthbook.experiments).map(([k, v]) => `exp:${percentEncode(k)}=${percentEncode(v)}`),
        ]
      : []),
  ]
    .sort(byteOrder)
    .join(";");
}

/** The request target the service sees: the path (`/` when missing), then `?query` if any. */
const targetOf = (wire) =>
  Buffer.concat([wire.path ?? Buffer.from("/"), ...(wire.query === null ? [] : [Buffer.from("?"), wire.query])]);
/** What the service reads as the query of a URI: after its first `?`, up to a `#`. */
function queryOf(target) {
  const q = target.indexOf(0x3f);
  if (q < 0) return null;
  const rest = target.subarray(q + 1);
  const hash = rest.indexOf(0x23);
  return hash < 0 ? rest : rest.subarray(0, hash);
}

test("assign agrees with the Compute service's core and the Python reference on random, hostile requests", () => {
  const all = cases(declared(config), 2026, CASES);
  const got = all.map(({ request }) => kraken.assign(request));
  const lines = all.map(({ wire }, i) => {
    const target = targetOf(wire);
    return {
      host_b64: b64(wire.host),
      kraken_host_b64: b64(wire.krakenHost),
      page_type_b64: b64(wire.pageType),
      // The reference reads the query alone; core_answers reads it from the target, as the service.
      query_b64: b64(queryOf(target)),
      // The reference takes one Cookie header; the core reads several values as if `;`-joined.
      cookie_b64: wire.cookie.length ? b64(Buffer.concat(wire.cookie.flatMap((c, j) => (j ? [Buffer.from(";"), c] : [c])))) : null,
      cookies_b64: wire.cookie.map(b64),
      target_b64: b64(target),
      country_b64: b64(wire.country),
      device_b64: b64(wire.device),
      // A minted id is random: the oracles assign with the one the package minted.
      minted: got[i].minted ? got[i].unit : "0".repeat(32),
    };
  });
  const reference = answers("python3", ["tests/reference/kraken_ref.py", "config"], lines);
  const core = answers("cargo", ["run", "--quiet", "-p", "kraken-js", "--example", "core_answers"], lines);
  const wrong = [];
  all.forEach(({ request }, i) => {
    const mine = got[i];
    // The core's full key (SPEC §6's items too); the reference's platform half (SPEC §3-§5).
    const platform = itemsOf(kraken.parseKey(mine.key), { growthbook: false });
    for (const [name, key, other] of [
      ["core", mine.key, { ...core[i], key: core[i].growthbook_key }],
      ["reference", platform, reference[i]],
    ]) {
      if (key !== other.key || mine.unit !== other.unit || mine.minted !== other.minted) {
        wrong.push(`${name}: ${JSON.stringify(lines[i])}\n  package: ${JSON.stringify({ ...mine, key })}\n  ${name}: ${JSON.stringify(other)}`);
      }
    }
    const cookie = mine.minted
      ? `kraken_uid=${mine.unit}; Path=/; Max-Age=31536000; SameSite=Lax; Secure`
      : null;
    assert.equal(mine.setCookie, cookie, `Set-Cookie for ${shown(request)}`);
    if (mine.minted) assert.match(mine.unit, /^[0-9a-f]{32}$/);
  });
  assert.deepEqual(wrong.slice(0, 5), [], `${wrong.length} answers of ${2 * all.length} differ`);
  // The cases exercise what they claim: enrolments, overrides, kept and minted units, and
  // GrowthBook halves that the target, country and device change.
  assert.ok(got.some((a) => a.key.includes("exp:")) && got.some((a) => !a.key.includes("exp:")));
  assert.ok(got.some((a) => a.minted) && got.some((a) => !a.minted));
  const minted = got.filter((a) => a.minted).map((a) => a.unit);
  assert.equal(new Set(minted).size, minted.length, "minted ids are random");
  const growthbook = got.map((a) => JSON.stringify(kraken.parseKey(a.key).growthbook));
  assert.ok(new Set(growthbook).size > 20, "GrowthBook's items vary with the request");
  assert.ok(got.some((a) => Object.keys(kraken.parseKey(a.key).growthbook.experiments).length > 0));
  // The same visitor, path, country or device changed: each is read.
  const base = { cookie: "kraken_uid=visitor-7", host: "www.example.com", pageType: "hotel" };
  const keyFor = (more) => kraken.assign({ ...base, ...more }).key;
  const variety = (name, values) => new Set(values.map((v) => keyFor({ [name]: v }))).size;
  assert.ok(variety("country", ["DE", "FR", "JP", "CN", "US"]) > 1, "country is read");
  assert.ok(variety("path", ["/", "/hotel/1", "/x?qa=1", "/y?utm_source=newsletter"]) > 1, "path is read");
  assert.equal(keyFor({ path: "/", query: "qa=1" }), keyFor({ path: "/?qa=1" }), "the target is path?query");
  assert.equal(keyFor({}), keyFor({ path: "/" }), "no path is /");
});

test("assign never throws, whatever it is given", () => {
  const revoked = Proxy.revocable({}, {});
  revoked.revoke();
  const hostile = [
    revoked.proxy,
    { host: revoked.proxy, cookie: revoked.proxy },
    { cookie: [revoked.proxy, "kraken_uid=after"] },
    undefined, null, 0, "home", [], () => {}, Symbol("x"),
    { cookie: [null, 5, {}, "kraken_uid=ok"], host: 7 },
    { get host() { throw new Error("getter"); }, pageType: "home" },
    new Proxy({}, { get() { throw new Error("proxy"); } }),
    { host: "\ud800", pageType: "\udfff", query: "\u0000%" },
    { cookie: "kraken_uid=" + "x".repeat(200_000), host: "h".repeat(70_000) },
    { cookie: Object.defineProperty(["kraken_uid=a"], 1, { get() { throw new Error("element"); } }) },
    { host: new Proxy(["example.ie"], { get() { throw new Error("array proxy"); } }) },
    { path: revoked.proxy, country: 5, device: {} },
    { path: "/" + "p".repeat(200_000), query: "q".repeat(200_000), country: "C".repeat(70_000), device: [revoked.proxy] },
    { get path() { throw new Error("getter"); }, country: "\ud800", device: Buffer.from([0xff]) },
    { cookie: new Proxy(["kraken_uid=a"], { get() { throw new Error("array proxy"); } }) },
  ];
  for (const request of hostile) {
    const a = kraken.assign(request);
    assert.equal(typeof a.key, "string");
    assert.match(a.unit, /^[A-Za-z0-9_-]{1,64}$/);
  }
  assert.equal(kraken.assign({ cookie: [null, 5, {}, "kraken_uid=ok"] }).unit, "ok");
  assert.equal(kraken.assign({ cookie: [revoked.proxy, "kraken_uid=after"] }).unit, "after");
  assert.deepEqual(Object.keys(kraken.parseKey(revoked.proxy).flags), []);
});

test("parseKey round-trips every key and ignores what the config does not declare", () => {
  const all = cases(declared(config), 7, 1000);
  for (const { request } of all) {
    const { key } = kraken.assign(request);
    const parsed = kraken.parseKey(key);
    assert.equal(itemsOf(parsed), key);
    // Every listed GrowthBook feature has its item in every key (SPEC §6).
    assert.deepEqual(Object.keys(parsed.growthbook.features).sort(), [...config.edge.growthbook.features].sort());
    // Undeclared and malformed items around it change nothing; a Buffer reads the same.
    const noisy = `exp:gone=b;;exp:hero-banner-v2=zzz;ff:new-nav=maybe;junk;${key};exp:constructor=x`;
    assert.deepEqual(kraken.parseKey(noisy), parsed);
    assert.deepEqual(kraken.parseKey(Buffer.from(key)), parsed);
  }
  for (const bad of [undefined, null, 5, {}, [], "", ";;;", "\uffff", "exp:", "ff:=", Buffer.from([0xff, 0x3b])]) {
    const parsed = kraken.parseKey(bad);
    assert.deepEqual({ ...parsed.experiments, ...parsed.flags }, {});
    assert.deepEqual({ ...parsed.growthbook.features, ...parsed.growthbook.experiments }, {});
  }
  // The objects have no prototype: a key named like an Object method is just absent.
  assert.equal(kraken.parseKey("").experiments.constructor, undefined);
});


test("parseKey decodes the GrowthBook items of the core's keys to what GrowthBook's SDK computed", () => {
  const payload = readJson("config/growthbook.json");
  const listed = config.edge.growthbook.features;
  const generated = readFileSync(join(root, "kraken/src/generated/growthbook.rs"), "utf8");
  // Tracking keys for `?variants=`, from the compiled table's `exp:` items.
  const tracking = [...new Set([...generated.matchAll(/"exp:([^"=]*)=/g)].map((m) => decodeURIComponent(m[1])))];
  assert.ok(tracking.some((k) => /[^\x00-\x7f]/.test(k)), "some tracking key needs UTF-8 decoding");
  const rng = new Rng(612);
  const hosts = ["www.example.com", "example.ie", "www.example.de", "staging.example.nl", "example.fr", "EXAMPLE.co.uk:443"];
  const paths = ["/", "/hotels/palace", "/destinations/porto", "/deals/winter", "/search"];
  const requests = [];
  for (let i = 0; i < 400; i++) {
    const params = [];
    if (rng.chance(30)) params.push(`variants=${encodeURIComponent(rng.pick(tracking))}:${rng.below(4)}`);
    if (rng.chance(20)) params.push(rng.pick(["utm_source=newsletter", "utm_campaign=summer", "q=caf%C3%A9"]));
    const query = params.length ? params.join("&") : null;
    requests.push({
      unit: Array.from({ length: 32 }, () => "0123456789abcdef"[rng.below(16)]).join(""),
      host: rng.pick(hosts),
      pageType: rng.chance(90) ? rng.pick(config.edge.page_types) : "checkout",
      query,
      target: rng.pick(paths) + (query ? `?${query}` : ""),
      country: rng.chance(70) ? rng.pick(["DE", "AT", "CH", "FR", "IE", "US"]) : null,
      device: rng.chance(80) ? rng.pick(["mobile", "tablet", "desktop"]) : null,
    });
  }
  const bytes = (v) => (v === null ? null : Buffer.from(v, "utf8"));
  const lines = requests.map((r) => ({
    host_b64: b64(bytes(r.host)),
    kraken_host_b64: null,
    page_type_b64: b64(bytes(r.pageType)),
    query_b64: b64(bytes(r.query)),
    cookies_b64: [b64(bytes(`kraken_uid=${r.unit}`))],
    minted: "0".repeat(32),
    target_b64: b64(bytes(r.target)),
    country_b64: b64(bytes(r.country)),
    device_b64: b64(bytes(r.device)),
  }));
  const core = answers("cargo", ["run", "--quiet", "-p", "kraken-js", "--example", "core_answers"], lines);
  let tracked = 0;
  requests.forEach((r, i) => {
    const hex = (v) => ({ hex: Buffer.from(v, "utf8").toString("hex") });
    const headers = [["host", r.host], ["kraken-page-type", r.pageType], ["cookie", `kraken_uid=${r.unit}`],
      ["kraken-country", r.country], ["kraken-device", r.device]].filter(([, v]) => v !== null);
    const raw = { target: hex(r.target), unit: r.unit, headers: headers.map(([n, v]) => [n, hex(v)]) };
    const sdk = evaluate({
      payload,
      features: listed,
      attributes: attributesFromRaw(raw, config.edge.page_types),
      forcedVariations: forcedVariationsFromRaw(raw, payload),
    });
    const key = core[i].growthbook_key;
    const where = `${JSON.stringify(r)}\n  key: ${key}`;
    const parsed = kraken.parseKey(key);
    // The platform's half is what it was; the GrowthBook half is the SDK's values, decoded.
    assert.deepEqual(
      { experiments: parsed.experiments, flags: parsed.flags },
      (({ experiments, flags }) => ({ experiments, flags }))(kraken.parseKey(core[i].key)),
      where,
    );
    assert.deepEqual({ ...parsed.growthbook.features }, sdk.values, where);
    // One tracking key tracked twice (possible in the SDK) leaves both items: the first in
    // the key's byte order counts, as for every item.
    const experiments = {};
    const byItem = sdk.experiments.map(([k, v]) => [`exp:${percentEncode(k)}=${percentEncode(String(v))}`, k, String(v)]);
    for (const [, k, v] of byItem.sort(([a], [b]) => byteOrder(a, b))) experiments[k] ??= v;
    assert.deepEqual({ ...parsed.growthbook.experiments }, experiments, where);
    tracked += Object.keys(experiments).length;
    // And back: the decoded items, encoded again, are the key's items.
    assert.equal(itemsOf(parsed), key, where);
    // And the package's own `assign` gives that key for the same request.
    const mine = kraken.assign({ cookie: `kraken_uid=${r.unit}`, host: r.host, pageType: r.pageType, query: r.query, path: r.target.split("?")[0], country: r.country, device: r.device });
    assert.equal(mine.key, key, where);
    // Undeclared GrowthBook items are ignored: lowercase hex, unknown features, unknown values.
    const noisy = `ff:no-such-feature=1;ff:deals-grid-columns=99;exp:${encodeURIComponent("hero-headline-ü-2026").toLowerCase()}=getaway;${key}`;
    assert.deepEqual(kraken.parseKey(noisy), parsed, where);
  });
  assert.ok(tracked > 0, "some visitors were tracked in GrowthBook experiments");
});

test("configDigest names the tables; another build's config has another digest", () => {
  const generated = readFileSync(join(root, "kraken/src/generated/config.rs"), "utf8");
  const digest = generated.match(/pub const DIGEST: &str = "([0-9a-f]{32})"/)[1];
  assert.equal(kraken.configDigest, digest);
  const types = readFileSync(join(scratch, "node_modules/@kraken/origin/config.d.ts"), "utf8");
  assert.ok(types.includes(`export type ConfigDigest = "${digest}";`));
  // Another build: the same config with one experiment stopped.
  const other = otherBuild();
  assert.notEqual(other.digest, kraken.configDigest);
  assert.ok(!other.types.includes('"hero-banner-v2"') && types.includes('"hero-banner-v2"'));
});

test("the wasm holds the tables, not the JSON", () => {
  const wasm = readFileSync(join(scratch, "node_modules/@kraken/origin/wasm/kraken_bg.wasm")).toString("latin1");
  assert.ok(wasm.includes("exp:hero-banner-v2=b"), "the compiled item strings are there");
  for (const json of ['"experiments"', '"variations"', "generated_at", "hypothesis", '"owner"']) {
    assert.ok(!wasm.includes(json), `${json} is in the wasm`);
  }
});

test("CommonJS and ES modules load the installed package by name", () => {
  const script = (kind) =>
    kind === "esm"
      ? 'import { assign, parseKey, configDigest } from "@kraken/origin"; console.log(JSON.stringify([assign({ cookie: "kraken_uid=u1", pageType: "home", host: "example.ie" }).key, Object.keys(parseKey("ff:new-nav=on").flags), configDigest]));'
      : 'const { assign, parseKey, configDigest } = require("@kraken/origin"); console.log(JSON.stringify([assign({ cookie: "kraken_uid=u1", pageType: "home", host: "example.ie" }).key, Object.keys(parseKey("ff:new-nav=on").flags), configDigest]));';
  const run = (kind) =>
    execFileSync("node", [kind === "esm" ? "--input-type=module" : "--input-type=commonjs", "-e", script(kind)], {
      cwd: scratch,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  const esm = JSON.parse(run("esm"));
  assert.deepEqual(JSON.parse(run("cjs")), esm);
  const expected = kraken.assign({ cookie: "kraken_uid=u1", pageType: "home", host: "example.ie" }).key;
  assert.deepEqual(esm, [expected, ["new-nav"], kraken.configDigest]);
});

test("types: the typed example checks with tsc, and fails against a config without its experiment", () => {
  const tsc = join(root, "kraken/js/dev/node_modules/typescript/bin/tsc");
  const project = join(scratch, "typed");
  mkdirSync(project, { recursive: true });
  cpSync(join(here, "typed"), project, { recursive: true });
  const check = () => spawnSync("node", [tsc, "--noEmit", "-p", project], { cwd: scratch, encoding: "utf8" });
  const ok = check();
  assert.equal(ok.status, 0, `tsc --noEmit failed:\n${ok.stdout}${ok.stderr}`);
  // The same origin code against the declarations of a build where hero-banner-v2 is stopped.
  writeFileSync(join(scratch, "node_modules/@kraken/origin/config.d.ts"), otherBuild().types);
  const stale = check();
  assert.notEqual(stale.status, 0, "a removed experiment must be a compile error");
  assert.match(stale.stdout, /hero-banner-v2/);
});

let built;
/** codegen on a copy of config/ with hero-banner-v2 stopped: its digest and declarations. */
function otherBuild() {
  if (built) return built;
  const dir = mkdtempSync(join(tmpdir(), "kraken-js-other-"));
  const experiments = structuredClone(config.experiments);
  experiments.experiments.find((e) => e.key === "hero-banner-v2").status = "stopped";
  writeFileSync(join(dir, "experiments.json"), JSON.stringify(experiments));
  writeFileSync(join(dir, "site-features.json"), JSON.stringify(config.features));
  writeFileSync(join(dir, "edge.json"), JSON.stringify(config.edge));
  const rs = join(dir, "config.rs");
  const ts = join(dir, "config.d.ts");
  execFileSync("cargo", ["codegen", "generate", "--config", dir, "--out", rs, "--ts-out", ts], {
    cwd: root,
    stdio: ["ignore", "ignore", "ignore"],
  });
  const digest = readFileSync(rs, "utf8").match(/pub const DIGEST: &str = "([0-9a-f]{32})"/)[1];
  built = { digest, types: readFileSync(ts, "utf8") };
  rmSync(dir, { recursive: true, force: true });
  return built;
}
