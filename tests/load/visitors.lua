-- wrk script for scripts/load: visitors from a bounded kraken_uid pool on the landing routes.
--
--   wrk -t2 -c16 -d30s --latency -s tests/load/visitors.lua http://127.0.0.1:PORT -- POOL NEW SEED
--
-- POOL returning visitors (cookie kraken_uid=v1..vPOOL), a share NEW (0..1) of requests without
-- a cookie (new visitors: Kraken mints an id), SEED for the per-thread random streams. The pool
-- and the long tail of hotel pages make both cache hits and misses. The origin's page embeds the
-- key it was rendered for as JSON (tests/e2e/origin/server.mjs), so a response with `"key":""`
-- was served under the default key (fail open); Varnish's X-Varnish holds two ids on a cache hit. done() prints one
-- line, `WRK_JSON {...}`, that scripts/load reads. Its latencies are wrk's, which wrk corrects
-- for coordinated omission before done() (as in the --latency table).

-- Mostly one site, some of another: targeting and flag rules differ per host.
local hosts = { "www.example.com", "www.example.com", "www.example.com", "www.example.ie" }
local destinations = { "lisbon", "porto", "kyoto", "rome" }
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  pool = tonumber(args[1]) or 1000
  new_share = tonumber(args[2]) or 0.05
  math.randomseed((tonumber(args[3]) or 1) * 1000 + id)
  responses, non2xx, default_key, hits = 0, 0, 0, 0
end

local function path()
  local r = math.random()
  if r < 0.30 then
    return "/"
  elseif r < 0.55 then
    return "/destinations/" .. destinations[math.random(#destinations)]
  elseif r < 0.85 then
    return "/hotels/h" .. math.random(10)
  else
    return "/deals"
  end
end

function request()
  local headers = { Host = hosts[math.random(#hosts)] }
  if math.random() >= new_share then
    headers["Cookie"] = "kraken_uid=v" .. math.random(pool)
  end
  return wrk.format("GET", path(), headers)
end

function response(status, headers, body)
  responses = responses + 1
  if string.find(headers["X-Varnish"] or "", " ", 1, true) then
    hits = hits + 1
  end
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  elseif body and string.find(body, '"key":""', 1, true) then
    default_key = default_key + 1
  end
end

function done(summary, latency, requests)
  local seen, bad, default, hit = 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    seen = seen + thread:get("responses")
    hit = hit + thread:get("hits")
    bad = bad + thread:get("non2xx")
    default = default + thread:get("default_key")
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "responses": %d, "hits": %d, "non2xx": %d, '
      .. '"default_key": %d, "connect": %d, "read": %d, "write": %d, "timeout": %d, '
      .. '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, seen, hit, bad, default, e.connect, e.read, e.write,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max))
end
