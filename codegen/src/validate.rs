//! Stage 1: JSON text to typed config, checking every rule of SPEC §1 and deciding, per entry,
//! whether the edge uses it (SPEC §2). Problems in used entries are errors; in dropped ones,
//! warnings. An entry whose relevance cannot be decided (its `status` is missing, say) counts as
//! used: a config the edge cannot read never ships.

use crate::diagnostic::{Report, Severity};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// SPEC §1: 1 to 32 variations.
pub const MAX_VARIATIONS: usize = 32;
/// Basis points: traffic, weights and layer bounds live in `0..=10000`.
pub const BASIS_POINTS: u64 = 10_000;
/// Sizes beyond any real platform export (the seed is ~200 experiments): refused with a clear
/// error instead of generating code no compiler should be asked to build.
pub const MAX_EXPERIMENTS: usize = 100_000;
pub const MAX_FLAGS: usize = 10_000;
const STATUSES: &[&str] = &["draft", "running", "paused", "stopped", "archived"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Experiment {
    /// Position in `experiments`, for messages.
    pub index: usize,
    pub key: String,
    pub seed: String,
    /// The edge's page types this experiment runs on.
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

/// `config/edge.json`: what this edge serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdgeSettings {
    pub page_types: Vec<String>,
    /// Optional cache-variant budget per page type and host case (hardening).
    pub max_variants: Option<u64>,
    /// When true, a config over budget is a warning instead of an error.
    pub max_variants_warn_only: bool,
}

/// The entries the edge uses, in file order, and how many there were in all.
#[derive(Debug, Default)]
pub struct Validated {
    pub experiments: Vec<Experiment>,
    pub experiments_total: usize,
    pub flags: Vec<Flag>,
    pub flags_total: usize,
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

/// Parses a file's text as JSON; the error names the line and column.
pub fn parse_json(text: &str, report: &mut Report<'_>) -> Option<Value> {
    serde_json::from_str(text)
        .map_err(|e| report.error("", format!("invalid JSON: {e}")))
        .ok()
}

pub fn edge_settings(root: &Value, report: &mut Report<'_>) -> Option<EdgeSettings> {
    let Some(obj) = root.as_object() else {
        report.error(
            "",
            format!(
                "expected an object with \"page_types\", found {}",
                kind(root)
            ),
        );
        return None;
    };
    let mut e = Entry {
        report,
        path: String::new(),
        severity: Severity::Error,
    };
    let page_types = e.string_list(obj, "page_types")?;
    let mut seen = BTreeMap::new();
    for (i, p) in page_types.iter().enumerate() {
        if seen.insert(p.as_str(), i).is_some() {
            e.warn_at(
                &format!("page_types[{i}]"),
                format!("duplicate page type \"{p}\" is ignored"),
            );
        }
    }
    let max_variants = match obj.get("max_variants") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_u64() {
            Some(n) if n >= 1 => Some(n),
            _ => {
                e.report.error(
                    "max_variants",
                    format!("expected a positive integer, found {}", kind(v)),
                );
                return None;
            }
        },
    };
    let warn_only = match obj.get("max_variants_mode") {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) if s == "error" => false,
        Some(Value::String(s)) if s == "warn" => true,
        Some(v) => {
            e.report.error(
                "max_variants_mode",
                format!("expected \"error\" or \"warn\", found {}", show(v)),
            );
            return None;
        }
    };
    for field in obj.keys() {
        if !["page_types", "max_variants", "max_variants_mode"].contains(&field.as_str()) {
            e.report.warning(field.clone(), "unknown field is ignored");
        }
    }
    let page_types = seen.into_keys().map(|p| p.to_owned()).collect();
    Some(EdgeSettings {
        page_types,
        max_variants,
        max_variants_warn_only: warn_only,
    })
}

pub fn experiments(root: &Value, edge: &EdgeSettings, report: &mut Report<'_>) -> Validated {
    let mut out = Validated::default();
    let Some(list) = top_level_list(root, "experiments", MAX_EXPERIMENTS, report) else {
        return out;
    };
    out.experiments_total = list.len();
    let mut keys = UniqueKeys::default();
    for (index, value) in list.iter().enumerate() {
        let path = format!("experiments[{index}]");
        let (used, parsed) = experiment(value, index, &path, edge, report);
        let key = value
            .get("key")
            .and_then(Value::as_str)
            .filter(|k| is_key(k));
        if key.is_none_or(|k| keys.insert("experiments", index, k, used, report))
            && let Some(e) = parsed.filter(|_| used)
        {
            out.experiments.push(e);
        }
    }
    out
}

/// Validates one experiment. Returns whether the edge uses it, and the experiment when valid.
fn experiment(
    value: &Value,
    index: usize,
    path: &str,
    edge: &EdgeSettings,
    report: &mut Report<'_>,
) -> (bool, Option<Experiment>) {
    let Some(obj) = value.as_object() else {
        report.error(
            path,
            format!("expected an experiment object, found {}", kind(value)),
        );
        return (true, None);
    };
    let label = obj
        .get("key")
        .and_then(Value::as_str)
        .map(|k| format!(" (experiment \"{k}\")"))
        .unwrap_or_default();
    let mut e = Entry {
        report,
        path: path.to_owned(),
        severity: Severity::Error,
    };
    let before = e.report.diagnostics.len();
    let key = e.key(obj, "key");
    let status = e.string(obj, "status");
    if let Some(s) = &status
        && !STATUSES.contains(&s.as_str())
    {
        e.problem(
            "status",
            format!(
                "unknown status \"{s}\", expected one of {}",
                STATUSES.join(", ")
            ),
        );
    }
    let platforms = e.string_list(obj, "platforms");
    let page_types = e.string_list(obj, "page_types");
    let traffic = e.basis_points(obj, "traffic");
    let seed = match obj.get("seed") {
        None | Some(Value::Null) => key.clone(),
        Some(Value::String(s)) => Some(s.clone()),
        Some(v) => {
            e.problem(
                "seed",
                format!("expected a string or null, found {}", kind(v)),
            );
            None
        }
    };
    let variations = e.variations(obj);
    let layer = e.layer(obj);
    let domains = e.domains(obj);
    // Relevance (SPEC §2), decided only by well-formed fields that say "dropped".
    let dropped = status
        .as_deref()
        .is_some_and(|s| s != "running" && STATUSES.contains(&s))
        || platforms
            .as_ref()
            .is_some_and(|p| !p.iter().any(|p| p == "web"))
        || page_types
            .as_ref()
            .is_some_and(|p| !p.iter().any(|p| edge.page_types.contains(p)))
        || traffic == Some(0);
    // Every problem names the experiment; in an entry the edge drops, it is only a warning.
    for d in &mut e.report.diagnostics[before..] {
        d.message.push_str(&label);
        if dropped {
            d.severity = Severity::Warning;
        }
    }
    let valid = e.report.diagnostics.len() == before;
    let experiment = match (key, seed, page_types, traffic, variations, layer, domains) {
        (
            Some(key),
            Some(seed),
            Some(page_types),
            Some(traffic),
            Some(variations),
            Some(layer),
            Some(domains),
        ) if valid => {
            let page_types = page_types
                .into_iter()
                .filter(|p| edge.page_types.contains(p))
                .collect();
            Some(Experiment {
                index,
                key,
                seed,
                page_types,
                traffic,
                variations,
                layer,
                domains,
            })
        }
        _ => None,
    };
    (!dropped, experiment)
}

pub fn flags(root: &Value, report: &mut Report<'_>) -> Validated {
    let mut out = Validated::default();
    let Some(list) = top_level_list(root, "flags", MAX_FLAGS, report) else {
        return out;
    };
    out.flags_total = list.len();
    let mut keys = UniqueKeys::default();
    for (index, value) in list.iter().enumerate() {
        let path = format!("flags[{index}]");
        let Some(obj) = value.as_object() else {
            report.error(
                &path,
                format!("expected a flag object, found {}", kind(value)),
            );
            continue;
        };
        // `"edge": true` decides; a missing or mistyped `edge` cannot be decided, so it is used.
        let used = !matches!(obj.get("edge"), Some(Value::Bool(false)));
        let severity = if used {
            Severity::Error
        } else {
            Severity::Warning
        };
        let label = obj
            .get("key")
            .and_then(Value::as_str)
            .map(|k| format!(" (flag \"{k}\")"))
            .unwrap_or_default();
        let mut e = Entry {
            report,
            path: path.clone(),
            severity,
        };
        let before = e.report.diagnostics.len();
        match obj.get("edge") {
            Some(Value::Bool(_)) => {}
            Some(v) => e.problem("edge", format!("expected true or false, found {}", kind(v))),
            None => e.problem("edge", "missing field, expected true or false"),
        }
        let key = e.key(obj, "key");
        let values = e.values(obj);
        let default = e.string(obj, "default");
        if let (Some(values), Some(default)) = (&values, &default)
            && !values.contains(default)
        {
            e.problem(
                "default",
                format!("\"{default}\" is not among values [{}]", values.join(", ")),
            );
        }
        let rules = e.rules(obj, values.as_deref());
        for d in &mut e.report.diagnostics[before..] {
            d.message.push_str(&label);
        }
        let valid = e.report.diagnostics.len() == before;
        if key
            .as_ref()
            .is_some_and(|k| !keys.insert("flags", index, k, used, report))
        {
            continue;
        }
        if let (true, true, Some(key), Some(values), Some(default), Some(rules)) =
            (used, valid, key, values, default, rules)
        {
            out.flags.push(Flag {
                index,
                key,
                values,
                default,
                rules,
            });
        }
    }
    out
}

/// Keys seen so far in one list. A duplicate is an error when either entry is used (the edge's
/// key would name two things), a warning when both are dropped.
#[derive(Default)]
struct UniqueKeys(BTreeMap<String, (usize, bool)>);

impl UniqueKeys {
    /// Records the key of `list[index]`; false when the entry must be left out as a duplicate.
    fn insert(
        &mut self,
        list: &str,
        index: usize,
        key: &str,
        used: bool,
        report: &mut Report<'_>,
    ) -> bool {
        let Some(&(first, first_used)) = self.0.get(key) else {
            self.0.insert(key.to_owned(), (index, used));
            return true;
        };
        let severity = if used || first_used {
            Severity::Error
        } else {
            Severity::Warning
        };
        report.push(
            severity,
            format!("{list}[{index}].key"),
            format!("duplicate key \"{key}\", first used by {list}[{first}]"),
        );
        // On an error nothing is emitted; else keep one entry, the used one when there is one.
        if used && !first_used {
            self.0.insert(key.to_owned(), (index, true));
        }
        !(used && first_used)
    }
}

/// The file's top-level list, at most `max` long: a larger one is one clear error, not
/// hundreds of thousands of entries to check.
fn top_level_list<'v>(
    root: &'v Value,
    field: &str,
    max: usize,
    report: &mut Report<'_>,
) -> Option<&'v Vec<Value>> {
    match root.get(field) {
        Some(Value::Array(list)) if list.len() > max => {
            report.error(
                field,
                format!(
                    "{} {field}, more than the {max} codegen accepts",
                    list.len()
                ),
            );
            None
        }
        Some(Value::Array(list)) => Some(list),
        Some(v) => {
            report.error(field, format!("expected an array, found {}", kind(v)));
            None
        }
        None if root.is_object() => {
            report.error(field, "missing field, expected an array");
            None
        }
        None => {
            report.error(
                "",
                format!("expected an object with \"{field}\", found {}", kind(root)),
            );
            None
        }
    }
}

/// One entry being checked: every problem is reported at `severity` under `path`.
struct Entry<'r, 'f> {
    report: &'r mut Report<'f>,
    path: String,
    severity: Severity,
}

impl Entry<'_, '_> {
    fn problem(&mut self, field: &str, message: impl Into<String>) {
        let path = if self.path.is_empty() {
            field.to_owned()
        } else {
            format!("{}.{field}", self.path)
        };
        self.report.push(self.severity, path, message);
    }

    fn warn_at(&mut self, field: &str, message: impl Into<String>) {
        let path = if self.path.is_empty() {
            field.to_owned()
        } else {
            format!("{}.{field}", self.path)
        };
        self.report.push(Severity::Warning, path, message);
    }

    fn field<'v>(
        &mut self,
        obj: &'v Map<String, Value>,
        field: &str,
        expected: &str,
    ) -> Option<&'v Value> {
        let v = obj.get(field);
        if v.is_none() {
            self.problem(field, format!("missing field, expected {expected}"));
        }
        v
    }

    fn string(&mut self, obj: &Map<String, Value>, field: &str) -> Option<String> {
        match self.field(obj, field, "a string")? {
            Value::String(s) => Some(s.clone()),
            v => {
                self.problem(field, format!("expected a string, found {}", kind(v)));
                None
            }
        }
    }

    fn key(&mut self, obj: &Map<String, Value>, field: &str) -> Option<String> {
        let s = self.string(obj, field)?;
        if is_key(&s) {
            Some(s)
        } else {
            self.problem(
                field,
                format!(
                    "{} is not a valid key, expected [a-z0-9][a-z0-9_-]{{0,63}}",
                    show(&Value::String(s))
                ),
            );
            None
        }
    }

    fn string_list(&mut self, obj: &Map<String, Value>, field: &str) -> Option<Vec<String>> {
        let v = self.field(obj, field, "an array of strings")?;
        let Value::Array(items) = v else {
            self.problem(
                field,
                format!("expected an array of strings, found {}", kind(v)),
            );
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            match item {
                Value::String(s) => out.push(s.clone()),
                v => self.problem(
                    &format!("{field}[{i}]"),
                    format!("expected a string, found {}", kind(v)),
                ),
            }
        }
        (out.len() == items.len()).then_some(out)
    }

    fn basis_points(&mut self, obj: &Map<String, Value>, field: &str) -> Option<u16> {
        let v = self.field(obj, field, "an integer in 0..=10000")?;
        self.basis_points_value(field, v)
    }

    fn basis_points_value(&mut self, path: &str, v: &Value) -> Option<u16> {
        match v.as_u64() {
            Some(n) if n <= BASIS_POINTS => Some(n as u16),
            _ => {
                self.problem(
                    path,
                    format!("expected an integer in 0..=10000, found {}", show(v)),
                );
                None
            }
        }
    }

    fn variations(&mut self, obj: &Map<String, Value>) -> Option<Vec<Variation>> {
        let v = self.field(obj, "variations", "an array of 1 to 32 variations")?;
        let Value::Array(items) = v else {
            self.problem(
                "variations",
                format!("expected an array of variations, found {}", kind(v)),
            );
            return None;
        };
        if items.is_empty() || items.len() > MAX_VARIATIONS {
            self.problem(
                "variations",
                format!("{} variations, expected 1 to {MAX_VARIATIONS}", items.len()),
            );
            return None;
        }
        let mut out = Vec::with_capacity(items.len());
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            let path = format!("variations[{i}]");
            let Some(obj) = item.as_object() else {
                self.problem(
                    &path,
                    format!("expected a variation object, found {}", kind(item)),
                );
                ok = false;
                continue;
            };
            let key = match obj.get("key") {
                Some(Value::String(k)) if is_key(k) => Some(k.clone()),
                Some(v @ Value::String(_)) => {
                    self.problem(
                        &format!("{path}.key"),
                        format!(
                            "{} is not a valid key, expected [a-z0-9][a-z0-9_-]{{0,63}}",
                            show(v)
                        ),
                    );
                    None
                }
                Some(v) => {
                    self.problem(
                        &format!("{path}.key"),
                        format!("expected a string, found {}", kind(v)),
                    );
                    None
                }
                None => {
                    self.problem(&format!("{path}.key"), "missing field, expected a string");
                    None
                }
            };
            let weight = match obj.get("weight") {
                Some(v) => self.basis_points_value(&format!("{path}.weight"), v),
                None => {
                    self.problem(
                        &format!("{path}.weight"),
                        "missing field, expected an integer in 0..=10000",
                    );
                    None
                }
            };
            if let Some(k) = &key
                && out.iter().any(|v: &Variation| &v.key == k)
            {
                self.problem(
                    &format!("{path}.key"),
                    format!("duplicate variation key \"{k}\""),
                );
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
            self.problem(
                "variations",
                format!("variation weights sum to {sum}, expected 10000"),
            );
            return None;
        }
        Some(out)
    }

    /// `Some(None)`: no layer; `None`: invalid.
    fn layer(&mut self, obj: &Map<String, Value>) -> Option<Option<Layer>> {
        let v = match obj.get("layer") {
            None | Some(Value::Null) => return Some(None),
            Some(v) => v,
        };
        let Some(layer) = v.as_object() else {
            self.problem(
                "layer",
                format!(
                    "expected an object {{key, from, to}} or null, found {}",
                    kind(v)
                ),
            );
            return None;
        };
        let key = match layer.get("key") {
            Some(Value::String(k)) => Some(k.clone()),
            Some(v) => {
                self.problem("layer.key", format!("expected a string, found {}", kind(v)));
                None
            }
            None => {
                self.problem("layer.key", "missing field, expected a string");
                None
            }
        };
        let mut bound = |name: &str| match layer.get(name) {
            Some(v) => self.basis_points_value(&format!("layer.{name}"), v),
            None => {
                self.problem(
                    &format!("layer.{name}"),
                    "missing field, expected an integer in 0..=10000",
                );
                None
            }
        };
        let (from, to) = (bound("from"), bound("to"));
        let (key, from, to) = (key?, from?, to?);
        if from >= to {
            self.problem(
                "layer",
                format!("empty range [{from}, {to}), expected from < to"),
            );
            return None;
        }
        Some(Some(Layer { key, from, to }))
    }

    /// `Some(None)`: no targeting; `None`: invalid.
    fn domains(&mut self, obj: &Map<String, Value>) -> Option<Option<Vec<String>>> {
        let targeting = match obj.get("targeting") {
            None | Some(Value::Null) => return Some(None),
            Some(Value::Object(t)) => t,
            Some(v) => {
                self.problem(
                    "targeting",
                    format!("expected an object or null, found {}", kind(v)),
                );
                return None;
            }
        };
        match targeting.get("domains") {
            None | Some(Value::Null) => Some(None),
            Some(_) => {
                let saved = std::mem::take(&mut self.path);
                self.path = if saved.is_empty() {
                    "targeting".into()
                } else {
                    format!("{saved}.targeting")
                };
                let list = self.string_list(targeting, "domains");
                self.path = saved;
                list.map(Some)
            }
        }
    }

    fn values(&mut self, obj: &Map<String, Value>) -> Option<Vec<String>> {
        let values = self.string_list(obj, "values")?;
        let mut ok = !values.is_empty();
        if values.is_empty() {
            self.problem("values", "empty, expected at least one value");
        }
        for (i, value) in values.iter().enumerate() {
            if !is_key(value) {
                self.problem(
                    &format!("values[{i}]"),
                    format!(
                        "\"{value}\" is not a valid value, expected [a-z0-9][a-z0-9_-]{{0,63}}"
                    ),
                );
                ok = false;
            } else if values[..i].contains(value) {
                self.problem(
                    &format!("values[{i}]"),
                    format!("duplicate value \"{value}\""),
                );
                ok = false;
            }
        }
        ok.then_some(values)
    }

    fn rules(&mut self, obj: &Map<String, Value>, values: Option<&[String]>) -> Option<Vec<Rule>> {
        let v = self.field(obj, "rules", "an array of rules")?;
        let Value::Array(items) = v else {
            self.problem(
                "rules",
                format!("expected an array of rules, found {}", kind(v)),
            );
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let saved = std::mem::take(&mut self.path);
            self.path = format!("{saved}.rules[{i}]");
            let rule = match item.as_object() {
                Some(rule) => {
                    let domains = self.string_list(rule, "domains");
                    let value = self.string(rule, "value");
                    if let (Some(value), Some(values)) = (&value, values)
                        && !values.contains(value)
                    {
                        self.problem(
                            "value",
                            format!("\"{value}\" is not among values [{}]", values.join(", ")),
                        );
                    }
                    domains
                        .zip(value)
                        .map(|(domains, value)| Rule { domains, value })
                }
                None => {
                    self.report.push(
                        self.severity,
                        self.path.clone(),
                        format!("expected a rule object, found {}", kind(item)),
                    );
                    None
                }
            };
            self.path = saved;
            out.extend(rule);
        }
        (out.len() == items.len()).then_some(out)
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_u64() || n.is_i64() => "an integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A value as it appears in JSON, shortened for messages.
fn show(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s
    }
}
