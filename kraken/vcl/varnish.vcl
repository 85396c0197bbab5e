vcl 4.1;
# The Kraken edge logic of fastly.vcl in the Varnish 7 dialect: the VCL that tests/e2e and
# scripts/hit-ratio run in a real varnishd. Keep the two files in step (README: "Dialects").
#
# Flow for a landing page (GET/HEAD on a Kraken route):
#   restart 0: vcl_recv sets Kraken-Page-Type from the path, Kraken-Host, Kraken-Country and
#              Kraken-Device from the visitor, and passes the request to Kraken (Host: the
#              Compute service's domain); vcl_deliver copies Kraken-Assignments (and
#              Kraken-Set-Cookie) into the request, logs the preflight's line and restarts; on
#              any Kraken failure it restarts under the default (empty) key.
#   restart 1: vcl_recv drops the QA override parameters, vcl_hash adds the key, the origin
#              gets the key as a request header; vcl_backend_response tags the object with its
#              surrogate keys (xkey); vcl_deliver sets the cookie on this response.
#
# Needs vmods xkey, str and var from varnish-modules (Debian: varnish-modules).

import std;
import str;
import var;
import xkey;

# The tests rewrite the two .port values below (tests/e2e/stack.py); these defaults match
# scripts/serve (Kraken on 7676) and an origin on 8080.
# The first backend is Varnish's default: everything that is not a Kraken route goes there.
backend origin {
    .host = "127.0.0.1";
    .port = "8080";
}

# Short timeouts: Kraken answers in about a millisecond, and a slow Kraken must cost a page
# at most this much before it is served under the default key (fail open). No health probe
# here (fastly.vcl's backend has one): a probe would turn the test's refused and timed-out
# preflights into "unhealthy" ones and hold Kraken down for seconds after it is back.
backend kraken {
    .host = "127.0.0.1";
    .port = "7676";
    .connect_timeout = 100ms;
    .first_byte_timeout = 200ms;
    .between_bytes_timeout = 100ms;
}

# Who may purge (tests/e2e runs everything on loopback).
acl purgers {
    "127.0.0.1";
    "::1";
}

# Page types come from the path here, never in Kraken (SPEC §3). The values are the page
# types of config/edge.json; a path that matches none bypasses Kraken entirely.
sub kraken_route {
    if (req.method == "GET" || req.method == "HEAD") {
        if (req.url ~ "^/(\?|$)") {
            set req.http.Kraken-Page-Type = "home";
        } elsif (req.url ~ "^/destinations/") {
            set req.http.Kraken-Page-Type = "destination";
        } elsif (req.url ~ "^/hotels/") {
            set req.http.Kraken-Page-Type = "hotel";
        } elsif (req.url ~ "^/deals(/|\?|$)") {
            set req.http.Kraken-Page-Type = "deals";
        }
    }
}

# The Compute service's own domain: on Fastly the `kraken` backend's override host. Fastly
# routes by Host, so the site's host travels in Kraken-Host (SPEC §3).
sub kraken_backend_host {
    set bereq.http.Host = "kraken-example.edgecompute.app";
}

# What Kraken learns about the visitor besides Host, URL and Cookie (SPEC §3, §6). Varnish has
# no geo or device detection: X-Geo-Country and X-Device-Type stand in for Fastly's
# client.geo.country_code and client.platform.* (the tests set them); neither goes further.
sub kraken_visitor {
    set req.http.Kraken-Host = req.http.host;
    if (req.http.X-Geo-Country ~ "^[A-Z]{2}$") {
        set req.http.Kraken-Country = req.http.X-Geo-Country;
    }
    if (req.http.X-Device-Type ~ "^(mobile|tablet|desktop)$") {
        set req.http.Kraken-Device = req.http.X-Device-Type;
    } else {
        set req.http.Kraken-Device = "desktop";
    }
    unset req.http.X-Geo-Country;
    unset req.http.X-Device-Type;
}

# The override parameters (SPEC §4) only matter to Kraken, and their effect is in the key:
# left in the URL they would split the cache per spelling of a QA link.
sub kraken_strip_overrides {
    set req.url = regsuball(req.url, "(?<=[?&])(variants|flags)(=[^&]*)?(&|$)", "");
    set req.url = regsub(req.url, "[?&]+$", "");
}

# One purge reaches every key's copy of a page: `url:<host><path>` (every query string too),
# or `page-type:<type>` for all pages of a route. Worked out in vcl_backend_fetch, before the
# page type leaves the request, and kept in a vmod var (backend task scope) for
# vcl_backend_response. Fastly ignores keys over 1024 bytes, so a longer URL gets only the
# page-type key.
sub kraken_surrogate_keys {
    var.set("surrogate_keys", "page-type:" + bereq.http.Kraken-Page-Type);
    if (str.count("url:" + bereq.http.host + regsub(bereq.url, "\?.*$", "")) <= 1024) {
        var.set("surrogate_keys", "url:" + bereq.http.host + regsub(bereq.url, "\?.*$", "")
            + " " + var.get("surrogate_keys"));
    }
}

# The preflight's log line, one JSON object, as fastly.vcl sends it from vcl_log: Kraken's
# in-main time, the state and why the edge failed open. Never the unit id or the key itself.
# Varnish has no local variables: the line is built in place.
sub kraken_log_line {
    if (req.http.Kraken-State == "assigned") {
        set req.http.Kraken-Log = {"{"event":"kraken_preflight","state":"assigned","page_type":""}
            + req.http.Kraken-Page-Type + {"","config":""} + resp.http.Kraken-Config
            + {"","pop":""} + server.identity;
        if (resp.http.Kraken-Set-Cookie) {
            set req.http.Kraken-Log = req.http.Kraken-Log + {"","minted":true"};
        } else {
            set req.http.Kraken-Log = req.http.Kraken-Log + {"","minted":false"};
        }
        set req.http.Kraken-Log = req.http.Kraken-Log + {","key_len":"}
            + str.count(req.http.Kraken-Assignments);
        if (resp.http.Server-Timing ~ "(^|[ ,])kraken;dur=[0-9]+(\.[0-9]+)?") {
            set req.http.Kraken-Log = req.http.Kraken-Log + {","kraken_ms":"} + regsub(
                resp.http.Server-Timing, "^(.*[ ,])?kraken;dur=([0-9]+(\.[0-9]+)?).*$", "\2");
        }
    } else {
        if (resp.http.Kraken-Fail-Reason) {
            set req.http.Kraken-Log = {"{"event":"kraken_preflight","state":"fail-open","reason":""}
                + resp.http.Kraken-Fail-Reason;
        } else {
            set req.http.Kraken-Log = {"{"event":"kraken_preflight","state":"fail-open","reason":"status-"}
                + resp.status;
        }
        set req.http.Kraken-Log = req.http.Kraken-Log + {"","page_type":""}
            + req.http.Kraken-Page-Type + {"","pop":""} + server.identity
            + {"","minted":false,"key_len":0"};
    }
    set req.http.Kraken-Log = req.http.Kraken-Log + "}";
    std.log("kraken-edge: " + req.http.Kraken-Log);
}

sub vcl_recv {
    # Purge by surrogate key, as Fastly's API does it (`fastly service purge --key`): a PURGE with the
    # keys in Surrogate-Key (space-separated), Fastly-Soft-Purge: 1 for a soft purge.
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.Surrogate-Key) {
            return (synth(400, "Surrogate-Key required"));
        }
        if (req.http.Fastly-Soft-Purge == "1") {
            set req.http.Kraken-Purged = xkey.softpurge(req.http.Surrogate-Key);
        } else {
            set req.http.Kraken-Purged = xkey.purge(req.http.Surrogate-Key);
        }
        return (synth(200, "Purged"));
    }
    if (req.restarts == 0) {
        # These headers only ever come from this VCL: a client cannot choose its key.
        unset req.http.Kraken-Assignments;
        unset req.http.Kraken-Country;
        unset req.http.Kraken-Device;
        unset req.http.Kraken-Host;
        unset req.http.Kraken-Log;
        unset req.http.Kraken-Page-Type;
        unset req.http.Kraken-Set-Cookie;
        unset req.http.Kraken-State;
        # Fastly lowercases Host before vcl_recv; do the same so Kraken and the hash agree.
        call vcl_req_host;
        call kraken_route;
        if (req.http.Kraken-Page-Type) {
            # The first pass asks Kraken with the visitor's host, URL (query), cookies, country
            # and device.
            call kraken_visitor;
            set req.http.Kraken-State = "preflight";
            set req.backend_hint = kraken;
            return (pass);
        }
    } elsif (req.http.Kraken-State == "assigned" || req.http.Kraken-State == "fail-open") {
        set req.backend_hint = origin;
        call kraken_strip_overrides;
        call vcl_req_authorization;
        # Not the built-in "Cookie means pass": the page is cached per URL + key, and the
        # visitor's cookies never reach the origin (vcl_backend_fetch).
        return (hash);
    }
}

sub vcl_hash {
    if (req.http.Kraken-State == "assigned" || req.http.Kraken-State == "fail-open") {
        hash_data("kraken:" + req.http.Kraken-Assignments);
    }
    # Falls through to the built-in hash: URL and Host.
}

sub vcl_backend_fetch {
    if (bereq.http.Kraken-State == "preflight") {
        call kraken_backend_host;
    }
    if (bereq.http.Kraken-State == "assigned" || bereq.http.Kraken-State == "fail-open") {
        # One object serves every visitor with this key: the origin sees the key and nothing
        # that belongs to one visitor.
        call kraken_surrogate_keys;
        unset bereq.http.Cookie;
        unset bereq.http.Kraken-Country;
        unset bereq.http.Kraken-Device;
        unset bereq.http.Kraken-Host;
        unset bereq.http.Kraken-Log;
        unset bereq.http.Kraken-Page-Type;
        unset bereq.http.Kraken-Set-Cookie;
        unset bereq.http.Kraken-State;
    }
}

sub vcl_backend_response {
    if (beresp.status == 500 || beresp.status == 503) {
        # fastly.vcl restarts from vcl_fetch, before caching; Varnish restarts from vcl_deliver,
        # so the error must not be cached for the retry to reach the origin.
        set beresp.uncacheable = true;
        set beresp.ttl = 1s;
        return (deliver);
    }
    if (var.get("surrogate_keys")) {
        # Fastly reads Surrogate-Key itself; vmod xkey reads the xkey header. The origin's own
        # keys are kept.
        if (beresp.http.Surrogate-Key) {
            set beresp.http.xkey = beresp.http.Surrogate-Key + " " + var.get("surrogate_keys");
        } else {
            set beresp.http.xkey = var.get("surrogate_keys");
        }
    }
}

sub vcl_backend_error {
    if (bereq.http.Kraken-State == "preflight") {
        # No error page: vcl_deliver sees the 503 and fails open. Varnish does not tell VCL why
        # the fetch failed; a refused connection fails at once, a timeout only after
        # connect_timeout (100 ms) at least.
        if (now - bereq.time < 50ms) {
            set beresp.http.Kraken-Fail-Reason = "refused";
        } else {
            set beresp.http.Kraken-Fail-Reason = "timeout";
        }
        return (deliver);
    }
}

sub vcl_deliver {
    if (req.http.Kraken-State == "preflight") {
        if (resp.status == 200 && !resp.http.Kraken-Fail-Reason) {
            set req.http.Kraken-Assignments = resp.http.Kraken-Assignments;
            if (resp.http.Kraken-Set-Cookie) {
                set req.http.Kraken-Set-Cookie = resp.http.Kraken-Set-Cookie;
            }
            set req.http.Kraken-State = "assigned";
        } else {
            # Fail open: Kraken is down, slow or broken; serve the page under the default key.
            set req.http.Kraken-Assignments = "";
            set req.http.Kraken-State = "fail-open";
        }
        call kraken_log_line;
        return (restart);
    }
    # One retry of the origin per request (fastly.vcl's vcl_fetch). A landing page has used one
    # restart already for its preflight, so restarts count per state.
    if ((resp.status == 500 || resp.status == 503) && (req.method == "GET" || req.method == "HEAD")
        && ((req.restarts < 1 && !req.http.Kraken-State)
            || (req.restarts < 2 && (req.http.Kraken-State == "assigned"
                                     || req.http.Kraken-State == "fail-open")))) {
        return (restart);
    }
    if (req.http.Kraken-State == "assigned" || req.http.Kraken-State == "fail-open") {
        # The minted cookie goes on this visitor's response only, never on the cached object.
        # (Varnish has no `add` for headers: this replaces an origin Set-Cookie; README.)
        if (req.http.Kraken-Set-Cookie) {
            set resp.http.Set-Cookie = req.http.Kraken-Set-Cookie;
        }
        # The page now depends on the visitor: browsers may keep it, shared caches may not.
        set resp.http.Cache-Control = "private, no-cache";
    }
    # Fastly strips Surrogate-Key itself, and `unset resp.http.Kraken-*` takes a prefix;
    # Varnish needs each name.
    unset resp.http.Surrogate-Key;
    unset resp.http.xkey;
    unset resp.http.Kraken-Assignments;
    unset resp.http.Kraken-Config;
    unset resp.http.Kraken-Fail-Reason;
    unset resp.http.Kraken-Page-Type;
    unset resp.http.Kraken-Set-Cookie;
    unset resp.http.Kraken-State;
    unset resp.http.Kraken-Unit;
}

sub vcl_synth {
    if (req.method == "PURGE" && resp.status == 200) {
        # Fastly's purge API answers JSON; this says how many objects went.
        set resp.http.Content-Type = "application/json";
        set resp.body = {"{"status": "ok", "purged": "} + req.http.Kraken-Purged + "}";
        return (deliver);
    }
}
