//! The experimentation platform's files, `experiments.json` and `site-features.json`: every rule
//! of SPEC §1, entry by entry. Whether the edge uses an entry is not decided here: each entry
//! keeps the facts relevance reads (`status`, `platforms`, `page_types`, `traffic`; `edge`).

use super::json::{self, Problem, Scope, kind, show};
use super::{Checked, Entry};
use serde_json::{Map, Value};

/// SPEC §1: 1 to 32 variations.
pub const MAX_VARIATIONS: usize = 32;
/// Basis points: traffic, weights and layer bounds live in `0..=10000`.
pub const BASIS_POINTS: u64 = 10_000;
/// Sizes beyond any real platform export (the seed is ~200 experiments): refused with a clear
/// error instead of generating code no compiler should be asked to build.
pub const MAX_EXPERIMENTS: usize = 100_000;
pub const MAX_FLAGS: usize = 10_000;
pub const STATUSES: &[&str] = &["draft", "running", "paused", "stopped", "archived"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Experiment {
    /// Position in `experiments`, for messages.
    pub index: usize,
    pub key: String,
    pub seed: String,
    /// Every page type the experiment lists (the edge's are picked in `prune`).
    pub page_types: Vec<String>,
    pub traffic: u16,
    pub variations: Vec<Variation>,
    pub layer: Option<Layer>,
    pub domains: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variation {
    pub key: String,
    pub weight: u16,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layer {
    pub key: String,
    pub from: u16,
    pub to: u16,
}

/// What SPEC §2 decides an experiment's relevance by, each field when well formed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExperimentFacts {
    /// One of [`STATUSES`].
    pub status: Option<String>,
    pub platforms: Option<Vec<String>>,
    pub page_types: Option<Vec<String>>,
    pub traffic: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    pub index: usize,
    pub key: String,
    pub values: Vec<String>,
    pub default: String,
    pub rules: Vec<Rule>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub domains: Vec<String>,
    pub value: String,
}

/// A flag's `edge` field, when it is `true` or `false`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlagFacts {
    pub edge: Option<bool>,
}

/// `[a-z0-9][a-z0-9_-]{0,63}`: experiment, variation and flag keys and flag values.
pub fn is_key(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && b.iter()
            .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_' || c == b'-')
}

/// `experiments.json`.
pub fn experiments(text: &str) -> Checked<Experiment, ExperimentFacts> {
    let mut problems = Vec::new();
    let Some(list) = json::parse(text, &mut problems)
        .and_then(|root| top_level_list(root, "experiments", MAX_EXPERIMENTS, &mut problems))
    else {
        return Checked::refused("experiments", problems);
    };
    let entries = list
        .iter()
        .enumerate()
        .map(|(index, value)| experiment(index, value))
        .collect();
    Checked {
        list: "experiments",
        problems,
        entries,
    }
}

/// `site-features.json`.
pub fn flags(text: &str) -> Checked<Flag, FlagFacts> {
    let mut problems = Vec::new();
    let Some(list) = json::parse(text, &mut problems)
        .and_then(|root| top_level_list(root, "flags", MAX_FLAGS, &mut problems))
    else {
        return Checked::refused("flags", problems);
    };
    let entries = list
        .iter()
        .enumerate()
        .map(|(index, value)| flag(index, value))
        .collect();
    Checked {
        list: "flags",
        problems,
        entries,
    }
}

fn experiment(index: usize, value: &Value) -> Entry<Experiment, ExperimentFacts> {
    let mut problems = Vec::new();
    let mut scope = Scope::root(&mut problems);
    let mut scope = scope.child("experiments").index(index);
    let Some(obj) = value.as_object() else {
        scope.problem(format!(
            "expected an experiment object, found {}",
            kind(value)
        ));
        return Entry {
            key: None,
            facts: ExperimentFacts::default(),
            value: None,
            problems,
        };
    };
    let name = scope.string(obj, "key");
    let key = name
        .clone()
        .filter(|k| key_rule(&mut scope.child("key"), k, "key"));
    let status = scope.string(obj, "status").filter(|s| {
        let known = STATUSES.contains(&s.as_str());
        if !known {
            scope.child("status").problem(format!(
                "unknown status \"{s}\", expected one of {}",
                STATUSES.join(", ")
            ));
        }
        known
    });
    let platforms = scope.string_list(obj, "platforms");
    let page_types = scope.string_list(obj, "page_types");
    let traffic = basis_points(&mut scope, obj, "traffic");
    let seed = match obj.get("seed") {
        None | Some(Value::Null) => key.clone(),
        Some(Value::String(s)) => Some(s.clone()),
        Some(v) => {
            scope
                .child("seed")
                .problem(format!("expected a string or null, found {}", kind(v)));
            None
        }
    };
    let variations = variations(&mut scope, obj);
    let layer = layer(&mut scope, obj);
    let domains = domains(&mut scope, obj);
    let facts = ExperimentFacts {
        status,
        platforms,
        page_types,
        traffic,
    };
    let value = match (key.clone(), seed, &facts, variations, layer, domains) {
        (
            Some(key),
            Some(seed),
            ExperimentFacts {
                status: Some(_),
                platforms: Some(_),
                page_types: Some(page_types),
                traffic: Some(traffic),
            },
            Some(variations),
            Some(layer),
            Some(domains),
        ) if problems.is_empty() => Some(Experiment {
            index,
            key,
            seed,
            page_types: page_types.clone(),
            traffic: *traffic,
            variations,
            layer,
            domains,
        }),
        _ => None,
    };
    name_entry(&mut problems, "experiment", name.as_deref());
    Entry {
        key,
        facts,
        value,
        problems,
    }
}

fn flag(index: usize, value: &Value) -> Entry<Flag, FlagFacts> {
    let mut problems = Vec::new();
    let mut scope = Scope::root(&mut problems);
    let mut scope = scope.child("flags").index(index);
    let Some(obj) = value.as_object() else {
        scope.problem(format!("expected a flag object, found {}", kind(value)));
        return Entry {
            key: None,
            facts: FlagFacts::default(),
            value: None,
            problems,
        };
    };
    let edge = scope.boolean(obj, "edge");
    let name = scope.string(obj, "key");
    let key = name
        .clone()
        .filter(|k| key_rule(&mut scope.child("key"), k, "key"));
    let values = values(&mut scope, obj);
    let default = scope.string(obj, "default");
    if let (Some(values), Some(default)) = (&values, &default) {
        among_values(&mut scope.child("default"), default, values);
    }
    let rules = rules(&mut scope, obj, values.as_deref());
    let value = match (key.clone(), values, default, rules) {
        (Some(key), Some(values), Some(default), Some(rules)) if problems.is_empty() => {
            Some(Flag {
                index,
                key,
                values,
                default,
                rules,
            })
        }
        _ => None,
    };
    name_entry(&mut problems, "flag", name.as_deref());
    Entry {
        key,
        facts: FlagFacts { edge },
        value,
        problems,
    }
}

/// Every problem of an entry names it: `(experiment "hero")`.
fn name_entry(problems: &mut [Problem], noun: &str, name: Option<&str>) {
    if let Some(name) = name {
        for p in problems {
            p.message.push_str(&format!(" ({noun} \"{name}\")"));
        }
    }
}

/// The key rule, at `scope`: `what` is a key or a value.
fn key_rule(scope: &mut Scope<'_>, s: &str, what: &str) -> bool {
    let ok = is_key(s);
    if !ok {
        scope.problem(format!(
            "{} is not a valid {what}, expected [a-z0-9][a-z0-9_-]{{0,63}}",
            show(&Value::String(s.to_owned()))
        ));
    }
    ok
}

/// The field `name` of `obj` in basis points.
fn basis_points(scope: &mut Scope<'_>, obj: &Map<String, Value>, name: &str) -> Option<u16> {
    let v = scope.field(obj, name, "an integer in 0..=10000")?;
    match v.as_u64() {
        Some(n) if n <= BASIS_POINTS => Some(n as u16),
        _ => {
            scope.child(name).problem(format!(
                "expected an integer in 0..=10000, found {}",
                show(v)
            ));
            None
        }
    }
}

fn among_values(scope: &mut Scope<'_>, value: &str, values: &[String]) {
    if !values.iter().any(|v| v == value) {
        scope.problem(format!(
            "\"{value}\" is not among values [{}]",
            values.join(", ")
        ));
    }
}

fn variations(scope: &mut Scope<'_>, obj: &Map<String, Value>) -> Option<Vec<Variation>> {
    let v = scope.field(obj, "variations", "an array of 1 to 32 variations")?;
    let mut list = scope.child("variations");
    let Value::Array(items) = v else {
        list.problem(format!(
            "expected an array of variations, found {}",
            kind(v)
        ));
        return None;
    };
    if items.is_empty() || items.len() > MAX_VARIATIONS {
        list.problem(format!(
            "{} variations, expected 1 to {MAX_VARIATIONS}",
            items.len()
        ));
        return None;
    }
    let mut out: Vec<Variation> = Vec::with_capacity(items.len());
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let mut variation = list.item(i);
        let Some(obj) = item.as_object() else {
            variation.problem(format!("expected a variation object, found {}", kind(item)));
            ok = false;
            continue;
        };
        let key = variation
            .string(obj, "key")
            .filter(|k| key_rule(&mut variation.child("key"), k, "key"));
        let weight = basis_points(&mut variation, obj, "weight");
        if let Some(k) = &key
            && out.iter().any(|v| &v.key == k)
        {
            variation
                .child("key")
                .problem(format!("duplicate variation key \"{k}\""));
            ok = false;
        }
        match (key, weight) {
            (Some(key), Some(weight)) => out.push(Variation { key, weight }),
            _ => ok = false,
        }
    }
    if !ok {
        return None;
    }
    let sum: u64 = out.iter().map(|v| u64::from(v.weight)).sum();
    if sum != BASIS_POINTS {
        list.problem(format!("variation weights sum to {sum}, expected 10000"));
        return None;
    }
    Some(out)
}

/// `Some(None)`: no layer; `None`: invalid.
fn layer(scope: &mut Scope<'_>, obj: &Map<String, Value>) -> Option<Option<Layer>> {
    let v = match obj.get("layer") {
        None | Some(Value::Null) => return Some(None),
        Some(v) => v,
    };
    let mut scope = scope.child("layer");
    let Some(layer) = v.as_object() else {
        scope.problem(format!(
            "expected an object {{key, from, to}} or null, found {}",
            kind(v)
        ));
        return None;
    };
    // The layer key is hashed, never put in the key: any string will do.
    let key = scope.string(layer, "key");
    let from = basis_points(&mut scope, layer, "from");
    let to = basis_points(&mut scope, layer, "to");
    let (key, from, to) = (key?, from?, to?);
    if from >= to {
        scope.problem(format!("empty range [{from}, {to}), expected from < to"));
        return None;
    }
    Some(Some(Layer { key, from, to }))
}

/// `Some(None)`: no targeting; `None`: invalid.
fn domains(scope: &mut Scope<'_>, obj: &Map<String, Value>) -> Option<Option<Vec<String>>> {
    let mut scope = scope.child("targeting");
    let targeting = match obj.get("targeting") {
        None | Some(Value::Null) => return Some(None),
        Some(Value::Object(t)) => t,
        Some(v) => {
            scope.problem(format!("expected an object or null, found {}", kind(v)));
            return None;
        }
    };
    match targeting.get("domains") {
        None | Some(Value::Null) => Some(None),
        Some(_) => scope.string_list(targeting, "domains").map(Some),
    }
}

fn values(scope: &mut Scope<'_>, obj: &Map<String, Value>) -> Option<Vec<String>> {
    let values = scope.string_list(obj, "values")?;
    let mut list = scope.child("values");
    if values.is_empty() {
        list.problem("empty, expected at least one value");
    }
    let mut ok = !values.is_empty();
    for (i, value) in values.iter().enumerate() {
        let mut item = list.item(i);
        if !key_rule(&mut item, value, "value") {
            ok = false;
        } else if values[..i].contains(value) {
            item.problem(format!("duplicate value \"{value}\""));
            ok = false;
        }
    }
    ok.then_some(values)
}

fn rules(
    scope: &mut Scope<'_>,
    obj: &Map<String, Value>,
    values: Option<&[String]>,
) -> Option<Vec<Rule>> {
    let v = scope.field(obj, "rules", "an array of rules")?;
    let mut list = scope.child("rules");
    let Value::Array(items) = v else {
        list.problem(format!("expected an array of rules, found {}", kind(v)));
        return None;
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let mut rule = list.item(i);
        let Some(obj) = item.as_object() else {
            rule.problem(format!("expected a rule object, found {}", kind(item)));
            continue;
        };
        let domains = rule.string_list(obj, "domains");
        let value = rule.string(obj, "value");
        if let (Some(value), Some(values)) = (&value, values) {
            among_values(&mut rule.child("value"), value, values);
        }
        out.extend(
            domains
                .zip(value)
                .map(|(domains, value)| Rule { domains, value }),
        );
    }
    (out.len() == items.len()).then_some(out)
}

/// The file's top-level list, at most `max` long: a larger one is one clear error, not
/// hundreds of thousands of entries to check.
fn top_level_list(
    root: Value,
    field: &str,
    max: usize,
    problems: &mut Vec<Problem>,
) -> Option<Vec<Value>> {
    let mut scope = Scope::root(problems);
    let mut obj = match root {
        Value::Object(obj) => obj,
        other => {
            scope.problem(format!(
                "expected an object with \"{field}\", found {}",
                kind(&other)
            ));
            return None;
        }
    };
    let mut list = scope.child(field);
    match obj.remove(field) {
        Some(Value::Array(items)) if items.len() > max => {
            list.problem(format!(
                "{} {field}, more than the {max} codegen accepts",
                items.len()
            ));
            None
        }
        Some(Value::Array(items)) => Some(items),
        Some(v) => {
            list.problem(format!("expected an array, found {}", kind(&v)));
            None
        }
        None => {
            list.problem("missing field, expected an array");
            None
        }
    }
}
