#!/usr/bin/env node
// The SPEC §6 assignment key, computed with GrowthBook's real JavaScript SDK (npm
// `@growthbook/growthbook`, pinned in package.json): the oracle Kraken's compiled evaluation is
// proven against. See docs/growthbook.md.
//
//   node tests/growthbook/oracle.mjs [INPUT.json]     (stdin when no file is given)
//
// Input: {"payload": <decrypted SDK payload>, "features": ["key", ...], "pageTypes": [...],
//         "requests": [ {"attributes": {...}, "forcedVariations": {...}} | {"raw": {...}} ]}
// Output: one JSON line per request:
//   {"items": [...], "key": "a;b", "values": {feature: value}, "experiments": [[tracking, variation]]}
// plus, for a raw request, the "attributes" and "forcedVariations" derived from it.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { GrowthBook } from "@growthbook/growthbook";

// SPEC §6: everything but these is percent-encoded (RFC 3986's unreserved set).
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/** Percent-encodes the UTF-8 of `text`, uppercase hex, all but `A-Z a-z 0-9 - . _ ~`. */
export function percentEncode(text) {
  if (!text.isWellFormed()) {
    // A lone surrogate has no UTF-8; such a payload is invalid input (codegen refuses it).
    throw new Error(`not well-formed UTF-16 (lone surrogate): ${JSON.stringify(text)}`);
  }
  let out = "";
  for (const byte of new TextEncoder().encode(text)) {
    const ch = String.fromCharCode(byte);
    out += UNRESERVED.test(ch) ? ch : "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/**
 * A feature value as the key writes it: `JSON.stringify`, except that `undefined` (which
 * `JSON.stringify` turns into `undefined`, not a string) is written `null`. The SDK itself never
 * hands out `undefined` for a JSON payload: a missing `defaultValue`, an unknown feature and a
 * failed prerequisite all give `null`.
 */
export function writeValue(value) {
  return value === undefined ? "null" : JSON.stringify(value);
}

/** Byte order of ASCII strings (after percent-encoding every item is ASCII). */
function byteOrder(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Evaluates `features` (in list order) for one visitor exactly as SPEC §6 says, and builds the
 * key. `forcedVariations` goes to the SDK as it is.
 */
export function evaluate({ payload, features, attributes, forcedVariations }) {
  if (payload.encryptedFeatures || payload.encryptedSavedGroups) {
    throw new Error("the oracle takes a decrypted payload (encryptedFeatures/encryptedSavedGroups)");
  }
  const experiments = [];
  const gb = new GrowthBook({
    features: payload.features || {},
    savedGroups: payload.savedGroups || {},
    attributes: attributes || {},
    forcedVariations: forcedVariations || {},
    // Called synchronously inside evalFeature (through an async wrapper that runs it at once).
    trackingCallback: (experiment, result) => {
      experiments.push([experiment.key, result.key]);
    },
  });
  const values = {};
  const items = new Set();
  for (const feature of features) {
    const { value } = gb.evalFeature(feature);
    values[feature] = value === undefined ? null : value;
    items.add(`ff:${percentEncode(feature)}=${percentEncode(writeValue(value))}`);
  }
  gb.destroy();
  for (const [tracking, variation] of experiments) {
    items.add(`exp:${percentEncode(tracking)}=${percentEncode(String(variation))}`);
  }
  const sorted = [...items].sort(byteOrder);
  return { items: sorted, key: sorted.join(";"), values, experiments };
}

// ---------------------------------------------------------------------------------------------
// Raw requests: SPEC §6's attributes and `?variants=` override, derived from the request's bytes
// as Kraken sees them (SPEC §3, §4), so that one raw request can be fed to Kraken and here.

/**
 * A raw value's bytes: a JSON string stands for its UTF-8; `{"hex": "..."}` for any bytes.
 */
export function rawBytes(value) {
  if (typeof value === "string") return new TextEncoder().encode(value);
  if (value && typeof value.hex === "string") return Uint8Array.from(Buffer.from(value.hex, "hex"));
  throw new Error(`a raw value is a string or {"hex": "..."}: ${JSON.stringify(value)}`);
}

/**
 * Header bytes as a JavaScript string: each byte is the code unit of the same value (Latin-1,
 * the Fetch standard's "isomorphic decode"), as Node's `http` module and Fetch's `Headers`
 * (Fastly's JS runtime, undici, browsers) hand them to JavaScript. Never fails; UTF-8 text
 * arrives as its bytes (`é` = `Ã©`).
 */
export function latin1(bytes) {
  let out = "";
  for (const byte of bytes) out += String.fromCharCode(byte);
  return out;
}

/** HTTP optional whitespace around a field value, which an HTTP parser drops (RFC 9110 §5.5). */
function trimOws(bytes) {
  let start = 0;
  let end = bytes.length;
  while (start < end && (bytes[start] === 0x20 || bytes[start] === 0x09)) start++;
  while (end > start && (bytes[end - 1] === 0x20 || bytes[end - 1] === 0x09)) end--;
  return bytes.subarray(start, end);
}

/** Every value of header `name` (case-insensitive), in request order, as trimmed bytes. */
function headerValues(raw, name) {
  const wanted = name.toLowerCase();
  return (raw.headers || [])
    .filter(([n]) => String(n).toLowerCase() === wanted)
    .map(([, v]) => trimOws(rawBytes(v)));
}

/** The first value of header `name`, as Kraken reads it; `undefined` when absent. */
function firstHeader(raw, name) {
  return headerValues(raw, name)[0];
}

const UNIT = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The unit id (SPEC §3): the first `kraken_uid` cookie pair of all `Cookie` values when it is
 * `[A-Za-z0-9_-]{1,64}`, else the id Kraken minted, which the caller passes as `raw.unit` (read
 * from the response's `Kraken-Unit`).
 */
export function unitId(raw) {
  for (const value of headerValues(raw, "cookie")) {
    for (const pair of latin1(value).split(";")) {
      const eq = pair.indexOf("=");
      if (eq < 0) continue;
      if (pair.slice(0, eq).replace(/^[ \t]+|[ \t]+$/g, "") !== "kraken_uid") continue;
      const id = pair.slice(eq + 1).replace(/^[ \t]+|[ \t]+$/g, "");
      // Only the first kraken_uid counts, valid or not (kraken/src/request.rs).
      if (UNIT.test(id)) return { id, minted: false };
      return mintedUnit(raw);
    }
  }
  return mintedUnit(raw);
}

function mintedUnit(raw) {
  if (typeof raw.unit !== "string" || !/^[0-9a-f]{32}$/.test(raw.unit)) {
    throw new Error("the request has no valid kraken_uid cookie: give raw.unit, the id Kraken minted");
  }
  return { id: raw.unit, minted: true };
}

/**
 * SPEC §6's attributes of a raw request `{target, headers: [[name, value], ...], unit?}`:
 * with H = `Kraken-Host` (when present) else `Host`, ASCII-lowercased, and T the request target:
 * `id`, `host` = H (port and `www.` kept), `path` = T up to the first `?`, `query` = `?` and the
 * rest when that is not empty, else `""`, `url` = `https://` + H + T, `pageType` = the
 * `Kraken-Page-Type` value when it is exactly one of `pageTypes`, `country` = `Kraken-Country`,
 * `deviceType` = `Kraken-Device`. An attribute whose header is missing is absent (no H: no
 * `host` and no `url`).
 */
export function attributesFromRaw(raw, pageTypes) {
  const attributes = { id: unitId(raw).id };
  const hostBytes = firstHeader(raw, "kraken-host") ?? firstHeader(raw, "host");
  const target = latin1(rawBytes(raw.target));
  const q = target.indexOf("?");
  const path = q < 0 ? target : target.slice(0, q);
  const search = q < 0 ? "" : target.slice(q);
  if (hostBytes !== undefined) {
    // Hosts are ASCII on the wire; Kraken lowercases ASCII only (kraken/src/request.rs).
    const host = latin1(hostBytes).replace(/[A-Z]+/g, (s) => s.toLowerCase());
    attributes.host = host;
    attributes.url = "https://" + host + target;
  }
  attributes.path = path;
  attributes.query = search === "?" ? "" : search;
  const page = firstHeader(raw, "kraken-page-type");
  if (page !== undefined) {
    const pageType = latin1(page);
    if (pageTypes.includes(pageType)) attributes.pageType = pageType;
  }
  const country = firstHeader(raw, "kraken-country");
  if (country !== undefined) attributes.country = latin1(country);
  const device = firstHeader(raw, "kraken-device");
  if (device !== undefined) attributes.deviceType = latin1(device);
  return attributes;
}

// SPEC §4 reads overrides from the query of the request target (after the first `?`, before any
// `#`), not beyond 64 KiB (kraken/src/request.rs MAX_QUERY_LEN).
const MAX_QUERY_LEN = 64 * 1024;

/** `application/x-www-form-urlencoded` decoding on bytes: `+` is a space, a bad escape stays. */
function formDecode(bytes) {
  const out = [];
  const hex = (b) =>
    b >= 0x30 && b <= 0x39 ? b - 0x30 : b >= 0x61 && b <= 0x66 ? b - 0x57 : b >= 0x41 && b <= 0x46 ? b - 0x37 : -1;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 0x25 && i + 2 < bytes.length && hex(bytes[i + 1]) >= 0 && hex(bytes[i + 2]) >= 0) {
      out.push((hex(bytes[i + 1]) << 4) | hex(bytes[i + 2]));
      i += 2;
    } else out.push(b === 0x2b ? 0x20 : b);
  }
  return Uint8Array.from(out);
}

function split(bytes, sep) {
  const parts = [];
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === sep) {
      parts.push(bytes.subarray(start, i));
      start = i + 1;
    }
  }
  return parts;
}

/** Number of variations of every experiment rule, by tracking key (`rule.key` or the feature). */
export function variationCounts(payload) {
  const counts = new Map();
  for (const [id, feature] of Object.entries(payload.features || {})) {
    for (const rule of feature.rules || []) {
      const variations = rule.contextualVariations ?? rule.variations;
      if (!Array.isArray(variations) || "force" in rule) continue;
      const key = rule.key || id;
      if (!counts.has(key)) counts.set(key, new Set());
      counts.get(key).add(variations.length);
    }
  }
  return counts;
}

/**
 * The context's `forcedVariations` from `?variants=` (SPEC §6 with §4): every `variants`
 * parameter, form-decoded, joined by `,`; items split at their last `:`; the tracking key is the
 * UTF-8 of its bytes, the index ASCII digits; an item whose key names no experiment rule or
 * whose index is not below that experiment's variation count is dropped; of the rest, the first
 * for a key wins.
 */
export function forcedVariationsFromRaw(raw, payload) {
  const target = rawBytes(raw.target);
  const q = target.indexOf(0x3f);
  if (q < 0) return {};
  let query = target.subarray(q + 1);
  const hash = query.indexOf(0x23);
  if (hash >= 0) query = query.subarray(0, hash);
  if (query.length > MAX_QUERY_LEN) return {};
  const variants = [];
  for (const pair of split(query, 0x26)) {
    const eq = pair.indexOf(0x3d);
    const name = eq < 0 ? pair : pair.subarray(0, eq);
    if (latin1(formDecode(name)) !== "variants") continue;
    variants.push(formDecode(eq < 0 ? new Uint8Array() : pair.subarray(eq + 1)));
  }
  const counts = variationCounts(payload);
  const forced = {};
  const utf8 = new TextDecoder("utf-8", { fatal: true });
  for (const list of variants) {
    for (const item of split(list, 0x2c)) {
      const colon = item.lastIndexOf(0x3a);
      if (colon < 0) continue;
      let key;
      try {
        key = utf8.decode(item.subarray(0, colon));
      } catch {
        continue; // not UTF-8: names no key
      }
      const index = latin1(item.subarray(colon + 1));
      if (!/^[0-9]+$/.test(index) || !counts.has(key) || key in forced) continue;
      const n = Number(index);
      const sizes = [...counts.get(key)];
      const valid = sizes.filter((size) => n < size).length;
      if (valid === 0) continue;
      if (valid !== sizes.length) {
        // Rules sharing a tracking key with different variation counts: whether the index is
        // "one the experiment does not have" depends on the rule. Not decidable here.
        throw new Error(`tracking key ${JSON.stringify(key)}: index ${n} fits only some of its rules`);
      }
      forced[key] = n;
    }
  }
  return forced;
}

/** One input request (attributes form or raw form) → its output line's object. */
export function evaluateRequest(input, request) {
  const { payload, features } = input;
  if (request.raw) {
    if (!Array.isArray(input.pageTypes)) throw new Error("raw requests need the input's pageTypes");
    const attributes = attributesFromRaw(request.raw, input.pageTypes);
    const forcedVariations = forcedVariationsFromRaw(request.raw, payload);
    return { ...evaluate({ payload, features, attributes, forcedVariations }), attributes, forcedVariations };
  }
  return evaluate({
    payload,
    features,
    attributes: request.attributes,
    forcedVariations: request.forcedVariations,
  });
}

function main() {
  const file = process.argv[2];
  const input = JSON.parse(readFileSync(file && file !== "-" ? file : 0, "utf8"));
  const missing = input.features.filter((f) => !(input.payload.features || {})[f]);
  if (missing.length) throw new Error(`listed features missing from the payload: ${missing.join(", ")}`);
  const out = [];
  for (const request of input.requests) out.push(JSON.stringify(evaluateRequest(input, request)));
  process.stdout.write(out.join("\n") + (out.length ? "\n" : ""));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
