//! `config/edge.json`, committed by hand: what this edge serves (SPEC §1), and the project's
//! optional cache-variant budget. The edge always uses this file, so its problems are errors,
//! except what it ignores (repeated page types, unknown fields).

use super::json::{self, Problem, Scope, kind, show};
use serde_json::Value;
use std::collections::BTreeSet;

/// The fields codegen reads; any other is warned about and ignored.
pub const FIELDS: &[&str] = &["page_types", "max_variants", "max_variants_mode"];

/// `config/edge.json`: what this edge serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdgeSettings {
    /// Sorted, each once.
    pub page_types: Vec<String>,
    /// Optional cache-variant budget per page type and host case (hardening).
    pub max_variants: Option<u64>,
    /// When true, a config over budget is a warning instead of an error.
    pub max_variants_warn_only: bool,
}

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
    for field in obj.keys() {
        if !FIELDS.contains(&field.as_str()) {
            scope.child(field).ignored("unknown field is ignored");
        }
    }
    Some(EdgeSettings {
        page_types: page_types.into_iter().collect(),
        max_variants,
        max_variants_warn_only: warn_only,
    })
}
