//! A small model of the platform's config for structured fuzzing, serialised to the three JSON
//! files. Mostly valid, so inputs get past validation into pruning and emission: keys over a tiny
//! alphabet (they collide and sort around `-`, `_` and `=`), weights that sum to 10000, domains
//! and names full of quotes, backslashes, newlines and non-ASCII. Mistakes come from the `u8`
//! "mode" fields, one value in sixteen (`rare`), so most configs still compile.

use arbitrary::Arbitrary;
use serde_json::{Map, Value, json};

#[derive(Arbitrary, Debug)]
pub struct Config {
    experiments: Vec<Experiment>,
    flags: Vec<Flag>,
    /// Served besides `home` and `deals`.
    page_types: Vec<Pick>,
    max_variants: Option<u16>,
    warn_only: bool,
}

/// An experiment, flag, variation or value key. The first byte picks from `ab0`, the rest from
/// `ab0_-`; bytes from 252 up give characters outside the key set.
#[derive(Arbitrary, Debug)]
pub struct Key(u8, Vec<u8>);

/// One of the presets, or (for the two highest choices) any string at all.
#[derive(Arbitrary, Debug)]
pub struct Pick {
    choice: u8,
    raw: String,
}

#[derive(Arbitrary, Debug)]
struct Experiment {
    key: Key,
    /// Running, or when `rare`, something else (dropped, unknown or missing).
    status: u8,
    /// `["web"]`, or when `rare`, another list or a mistyped one.
    platforms: u8,
    page_type: Pick,
    more_page_types: Vec<Pick>,
    seed: Option<Pick>,
    traffic: u16,
    /// The shares are scaled so the weights sum to exactly 10000, unless `rare`.
    weights: u8,
    variation: (Key, u16),
    more_variations: Vec<(Key, u16)>,
    /// `(key, from, span, mode)`: `[from, from + span]` clamped to a legal range unless `rare`.
    layer: Option<(Pick, u16, u16, u8)>,
    domains: Option<Vec<Pick>>,
    metadata: Option<Pick>,
}

#[derive(Arbitrary, Debug)]
struct Flag {
    key: Key,
    value: Key,
    more_values: Vec<Key>,
    /// An index into the values (modulo their number), or when `rare`, an undeclared value.
    default: u8,
    rules: Vec<(Vec<Pick>, u8)>,
    /// `"edge": true`, unless `rare`.
    edge: u8,
}

const PAGE_TYPES: &[&str] = &[
    "home",
    "destination",
    "hotel",
    "deals",
    "search",
    "",
    "Home",
];
const DOMAINS: &[&str] = &[
    "example.com",
    "example.ie",
    "www.example.com",
    "Example.COM",
    "staging.www.example.de",
    "example.com:8080",
    "[::1]:443",
    "",
    "a\"b\\c",
    "new\nline",
    "é.fr",
    "\u{202e}moc.elpmaxe",
];
const ODD: &[&str] = &[
    "s1",
    "",
    "\"quoted\"",
    "back\\slash",
    "line\nbreak",
    "tab\t\0nul",
    "ü",
];

fn rare(mode: u8) -> bool {
    mode >= 240
}

impl Key {
    fn text(&self) -> String {
        std::iter::once(&self.0)
            .chain(&self.1)
            .take(66)
            .enumerate()
            .map(|(i, &b)| match b {
                252 => 'A',
                253 => '"',
                254 => 'é',
                255 => '=',
                _ if i == 0 => ['a', 'b', '0'][usize::from(b) % 3],
                _ => ['a', 'b', '0', '_', '-'][usize::from(b) % 5],
            })
            .collect()
    }
}

/// Keys with the repeats dropped: duplicate variation keys and flag values are plain
/// validation errors, which the `codegen_input` seeds already cover.
fn distinct<'k>(keys: impl Iterator<Item = &'k Key>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for k in keys {
        let k = k.text();
        if !out.contains(&k) {
            out.push(k);
        }
    }
    out
}

impl Pick {
    fn from(&self, presets: &[&str]) -> String {
        let i = usize::from(self.choice) % (presets.len() + 2);
        presets
            .get(i)
            .map_or_else(|| self.raw.clone(), |s| (*s).to_owned())
    }
}

impl Config {
    /// `(experiments.json, site-features.json, edge.json)`.
    pub fn files(&self) -> (String, String, String) {
        let experiments: Vec<Value> = self.experiments.iter().map(Experiment::json).collect();
        let flags: Vec<Value> = self.flags.iter().map(Flag::json).collect();
        let mut edge = Map::new();
        let page_types: Vec<String> = ["home".to_owned(), "deals".to_owned()]
            .into_iter()
            .chain(self.page_types.iter().map(|p| p.from(PAGE_TYPES)))
            .collect();
        edge.insert("page_types".into(), json!(page_types));
        if let Some(n) = self.max_variants {
            edge.insert("max_variants".into(), json!(n));
            if self.warn_only {
                edge.insert("max_variants_mode".into(), json!("warn"));
            }
        }
        (
            json!({ "generated_at": "2026-11-20T10:00:00Z", "experiments": experiments })
                .to_string(),
            json!({ "flags": flags }).to_string(),
            Value::Object(edge).to_string(),
        )
    }
}

impl Experiment {
    fn json(&self) -> Value {
        let mut e = Map::new();
        e.insert("key".into(), json!(self.key.text()));
        let status = match self.status {
            s if !rare(s) => Some("running"),
            240..=247 => {
                Some(["draft", "paused", "stopped", "archived"][usize::from(self.status % 4)])
            }
            248..=251 => Some("live"),
            _ => None,
        };
        if let Some(status) = status {
            e.insert("status".into(), json!(status));
        }
        let platforms = match self.platforms {
            p if !rare(p) => json!(["web"]),
            240..=243 => json!(["app", "web"]),
            244..=247 => json!(["app"]),
            248..=251 => json!([]),
            _ => json!("web"),
        };
        e.insert("platforms".into(), platforms);
        let page_types: Vec<String> = std::iter::once(&self.page_type)
            .chain(&self.more_page_types)
            .map(|p| p.from(PAGE_TYPES))
            .collect();
        e.insert("page_types".into(), json!(page_types));
        match &self.seed {
            Some(s) if s.choice == 255 => {
                e.insert("seed".into(), Value::Null);
            }
            Some(s) => {
                e.insert("seed".into(), json!(s.from(ODD)));
            }
            None => {}
        }
        let t = self.traffic >> 4;
        let traffic = match self.traffic % 16 {
            0 => 0,
            1 => 10_001 + t,
            2..=8 => 10_000,
            _ => 1 + 2 * t,
        };
        e.insert("traffic".into(), json!(traffic));

        let keys = distinct(
            std::iter::once(&self.variation.0).chain(self.more_variations.iter().map(|v| &v.0)),
        );
        let shares: Vec<u64> = std::iter::once(&self.variation)
            .chain(&self.more_variations)
            .map(|v| u64::from(v.1))
            .collect();
        let total: u64 = shares.iter().take(keys.len()).map(|s| s + 1).sum();
        let mut left = 10_000u64;
        let variations: Vec<Value> = keys
            .iter()
            .zip(&shares)
            .enumerate()
            .map(|(i, (key, share))| {
                let weight = if rare(self.weights) {
                    *share
                } else if i + 1 == keys.len() {
                    left
                } else {
                    let w = (10_000 * (share + 1) / total).min(left);
                    left -= w;
                    w
                };
                json!({ "key": key, "weight": weight })
            })
            .collect();
        e.insert("variations".into(), json!(variations));
        if let Some((key, from, span, mode)) = &self.layer {
            let (from, to) = if rare(*mode) {
                (*from, *span)
            } else {
                let from = from % 10_000;
                (from, (from + 1 + span % 10_000).min(10_000))
            };
            let layer = json!({ "key": key.from(ODD), "from": from, "to": to });
            e.insert("layer".into(), layer);
        }
        if let Some(domains) = &self.domains {
            let domains: Vec<String> = domains.iter().map(|d| d.from(DOMAINS)).collect();
            e.insert("targeting".into(), json!({ "domains": domains }));
        }
        if let Some(m) = &self.metadata {
            let text = m.from(ODD);
            e.insert("owner".into(), json!(text));
            e.insert("metrics".into(), json!([text, 1, null]));
        }
        Value::Object(e)
    }
}

impl Flag {
    fn json(&self) -> Value {
        let values = distinct(std::iter::once(&self.value).chain(&self.more_values));
        let value = |i: u8| {
            if rare(i) {
                "undeclared".to_owned()
            } else {
                values[usize::from(i) % values.len()].clone()
            }
        };
        let rules: Vec<Value> = self
            .rules
            .iter()
            .map(|(domains, v)| {
                let domains: Vec<String> = domains.iter().map(|d| d.from(DOMAINS)).collect();
                json!({ "domains": domains, "value": value(*v) })
            })
            .collect();
        let mut f = Map::new();
        f.insert("key".into(), json!(self.key.text()));
        f.insert("values".into(), json!(values));
        f.insert("default".into(), json!(value(self.default)));
        f.insert("rules".into(), json!(rules));
        match self.edge {
            e if !rare(e) => f.insert("edge".into(), json!(true)),
            240..=249 => f.insert("edge".into(), json!(false)),
            250..=252 => None,
            _ => f.insert("edge".into(), json!("yes")),
        };
        Value::Object(f)
    }
}
