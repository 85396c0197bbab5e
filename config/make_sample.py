#!/usr/bin/env python3
"""Regenerate the sample config that a reader of this repository learns from.

In a real deployment `experiments.json` and `site-features.json` are fetched
from the experimentation platform by a scheduled job and are never edited by
hand.  This repository has no platform behind it, so this script produces a
realistic stand-in: about 200 experiments of which exactly 31 are relevant at
the edge (SPEC section 2), the rest dropped for varied reasons (draft, paused,
stopped, archived, app-only, other page types, traffic 0), lots of platform
metadata the edge must ignore (texts with quotes, backslashes, newlines,
non-ASCII and emoji), and a handful of site feature flags.  It also writes
`growthbook.json`, a GrowthBook SDK payload (SPEC section 6: 80 features, 20 of
them served at the edge), and the hand-maintained `edge.json`.

The output is deterministic (fixed random seed, no clock), so rerunning it
gives byte-identical files and a reviewable diff when the script changes:

    python3 config/make_sample.py            # writes next to this script
    python3 config/make_sample.py OUT_DIR    # writes into OUT_DIR

Standard library only.
"""

import datetime
import json
import os
import random
import sys

SEED = 20261120
GENERATED_AT = "2026-11-20T10:00:00Z"
EDGE_PAGE_TYPES = ["home", "destination", "hotel", "deals"]
OTHER_PAGE_TYPES = ["checkout", "account", "blog", "search", "landing",
                    "booking", "help", "confirmation"]
# The five domains the flags use; experiments may also target example.nl.
DOMAINS = ["example.com", "example.ie", "example.de", "example.fr",
           "example.co.uk"]
EXPERIMENT_ONLY_DOMAIN = "example.nl"

OWNERS = ["team-discovery", "team-search", "team-maps", "team-hotel-page",
          "team-deals", "team-reviews", "team-growth", "team-seo",
          "team-platform", "team-app", "team-checkout", "team-loyalty"]
METRICS = ["booking_conversion", "revenue_per_visitor", "search_to_hotel_rate",
           "hotel_to_checkout_rate", "ctr_hero", "bounce_rate", "lcp_p75",
           "cls_p75", "clicks_per_session", "newsletter_signups",
           "map_interactions", "deal_clicks"]
TAGS = ["ui", "copy", "pricing", "performance", "seo", "mobile", "desktop",
        "personalisation", "trust", "q1", "q2", "q3", "q4", "holdout",
        "ux-research", "a11y"]

ABSENT = object()  # marker: the experiment has no "seed" field at all

# Text fragments for the metadata.  They deliberately contain everything that
# makes JSON string handling interesting: double quotes, backslashes,
# newlines (added when joined), non-ASCII letters, CJK and emoji.
NOTES_BACKSLASH = [
    r'Spec lives in \\fileserver\product\experiments\{key}.docx (ask "ops" for access).',
    r'QA: match prices with the regex `\d+[.,]\d{2}` and check that "€" stays in the right place.',
    r'Screenshots: C:\Users\qa\Desktop\kraken\{key}\ (the "after" ones are final).',
    r'Tracking event must match ^exp_[a-z0-9_]+$ and not "exp\.{key}" as the old doc said.',
    r'Old build output: "D:\builds\web\release-2025\" (deprecated, do not use).',
    r'Log query: grep -E "kraken_uid=[0-9a-f]{32}" \var\log\edge\*.log',
]
NOTES_INTL = [
    'Copy reviewed by the DACH team: „Jetzt buchen“ → "Verfügbarkeit prüfen" (Müller & Söhne).',
    'Localised for 日本語 and français: « Réserver maintenant » ✓',
    'Design by Zoë Brontë ✨ (Figma file "Café / Hôtel ✓ v3").',
    'Must cope with emoji in hotel names, e.g. "Sunny Beach 🏖️ Résidence".',
    'Mobile first 📱; tested on Safari, Chrome and Samsung Internet. Ω ≈ ç √ in names are fine.',
    'Requested by the Zürich office; €/£ formatting verified 🚀',
    'Naïve baseline from the 2024 test in Kraków; see the São Paulo readout 📊',
]
HYPOTHESIS_EXTRA = [
    'Null hypothesis: no difference; two-sided test, α = 0.05.',
    r'Segment: paths matching "^/hotel/\d+" only; ignore bots (UA =~ "bot|spider\b").',
    'Expected effect is larger on mobile 📱 than on desktop 🖥️.',
    'Based on user interviews („zu viele Optionen“, "trop d\'options", 「選択肢が多すぎる」).',
]


def ts(day):
    """ISO timestamp for a datetime."""
    return day.strftime("%Y-%m-%dT%H:%M:%SZ")


def random_dates(rng, start, end):
    """created_at in [start, end), updated_at after it but before the export."""
    span = int((end - start).total_seconds())
    created = start + datetime.timedelta(seconds=rng.randrange(span))
    created = created.replace(second=0)
    limit = datetime.datetime(2026, 11, 19, 23, 0, 0)
    rest = int((limit - created).total_seconds())
    updated = created + datetime.timedelta(seconds=rng.randrange(max(rest, 60)))
    return ts(created), ts(updated.replace(second=0))


def description(rng, key, summary):
    a = rng.choice(NOTES_BACKSLASH).replace("{key}", key)
    b = rng.choice(NOTES_INTL)
    return summary + "\n\n" + a + "\n" + b


def hypothesis(rng, name, metric):
    mde = rng.choice([0.5, 1, 1.5, 2, 3, 5])
    return ('If we ship "' + name + '", then ' + metric + " improves by ≥ "
            + str(mde) + " %.\n" + rng.choice(HYPOTHESIS_EXTRA))


def analysis(rng, metric):
    return {
        "method": rng.choice(["frequentist", "bayesian", "sequential"]),
        "primary_metric": metric,
        "mde_pct": rng.choice([0.5, 1.0, 2.0, 3.0]),
        "alpha": 0.05,
        "power": 0.8,
        "segments": rng.sample(["device", "country", "new_vs_returning",
                                "traffic_source", "logged_in"], 2),
        "guardrails": [
            {"metric": "lcp_p75", "max_regression_pct": 5},
            {"metric": "booking_conversion", "max_regression_pct": 1},
        ],
        "dashboards": {"looker": "https://looker.example.com/dashboards/"
                       + str(rng.randrange(1000, 9999))},
    }


def split(n):
    """n weights summing to exactly 10000, remainder on the first one."""
    base = 10000 // n
    return [10000 - base * (n - 1)] + [base] * (n - 1)


# --------------------------------------------------------------------------
# The 31 experiments relevant at the edge, written out by hand so that the
# sample covers the interesting cases:
# key, name, page_types, platforms, variations, traffic, seed, layer, domains,
# owner, summary
RELEVANT = [
    ("hero-banner-v2", "Hero banner redesign", ["home", "landing"], ["web"],
     [("control", 5000), ("b", 5000)], 5000, "hero-banner-v2-s1",
     ("homepage", 0, 5000), ["example.com", "example.ie"], "team-discovery",
     'Full-width hero with a "Where to next?" prompt instead of the photo slider.'),
    ("homepage-search-box", "Bigger search box on the homepage", ["home"], ["web"],
     [("control", 3334), ("b", 3333), ("c", 3333)], 10000, ABSENT,
     ("homepage", 5000, 10000), None, "team-search",
     "Search box 20% taller (b) or with inline date picker (c)."),
    ("search-sort", "Default sort on destination results", ["destination", "search"],
     ["web", "ios", "android"], [("control", 5000), ("b", 5000)], 2000, None,
     ("search-results", 0, 3334), None, "team-search",
     'Sort by "our top picks" (control) vs. "best value" (b).'),
    ("destination-map-default", "Map view on destination pages", ["destination"], ["web"],
     [("control", 2500), ("map_open", 2500), ("map_split", 2500), ("map_mini", 2500)],
     4000, "dest-map-2025q4", ("search-results", 3334, 6667), None, "team-maps",
     "Open the map by default, split list/map, or show a mini map."),
    ("destination-filters-sticky", "Sticky filter bar", ["destination"], ["web"],
     [("control", 9000), ("sticky", 1000)], 10000, ABSENT,
     ("search-results", 6667, 10000), None, "team-search",
     "Keep the filter bar visible while scrolling; 10% exposure first."),
    ("hotel-gallery-carousel", "Carousel instead of grid for hotel photos", ["hotel"], ["web"],
     [("control", 5000), ("carousel", 5000)], 7500, "hotel-gallery-carousel-s2",
     ("hotel-page", 0, 5000), None, "team-hotel-page",
     "Swipeable carousel replaces the 2x3 photo grid."),
    ("hotel-price-breakdown", "Price breakdown on hotel page", ["hotel"], ["web", "ios"],
     [("control", 3334), ("treatment_1", 3333), ("treatment_2", 3333)], 3000, ABSENT,
     ("hotel-page", 5000, 10000), None, "team-hotel-page",
     "Show taxes and fees inline (treatment_1) or in a tooltip (treatment_2)."),
    ("deals-countdown-timer", "Countdown timer on deals", ["deals"], ["web"],
     [("control", 5000), ("b", 5000), ("c", 0)], 6000, "deals-countdown-timer-r2",
     None, None, "team-deals",
     'Variant c ("red timer") was ramped down to weight 0 after complaints.'),
    ("deals-card-layout", "Deal card layout", ["deals", "home"], ["web"],
     [("control", 2000), ("compact", 2000), ("wide", 2000), ("photo_first", 2000),
      ("price_first", 2000)], 10000, ABSENT, None, None, "team-deals",
     "Five card layouts for the deals grid and the homepage deals strip."),
    ("hotel-reviews-summary", "AI review summary", ["hotel"], ["web"],
     [("control", 5000), ("ai_summary", 5000)], 100, None, None, None, "team-reviews",
     "Generated summary of guest reviews above the review list. 1% pilot."),
    ("hotel-cta-copy", 'CTA copy: "View deal" vs "Check availability"', ["hotel", "deals"],
     ["web"], [("control", 3334), ("check_availability", 3333), ("see_prices", 3333)],
     2500, ABSENT, None, None, "team-growth",
     "Copy test on the main call to action."),
    ("destination-hero-image", "Destination hero image", ["destination"], ["web"],
     [("control", 7000), ("b", 3000)], 1000, "dest-hero-img", None, None, "team-discovery",
     "User-generated photo instead of stock photo at the top of destination pages."),
    ("home-recent-searches", "Recent searches on the homepage", ["home"],
     ["web", "ios", "android"], [("control", 5000), ("b", 5000)], 10000, ABSENT,
     None, None, "team-search",
     "Show the last three searches under the search box."),
    ("price-display-per-night", "Per-night price display", ["hotel", "destination"], ["web"],
     [("control", 5000), ("per_night", 5000)], 5000, "price-per-night-v1",
     None, ["example.de", "example.fr"], "team-hotel-page",
     "Show the per-night price instead of the total stay price (DE/FR only)."),
    ("currency-selector-position", "Currency selector in the header",
     ["home", "destination", "hotel", "deals"], ["web"],
     [("control", 5000), ("header_right", 5000)], 800, ABSENT,
     None, ["example.co.uk", "example.ie"], "team-platform",
     "Move the currency selector from the footer to the header."),
    ("newsletter-modal-timing", "Newsletter modal timing", ["home", "blog"], ["web"],
     [("control", 2500), ("delay_10s", 2500), ("delay_30s", 2500), ("exit_intent", 2500)],
     1500, None, None, None, "team-growth",
     "When to show the newsletter sign-up modal."),
    ("trust-badges", "Trust badges near the price", ["hotel", "checkout"], ["web"],
     [("control", 5000), ("b", 5000)], 9000, "trust-badges-2026", None, None, "team-checkout",
     "Payment and review badges next to the price box."),
    ("map-cluster-pins", "Clustered map pins", ["destination"], ["web"],
     [("control", 1000), ("clustered", 9000)], 10000, ABSENT, None, None, "team-maps",
     "Cluster hotel pins at low zoom levels; 90% already on the new behaviour."),
    ("free-cancellation-badge", "Free cancellation badge", ["hotel", "deals"], ["web"],
     [("control", 5000), ("badge", 5000)], 3500, ABSENT, None, ["example.com"],
     "team-hotel-page", 'Green "Free cancellation" badge on eligible rates.'),
    ("urgency-messaging", "Urgency messaging", ["hotel"], ["web"],
     [("control", 5000), ("b", 5000)], 200, "urgency-msg-s3", None, None, "team-growth",
     '"Only 2 rooms left" style messages, honest version only.'),
    ("deals-sort-default", "Default sort on deals", ["deals"], ["web"],
     [("control", 3334), ("discount", 3333), ("popularity", 3333)], 5000, ABSENT,
     None, None, "team-deals", "Sort deals by biggest discount or by popularity."),
    ("hotel-room-table-v3", "Room table v3", ["hotel"], ["web"],
     [("control", 4000), ("v3_compact", 3000), ("v3_full", 3000)], 6500, None,
     None, None, "team-hotel-page", "Third iteration of the room and rate table."),
    ("destination-neighbourhood-guide", "Neighbourhood guide", ["destination"], ["web"],
     [("control", 5000), ("guide", 5000)], 10000, ABSENT,
     None, ["example.nl", "example.com"], "team-seo",
     "Editorial neighbourhood guide below the hotel list."),
    ("home-inspiration-tiles", "Inspiration tiles", ["home"], ["web"],
     [("control", 2000), ("tiles_a", 2000), ("tiles_b", 2000), ("tiles_c", 2000),
      ("tiles_d", 2000)], 4500, "inspiration-tiles", None, None, "team-discovery",
     "Four sets of inspiration tiles (beach, city, ski, road trip)."),
    ("search-autocomplete-ranking", "Autocomplete ranking", ["home", "destination", "search"],
     ["web"], [("control", 5000), ("popularity", 2500), ("personalised", 2500)], 10000,
     ABSENT, None, None, "team-search", "Rank autocomplete suggestions differently."),
    ("loyalty-banner", "Loyalty programme banner", ["home", "hotel", "deals"], ["web"],
     [("control", 5000), ("b", 5000)], 2000, "loyalty-banner-uk", None, ["example.co.uk"],
     "team-loyalty", "Banner promoting the loyalty programme (UK launch)."),
    ("hotel-amenities-icons", "Amenity icons", ["hotel"], ["web"],
     [("control", 9000), ("icons", 1000)], 10000, ABSENT, None, None, "team-hotel-page",
     "Icons instead of a text list for the top amenities."),
    ("deals-member-prices", "Member prices on deals", ["deals", "account"], ["web"],
     [("control", 5000), ("member_price", 5000)], 7000, None, None, ["example.de"],
     "team-loyalty", "Show the member price next to the public price."),
    ("footer-links-seo", "Footer links", ["home", "destination"], ["web"],
     [("control", 5000), ("b", 5000)], 300, ABSENT, None, None, "team-seo",
     "More internal links in the footer."),
    ("date-picker-flexible", "Flexible dates in the date picker",
     ["home", "destination", "hotel"], ["web"],
     [("control", 3334), ("flex_3d", 3333), ("flex_7d", 3333)], 5000, "date-picker-flex-s1",
     None, ["example.fr", "example.com"], "team-search",
     "Offer \u00b13 days or \u00b17 days flexibility."),
    ("photo-lazy-load_v2", "Photo lazy loading v2", ["home", "destination", "hotel", "deals"],
     ["web"], [("control", 5000), ("eager_first", 5000)], 10000, ABSENT, None, None,
     "team-platform", "Load the first photo eagerly, the rest lazily."),
]


def make_relevant(rng):
    out = []
    start = datetime.datetime(2025, 1, 1)
    end = datetime.datetime(2026, 10, 31)
    for (key, name, pages, platforms, variations, traffic, seed, layer, domains,
         owner, summary) in RELEVANT:
        created, updated = random_dates(rng, start, end)
        metrics = rng.sample(METRICS, rng.randint(2, 4))
        exp = {
            "key": key,
            "name": name,
            "status": "running",
            "platforms": platforms,
            "page_types": pages,
        }
        if seed is not ABSENT:
            exp["seed"] = seed
        exp["traffic"] = traffic
        exp["variations"] = [
            {"key": k, "weight": w, "name": k.replace("_", " ").capitalize()}
            for k, w in variations
        ]
        if layer:
            exp["layer"] = {"key": layer[0], "from": layer[1], "to": layer[2]}
        if domains:
            exp["targeting"] = {"domains": domains}
        exp.update({
            "owner": owner,
            "created_at": created,
            "updated_at": updated,
            "description": description(rng, key, summary),
            "hypothesis": hypothesis(rng, name, metrics[0]),
            "metrics": metrics,
            "tags": rng.sample(TAGS, rng.randint(1, 3)),
        })
        if rng.random() < 0.6:
            exp["analysis"] = analysis(rng, metrics[0])
        out.append(exp)
    return out


# --------------------------------------------------------------------------
# Experiments the edge drops.  A few hand-written ones tell a story next to
# the relevant ones; the rest are generated.

def base_dropped(rng, key, status, platforms, pages, traffic, owner=None):
    n = rng.choice([1, 2, 2, 2, 2, 3, 3, 4, 5, 6])
    vkeys = ["control"] + [chr(ord("b") + i) for i in range(n - 1)]
    if rng.random() < 0.3:
        vkeys = ["control"] + ["treatment_%d" % (i + 1) for i in range(n - 1)]
    name = key.replace("-", " ").replace("_", " ").capitalize()
    metrics = rng.sample(METRICS, rng.randint(0, 3))
    created, updated = random_dates(rng, datetime.datetime(2023, 1, 1),
                                    datetime.datetime(2026, 10, 31))
    exp = {
        "key": key,
        "name": name,
        "status": status,
        "platforms": platforms,
        "page_types": pages,
    }
    r = rng.random()
    if r < 0.3:
        exp["seed"] = key + "-s" + str(rng.randint(1, 4))
    elif r < 0.45:
        exp["seed"] = None
    exp["traffic"] = traffic
    exp["variations"] = [{"key": k, "weight": w} for k, w in zip(vkeys, split(n))]
    if rng.random() < 0.15:
        lk = rng.choice(["homepage", "search-results", "hotel-page", "checkout-flow",
                         "app-home"])
        lo = rng.choice([0, 2500, 5000])
        exp["layer"] = {"key": lk, "from": lo, "to": lo + rng.choice([2500, 5000])}
    r = rng.random()
    if r < 0.2:
        exp["targeting"] = {"domains": rng.sample(DOMAINS + [EXPERIMENT_ONLY_DOMAIN],
                                                  rng.randint(1, 3))}
    elif r < 0.3:
        exp["targeting"] = {"countries": rng.sample(["DE", "AT", "CH", "FR", "IE",
                                                     "GB", "JP"], 2)}
    exp["owner"] = owner or rng.choice(OWNERS)
    exp["created_at"] = created
    # Harmless sloppiness, as real platform exports have it.
    exp["updated_at"] = None if rng.random() < 0.1 else updated
    r = rng.random()
    if r < 0.1:
        exp["description"] = ""
    elif r < 0.2:
        pass  # no description at all
    else:
        exp["description"] = description(rng, key, "Auto-imported: " + name + ".")
    if rng.random() < 0.7:
        exp["hypothesis"] = hypothesis(rng, name, metrics[0] if metrics else "conversion")
    exp["metrics"] = metrics
    if rng.random() < 0.8:
        exp["tags"] = rng.sample(TAGS, rng.randint(0, 3))
    if rng.random() < 0.15:
        exp["legacy_id"] = rng.randrange(10000, 99999)
    if rng.random() < 0.1:
        exp["analysis"] = None
    if status == "stopped":
        exp["winner"] = rng.choice(vkeys + [None])
    if status == "archived":
        exp["archived_reason"] = rng.choice(["shipped", "inconclusive", "bug",
                                             "superseded", "duplicate"])
    return exp


AREAS = ["home", "destination", "hotel", "deals", "checkout", "account", "blog",
         "search", "booking", "app", "map", "review", "loyalty", "email",
         "wishlist", "payment", "onboarding", "profile", "help", "landing"]
FEATURES = ["button-color", "copy", "layout", "tooltip", "banner", "sort",
            "filter", "badge", "modal", "icons", "ranking", "pricing", "upsell",
            "reminder", "carousel", "cta", "header", "form", "stepper",
            "skeleton", "font-size", "spacing", "sticky-footer", "share-button"]
SUFFIXES = ["", "", "-v2", "-v3", "_2024", "-q3", "-holdout", "-pilot", "_rerun"]


def make_dropped(rng, used, count):
    out = []
    story = [
        ("hero-banner-v1", "archived", ["web"], ["home", "landing"], 10000),
        ("search-sort-2024", "stopped", ["web"], ["destination", "search"], 5000),
        ("hotel-gallery-carousel-pilot", "draft", ["web"], ["hotel"], 0),
        ("hotel-price-alerts", "paused", ["web"], ["hotel"], 2000),
        ("checkout-express-pay", "running", ["web"], ["checkout"], 5000),
        ("app-onboarding-carousel", "running", ["ios", "android"], ["home"], 10000),
        ("hotel-map-inline", "running", ["web"], ["hotel", "destination"], 0),
    ]
    for key, status, platforms, pages, traffic in story:
        out.append(base_dropped(rng, key, status, platforms, pages, traffic))
        used.add(key)

    reasons = (["draft"] * 28 + ["paused"] * 24 + ["stopped"] * 29 + ["archived"] * 39
               + ["app-only"] * 15 + ["other-pages"] * 17 + ["traffic-0"] * 10)
    reasons = reasons[:count - len(story)]
    rng.shuffle(reasons)
    for reason in reasons:
        if reason in ("draft", "paused", "stopped", "archived"):
            status = reason
            platforms = rng.choice([["web"], ["web"], ["web", "ios", "android"],
                                    ["ios", "android"], ["web", "ios"], ["android"]])
            if status == "draft" and rng.random() < 0.1:
                pages = []
            else:
                pages = rng.sample(EDGE_PAGE_TYPES + OTHER_PAGE_TYPES, rng.randint(1, 3))
            traffic = rng.choice([0, 0, 100, 1000, 2500, 5000, 10000]) \
                if status == "draft" else rng.choice([0, 500, 1000, 5000, 10000])
        elif reason == "app-only":
            status = "running"
            platforms = rng.choice([["ios", "android"], ["ios", "android"], ["ios"],
                                    ["android"]])
            pages = rng.sample(EDGE_PAGE_TYPES, rng.randint(1, 2))
            traffic = rng.choice([1000, 5000, 10000])
        elif reason == "other-pages":
            status = "running"
            platforms = rng.choice([["web"], ["web", "ios", "android"]])
            pages = rng.sample(["checkout", "account", "blog", "booking", "help",
                                "confirmation"], rng.randint(1, 2))
            traffic = rng.choice([500, 5000, 10000])
        else:  # traffic-0
            status = "running"
            platforms = ["web"]
            pages = rng.sample(EDGE_PAGE_TYPES, rng.randint(1, 3))
            traffic = 0
        while True:
            if reason == "app-only":
                area = rng.choice(["app", "app-home", "app-hotel", "push", "onboarding"])
            elif reason == "other-pages":
                area = pages[0]
            else:
                area = rng.choice(AREAS)
            key = area + "-" + rng.choice(FEATURES) + rng.choice(SUFFIXES)
            if key not in used:
                break
        used.add(key)
        out.append(base_dropped(rng, key, status, platforms, pages, traffic))
    return out


# --------------------------------------------------------------------------

FLAGS = [
    # key, values, default, rules, edge, description, owner
    ("new-nav", ["off", "on"], "off", [(["example.ie"], "on")], True,
     'New top navigation ("mega menu"); live in Ireland first.', "team-platform"),
    ("price-format", ["v1", "v2", "v3"], "v1",
     [(["example.de", "example.fr"], "v2"), (["example.de", "example.co.uk"], "v3")], True,
     "Price formatting: v2 = 1.234,56 €, v3 = €1,234.56. example.de matches the "
     "first rule, so it gets v2, not v3.", "team-hotel-page"),
    ("cookie-banner", ["classic", "compact"], "classic", [], True,
     "Cookie banner style, same everywhere for now.", "team-platform"),
    ("search-widget", ["legacy", "react", "react_v2"], "legacy",
     [(["example.com", "example.co.uk"], "react_v2"),
      (["example.com", "example.ie", "example.de"], "react")], True,
     'Search widget implementation. example.com appears twice: the first rule '
     '("react_v2") wins.', "team-search"),
    ("footer-variant", ["off", "on"], "off", [], True,
     "Redesigned footer, not rolled out anywhere yet.", "team-seo"),
    ("currency-default", ["eur", "gbp", "usd"], "eur",
     [(["example.com"], "usd"), (["example.co.uk"], "gbp")], True,
     "Default display currency per site (€ / £ / $).", "team-platform"),
    ("dark-mode", ["off", "on", "auto"], "off", [(["example.fr"], "auto")], True,
     "Dark mode; « auto » follows the OS setting.", "team-discovery"),
    ("map-provider", ["osm", "google", "mapbox", "here"], "osm",
     [(["example.de"], "here"), (["example.de", "example.fr"], "mapbox"),
      (["example.com"], "google")], True,
     "Map tiles provider. example.de → here (first rule), example.fr → mapbox.",
     "team-maps"),
    ("chat-widget", ["off", "on"], "off", [(["example.com"], "on")], False,
     "Support chat; rendered client side, not needed at the edge.", "team-help"),
    ("app-download-banner", ["off", "on"], "on", [], False,
     "Smart app banner 📱, apps only.", "team-app"),
    ("checkout-express-pay", ["off", "apple_pay", "all"], "off",
     [(["example.co.uk", "example.ie"], "all"), (["example.com"], "apple_pay")], False,
     "Express payment buttons in checkout (checkout is not served by this edge).",
     "team-checkout"),
]


def make_flags():
    flags = []
    for key, values, default, rules, edge, desc, owner in FLAGS:
        flags.append({
            "key": key,
            "values": values,
            "default": default,
            "rules": [{"domains": d, "value": v} for d, v in rules],
            "edge": edge,
            "description": desc,
            "owner": owner,
        })
    return flags


# --------------------------------------------------------------------------
# config/growthbook.json: a GrowthBook SDK payload (SPEC section 6), as a
# GrowthBook SDK connection serves it: 80 features, of which the 20 in
# GROWTHBOOK_EDGE are listed in edge.json.  The rest are client-side features
# (conditions on attributes the edge does not have, app-only flags, kill
# switches) that codegen prunes, except where a listed feature needs one as a
# prerequisite.  Its own random stream, so the other files do not change.

GB_SEED = SEED + 6


def gb_meta(keys, names=None):
    names = names or [("Control" if i == 0 else "Variation %d" % i) for i in range(len(keys))]
    return [{"key": k, "name": n} for k, n in zip(keys, names)]


def gb_experiment(rng, key, variations, weights=None, meta_keys=None, hash_version=2,
                  seed=None, coverage=1, condition=None, namespace=None, name=None, **extra):
    rule = {"id": "fr_" + "%012x" % rng.getrandbits(48)}
    if condition is not None:
        rule["condition"] = condition
    rule.update({
        "coverage": coverage,
        "hashAttribute": extra.pop("hashAttribute", "id"),
        "seed": seed if seed is not None else key,
        "hashVersion": hash_version,
        "variations": variations,
        "weights": weights or [round(1 / len(variations), 4)] * len(variations),
        "key": key,
        "meta": gb_meta(meta_keys or [str(i) for i in range(len(variations))]),
        "phase": extra.pop("phase", "0"),
        "name": name or key.replace("-", " ").capitalize(),
    })
    if namespace is not None:
        rule["namespace"] = namespace
    rule.update(extra)
    return rule


def gb_force(rng, value, condition=None, coverage=None, seed=None, hash_version=None, **extra):
    rule = {"id": "fr_" + "%012x" % rng.getrandbits(48)}
    if condition is not None:
        rule["condition"] = condition
    rule["force"] = value
    if coverage is not None:
        rule["coverage"] = coverage
        rule["hashAttribute"] = extra.pop("hashAttribute", "id")
        rule["seed"] = seed or rule["id"]
        rule["hashVersion"] = hash_version or 2
    rule.update(extra)
    return rule


def gb_feature(default, rules=(), **extra):
    feature = {"defaultValue": default}
    if rules:
        feature["rules"] = list(rules)
    feature.update(extra)
    return feature


DACH = ["DE", "AT", "CH"]
GB_SAVED_GROUPS = {
    # Saved groups as GrowthBook serves them: v1 id lists, and a v2 list on another attribute.
    "grp_qa_team": ["qa-anna-01", "qa-bram-02", "qa-chloe-03", "qa-dmitri-04"],
    "grp_beta_hosts": ["beta.example.com", "www.example.de", "example.ie"],
    "grp_dach": {"type": "list", "attributeKey": "country", "values": DACH},
    "grp_internal_ids": ["emp_0001", "emp_0002", "emp_0003", "emp_0042", "emp_0099"],
}

# Feature keys the edge serves (edge.json lists them, in this order).
GROWTHBOOK_EDGE = [
    "hero-headline", "search-placeholder", "sticky-book-button", "hotel-gallery-layout",
    "map-pin-style", "deals-grid-columns", "price-rounding", "newsletter-inline",
    "hero-config", "breakpoint-columns", "free-cancellation-copy", "trust-score-threshold",
    "reviews-summary", "recently-viewed", "dach-payment-badges", "mobile-bottom-nav",
    "utm-landing-banner", "legacy-header", "destination-sort", "qa-debug-ribbon",
]


def make_growthbook():
    rng = random.Random(GB_SEED)
    f = {}
    # -- the 20 edge features ------------------------------------------------
    f["hero-headline"] = gb_feature("Where to next?", [
        gb_force(rng, "Wohin geht die Reise?", condition={"host": {"$in": ["www.example.de", "example.de"]}}),
        gb_experiment(rng, "hero-headline-ü-2026", ["Where to next?", "Find your getaway", "Book the trip you’ll remember"],
                      weights=[0.3334, 0.3333, 0.3333], meta_keys=["control", "getaway", "remember"],
                      seed="héros-été-2026", condition={"pageType": "home"},
                      namespace=["homepage-layer", 0, 0.5]),
    ])
    f["search-placeholder"] = gb_feature("Search destinations", [
        gb_experiment(rng, "search-placeholder-copy", ["Search destinations", "City, hotel or landmark"],
                      condition={"pageType": {"$in": ["home", "destination"]}},
                      namespace=["homepage-layer", 0.5, 1]),
    ])
    f["sticky-book-button"] = gb_feature(False, [
        gb_force(rng, True, condition={"deviceType": "mobile", "pageType": "hotel"}, coverage=0.25,
                 seed="sticky-book-button-rollout"),
    ])
    f["hotel-gallery-layout"] = gb_feature("grid", [
        gb_experiment(rng, "ホテル-gallery-layout", ["grid", "carousel", "masonry"],
                      weights=[0.5, 0.25, 0.25], meta_keys=["grid", "carousel", "masonry"],
                      seed="ギャラリー", coverage=0.8, condition={"pageType": "hotel", "path": {"$regex": "^/hotel/\\d+"}}),
    ])
    f["map-pin-style"] = gb_feature("classic", [
        gb_experiment(rng, "map-pin-style", ["classic", "price-pill"], hash_version=1,
                      seed="map-pin-style", condition={"pageType": "destination"}),
    ])
    f["deals-grid-columns"] = gb_feature(3, [
        gb_force(rng, 2, condition={"deviceType": {"$in": ["mobile", "tablet"]}}),
        gb_experiment(rng, "deals-grid-columns", [3, 4], weights=[0.6, 0.4],
                      condition={"pageType": "deals", "deviceType": "desktop"}),
    ])
    f["price-rounding"] = gb_feature(0.01, [
        gb_force(rng, 1, condition={"country": {"$in": ["JP"]}}),
        gb_experiment(rng, "price-rounding-€", [0.01, 0.5, 1], weights=[0.34, 0.33, 0.33],
                      meta_keys=["cents", "half", "whole"], seed="prix-arrondis-€",
                      condition={"$savedGroup": {"id": "grp_dach"}}),
    ])
    f["newsletter-inline"] = gb_feature(False, [
        gb_force(rng, False, condition={"url": {"$regex": "utm_medium=email"}}),
        gb_force(rng, True, condition={"pageType": {"$in": ["home", "deals"]}}, coverage=0.5,
                 seed="newsletter-inline", hash_version=1),
    ])
    f["hero-config"] = gb_feature({"layout": "photo", "cta": {"text": "Search", "color": "#0a7c59"}, "slides": 3}, [
        gb_experiment(rng, "hero-config-v3", [
            {"layout": "photo", "cta": {"text": "Search", "color": "#0a7c59"}, "slides": 3},
            {"layout": "video", "cta": {"text": "Explore", "color": "#1d4ed8"}, "slides": 1, "autoplay": False},
        ], condition={"pageType": "home", "host": {"$regex": "(^|\\.)example\\.(com|ie)$"}}, coverage=0.5),
    ])
    f["breakpoint-columns"] = gb_feature({"320": 1, "768": 2, "1200": 4, "default": 2}, [
        gb_force(rng, {"320": 1, "768": 3, "1440": 5, "default": 3},
                 condition={"pageType": "deals"}),
    ])
    f["free-cancellation-copy"] = gb_feature("Free cancellation", [
        gb_force(rng, "Kostenlose Stornierung", condition={"country": {"$in": DACH}}),
        gb_force(rng, "Annulation gratuite", condition={"country": "FR"}),
        gb_experiment(rng, "free-cancellation-copy", ["Free cancellation", "Cancel for free until check-in"],
                      condition={"pageType": {"$in": ["hotel", "deals"]}, "country": {"$nin": DACH + ["FR"]}}),
    ])
    f["trust-score-threshold"] = gb_feature(8.5, [
        gb_experiment(rng, "trust-score-threshold", [8.5, 8, 9.25], weights=[0.5, 0.25, 0.25],
                      hash_version=1, seed="trust-score", condition={"pageType": "hotel"}),
    ])
    f["reviews-summary"] = gb_feature(False, [
        gb_force(rng, True, condition={"id": {"$inGroup": "grp_qa_team"}}),
        gb_experiment(rng, "reviews-summary-ai", [False, True], coverage=0.1,
                      condition={"pageType": "hotel"},
                      parentConditions=[{"id": "reviews-ai-kill-switch", "condition": {"value": False}, "gate": True}]),
    ])
    f["recently-viewed"] = gb_feature("off", [
        gb_force(rng, "carousel", condition={"pageType": "home"}, coverage=0.8, seed="recently-viewed-ramp"),
    ])
    f["dach-payment-badges"] = gb_feature([], [
        gb_force(rng, ["giropay", "klarna", "twint"], condition={"country": {"$in": DACH},
                                                                "pageType": {"$in": ["hotel", "deals"]}}),
    ])
    f["mobile-bottom-nav"] = gb_feature(False, [
        gb_force(rng, True, condition={"deviceType": "mobile", "host": {"$inGroup": "grp_beta_hosts"}}),
        gb_experiment(rng, "mobile-bottom-nav", [False, True], condition={"deviceType": "mobile"},
                      coverage=0.4, namespace=["nav-layer", 0, 0.6]),
    ])
    f["utm-landing-banner"] = gb_feature(None, [
        gb_force(rng, {"text": "Welcome back, newsletter readers!", "dismissible": True},
                 condition={"query": {"$regex": "utm_source=newsletter"}}),
        gb_force(rng, {"text": "Summer deals are live ☀️", "dismissible": False},
                 condition={"pageType": "deals", "url": {"$regex": "^https://(www\\.)?example\\.com/"}}),
    ])
    f["legacy-header"] = gb_feature(True, [
        gb_force(rng, False, condition={"host": {"$regex": "^(www\\.)?example\\.(co\\.uk|ie)(:\\d+)?$"}}),
        gb_force(rng, False, condition={"id": {"$notInGroup": "grp_internal_ids"}, "pageType": {"$ne": "home"}},
                 coverage=0.9, seed="legacy-header-sunset", hash_version=1),
    ])
    f["destination-sort"] = gb_feature("popularity", [
        gb_experiment(rng, "tri-des-destinations", ["popularity", "price", "rating"],
                      weights=[0.2, 0.4, 0.4], meta_keys=["popularité", "prix", "note"],
                      seed="tri-des-destinations-ß", condition={"pageType": "destination"},
                      namespace=["search-layer", 0.25, 1]),
    ])
    f["qa-debug-ribbon"] = gb_feature(False, [
        gb_force(rng, True, condition={"$or": [{"id": {"$inGroup": "grp_qa_team"}},
                                              {"query": {"$regex": "(^|[?&])qa=1(&|$)"}}]}),
    ])
    # A kill switch that no edge request reads directly, but a listed feature needs.
    f["reviews-ai-kill-switch"] = gb_feature(False, [
        gb_force(rng, True, condition={"country": "CN"}),
    ])

    # -- client-side features the edge prunes ---------------------------------
    client_attrs = [("loggedIn", True), ("browser", "safari"), ("appVersion", {"$vgte": "5.2.0"}),
                    ("memberTier", {"$in": ["gold", "platinum"]}), ("company", {"$exists": True}),
                    ("cartValue", {"$gt": 500}), ("language", "de")]
    topics = ["checkout", "account", "wishlist", "app", "loyalty", "payment", "profile", "booking",
              "chat", "onboarding", "email", "referral"]
    things = ["banner", "modal", "tooltip", "upsell", "stepper", "reminder", "badge", "copy",
              "skeleton", "toggle"]
    used = set(f)
    while len(f) < 80:
        key = rng.choice(topics) + "-" + rng.choice(things) + rng.choice(["", "", "-v2", "-2026", "_beta"])
        if key in used:
            continue
        used.add(key)
        kind = rng.choice(["bool", "bool", "string", "number", "json"])
        default = {"bool": False, "string": "control", "number": 0, "json": {"enabled": False}}[kind]
        on = {"bool": True, "string": "treatment", "number": rng.choice([3, 5, 10, 0.25]),
              "json": {"enabled": True, "variant": rng.choice(["a", "b"])}}[kind]
        attr, cond = rng.choice(client_attrs)
        rules = []
        r = rng.random()
        if r < 0.4:
            rules.append(gb_force(rng, on, condition={attr: cond}))
        elif r < 0.7:
            rules.append(gb_force(rng, on, condition={attr: cond}, coverage=rng.choice([0.1, 0.5, 1])))
        elif r < 0.9:
            rules.append(gb_experiment(rng, key + "-exp", [default, on], condition={attr: cond},
                                       hash_version=rng.choice([1, 2])))
        f[key] = gb_feature(default, rules)
    return {
        "status": 200,
        "features": f,
        "dateUpdated": "2026-11-20T09:58:41.512Z",
        "savedGroups": GB_SAVED_GROUPS,
    }


def tracking_keys(payload):
    """Every experiment rule's tracking key (its `key`, else the feature's)."""
    for fid, feature in payload["features"].items():
        for rule in feature.get("rules", []):
            if "variations" in rule:
                yield rule.get("key", fid)


def relevant(exp):
    """SPEC section 2."""
    return (exp["status"] == "running" and "web" in exp["platforms"]
            and any(p in EDGE_PAGE_TYPES for p in exp["page_types"])
            and exp["traffic"] > 0)


def write_json(path, data):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        json.dump(data, f, indent=2, ensure_ascii=False)
        f.write("\n")


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    os.makedirs(out_dir, exist_ok=True)
    rng = random.Random(SEED)

    experiments = make_relevant(rng)
    used = {e["key"] for e in experiments}
    experiments += make_dropped(rng, used, 200 - len(experiments))
    # Platform exports list experiments by creation date.
    experiments.sort(key=lambda e: (e["created_at"], e["key"]))
    flags = make_flags()

    write_json(os.path.join(out_dir, "experiments.json"),
               {"generated_at": GENERATED_AT, "experiments": experiments})
    write_json(os.path.join(out_dir, "site-features.json"), {"flags": flags})
    growthbook = make_growthbook()
    # SPEC section 6: no feature key may be an edge flag's key, no tracking key an experiment's.
    clash = set(growthbook["features"]) & {f["key"] for f in flags}
    clash |= set(tracking_keys(growthbook)) & {e["key"] for e in experiments}
    assert not clash, "growthbook.json keys clash with Kraken's: %s" % sorted(clash)
    assert all(k in growthbook["features"] for k in GROWTHBOOK_EDGE)
    write_json(os.path.join(out_dir, "growthbook.json"), growthbook)
    write_json(os.path.join(out_dir, "edge.json"), {"page_types": EDGE_PAGE_TYPES,
                                                   "growthbook": {"features": GROWTHBOOK_EDGE}})

    n_rel = sum(1 for e in experiments if relevant(e))
    n_edge = sum(1 for f in flags if f["edge"])
    print("wrote %s: %d experiments (%d relevant at the edge), %d flags (%d edge), "
          "%d GrowthBook features (%d edge)"
          % (out_dir, len(experiments), n_rel, len(flags), n_edge,
             len(growthbook["features"]), len(GROWTHBOOK_EDGE)), file=sys.stderr)


if __name__ == "__main__":
    main()
