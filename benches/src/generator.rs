//! A deterministic generator of valid platform configs (`experiments.json`, `site-features.json`,
//! `edge.json`) at any scale, for the differential test and the benches.
//!
//! Std, `serde_json` and `testkit`'s `Rng` only: `build.rs` includes this file too (`#[path]`), to
//! emit the scaled configs' generated code at bench build time.

use serde_json::{Map, Value, json};
use testkit::Rng;

/// The three files' text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigTexts {
    pub experiments: String,
    pub site_features: String,
    pub edge: String,
}

/// How big and how odd a config is.
#[derive(Debug, Clone)]
pub struct Shape {
    /// Experiments the edge keeps (SPEC §2).
    pub relevant: usize,
    /// Experiments the edge drops (not running, not web, other page types, zero traffic); some
    /// also carry problems that only warn.
    pub dropped: usize,
    /// Flags with `"edge": true`; about a third as many `"edge": false` ones come on top.
    pub flags: usize,
    /// The edge's page types (none at all is legal: then the edge only serves flags).
    pub page_types: usize,
    /// Domains experiments target and flag rules name.
    pub domains: usize,
    /// When set, exactly this many experiments list the first page type and no other experiment
    /// does: that page type costs the same at every scale.
    pub pinned: Option<usize>,
    /// Keys that sort and mangle trickily (`a`, `a-b`, `a_b`, `a0`, ...), hosts that never
    /// match, duplicate page types, experiments targeting no domain.
    pub tricky: bool,
    /// Platform metadata (names, owners, descriptions, metrics) the edge ignores, as large as
    /// the seed's (about 1 KB per experiment).
    pub metadata: bool,
}

impl Shape {
    /// The benches' configs: `relevant` experiments, as many dropped, the seed's flags, eight
    /// page types of which the first (`home`) always holds 30 experiments, full metadata.
    pub fn scaled(relevant: usize) -> Self {
        Self {
            relevant,
            dropped: relevant,
            flags: 8,
            page_types: 8,
            domains: 8,
            pinned: Some(30.min(relevant)),
            tricky: false,
            metadata: true,
        }
    }
}

/// The generated configs' page type names: the seed's first, then made-up ones.
const PAGE_TYPES: &[&str] = &[
    "home",
    "hotel",
    "destination",
    "deals",
    "search",
    "checkout",
    "blog",
    "account",
];
/// Page types the edge never serves (experiments listing only these are dropped).
const OTHER_PAGE_TYPES: &[&str] = &["landing", "app-home", "emails"];
const TRICKY_KEYS: &[&str] = &["a", "a-b", "a_b", "a0", "0", "a-", "ab", "b", "a--"];
const VARIATION_KEYS: &[&str] = &[
    "control",
    "b",
    "c",
    "d",
    "treatment",
    "v2",
    "a",
    "a-b",
    "a_b",
];
const FLAG_VALUES: &[&str] = &["off", "on", "auto", "v1", "v2", "a", "a-b", "a_b", "0"];
const LAYERS: &[&str] = &["homepage", "search", "hotel-page", "Überall layer", ""];
const WORDS: &[&str] = &[
    "hero", "banner", "search", "sort", "price", "map", "card", "layout", "nav", "deals", "cta",
    "badge", "filter", "gallery", "reviews", "checkout", "copy", "rank", "urgency", "loyalty",
];

/// A config of `shape`, the same for the same `seed`. Valid: `codegen` compiles it (dropped
/// entries may warn).
pub fn generate(seed: u64, shape: &Shape) -> ConfigTexts {
    let mut rng = Rng::new(seed);
    let page_types = page_type_names(shape.page_types);
    let domains = domain_names(shape.domains, shape.tricky);

    let mut keys = KeyMaker::new(shape.tricky);
    let mut experiments = Vec::with_capacity(shape.relevant + shape.dropped);
    for i in 0..shape.relevant {
        let key = keys.next(&mut rng);
        let pages = match shape.pinned {
            Some(pinned) if i < pinned && !page_types.is_empty() => vec![page_types[0].clone()],
            Some(_) if page_types.len() > 1 => rng.subset(&page_types[1..], 1, 2),
            _ => rng.subset(&page_types, 1, 3),
        };
        experiments.push(experiment(&mut rng, shape, &key, pages, &domains, None));
    }
    let mut dropped_keys: Vec<String> = Vec::new();
    for _ in 0..shape.dropped {
        // Now and then two dropped entries share a key: codegen only warns. (A dropped entry
        // reusing a live key is an error, tested in codegen/tests/invalid.rs.)
        let key = if !dropped_keys.is_empty() && rng.chance(5) {
            rng.pick(&dropped_keys).clone()
        } else {
            keys.next(&mut rng)
        };
        dropped_keys.push(key.clone());
        let pages = rng.subset(&page_types, 1, 2);
        let why = rng.below(5);
        experiments.push(experiment(
            &mut rng,
            shape,
            &key,
            pages,
            &domains,
            Some(why),
        ));
    }
    // Relevant and dropped entries interleave, as in a real export.
    for i in (1..experiments.len()).rev() {
        experiments.swap(i, rng.below(i + 1));
    }

    let mut flag_keys = KeyMaker::new(shape.tricky);
    let mut flags = Vec::new();
    for _ in 0..shape.flags {
        let key = flag_keys.next(&mut rng);
        flags.push(flag(&mut rng, shape, &key, &domains, true));
    }
    for _ in 0..shape.flags.div_ceil(3) {
        let key = flag_keys.next(&mut rng);
        flags.push(flag(&mut rng, shape, &key, &domains, false));
    }
    for i in (1..flags.len()).rev() {
        flags.swap(i, rng.below(i + 1));
    }

    let mut edge_pages: Vec<Value> = page_types.iter().map(|p| json!(p)).collect();
    if shape.tricky && !page_types.is_empty() {
        // A duplicate page type is ignored with a warning.
        edge_pages.push(json!(page_types[0]));
    }
    ConfigTexts {
        experiments: pretty(&json!({
            "generated_at": "2026-11-20T10:00:00Z",
            "experiments": experiments,
        })),
        site_features: pretty(&json!({ "flags": flags })),
        edge: pretty(&json!({ "page_types": edge_pages })),
    }
}

fn pretty(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

fn page_type_names(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| match PAGE_TYPES.get(i) {
            Some(p) => (*p).to_owned(),
            None => format!("page-{i}"),
        })
        .collect()
}

fn domain_names(n: usize, tricky: bool) -> Vec<String> {
    const TLDS: &[&str] = &["com", "ie", "de", "fr", "nl", "co.uk", "es", "it"];
    let mut out: Vec<String> = (0..n)
        .map(|i| match TLDS.get(i) {
            Some(tld) => format!("example.{tld}"),
            None => format!("shop-{i}.example.net"),
        })
        .collect();
    if tricky {
        // Legal but never equal to a normalised host (codegen warns), and an IPv6 literal.
        out.extend([
            "www.example.com".to_owned(),
            "[::1]".to_owned(),
            "Example.com".to_owned(),
        ]);
    }
    out
}

/// Unique keys: the tricky ones first (when asked), then readable made-up ones.
struct KeyMaker {
    tricky: Vec<&'static str>,
    n: usize,
}

impl KeyMaker {
    fn new(tricky: bool) -> Self {
        let mut keys: Vec<&str> = if tricky {
            TRICKY_KEYS.to_vec()
        } else {
            Vec::new()
        };
        keys.reverse();
        Self { tricky: keys, n: 0 }
    }

    fn next(&mut self, rng: &mut Rng) -> String {
        if let Some(k) = self.tricky.pop() {
            return k.to_owned();
        }
        self.n += 1;
        if rng.chance(2) {
            // The longest legal key: 64 characters.
            let stem = format!("k{}-", self.n);
            return format!("{stem}{}", "x".repeat(64 - stem.len()));
        }
        let sep = if rng.chance(20) { "_" } else { "-" };
        format!("{}{sep}{}-{}", rng.pick(WORDS), rng.pick(WORDS), self.n)
    }
}

/// Weights in basis points summing to 10000, some of them 0.
fn weights(rng: &mut Rng, n: usize) -> Vec<u64> {
    if n == 1 {
        return vec![10_000];
    }
    if rng.chance(40) {
        // Even split, the remainder on the first.
        let share = 10_000 / n as u64;
        let mut w = vec![share; n];
        w[0] += 10_000 - share * n as u64;
        return w;
    }
    let mut cuts: Vec<u64> = (0..n - 1).map(|_| rng.below(10_001) as u64).collect();
    if rng.chance(30) {
        // A zero-weight variation: reachable only through `?variants=`.
        let i = rng.below(cuts.len());
        cuts[i] = cuts[rng.below(cuts.len())];
    }
    cuts.push(0);
    cuts.push(10_000);
    cuts.sort_unstable();
    cuts.windows(2).map(|w| w[1] - w[0]).collect()
}

fn traffic(rng: &mut Rng) -> u64 {
    match rng.below(10) {
        0..=3 => 10_000,
        4 => 1 + rng.below(10) as u64,
        5 => 9_990 + rng.below(11) as u64,
        _ => 1 + rng.below(10_000) as u64,
    }
}

/// One experiment. `dropped`: `None` for a relevant one, else which SPEC §2 rule drops it.
fn experiment(
    rng: &mut Rng,
    shape: &Shape,
    key: &str,
    mut pages: Vec<String>,
    domains: &[String],
    dropped: Option<usize>,
) -> Value {
    let mut e = Map::new();
    e.insert("key".into(), json!(key));
    let mut status = "running";
    let mut platforms = vec!["web"];
    if rng.chance(30) {
        platforms.push(*rng.pick(&["ios", "android"]));
    }
    let mut traffic = traffic(rng);
    match dropped {
        Some(0) => status = *rng.pick(&["draft", "paused", "stopped", "archived"]),
        Some(1) => platforms = rng.subset(&["ios", "android"], 0, 2),
        Some(2) => {
            pages = rng
                .subset(OTHER_PAGE_TYPES, 1, 2)
                .iter()
                .map(|p| (*p).to_owned())
                .collect()
        }
        Some(_) => traffic = 0,
        None => {
            if rng.chance(20) {
                // Page types the edge does not serve are ignored.
                pages.push((*rng.pick(OTHER_PAGE_TYPES)).to_owned());
            }
        }
    }
    if shape.metadata {
        e.insert("name".into(), json!(format!("Experiment {key}")));
    }
    e.insert("status".into(), json!(status));
    e.insert("platforms".into(), json!(platforms));
    e.insert("page_types".into(), json!(pages));
    match rng.below(6) {
        0 | 1 => {}
        2 => {
            e.insert("seed".into(), Value::Null);
        }
        _ => {
            let seed = match rng.below(8) {
                0 => String::new(),
                1 => format!("{key}-sëed-ü"),
                2 => "shared-seed".to_owned(),
                _ => format!("{key}-s{}", rng.below(5)),
            };
            e.insert("seed".into(), json!(seed));
        }
    }
    e.insert("traffic".into(), json!(traffic));
    let count = match rng.below(20) {
        0 => 1,
        1 => 32,
        2 => 5 + rng.below(8),
        _ => 2 + rng.below(3),
    };
    let weights = weights(rng, count);
    let mut names: Vec<String> = VARIATION_KEYS.iter().map(|v| (*v).to_owned()).collect();
    let variations: Vec<Value> = (0..count)
        .map(|i| {
            let vkey = if shape.tricky && i < names.len() && rng.chance(70) {
                names.swap_remove(rng.below(names.len()))
            } else {
                format!("v{i}")
            };
            json!({ "key": vkey, "weight": weights[i] })
        })
        .collect();
    // Variation keys must be unique within the experiment: `v{i}` may meet a pool name `v2`.
    let mut seen = std::collections::BTreeSet::new();
    let variations: Vec<Value> = variations
        .into_iter()
        .enumerate()
        .map(|(i, mut v)| {
            if !seen.insert(v["key"].as_str().unwrap_or_default().to_owned()) {
                v["key"] = json!(format!("dup{i}"));
                seen.insert(format!("dup{i}"));
            }
            v
        })
        .collect();
    let mut variations = variations;
    if dropped.is_some() && rng.chance(10) {
        // A problem in an entry the edge drops only warns.
        variations[0]["weight"] = json!(1);
    }
    e.insert("variations".into(), Value::Array(variations));
    if rng.chance(35) {
        let from = rng.below(10_000);
        let to = if rng.chance(20) {
            10_000
        } else {
            from + 1 + rng.below(10_000 - from)
        };
        let from = if rng.chance(20) { 0 } else { from };
        e.insert(
            "layer".into(),
            json!({ "key": rng.pick(LAYERS), "from": from, "to": to }),
        );
    } else if rng.chance(5) {
        e.insert("layer".into(), Value::Null);
    }
    match rng.below(20) {
        0..=4 if !domains.is_empty() => {
            e.insert(
                "targeting".into(),
                json!({ "domains": rng.subset(domains, 1, 3) }),
            );
        }
        5 if shape.tricky => {
            // Targets no domain: never runs (codegen drops it with a warning).
            e.insert("targeting".into(), json!({ "domains": [] }));
        }
        6 => {
            e.insert("targeting".into(), json!({}));
        }
        7 => {
            e.insert("targeting".into(), json!({ "domains": null }));
        }
        _ => {}
    }
    if shape.metadata {
        metadata(rng, &mut e, key);
    }
    Value::Object(e)
}

/// Fields the edge ignores, about as large as the seed's.
fn metadata(rng: &mut Rng, e: &mut Map<String, Value>, key: &str) {
    let words: Vec<&str> = (0..40).map(|_| *rng.pick(WORDS)).collect();
    e.insert("owner".into(), json!(format!("team-{}", rng.pick(WORDS))));
    e.insert("created_at".into(), json!("2025-03-01T09:00:00Z"));
    e.insert("updated_at".into(), Value::Null);
    e.insert(
        "description".into(),
        json!(format!(
            "Auto-imported: {key}. {} „Café“ ✨ \"quoted\"",
            words.join(" ")
        )),
    );
    e.insert(
        "hypothesis".into(),
        json!(format!(
            "If we ship {key}, then {} improves by ≥ 3 %.",
            words[..12].join(" ")
        )),
    );
    e.insert("metrics".into(), json!(["booking_conversion", "ctr"]));
    e.insert("tags".into(), json!(["q3", rng.pick(WORDS)]));
    e.insert("legacy_id".into(), json!(rng.below(100_000)));
}

fn flag(rng: &mut Rng, shape: &Shape, key: &str, domains: &[String], edge: bool) -> Value {
    let values: Vec<String> = rng
        .subset(FLAG_VALUES, 1, 4)
        .iter()
        .map(|v| (*v).to_owned())
        .collect();
    let mut default = rng.pick(&values).clone();
    let rules: Vec<Value> = (0..rng.below(4))
        .filter(|_| !domains.is_empty())
        .map(|_| json!({ "domains": rng.subset(domains, 0, 3), "value": rng.pick(&values) }))
        .collect();
    if !edge && rng.chance(20) {
        // Flags the edge ignores may be broken: a warning only.
        default = "undeclared".to_owned();
    }
    let mut f = Map::new();
    f.insert("key".into(), json!(key));
    f.insert("values".into(), json!(values));
    f.insert("default".into(), json!(default));
    f.insert("rules".into(), Value::Array(rules));
    f.insert("edge".into(), json!(edge));
    if shape.metadata {
        f.insert(
            "description".into(),
            json!(format!("Flag {key}: {}", rng.pick(WORDS))),
        );
        f.insert("owner".into(), json!("team-platform"));
    }
    Value::Object(f)
}
