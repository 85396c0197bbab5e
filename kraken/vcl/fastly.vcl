# Kraken at the edge, Fastly VCL: the main custom VCL of the service in front of the origin.
# Install: kraken/vcl/README.md. Its Varnish 7 twin, varnish.vcl, is what the e2e test runs;
# keep the two in step.
#
# Flow for a landing page (GET/HEAD on a Kraken route):
#   restart 0: vcl_recv sets Kraken-Page-Type from the path and passes the request to the
#              `kraken` backend; vcl_deliver copies Kraken-Assignments (and Kraken-Set-Cookie)
#              into the request and restarts; on any Kraken failure it restarts under the
#              default (empty) key.
#   restart 1: vcl_recv drops the QA override parameters, vcl_hash adds the key, the origin
#              (or the shield POP) gets the key as a request header; vcl_deliver sets the
#              cookie on this response only.
#
# Backends come from the service configuration: `kraken` (F_kraken, no shielding) and the
# origin, which #FASTLY recv selects as usual (shielding included).

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
  set req.url = querystring.filter(req.url, "variants" + querystring.filtersep() + "flags");
}

# One cached object serves every visitor with this key: the origin (or shield) sees the key
# and nothing that belongs to one visitor.
sub kraken_origin_request {
  if (req.http.Kraken-State == "assigned" || req.http.Kraken-State == "fail-open"
      || req.http.Kraken-State == "forwarded") {
    unset bereq.http.Cookie;
    unset bereq.http.Kraken-Page-Type;
    unset bereq.http.Kraken-Set-Cookie;
    unset bereq.http.Kraken-State;
  }
}

sub vcl_recv {
#FASTLY recv
  if (req.restarts == 0) {
    # fastly.ff.visits_this_service is 0 on the POP the client reached. There, these headers
    # only ever come from this VCL: a client cannot choose its key. On a shield POP the key
    # arrives from our own edge POP (the Fastly-FF hash behind the variable cannot be forged).
    if (fastly.ff.visits_this_service == 0) {
      unset req.http.Kraken-Assignments;
    }
    unset req.http.Kraken-Page-Type;
    unset req.http.Kraken-Set-Cookie;
    unset req.http.Kraken-State;
    call kraken_route;
    if (req.http.Kraken-Page-Type) {
      if (fastly.ff.visits_this_service == 0) {
        # The first pass asks Kraken with the visitor's Host, URL (query) and cookies.
        set req.http.Kraken-State = "preflight";
        set req.backend = F_kraken;
        return(pass);
      }
      set req.http.Kraken-State = "forwarded";
    }
  }
  if (req.http.Kraken-State == "assigned" || req.http.Kraken-State == "fail-open"
      || req.http.Kraken-State == "forwarded") {
    call kraken_strip_overrides;
    if (req.restarts > 0) {
      # A restart turns clustering off; without it each cache node in the POP would fetch
      # and store its own copy of every page.
      set req.http.Fastly-Force-Shield = "1";
    }
    return(lookup);
  }

  if (req.method != "HEAD" && req.method != "GET" && req.method != "FASTLYPURGE") {
    return(pass);
  }
  return(lookup);
}

sub vcl_hash {
  set req.hash += req.url;
  set req.hash += req.http.host;
  if (req.http.Kraken-State == "assigned" || req.http.Kraken-State == "fail-open"
      || req.http.Kraken-State == "forwarded") {
    set req.hash += "kraken:" req.http.Kraken-Assignments;
  }
  # Purge-all bumps the generation: it must stay in every hash.
  set req.hash += req.vcl.generation;
#FASTLY hash
  return(hash);
}

sub vcl_hit {
#FASTLY hit
  return(deliver);
}

sub vcl_miss {
#FASTLY miss
  call kraken_origin_request;
  return(fetch);
}

sub vcl_pass {
#FASTLY pass
  if (req.http.Kraken-State == "preflight") {
    # Short timeouts: Kraken answers in about a millisecond, and a slow Kraken must cost a
    # page at most this much before it is served under the default key (fail open).
    set bereq.connect_timeout = 100ms;
    set bereq.first_byte_timeout = 200ms;
    set bereq.between_bytes_timeout = 100ms;
  }
  call kraken_origin_request;
  return(pass);
}

sub vcl_fetch {
#FASTLY fetch
  if (req.http.Kraken-State == "preflight") {
    # Whatever Kraken answered, vcl_deliver decides; never restart or cache from here.
    return(deliver);
  }

  if ((beresp.status == 500 || beresp.status == 503) && req.restarts < 1
      && (req.method == "GET" || req.method == "HEAD")) {
    restart;
  }
  if (req.restarts > 0) {
    set beresp.http.Fastly-Restarts = req.restarts;
  }
  if (beresp.http.Set-Cookie) {
    set req.http.Fastly-Cachetype = "SETCOOKIE";
    return(pass);
  }
  if (beresp.http.Cache-Control ~ "private") {
    set req.http.Fastly-Cachetype = "PRIVATE";
    return(pass);
  }
  if (beresp.status == 500 || beresp.status == 503) {
    set req.http.Fastly-Cachetype = "ERROR";
    set beresp.ttl = 1s;
    set beresp.grace = 5s;
    return(deliver);
  }
  if (!(beresp.http.Expires || beresp.http.Surrogate-Control ~ "max-age"
      || beresp.http.Cache-Control ~ "(?:s-maxage|max-age)")) {
    set beresp.ttl = 3600s;
  }
  return(deliver);
}

sub vcl_error {
#FASTLY error
  # A failed Kraken preflight (connect error, timeout, unhealthy) lands here as a 503 and goes
  # on to vcl_deliver, which fails open.
}

sub vcl_deliver {
#FASTLY deliver
  if (req.http.Kraken-State == "preflight") {
    # Restarting from vcl_deliver is safe: it runs on the delivery node, so what is set on
    # req here survives the restart (unlike in vcl_fetch, vcl_hit or vcl_error).
    if (resp.status == 200) {
      set req.http.Kraken-Assignments = "";
      if (resp.http.Kraken-Assignments) {
        set req.http.Kraken-Assignments = resp.http.Kraken-Assignments;
      }
      if (resp.http.Kraken-Set-Cookie) {
        set req.http.Kraken-Set-Cookie = resp.http.Kraken-Set-Cookie;
      }
      set req.http.Kraken-State = "assigned";
    } else {
      # Fail open: Kraken is down, slow or broken; serve the page under the default key.
      set req.http.Kraken-Assignments = "";
      set req.http.Kraken-State = "fail-open";
    }
    restart;
  }
  if (fastly.ff.visits_this_service == 0
      && (req.http.Kraken-State == "assigned" || req.http.Kraken-State == "fail-open")) {
    # Only on the POP that answers the visitor: the minted cookie goes on this response,
    # never on a cached object (a shield's response is cached by the edge POP).
    if (req.http.Kraken-Set-Cookie) {
      add resp.http.Set-Cookie = req.http.Kraken-Set-Cookie;
    }
    # The page now depends on the visitor: browsers may keep it, shared caches may not.
    set resp.http.Cache-Control = "private, no-cache";
  }
  unset resp.http.Kraken-*;
  return(deliver);
}

sub vcl_log {
#FASTLY log
}
