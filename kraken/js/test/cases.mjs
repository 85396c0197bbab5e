// Random, partly hostile requests for the package's differential test, in the shapes an origin
// passes them (strings, Buffers, arrays of values, junk), each with the bytes the package must
// hand the core: what `assign` sends is checked against the Rust core and the Python reference.
// Paths, countries and devices are the ones the sample GrowthBook payload's conditions read,
// and hostile ones.

/** xorshift64*, as kraken/tests/support: reproducible without a dependency. */
export class Rng {
  constructor(seed) {
    this.s = (BigInt(seed) * 0x9e3779b97f4a7c15n | 1n) & 0xffffffffffffffffn;
  }
  next() {
    let s = this.s;
    s ^= s >> 12n;
    s ^= (s << 25n) & 0xffffffffffffffffn;
    s ^= s >> 27n;
    this.s = s;
    return Number(((s * 0x2545f4914f6cdd1dn) & 0xffffffffffffffffn) >> 11n);
  }
  below(n) {
    return this.next() % n;
  }
  chance(percent) {
    return this.below(100) < percent;
  }
  pick(items) {
    return items[this.below(items.length)];
  }
}

const UNIT = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";

function unit(rng) {
  const len = 1 + rng.below(rng.chance(10) ? 64 : 32);
  let u = "";
  for (let i = 0; i < len; i++) u += rng.pick(UNIT);
  return u;
}

/**
 * One value as an origin might pass it, and the bytes the package must send for it (`null`:
 * missing). Strings go as UTF-8; `Buffer`s as they are (Node's latin1 header strings, re-read
 * as bytes); other types are ignored.
 */
function shaped(rng, text, bytes = Buffer.from(text, "utf8")) {
  switch (rng.below(10)) {
    case 0:
      return { value: Buffer.from(bytes), bytes };
    case 1:
      return { value: new Uint8Array(bytes), bytes };
    default:
      return { value: text, bytes: Buffer.from(text, "utf8") };
  }
}

function raw(bytes) {
  // Non-UTF-8 bytes can only travel as a Buffer.
  return { value: Buffer.from(bytes), bytes: Buffer.from(bytes) };
}

const JUNK = [42, true, {}, () => "x", Symbol("s"), 10n];

function junk(rng) {
  return { value: rng.pick(JUNK), bytes: null };
}

function cookieValue(rng) {
  switch (rng.below(14)) {
    case 0:
      return shaped(rng, "other=1");
    case 1:
      return shaped(rng, `kraken_uid=${"a".repeat(65)}`);
    case 2:
      return shaped(rng, "kraken_uid=has.dot");
    case 3:
      return shaped(rng, "kraken_uid=");
    case 4:
      return raw([...Buffer.from("kraken_uid="), 0xff, 0xfe, 0xc3]);
    case 5:
      return shaped(rng, `kraken_uid=${unit(rng)}; kraken_uid=${unit(rng)}`);
    case 6:
      return shaped(rng, `a=b;kraken_uid=${unit(rng)} ; c=d`);
    case 7:
      return shaped(rng, `kraken_uid="${unit(rng)}"`);
    case 8:
      return shaped(rng, `kraken_uid=${unit(rng)}é`);
    case 9:
      return shaped(rng, `\tkraken_uid=${unit(rng)}\t`);
    default:
      return shaped(rng, `kraken_uid=${unit(rng)}`);
  }
}

function cookies(rng) {
  switch (rng.below(10)) {
    case 0:
      return { value: undefined, bytes: [] };
    case 1:
      return { value: null, bytes: [] };
    case 2: {
      const j = junk(rng);
      return { value: j.value, bytes: [] };
    }
    case 3:
    case 4: {
      // Several Cookie headers (Node's headersDistinct), junk entries skipped.
      const parts = [];
      for (let i = 0; i < 1 + rng.below(4); i++) {
        parts.push(rng.chance(15) ? junk(rng) : cookieValue(rng));
      }
      return { value: parts.map((p) => p.value), bytes: parts.flatMap((p) => (p.bytes ? [p.bytes] : [])) };
    }
    default: {
      const c = cookieValue(rng);
      return { value: c.value, bytes: [c.bytes] };
    }
  }
}

function host(rng, d) {
  switch (rng.below(12)) {
    case 0:
      return { value: undefined, bytes: null };
    case 1:
      return raw([0xff, ...Buffer.from("example.com")]);
    case 2:
      return junk(rng);
    case 3:
      return shaped(rng, "unknown.example.org");
    case 4:
      return shaped(rng, "[::1]:7676");
    case 5:
      return shaped(rng, "exämple.com");
    default: {
      let h = "";
      for (let i = 0; i < rng.below(3); i++) h += rng.pick(["www.", "staging.", "WWW.", "Staging."]);
      const domain = rng.pick(d.domains);
      h += rng.chance(20) ? domain.toUpperCase() : domain;
      if (rng.chance(30)) h += rng.pick([":443", ":8080", ":"]);
      return shaped(rng, h);
    }
  }
}

function pageType(rng, d) {
  switch (rng.below(10)) {
    case 0:
      return { value: undefined, bytes: null };
    case 1:
      return shaped(rng, "landing");
    case 2:
      return shaped(rng, "HOME");
    case 3:
      return raw([...Buffer.from("h\u00f6me"), 0xff]);
    case 4:
      return junk(rng);
    default:
      return shaped(rng, rng.pick(d.pageTypes));
  }
}

function query(rng, d) {
  if (rng.chance(50)) return rng.chance(80) ? { value: undefined, bytes: null } : junk(rng);
  const params = [];
  for (let p = 0; p < 1 + rng.below(3); p++) {
    const variants = rng.chance(50);
    const pool = variants ? d.experiments : d.flags;
    const items = [];
    for (let i = 0; i < 1 + rng.below(4); i++) {
      const [key, values] = rng.pick(pool);
      const pickValue = rng.below(6);
      const value = pickValue === 0 ? "undeclared" : pickValue === 1 ? "" : rng.pick(values);
      const form = rng.below(8);
      items.push(form === 0 ? key : form === 1 ? `nope:${value}` : form === 2 ? `${key}:${value}:extra` : `${key}:${value}`);
    }
    let list = items.join(",");
    if (rng.chance(30)) list = list.replaceAll(":", "%3A").replaceAll(",", "%2c");
    else if (rng.chance(10)) list += "%zz%";
    const name = variants ? "variants" : "flags";
    params.push(`${rng.chance(10) ? name.replace("s", "%73") : name}=${list}`);
  }
  if (rng.chance(30)) {
    const extra = rng.pick(["utm_source=news+letter&x", "utm_source=newsletter", "qa=1", "utm_medium=email&qa=1"]);
    params.splice(rng.below(params.length + 1), 0, extra);
  }
  const q = params.join("&");
  if (rng.chance(10)) return raw([...Buffer.from(q + "&flags="), 0xff, 0x3a, 0xfe]);
  // `url.search` keeps its `?`, which the package removes.
  if (rng.chance(15)) return { value: `?${q}`, bytes: Buffer.from(q) };
  return shaped(rng, q);
}

function path(rng, d) {
  switch (rng.below(16)) {
    case 0:
    case 1:
      return { value: undefined, bytes: null };
    case 2:
      return junk(rng);
    case 3:
      return shaped(rng, "");
    case 4: {
      // A path with a query of its own (an origin passing `req.url`).
      const [key, values] = rng.pick(d.flags);
      return shaped(rng, `/deals?flags=${key}:${rng.pick(values)}&qa=1`);
    }
    case 5:
      return raw([0x2f, 0xff, 0xfe, 0x3f, 0x80]);
    case 6:
      return shaped(rng, "/caf\u00e9/\u00fc?");
    case 7:
      return shaped(rng, `https://${rng.pick(["www.example.com", "example.ie"])}/hotel/12?utm_medium=email`);
    case 8:
      return shaped(rng, rng.pick(["/search#frag", "hotels", "*", "/%zz%", "/\u0000/\ud800"]));
    default:
      return shaped(rng, rng.pick(["/", "/hotel/42", "/hotel/x", "/hotels/palace", "/destinations/porto", "/deals/winter"]));
  }
}

function country(rng) {
  switch (rng.below(10)) {
    case 0:
    case 1:
      return { value: undefined, bytes: null };
    case 2:
      return junk(rng);
    case 3:
      return shaped(rng, rng.pick(["", "de", " DE", "DE,AT", "\u00c9"]));
    case 4:
      return raw([0x44, 0xc5]);
    default:
      return shaped(rng, rng.pick(["DE", "AT", "CH", "FR", "JP", "CN", "IE", "US"]));
  }
}

function device(rng) {
  switch (rng.below(10)) {
    case 0:
    case 1:
      return { value: undefined, bytes: null };
    case 2:
      return junk(rng);
    case 3:
      return shaped(rng, rng.pick(["", "Mobile", "mobile ", "watch"]));
    case 4:
      return raw([0x6d, 0x6f, 0x62, 0xff]);
    default:
      return shaped(rng, rng.pick(["mobile", "tablet", "desktop"]));
  }
}

/** What the config declares, read from the JSON (the test's own view, not the package's). */
export function declared(config) {
  const domains = new Set();
  const experiments = config.experiments.experiments.map((e) => {
    for (const d of e.targeting?.domains ?? []) domains.add(d);
    return [e.key, (e.variations ?? []).map((v) => v.key)];
  });
  const flags = config.features.flags.map((f) => {
    for (const r of f.rules ?? []) for (const d of r.domains ?? []) domains.add(d);
    return [f.key, f.values ?? []];
  });
  return { experiments, flags, domains: [...domains].sort(), pageTypes: config.edge.page_types };
}

/**
 * `{ request, wire }`: what `assign` is called with, and the bytes the core must see (`path`,
 * `country`, `device` too; the request target is the test's to build from `path` and `query`).
 */
export function cases(d, seed, n) {
  const rng = new Rng(seed);
  const out = [];
  for (let i = 0; i < n; i++) {
    const fields = {
      cookie: cookies(rng),
      host: host(rng, d),
      krakenHost: rng.chance(60) ? { value: undefined, bytes: null } : host(rng, d),
      pageType: pageType(rng, d),
      query: query(rng, d),
      path: path(rng, d),
      country: country(rng),
      device: device(rng),
    };
    // Single-valued headers may come as arrays (headersDistinct): the first value counts.
    for (const name of ["host", "krakenHost", "pageType", "path", "country", "device"]) {
      if (fields[name].bytes && rng.chance(5)) fields[name].value = [fields[name].value, "second.example"];
    }
    const request = {};
    const wire = {};
    for (const [name, f] of Object.entries(fields)) {
      if (f.value !== undefined || rng.chance(50)) request[name] = f.value;
      wire[name] = f.bytes;
    }
    out.push({ request, wire });
  }
  return out;
}
