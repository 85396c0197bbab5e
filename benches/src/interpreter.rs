//! The "before" of the benches and the oracle of the differential test: SPEC §2–§5 evaluated
//! straight from the parsed JSON, the way a first proof of concept would.
//!
//! It shares only request parsing with the service (`kraken::request`: unit cookie, host
//! normalisation, override lists). Everything `codegen` decides at build time is decided here
//! per request: which experiments are relevant, bucket ranges, flag values per host, and the
//! order of the key's items (sorted at the end).

use crate::pruned_json::{self, strings};
use kraken::request::{Overrides, UnitId, items, normalise_host, unit_cookie};
use kraken::{Assignment, KeyWriter, RequestInput, Unit};
use serde_json::{Map, Value};
use xxhash_rust::xxh3::xxh3_64;

/// The three files, parsed and otherwise untouched.
#[derive(Debug, Clone)]
pub struct Interpreter {
    experiments: Vec<Value>,
    flags: Vec<Value>,
    page_types: Vec<String>,
}

impl Interpreter {
    /// Parses the three files' text. Only the top-level shape is checked; entries are read
    /// leniently at request time (an entry that is not what SPEC §1 says is skipped).
    pub fn from_json(experiments: &str, site_features: &str, edge: &str) -> Result<Self, String> {
        let list = |text: &str, file: &str, field: &str| -> Result<Vec<Value>, String> {
            let root: Value =
                serde_json::from_str(text).map_err(|e| format!("{file}: invalid JSON: {e}"))?;
            match root {
                Value::Object(mut obj) => match obj.remove(field) {
                    Some(Value::Array(list)) => Ok(list),
                    _ => Err(format!("{file}: \"{field}\" is not an array")),
                },
                _ => Err(format!("{file}: not an object")),
            }
        };
        let page_types = list(edge, "edge.json", "page_types")?
            .into_iter()
            .filter_map(|p| p.as_str().map(str::to_owned))
            .collect();
        Ok(Self {
            experiments: list(experiments, "experiments.json", "experiments")?,
            flags: list(site_features, "site-features.json", "flags")?,
            page_types,
        })
    }

    /// [`Interpreter::assign`] writing the key into `key`, as the Compute adapter takes it.
    pub fn assign_into(
        &self,
        input: &RequestInput<'_>,
        random: impl FnOnce() -> [u8; 16],
        key: &mut impl KeyWriter,
    ) -> Unit {
        let assignment = self.assign(input, random);
        key.push_str(&assignment.key);
        Unit {
            id: assignment.unit,
            minted: assignment.minted,
        }
    }

    /// Assigns one request (SPEC §3–§5). `random` is called only when a unit id must be minted.
    pub fn assign(
        &self,
        input: &RequestInput<'_>,
        random: impl FnOnce() -> [u8; 16],
    ) -> Assignment {
        let (unit, minted) =
            match unit_cookie(input.cookies.iter().copied()).and_then(UnitId::parse) {
                Some(unit) => (unit, false),
                None => (UnitId::mint(random()), true),
            };
        let host = normalise_host(input.site_host());
        let overrides: Overrides = input.query.map(Overrides::parse).unwrap_or_default();
        let unit_str = unit.as_str();

        let mut key_items: Vec<String> = Vec::new();
        let page = input
            .page_type
            .filter(|p| self.page_types.iter().any(|t| t.as_bytes() == *p));
        if let Some(page) = page {
            for e in &self.experiments {
                let Some(e) = e.as_object() else { continue };
                if !self.relevant(e) || !strings(e.get("page_types")).any(|p| p.as_bytes() == page)
                {
                    continue;
                }
                let domains = e.get("targeting").and_then(|t| t.get("domains"));
                if let Some(Value::Array(domains)) = domains
                    && !domains
                        .iter()
                        .any(|d| d.as_str().map(str::as_bytes) == Some(&*host))
                {
                    continue;
                }
                let Some(key) = e.get("key").and_then(Value::as_str) else {
                    continue;
                };
                let variation = forced(key, variation_keys(e), &overrides.variants)
                    .or_else(|| enrolled(e, key, unit_str));
                if let Some(variation) = variation {
                    key_items.push(format!("exp:{key}={variation}"));
                }
            }
        }
        for f in &self.flags {
            let Some(f) = f.as_object() else { continue };
            if f.get("edge") != Some(&Value::Bool(true)) {
                continue;
            }
            let Some(key) = f.get("key").and_then(Value::as_str) else {
                continue;
            };
            let value = forced(key, strings(f.get("values")), &overrides.flags)
                .or_else(|| rule_value(f, &host))
                .or_else(|| f.get("default").and_then(Value::as_str));
            if let Some(value) = value {
                key_items.push(format!("ff:{key}={value}"));
            }
        }
        key_items.sort_unstable();
        Assignment {
            key: key_items.join(";"),
            unit,
            minted,
        }
    }

    fn relevant(&self, e: &Map<String, Value>) -> bool {
        pruned_json::relevant(e, &self.page_types)
    }
}

fn variation_keys(e: &Map<String, Value>) -> impl Iterator<Item = &str> + Clone {
    e.get("variations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.get("key").and_then(Value::as_str))
}

/// SPEC §4: the first override item for `key` whose value is one of `declared`.
fn forced<'a>(
    key: &str,
    declared: impl Iterator<Item = &'a str> + Clone,
    list: &[u8],
) -> Option<&'a str> {
    items(list)
        .filter(|(k, _)| *k == key.as_bytes())
        .find_map(|(_, value)| declared.clone().find(|d| d.as_bytes() == value))
}

/// SPEC §3: the layer check, the bucket and the variation ranges, computed from the JSON.
fn enrolled<'a>(e: &'a Map<String, Value>, key: &str, unit: &str) -> Option<&'a str> {
    let h = |s: String| xxh3_64(s.as_bytes()) % 10_000;
    if let Some(layer) = e.get("layer").filter(|l| !l.is_null()) {
        let layer_key = layer.get("key")?.as_str()?;
        let (from, to) = (layer.get("from")?.as_u64()?, layer.get("to")?.as_u64()?);
        let l = h(format!("layer:{layer_key}:{unit}"));
        if !(from <= l && l < to) {
            return None;
        }
    }
    let seed = match e.get("seed") {
        Some(Value::String(s)) => s.as_str(),
        _ => key,
    };
    let n = h(format!("{seed}:{unit}"));
    let traffic = e.get("traffic")?.as_u64()?;
    let mut start = 0;
    for v in e.get("variations")?.as_array()? {
        let weight = v.get("weight")?.as_u64()?;
        if start <= n && n < start + weight * traffic / 10_000 {
            return v.get("key")?.as_str();
        }
        start += weight;
    }
    None
}

/// SPEC §1: the value of the first rule whose domains hold the host.
fn rule_value<'a>(f: &'a Map<String, Value>, host: &[u8]) -> Option<&'a str> {
    f.get("rules")?
        .as_array()?
        .iter()
        .find(|r| strings(r.get("domains")).any(|d| d.as_bytes() == host))
        .and_then(|r| r.get("value")?.as_str())
}
