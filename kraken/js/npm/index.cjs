// Kraken for Node.js origins: `assign` (the Compute service's answer) and `parseKey` over the config compiled into
// `wasm/kraken_bg.wasm` (the `kraken` crate and its committed tables, built by
// `scripts/package-js`). The wasm holds no JSON; this file only moves bytes across.
"use strict";

const wasm = require("./wasm/kraken.js");

const encoder = new TextEncoder();

/** Digest of the pruned config this build was compiled from (the edge's `Kraken-Config`). */
const configDigest = wasm.config_digest();
const cookieParts = wasm.set_cookie_parts();
const cookiePrefix = cookieParts.slice(0, cookieParts.indexOf(" "));
const cookieAttributes = cookieParts.slice(cookieParts.indexOf(" ") + 1);

// One scratch buffer for a request's bytes, grown as needed: `assign` packs every value into it
// and the wasm side copies it once.
let scratch = new Uint8Array(4096);
let lengths = new Int32Array(8);
let used = 0;

function room(n) {
  if (used + n > scratch.length) {
    const grown = new Uint8Array(Math.max(scratch.length * 2, used + n));
    grown.set(scratch.subarray(0, used));
    scratch = grown;
  }
}

/** Appends one value as bytes and returns its length, or -1 for a missing or unusable one. */
function put(value) {
  if (typeof value === "string") {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    room(value.length * 3);
    const { written } = encoder.encodeInto(value, scratch.subarray(used));
    used += written;
    return written;
  }
  if (value instanceof Uint8Array) {
    room(value.length);
    scratch.set(value, used);
    used += value.length;
    return value.length;
  }
  if (value instanceof ArrayBuffer) return put(new Uint8Array(value));
  return -1;
}

/**
 * The bytes of one value read by `read`, appended; -1 when missing or unusable. Nothing about
 * the input is trusted: a throwing getter, array or (revoked) proxy counts as missing.
 */
function value(read) {
  try {
    return put(read());
  } catch {
    return -1;
  }
}

/** A header that may come as several values (Node's `headersDistinct`): the first counts. */
function single(v) {
  return Array.isArray(v) ? v[0] : v;
}

/**
 * The edge's answer for a request: `{ key, unit, minted, setCookie }`, GrowthBook's items
 * included. Every field is optional and may be anything; strings are sent as UTF-8,
 * `Buffer`/`Uint8Array` values as they are.
 */
function assign(request) {
  const r = request !== null && typeof request === "object" ? request : {};
  used = 0;
  let n = 0;
  const push = (length) => {
    if (n === lengths.length) {
      const grown = new Int32Array(n * 2);
      grown.set(lengths);
      lengths = grown;
    }
    lengths[n++] = length;
  };
  push(value(() => single(r.host)));
  push(value(() => single(r.krakenHost)));
  push(value(() => single(r.pageType)));
  push(
    value(() => {
      const query = single(r.query);
      // `url.search` and `location.search` start with `?`; the service reads what follows it.
      return typeof query === "string" && query.charCodeAt(0) === 63 ? query.slice(1) : query;
    }),
  );
  // The request target is `path` (`/` when missing) and `?query` when there is one: lib.rs.
  push(value(() => single(r.path)));
  push(value(() => single(r.country)));
  push(value(() => single(r.device)));
  let cookies = [];
  try {
    const cookie = r.cookie;
    cookies = Array.isArray(cookie) ? cookie : [cookie];
    for (let i = 0, count = cookies.length; i < count; i++) push(value(() => cookies[i]));
  } catch {
    // Values pushed before the throw stay: the first ones of a list are read, as they came.
  }
  const answer = wasm.assign_packed(scratch.subarray(0, used), lengths.subarray(0, n));
  // `<m><unit> <key>`, see kraken/js/src/lib.rs.
  const space = answer.indexOf(" ");
  const unit = answer.slice(1, space);
  const minted = answer.charCodeAt(0) === 49;
  return {
    key: answer.slice(space + 1),
    unit,
    minted,
    setCookie: minted ? cookiePrefix + unit + cookieAttributes : null,
  };
}

/**
 * The declared items of an assignment key: `{ experiments, flags, growthbook: { features,
 * experiments } }`, each mapping a key to its variation or value. GrowthBook items (SPEC §6)
 * come decoded: keys and values percent-decoded as UTF-8, feature values `JSON.parse`d. Items
 * the config does not declare are ignored; it never throws.
 */
function parseKey(key) {
  const parsed = {
    experiments: Object.create(null),
    flags: Object.create(null),
    growthbook: { features: Object.create(null), experiments: Object.create(null) },
  };
  let bytes;
  try {
    if (typeof key === "string") bytes = encoder.encode(key);
    else if (key instanceof Uint8Array) bytes = key;
  } catch {
    // A revoked proxy throws even on `instanceof`.
  }
  if (bytes === undefined) return parsed;
  // `<platform items> <GrowthBook items>`, see kraken/js/src/lib.rs.
  const declared = wasm.declared_key(bytes);
  const space = declared.indexOf(" ");
  const platform = declared.slice(0, space);
  const growthbook = declared.slice(space + 1);
  if (platform !== "") {
    for (const item of platform.split(";")) {
      // Only declared items come back, and their keys never hold `=`.
      const eq = item.indexOf("=");
      if (item.startsWith("exp:")) parsed.experiments[item.slice(4, eq)] = item.slice(eq + 1);
      else parsed.flags[item.slice(3, eq)] = item.slice(eq + 1);
    }
  }
  if (growthbook !== "") {
    for (const item of growthbook.split(";")) {
      // The compiled table's items: canonical UTF-8 percent-encoding, `=` encoded inside
      // keys, JSON.stringify's text as feature values. Neither call can throw on them.
      const eq = item.indexOf("=");
      if (item.startsWith("ff:")) {
        parsed.growthbook.features[decodeURIComponent(item.slice(3, eq))] = JSON.parse(
          decodeURIComponent(item.slice(eq + 1)),
        );
      } else {
        parsed.growthbook.experiments[decodeURIComponent(item.slice(4, eq))] = decodeURIComponent(
          item.slice(eq + 1),
        );
      }
    }
  }
  return parsed;
}

module.exports = { assign, parseKey, configDigest };
