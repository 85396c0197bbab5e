// node --test: the oracle builds SPEC §6's key from what the SDK computes.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import test from "node:test";
import {
  attributesFromRaw,
  evaluate,
  forcedVariationsFromRaw,
  percentEncode,
  writeValue,
} from "./oracle.mjs";

// encodeURIComponent leaves `! ' ( ) *` alone; SPEC §6 encodes them too. An independent encoder.
const reference = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());

test("percent-encoding: UTF-8, uppercase hex, all but A-Z a-z 0-9 - . _ ~", () => {
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  const alphabet = ["a", "Z", "0", "-", ".", "_", "~", "!", "'", "(", ")", "*", " ", "%", ":", ";", "=", ",",
    '"', "{", "é", "ß", "日", "😀", "\u2028", "\u0000", "\u007f"];
  for (let i = 0; i < 500; i++) {
    let s = "";
    for (let n = next() % 12; n > 0; n--) s += alphabet[next() % alphabet.length];
    assert.equal(percentEncode(s), reference(s), JSON.stringify(s));
  }
  assert.throws(() => percentEncode("\ud800"), /lone surrogate/);
});

test("values are written as JSON.stringify writes them", () => {
  assert.equal(writeValue(-0), "0");
  assert.equal(writeValue(1e21), "1e+21");
  assert.equal(writeValue(1e-7), "1e-7");
  assert.equal(writeValue(JSON.parse('{"b":1,"10":2,"a":3,"2":4}')), '{"2":4,"10":2,"b":1,"a":3}');
  assert.equal(writeValue(undefined), "null");
  assert.equal(writeValue(null), "null");
});

const payload = {
  features: {
    banner: {
      defaultValue: "off",
      rules: [{ key: "bänner", seed: "s", hashVersion: 2, variations: ["a", "b"], meta: [{ key: "c" }, { key: "t" }] }],
    },
    // Tracks the same experiment again: one item in the key.
    banner2: {
      defaultValue: 0,
      rules: [{ key: "bänner", seed: "s", hashVersion: 2, variations: [1, 2], meta: [{ key: "c" }, { key: "t" }] }],
    },
    gated: { defaultValue: false, rules: [{ condition: { pageType: "home" }, force: true }] },
  },
};

test("the key: sorted, deduplicated, encoded items of every listed feature and tracked experiment", () => {
  const out = evaluate({ payload, features: ["gated", "banner", "banner2"], attributes: { id: "u1" } });
  assert.equal(out.experiments.length, 1); // the SDK tracks one assignment once
  const variation = out.experiments[0][1];
  assert.ok(["c", "t"].includes(variation));
  const value = variation === "c" ? "a" : "b";
  assert.deepEqual(out.values, { gated: false, banner: value, banner2: variation === "c" ? 1 : 2 });
  // Byte order: "banner2=" sorts before "banner=" ('2' is 0x32, '=' 0x3D).
  assert.deepEqual(out.items, [`exp:b%C3%A4nner=${variation}`, `ff:banner2=${variation === "c" ? 1 : 2}`,
    `ff:banner=%22${value}%22`, "ff:gated=false"]);
  assert.equal(out.key, out.items.join(";"));
});

test("forced variations give the variation's value and track nothing", () => {
  for (const index of [0, 1]) {
    const out = evaluate({ payload, features: ["banner"], attributes: { id: "u1" }, forcedVariations: { "bänner": index } });
    assert.deepEqual(out.experiments, []);
    assert.deepEqual(out.values, { banner: ["a", "b"][index] });
  }
});

test("raw requests: SPEC §6's attributes", () => {
  const raw = {
    target: "/hotel/1?x=1",
    headers: [["Host", "EDGE.example.net"], ["kraken-host", "WWW.Example.com:8443"], ["Kraken-Page-Type", "hotel"],
      ["Kraken-Country", " DE "], ["Kraken-Device", "mobile"], ["Cookie", "a=1; kraken_uid=abc_DEF-1"]],
  };
  assert.deepEqual(attributesFromRaw(raw, ["home", "hotel"]), {
    id: "abc_DEF-1", host: "www.example.com:8443", url: "https://www.example.com:8443/hotel/1?x=1",
    path: "/hotel/1", query: "?x=1", pageType: "hotel", country: "DE", deviceType: "mobile",
  });
  // No Kraken-Host: Host; `?` alone is an empty query; unknown page type, missing headers: absent.
  const bare = { target: "/?", headers: [["Host", "a.example"], ["Kraken-Page-Type", "Hotel"]], unit: "0".repeat(32) };
  assert.deepEqual(attributesFromRaw(bare, ["hotel"]), { id: "0".repeat(32), host: "a.example", url: "https://a.example/?", path: "/", query: "" });
  // No host at all: no host, no url.
  assert.deepEqual(Object.keys(attributesFromRaw({ target: "/", headers: [], unit: "f".repeat(32) }, [])), ["id", "path", "query"]);
  // Header bytes become code units one to one (Latin-1).
  const bytes = { target: { hex: "2fc3a9" }, headers: [["Kraken-Country", { hex: "c3a9ff" }]], unit: "a".repeat(32) };
  const attrs = attributesFromRaw(bytes, []);
  assert.equal(attrs.country, "\u00c3\u00a9\u00ff");
  assert.equal(attrs.path, "/\u00c3\u00a9");
  // An invalid first kraken_uid is not replaced by a later one.
  assert.equal(attributesFromRaw({ target: "/", headers: [["Cookie", "kraken_uid=no good; kraken_uid=ok"]], unit: "b".repeat(32) }, []).id, "b".repeat(32));
  assert.throws(() => attributesFromRaw({ target: "/", headers: [] }, []), /raw.unit/);
});

test("raw requests: ?variants= becomes forcedVariations", () => {
  const gb = { features: { f: { rules: [{ key: "a:b", variations: [1, 2, 3] }, { key: "x", variations: [1, 2] }] } } };
  const forced = (target) => forcedVariationsFromRaw({ target }, gb);
  assert.deepEqual(forced("/?variants=a%3Ab:2"), { "a:b": 2 });
  assert.deepEqual(forced("/?variants=x:5,x:1,x:0"), { x: 1 }); // out of range dropped, then first wins
  assert.deepEqual(forced("/?variants=x:1&variants=a:b:0"), { x: 1, "a:b": 0 });
  assert.deepEqual(forced("/?variants=x:-1,x:+1,x:1.0,nope:1,x"), {});
  assert.deepEqual(forced("/?variants=x:1#variants=a:b:1"), { x: 1 });
  assert.deepEqual(forced("/?variant%73=x%3A1"), { x: 1 });
});

test("the command line: one line per request", () => {
  const input = JSON.stringify({
    payload, features: ["banner"], pageTypes: ["home"],
    requests: [{ attributes: { id: "u1" } }, { raw: { target: "/?variants=b%C3%A4nner:1", headers: [["Cookie", "kraken_uid=u1"]] } }],
  });
  const out = execFileSync(process.execPath, [fileURLToPath(new URL("./oracle.mjs", import.meta.url))], { input })
    .toString().trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(out.length, 2);
  assert.deepEqual(out[1].items, ["ff:banner=%22b%22"]);
  assert.deepEqual(out[1].forcedVariations, { "bänner": 1 });
  assert.equal(out[0].key, evaluate({ payload, features: ["banner"], attributes: { id: "u1" } }).key);
});
