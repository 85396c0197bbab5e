// The edge stack's origin (tests/e2e/stack.py): renders the landing page for the key the edge
// forwards, through the npm package's `parseKey`, as a real origin behind Kraken would.
//
//   node server.mjs --port N [--ttl SECONDS] [--delay LOW,HIGH]
//
// Every method and path gets a page (200) with a visible marker per experiment and flag it was
// rendered for, GrowthBook's features and tracked experiments (SPEC §6) included, the render as
// JSON in <script id="kraken-render"> ({"fetch", "path", "key", "experiments", "flags",
// "growthbook", "config"}), `Cache-Control: max-age=<ttl>` and `Surrogate-Key`: `site` plus
// `exp:<key>` per experiment rendered, GrowthBook's by their key item's (percent-encoded)
// tracking key (so stopping one can purge exactly its pages). The
// key is echoed as `Kraken-Assignments`, as careless origins do; the edge must strip it.
// Control paths, for the test harness only (sent to this port directly, never through the edge):
//   GET /__ready                 a page numbered 0, not counted
//   GET /__fetches               every fetch so far as JSON: method, path, key, headers, at
//   POST /__fail?path=P&n=N      the next N fetches of target P answer 503 (counted as usual)
import { createServer } from "node:http";
import { parseKey, configDigest } from "@kraken/origin";

const args = Object.fromEntries(
  process.argv.slice(2).flatMap((arg, i, all) => (arg.startsWith("--") ? [[arg.slice(2), all[i + 1]]] : [])),
);
const port = Number(args.port);
const ttl = Number(args.ttl ?? 300);
const [low, high] = (args.delay ?? "0,0").split(",").map(Number);

const fetches = [];
const failing = new Map();

const escape = (s) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
// Python's time.monotonic() and Node's hrtime read the same clock (CLOCK_MONOTONIC on Linux).
const now = () => Number(process.hrtime.bigint()) / 1e9;

function render(fetch, path, key) {
  // Node decodes header bytes as latin1: Buffer.from(..., "latin1") gives back the bytes sent.
  const { experiments, flags, growthbook } = parseKey(key === null ? "" : Buffer.from(key, "latin1"));
  const sections = Object.entries(experiments).map(
    ([name, variation]) =>
      `<section class="experiment" data-experiment="${name}" data-variation="${variation}">${name}: ${variation}</section>`,
  );
  const toggles = Object.entries(flags).map(
    ([name, value]) => `<li data-flag="${name}" data-value="${value}">${name}: ${value}</li>`,
  );
  // GrowthBook's names and values are any text (feature values any JSON): escaped.
  const tracked = Object.entries(growthbook.experiments).map(
    ([name, variation]) =>
      `<section class="experiment" data-tracking-key="${escape(name)}" data-variation="${escape(variation)}">${escape(name)}: ${escape(variation)}</section>`,
  );
  const features = Object.entries(growthbook.features).map(([name, value]) => {
    const json = escape(JSON.stringify(value));
    return `<li data-feature="${escape(name)}" data-value="${json}">${escape(name)}: ${json}</li>`;
  });
  const data = JSON.stringify({ fetch, path, key, experiments, flags, growthbook, config: configDigest });
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Example landing page</title>
<script type="application/json" id="kraken-render">${data.replace(/</g, "\\u003c")}</script>
</head>
<body data-config="${configDigest}">
<h1>Landing page ${escape(path)}</h1>
${sections.join("\n")}
${tracked.join("\n")}
<ul class="flags">
${toggles.join("\n")}
${features.join("\n")}
</ul>
</body>
</html>
`;
  // A surrogate key is one token: GrowthBook's tracking keys go as their items encode them.
  const encoded = (name) =>
    [...Buffer.from(name, "utf8")]
      .map((b) => (/[A-Za-z0-9\-._~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, "0")}`))
      .join("");
  const surrogateKeys = [
    "site",
    ...Object.keys(experiments).map((name) => `exp:${name}`),
    ...Object.keys(growthbook.experiments).map((name) => `exp:${encoded(name)}`),
  ];
  return { html, surrogateKeys };
}

function control(req, res, url) {
  if (url.pathname === "/__fetches") {
    res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(fetches));
  } else if (url.pathname === "/__fail" && req.method === "POST") {
    failing.set(url.searchParams.get("path"), Number(url.searchParams.get("n") ?? 1));
    res.writeHead(204).end();
  } else {
    return false;
  }
  return true;
}

const server = createServer((req, res) => {
  const url = new URL(req.url, "http://origin");
  if (url.pathname !== "/__ready" && control(req, res, url)) return;
  // Drain any body first (POSTs), then answer.
  req.resume();
  req.on("end", () => {
    const raw = req.headers["kraken-assignments"];
    const key = raw === undefined ? null : raw;
    let number = 0;
    let status = 200;
    if (req.url !== "/__ready") {
      fetches.push({ method: req.method, path: req.url, key, headers: req.headers, at: now() });
      number = fetches.length;
      const left = failing.get(req.url) ?? 0;
      if (left > 0) {
        failing.set(req.url, left - 1);
        status = 503;
      }
    }
    const { html, surrogateKeys } = render(number, req.url, key);
    const body = req.method === "HEAD" ? "" : html;
    const headers = {
      "Content-Type": "text/html; charset=utf-8",
      "Content-Length": Buffer.byteLength(html),
      "Cache-Control": `max-age=${ttl}`,
      "Surrogate-Key": surrogateKeys.join(" "),
    };
    if (key !== null) headers["Kraken-Assignments"] = key;
    const send = () => res.writeHead(status, headers).end(body);
    if (high > 0 && number > 0) setTimeout(send, (low + Math.random() * (high - low)) * 1000);
    else send();
  });
});
// Outlive Varnish's idle backend connections (backend_idle_timeout, 60 s): a connection the
// origin closes while Varnish reuses it would be a failed fetch.
server.keepAliveTimeout = 120_000;
server.headersTimeout = 125_000;
server.requestTimeout = 0;
server.listen(port, "127.0.0.1");
