//! The middle stage of the story: the platform JSON pruned to what the edge uses (relevant
//! experiments, edge flags, the fields assignment reads), still JSON, still parsed per request.
//!
//! Std and `serde_json` only: `build.rs` includes this file too, to embed the pruned sample
//! config in the `kraken-json-pruned` wasm.

use serde_json::{Map, Value, json};

/// The strings of a JSON array (anything else in it, or a non-array, is skipped).
pub fn strings(v: Option<&Value>) -> impl Iterator<Item = &str> + Clone {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

/// SPEC §2: running, on the web, on one of the edge's page types, with traffic.
pub fn relevant(e: &Map<String, Value>, edge_page_types: &[String]) -> bool {
    e.get("status").and_then(Value::as_str) == Some("running")
        && strings(e.get("platforms")).any(|p| p == "web")
        && strings(e.get("page_types")).any(|p| edge_page_types.iter().any(|t| t == p))
        && e.get("traffic")
            .and_then(Value::as_u64)
            .is_some_and(|t| t > 0)
}

/// `(experiments.json, site-features.json)` pruned, as compact JSON text; `edge.json` stays.
pub fn prune_json(
    experiments: &str,
    site_features: &str,
    edge: &str,
) -> Result<(String, String), String> {
    let parse = |text: &str, file: &str| -> Result<Value, String> {
        serde_json::from_str(text).map_err(|e| format!("{file}: invalid JSON: {e}"))
    };
    let (experiments, flags, edge) = (
        parse(experiments, "experiments.json")?,
        parse(site_features, "site-features.json")?,
        parse(edge, "edge.json")?,
    );
    let page_types: Vec<String> = strings(edge.get("page_types")).map(str::to_owned).collect();
    let keep = |obj: &Map<String, Value>, fields: &[&str]| -> Map<String, Value> {
        obj.iter()
            .filter(|(k, _)| fields.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    let experiments: Vec<Value> = experiments
        .get("experiments")
        .and_then(Value::as_array)
        .ok_or("experiments.json: \"experiments\" is not an array")?
        .iter()
        .filter_map(Value::as_object)
        .filter(|e| relevant(e, &page_types))
        .map(|e| {
            const FIELDS: &[&str] = &[
                "key",
                "status",
                "seed",
                "traffic",
                "variations",
                "layer",
                "targeting",
            ];
            let pages: Vec<&str> = strings(e.get("page_types"))
                .filter(|p| page_types.iter().any(|t| t == p))
                .collect();
            let mut e = keep(e, FIELDS);
            e.insert("page_types".into(), json!(pages));
            e.insert("platforms".into(), json!(["web"]));
            Value::Object(e)
        })
        .collect();
    let flags: Vec<Value> = flags
        .get("flags")
        .and_then(Value::as_array)
        .ok_or("site-features.json: \"flags\" is not an array")?
        .iter()
        .filter_map(Value::as_object)
        .filter(|f| f.get("edge") == Some(&Value::Bool(true)))
        .map(|f| Value::Object(keep(f, &["key", "values", "default", "rules", "edge"])))
        .collect();
    Ok((
        json!({ "experiments": experiments }).to_string(),
        json!({ "flags": flags }).to_string(),
    ))
}
