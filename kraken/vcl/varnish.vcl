vcl 4.1;
# The Kraken edge logic of fastly.vcl in the Varnish 7 dialect: the VCL that tests/e2e and
# scripts/hit-ratio run in a real varnishd. Keep the two files in step (README: "Dialects").
#
# Flow for a landing page (GET/HEAD on a Kraken route):
#   restart 0: vcl_recv sets Kraken-Page-Type from the path and passes the request to Kraken;
#              vcl_deliver copies Kraken-Assignments (and Kraken-Set-Cookie) into the request
#              and restarts; on any Kraken failure it restarts under the default (empty) key.
#   restart 1: vcl_recv drops the QA override parameters, vcl_hash adds the key, the origin
#              gets the key as a request header; vcl_deliver sets the cookie on this response.

# The tests rewrite the two .port values below (tests/e2e/stack.py); these defaults match
# scripts/serve (Kraken on 7676) and an origin on 8080.
# The first backend is Varnish's default: everything that is not a Kraken route goes there.
backend origin {
    .host = "127.0.0.1";
    .port = "8080";
}

# Short timeouts: Kraken answers in about a millisecond, and a slow Kraken must cost a page
# at most this much before it is served under the default key (fail open).
backend kraken {
    .host = "127.0.0.1";
    .port = "7676";
    .connect_timeout = 100ms;
    .first_byte_timeout = 200ms;
    .between_bytes_timeout = 100ms;
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

# The override parameters (SPEC §4) only matter to Kraken, and their effect is in the key:
# left in the URL they would split the cache per spelling of a QA link.
sub kraken_strip_overrides {
    set req.url = regsuball(req.url, "(?<=[?&])(variants|flags)(=[^&]*)?(&|$)", "");
    set req.url = regsub(req.url, "[?&]+$", "");
}

sub vcl_recv {
    if (req.restarts == 0) {
        # These headers only ever come from this VCL: a client cannot choose its key.
        unset req.http.Kraken-Assignments;
        unset req.http.Kraken-Page-Type;
        unset req.http.Kraken-Set-Cookie;
        unset req.http.Kraken-State;
        # Fastly lowercases Host before vcl_recv; do the same so Kraken and the hash agree.
        call vcl_req_host;
        call kraken_route;
        if (req.http.Kraken-Page-Type) {
            # The first pass asks Kraken with the visitor's Host, URL (query) and cookies.
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
    if (bereq.http.Kraken-State == "assigned" || bereq.http.Kraken-State == "fail-open") {
        # One object serves every visitor with this key: the origin sees the key and nothing
        # that belongs to one visitor.
        unset bereq.http.Cookie;
        unset bereq.http.Kraken-Page-Type;
        unset bereq.http.Kraken-Set-Cookie;
        unset bereq.http.Kraken-State;
    }
}

sub vcl_backend_error {
    if (bereq.http.Kraken-State == "preflight") {
        # No error page: vcl_deliver sees the 503 and fails open.
        return (deliver);
    }
}

sub vcl_deliver {
    if (req.http.Kraken-State == "preflight") {
        if (resp.status == 200) {
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
    # Varnish cannot unset by prefix (Fastly: `unset resp.http.Kraken-*`), so name them all.
    unset resp.http.Kraken-Assignments;
    unset resp.http.Kraken-Page-Type;
    unset resp.http.Kraken-Set-Cookie;
    unset resp.http.Kraken-State;
    unset resp.http.Kraken-Unit;
}
