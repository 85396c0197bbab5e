//! What a config declares, read straight from its JSON (not through `codegen`): so requests can
//! hit real keys as well as bogus ones, and a key can be checked against what it may hold.

use serde_json::Value;
use std::path::Path;

/// One experiment of `experiments.json`, relevant to the edge or not.
#[derive(Debug, Clone, Default)]
pub struct DeclaredExperiment {
    pub key: String,
    pub variations: Vec<String>,
    /// Its page types that the edge serves.
    pub pages: Vec<String>,
    /// `targeting.domains`, when it is a list.
    pub domains: Option<Vec<String>>,
    /// SPEC §2: running, on the web, on a page type the edge serves, with traffic.
    pub relevant: bool,
}

/// One flag of `site-features.json`.
#[derive(Debug, Clone, Default)]
pub struct DeclaredFlag {
    pub key: String,
    pub values: Vec<String>,
    /// `"edge": true`.
    pub edge: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Declared {
    pub experiments: Vec<DeclaredExperiment>,
    pub flags: Vec<DeclaredFlag>,
    /// Every domain an experiment targets or a flag rule names, sorted, once each.
    pub domains: Vec<String>,
    /// `edge.json`'s page types.
    pub page_types: Vec<String>,
    /// Every key and value the config names, and the domains relevant experiments target.
    pub words: Vec<String>,
}

/// The strings of a JSON array (anything else in it, or a non-array, is skipped).
pub fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

impl Declared {
    /// The config in directory `config` (its three files).
    pub fn read(config: &Path) -> Self {
        let read = |name: &str| {
            let path = config.join(name);
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        };
        Self::from_texts(
            &read("experiments.json"),
            &read("site-features.json"),
            &read("edge.json"),
        )
    }

    /// The config in the three files' text. Lenient where a test config may be odd: a missing
    /// key reads as `""`, a missing list as empty.
    pub fn from_texts(experiments: &str, site_features: &str, edge: &str) -> Self {
        let parse = |text: &str| -> Value { serde_json::from_str(text).expect("valid JSON") };
        let (exps, flags, edge) = (parse(experiments), parse(site_features), parse(edge));
        let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        let page_types = strings(&edge["page_types"]);
        let mut d = Self {
            page_types: page_types.clone(),
            ..Self::default()
        };
        for e in exps["experiments"].as_array().into_iter().flatten() {
            let key = text(&e["key"]);
            let variations: Vec<String> = e["variations"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|v| text(&v["key"]))
                .collect();
            let targeted = &e["targeting"]["domains"];
            d.domains.extend(strings(targeted));
            let pages: Vec<String> = strings(&e["page_types"])
                .into_iter()
                .filter(|p| page_types.contains(p))
                .collect();
            let relevant = e["status"] == "running"
                && strings(&e["platforms"]).iter().any(|p| p == "web")
                && !pages.is_empty()
                && e["traffic"].as_u64().is_some_and(|t| t > 0);
            let domains = targeted.as_array().map(|_| strings(targeted));
            d.words.push(key.clone());
            d.words.extend(variations.iter().cloned());
            if relevant {
                d.words.extend(domains.iter().flatten().cloned());
            }
            d.experiments.push(DeclaredExperiment {
                key,
                variations,
                pages,
                domains,
                relevant,
            });
        }
        for f in flags["flags"].as_array().into_iter().flatten() {
            for r in f["rules"].as_array().into_iter().flatten() {
                d.domains.extend(strings(&r["domains"]));
            }
            let flag = DeclaredFlag {
                key: text(&f["key"]),
                values: strings(&f["values"]),
                edge: f["edge"] == true,
            };
            d.words.push(flag.key.clone());
            d.words.extend(flag.values.iter().cloned());
            d.flags.push(flag);
        }
        d.domains.sort();
        d.domains.dedup();
        d
    }
}
