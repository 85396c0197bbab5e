# Kraken at the edge, Fastly VCL: the main custom VCL of the service in front of the origin.
# Install: docs/operations.md ("Going live on Fastly"); design: kraken/vcl/README.md. Its
# Varnish 7 twin, varnish.vcl, is what the e2e test runs; keep the two in step.
#
# Flow for a landing page (GET/HEAD on a Kraken route):
#   restart 0: vcl_recv sets Kraken-Page-Type from the path, Kraken-Host, Kraken-Country and
#              Kraken-Device from the visitor, and passes the request to the `kraken` backend;
#              vcl_deliver copies Kraken-Assignments (and Kraken-Set-Cookie) into the request,
#              notes the log line and restarts; on any Kraken failure it restarts under the
#              default (empty) key.
#   restart 1: vcl_recv drops the QA override parameters, vcl_hash adds the key, the origin
#              (or the shield POP) gets the key as a request header; vcl_fetch tags the object
#              with its surrogate keys; vcl_deliver sets the cookie on this response only;
#              vcl_log sends the preflight's line to the `kraken-edge` endpoint.
#
# Backends come from the service configuration: `kraken` (F_kraken, no shielding, its override
# host the Compute service's domain, a health check) and the origin, which #FASTLY recv selects
# as usual (shielding included).

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

# What Kraken learns about the visitor besides Host, URL and Cookie (SPEC §3, §6). Fastly routes
# the preflight by Host to the Compute service (the backend's override host), so the site's
# host travels in Kraken-Host.
sub kraken_visitor {
  set req.http.Kraken-Host = req.http.host;
  if (client.geo.country_code ~ "^[A-Z]{2}$") {
    set req.http.Kraken-Country = client.geo.country_code;
  }
  if (client.platform.tablet) {
    set req.http.Kraken-Device = "tablet";
  } elsif (client.platform.mobile) {
    set req.http.Kraken-Device = "mobile";
  } else {
    set req.http.Kraken-Device = "desktop";
  }
}

# One cached object serves every visitor with this key: the origin (or shield) sees the key
# and nothing that belongs to one visitor.
sub kraken_origin_request {
  if (req.http.Kraken-State == "assigned" || req.http.Kraken-State == "fail-open"
      || req.http.Kraken-State == "forwarded") {
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

# One purge reaches every key's copy of a page: `fastly service purge --key url:<host><path>`
# (every query string too), or `page-type:<type>` for all pages of a route. The origin's own
# Surrogate-Key values are kept. Fastly ignores keys over 1024 bytes, so a longer URL gets
# only the page-type key.
sub kraken_surrogate_keys {
  declare local var.url STRING;
  declare local var.keys STRING;
  set var.url = "url:" req.http.host req.url.path;
  set var.keys = "page-type:" req.http.Kraken-Page-Type;
  if (std.strlen(var.url) <= 1024) {
    set var.keys = var.url " " var.keys;
  }
  if (beresp.http.Surrogate-Key) {
    set var.keys = beresp.http.Surrogate-Key " " var.keys;
  }
  set beresp.http.Surrogate-Key = var.keys;
}

# The preflight's log line, one JSON object (Grafana Cloud Logs wants JSON; Loki's `| json`
# reads it), sent from vcl_log: Kraken's in-main time, the state and why the edge failed open.
# Never the unit id or the key itself (they identify a visitor). Every value comes from this
# VCL or Kraken, so none needs escaping. ({"..."} strings hold the quotes; the line ends on a
# number so no string has to end in one.)
sub kraken_log_line {
  declare local var.minted STRING;
  declare local var.reason STRING;
  if (req.http.Kraken-State == "assigned") {
    set var.minted = "false";
    if (resp.http.Kraken-Set-Cookie) {
      set var.minted = "true";
    }
    set req.http.Kraken-Log = {"{"event":"kraken_preflight","state":"assigned","page_type":""}
      req.http.Kraken-Page-Type {"","config":""} resp.http.Kraken-Config {"","pop":""}
      server.datacenter {"","minted":"} var.minted {","key_len":"}
      std.strlen(req.http.Kraken-Assignments);
    if (resp.http.Server-Timing ~ "(?:^|[ ,])kraken;dur=([0-9]+(?:\.[0-9]+)?)") {
      set req.http.Kraken-Log = req.http.Kraken-Log {","kraken_ms":"} re.group.1;
    }
  } else {
    set var.reason = "status-" resp.status;
    if (resp.http.Kraken-Fail-Reason) {
      set var.reason = resp.http.Kraken-Fail-Reason;
    }
    set req.http.Kraken-Log = {"{"event":"kraken_preflight","state":"fail-open","reason":""}
      var.reason {"","page_type":""} req.http.Kraken-Page-Type {"","pop":""}
      server.datacenter {"","minted":false,"key_len":0"};
  }
  set req.http.Kraken-Log = req.http.Kraken-Log "}";
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
    unset req.http.Kraken-Country;
    unset req.http.Kraken-Device;
    unset req.http.Kraken-Host;
    unset req.http.Kraken-Log;
    unset req.http.Kraken-Page-Type;
    unset req.http.Kraken-Set-Cookie;
    unset req.http.Kraken-State;
    call kraken_route;
    if (req.http.Kraken-Page-Type) {
      if (fastly.ff.visits_this_service == 0) {
        # The first pass asks Kraken with the visitor's host, URL (query), cookies, country
        # and device.
        call kraken_visitor;
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
  declare local var.origin_restarts INTEGER;
#FASTLY fetch
  if (req.http.Kraken-State == "preflight") {
    # Whatever Kraken answered, vcl_deliver decides; never restart or cache from here.
    return(deliver);
  }

  # One retry of the origin per request. A landing page has used one restart already for its
  # preflight, so restarts count per state: at most 2 of Fastly's 3.
  set var.origin_restarts = req.restarts;
  if (req.http.Kraken-State == "assigned" || req.http.Kraken-State == "fail-open") {
    set var.origin_restarts -= 1;
  }
  if ((beresp.status == 500 || beresp.status == 503) && var.origin_restarts < 1
      && (req.method == "GET" || req.method == "HEAD")) {
    restart;
  }
  if (req.http.Kraken-State == "assigned" || req.http.Kraken-State == "fail-open"
      || req.http.Kraken-State == "forwarded") {
    call kraken_surrogate_keys;
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
  # on to vcl_deliver, which fails open; the reason rides on the object into resp.
  if (req.http.Kraken-State == "preflight") {
    if (obj.response ~ "(?i)timeout|timed out") {
      set obj.http.Kraken-Fail-Reason = "timeout";
    } elsif (obj.response ~ "(?i)refused") {
      set obj.http.Kraken-Fail-Reason = "refused";
    } elsif (obj.response ~ "(?i)unhealthy|no healthy") {
      set obj.http.Kraken-Fail-Reason = "unhealthy";
    } else {
      set obj.http.Kraken-Fail-Reason = "error";
    }
  }
}

sub vcl_deliver {
#FASTLY deliver
  if (req.http.Kraken-State == "preflight") {
    # Restarting from vcl_deliver is safe: it runs on the delivery node, so what is set on
    # req here survives the restart (unlike in vcl_fetch, vcl_hit or vcl_error).
    if (resp.status == 200 && !resp.http.Kraken-Fail-Reason) {
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
    call kraken_log_line;
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
  # One line per preflight, on the POP that asked Kraken (endpoint setup: docs/operations.md).
  if (req.http.Kraken-Log) {
    log "syslog " req.service_id " kraken-edge :: " req.http.Kraken-Log;
  }
}
