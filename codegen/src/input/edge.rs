//! `config/edge.json`, committed by hand: what this edge serves (SPEC §1), and the project's
//! optional cache-variant budget and hit-ratio floor (`crate::forecast`). The edge always uses this file, so its problems are errors,
//! except what it ignores (repeated page types, unknown fields).

use super::json::{self, Problem, Scope, kind, show};
use serde_json::Value;
use std::collections::BTreeSet;

/// The fields codegen reads; any other is warned about and ignored.
pub const FIELDS: &[&str] = &[
    "page_types",
    "max_variants",
    "max_variants_mode",
    "min_hit_ratio",
    "min_hit_ratio_mode",
    // SPEC §6: the GrowthBook features at the edge, read by the `growthbook` stage.
    "growthbook",
];

/// `config/edge.json`: what this edge serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdgeSettings {
    /// Sorted, each once.
    pub page_types: Vec<String>,
    /// Optional cache-variant budget per page type and host case (hardening).
    pub max_variants: Option<u64>,
    /// When true, a config over budget is a warning instead of an error.
    pub max_variants_warn_only: bool,
    /// Optional floor on the forecast hit ratio (`crate::forecast`).
    pub min_hit_ratio: Option<Floor>,
}

/// `"min_hit_ratio": {"visitors": N, "ratio": R}`: the least hit ratio a page type and host case
/// may be forecast at, for `visitors` new visitors.
#[derive(Debug, Clone, PartialEq)]
pub struct Floor {
    pub visitors: u64,
    pub ratio: f64,
    /// `"min_hit_ratio_mode": "warn"`: report a row below the floor instead of refusing.
    pub warn_only: bool,
}

/// `ratio` comes from JSON and lies in `[0, 1)`: never NaN, so equality is total.
impl Eq for Floor {}

/// The settings, when the file is valid, and every problem found.
pub fn settings(text: &str) -> (Option<EdgeSettings>, Vec<Problem>) {
    let mut problems = Vec::new();
    let settings = json::parse(text, &mut problems)
        .and_then(|root| read(&root, &mut Scope::root(&mut problems)));
    (settings, problems)
}

fn read(root: &Value, scope: &mut Scope<'_>) -> Option<EdgeSettings> {
    let Some(obj) = root.as_object() else {
        scope.problem(format!(
            "expected an object with \"page_types\", found {}",
            kind(root)
        ));
        return None;
    };
    let listed = scope.string_list(obj, "page_types")?;
    let mut page_types = BTreeSet::new();
    for (i, p) in listed.iter().enumerate() {
        if !page_types.insert(p.clone()) {
            scope
                .child("page_types")
                .index(i)
                .ignored(format!("duplicate page type \"{p}\" is ignored"));
        }
    }
    let max_variants = match obj.get("max_variants") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_u64() {
            Some(n) if n >= 1 => Some(n),
            _ => {
                scope
                    .child("max_variants")
                    .problem(format!("expected a positive integer, found {}", kind(v)));
                return None;
            }
        },
    };
    let warn_only = match obj.get("max_variants_mode") {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) if s == "error" => false,
        Some(Value::String(s)) if s == "warn" => true,
        Some(v) => {
            scope
                .child("max_variants_mode")
                .problem(format!("expected \"error\" or \"warn\", found {}", show(v)));
            return None;
        }
    };
    let min_hit_ratio = floor(obj, scope)?;
    for field in obj.keys() {
        if !FIELDS.contains(&field.as_str()) {
            scope.child(field).ignored("unknown field is ignored");
        }
    }
    Some(EdgeSettings {
        page_types: page_types.into_iter().collect(),
        max_variants,
        max_variants_warn_only: warn_only,
        min_hit_ratio,
    })
}

/// `min_hit_ratio` and `min_hit_ratio_mode`: `Some(None)` when there is no floor, `None` when
/// they are invalid (every problem reported).
fn floor(obj: &serde_json::Map<String, Value>, scope: &mut Scope<'_>) -> Option<Option<Floor>> {
    let warn_only = match obj.get("min_hit_ratio_mode") {
        None | Some(Value::Null) => Some(false),
        Some(Value::String(s)) if s == "error" => Some(false),
        Some(Value::String(s)) if s == "warn" => Some(true),
        Some(v) => {
            scope
                .child("min_hit_ratio_mode")
                .problem(format!("expected \"error\" or \"warn\", found {}", show(v)));
            None
        }
    };
    let floor = match obj.get("min_hit_ratio") {
        None | Some(Value::Null) => return warn_only.map(|_| None),
        Some(Value::Object(floor)) => floor,
        Some(v) => {
            scope.child("min_hit_ratio").problem(format!(
                "expected an object {{\"visitors\": N, \"ratio\": R}}, found {}",
                show(v)
            ));
            return None;
        }
    };
    let mut scope = scope.child("min_hit_ratio");
    let found = |v: Option<&Value>| v.map_or("nothing".to_owned(), show);
    let max = crate::forecast::MAX_VISITORS;
    let visitors = floor
        .get("visitors")
        .and_then(Value::as_u64)
        .filter(|n| (1..=max).contains(n));
    if visitors.is_none() {
        scope.child("visitors").problem(format!(
            "expected an integer from 1 to {max}, found {}",
            found(floor.get("visitors"))
        ));
    }
    let ratio = floor
        .get("ratio")
        .and_then(Value::as_f64)
        .filter(|r| (0.0..1.0).contains(r));
    if ratio.is_none() {
        scope.child("ratio").problem(format!(
            "expected a number from 0 up to (not including) 1, found {}",
            found(floor.get("ratio"))
        ));
    }
    for field in floor.keys().filter(|f| *f != "visitors" && *f != "ratio") {
        scope.child(field).ignored("unknown field is ignored");
    }
    Some(Some(Floor {
        visitors: visitors?,
        ratio: ratio?,
        warn_only: warn_only?,
    }))
}
