//! The GrowthBook input stage (SPEC §6): `config/growthbook.json` (an SDK payload) and
//! `edge.json`'s `growthbook.features` → `kraken/src/generated/growthbook.rs`.
//!
//! [`json`] reads JSON as JavaScript does, [`payload`] checks the listed features and their
//! prerequisites against what npm `@growthbook/growthbook` 1.8.0 does with each field,
//! [`condition`] compiles conditions, [`emit`] writes the tables. The SDK's arithmetic and
//! operators are the runtime's own files, included here by path, so build-time folding and
//! request-time evaluation cannot disagree.

pub mod condition;
pub mod decrypt;
pub mod emit;
pub mod json;
pub mod pattern;
pub mod payload;

#[path = "../../../kraken/src/growthbook/js.rs"]
pub mod js;
#[path = "../../../kraken/src/growthbook/ops.rs"]
pub mod ops;
#[path = "../../../kraken/src/growthbook/regex.rs"]
pub mod regex;
#[path = "../../../kraken/src/growthbook/value.rs"]
pub mod value;

use crate::diagnostic::{Diagnostic, Severity};
use json::Json;
use value::Value;

/// The payload file, by name inside the config directory.
pub const GROWTHBOOK: &str = "growthbook.json";
/// The environment variable holding the payload's decryption key.
pub const KEY_VARIABLE: &str = "KRAKEN_GROWTHBOOK_KEY";
/// Where the output goes, relative to the repository root.
pub const OUTPUT: &str = "kraken/src/generated/growthbook.rs";
/// The attributes a request has (SPEC §6); a rule naming another sees it absent.
pub const EDGE_ATTRIBUTES: &[&str] = &[
    "id",
    "host",
    "path",
    "query",
    "url",
    "pageType",
    "country",
    "deviceType",
];

/// A payload literal as a runtime value. Codegen is a short-lived process: the few payload
/// values it evaluates are leaked rather than threaded through lifetimes.
pub fn leak(j: &Json) -> Value<'static> {
    match j {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Num(n) => Value::Num(*n),
        Json::Str(s) => Value::Str(Box::leak(s.clone().into_boxed_str())),
        Json::Arr(items) => Value::Arr(Box::leak(items.iter().map(leak).collect::<Box<[_]>>())),
        Json::Obj(entries) => Value::Obj(Box::leak(
            entries
                .iter()
                .map(|(k, v)| (&*Box::leak(k.clone().into_boxed_str()), leak(v)))
                .collect::<Box<[_]>>(),
        )),
    }
}

/// What the GrowthBook stage reads.
#[derive(Debug, Clone)]
pub struct Input<'a> {
    /// `config/growthbook.json` as shown and its text; `None` when the file is absent.
    pub payload: Option<(&'a str, &'a str)>,
    /// `config/edge.json` as shown and its text.
    pub edge: (&'a str, &'a str),
    /// The edge's page types, sorted.
    pub page_types: &'a [String],
    /// Section 1's edge flag keys and experiment keys (items must not collide).
    pub flag_keys: &'a [String],
    pub experiment_keys: &'a [String],
    /// `KRAKEN_GROWTHBOOK_KEY`.
    pub key: Option<&'a str>,
    /// Whether requests carry exactly SPEC §6's attributes (the edge), so others fold to
    /// absent and `pageType` to each page type; off for GrowthBook's corpus.
    pub edge_attributes: bool,
}

/// The generated source and what was noticed.
#[derive(Debug)]
pub struct Compiled {
    pub source: String,
    /// Every key item a request can get ([`emit::key_items`]); empty without a payload.
    pub items: Vec<String>,
    pub warnings: Vec<Diagnostic>,
    pub summary: Option<String>,
}

fn error(file: &str, path: impl Into<String>, message: impl Into<String>) -> Diagnostic {
    Diagnostic {
        severity: Severity::Error,
        file: file.into(),
        path: path.into(),
        message: message.into(),
    }
}

/// The listed features of `edge.json` (`growthbook.features`).
fn listed(edge: (&str, &str)) -> Result<Option<Vec<String>>, Vec<Diagnostic>> {
    let root = json::parse(edge.1).map_err(|e| vec![error(edge.0, "", e)])?;
    let Some(gb) = root.get("growthbook") else {
        return Ok(None);
    };
    let Some(features) = gb.get("features") else {
        return Err(vec![error(
            edge.0,
            "growthbook",
            "expected {\"features\": [\"key\", ...]}",
        )]);
    };
    let Json::Arr(items) = features else {
        return Err(vec![error(
            edge.0,
            "growthbook.features",
            format!(
                "expected an array of feature keys, found {}",
                features.kind()
            ),
        )]);
    };
    let mut keys = Vec::new();
    let mut errors = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match item {
            Json::Str(s) => keys.push(s.clone()),
            other => errors.push(error(
                edge.0,
                format!("growthbook.features[{i}]"),
                format!("expected a feature key (a string), found {}", other.kind()),
            )),
        }
    }
    if errors.is_empty() {
        Ok(Some(keys))
    } else {
        Err(errors)
    }
}

/// Compiles the payload, or the disabled table when there is none.
pub fn compile(input: &Input<'_>) -> Result<Compiled, Vec<Diagnostic>> {
    let listed_keys = listed(input.edge)?;
    let Some((file, text)) = input.payload else {
        // SPEC §6: without the payload nothing of it applies; the list is only worth a warning.
        let mut warnings = Vec::new();
        if listed_keys.as_ref().is_some_and(|k| !k.is_empty()) {
            let mut w = error(
                input.edge.0,
                "growthbook.features",
                format!("features are listed but there is no {GROWTHBOOK}: they are ignored"),
            );
            w.severity = Severity::Warning;
            warnings.push(w);
        }
        return Ok(Compiled {
            source: emit::disabled(),
            items: Vec::new(),
            warnings,
            summary: None,
        });
    };
    let mut root = json::parse(text).map_err(|e| vec![error(file, "", e)])?;
    if !matches!(root, Json::Obj(_)) {
        return Err(vec![error(
            file,
            "",
            format!("expected an SDK payload object, found {}", root.kind()),
        )]);
    }
    decrypt::decrypt_payload(&mut root, input.key, file)?;
    let listed_keys = listed_keys.unwrap_or_default();
    let mut errors = Vec::new();
    let features: std::collections::HashSet<&str> = match root.get("features") {
        Some(Json::Obj(entries)) => entries.iter().map(|(k, _)| k.as_str()).collect(),
        _ => Default::default(),
    };
    for (i, key) in listed_keys.iter().enumerate() {
        if !features.contains(key.as_str()) {
            errors.push(error(
                input.edge.0,
                format!("growthbook.features[{i}]"),
                format!("feature \"{key}\" is not in {file}"),
            ));
        }
        if input.flag_keys.contains(key) {
            errors.push(error(input.edge.0, format!("growthbook.features[{i}]"), format!("\"{key}\" is also an edge flag of site-features.json: their items would collide")));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let payload = payload::read(&root, &listed_keys).map_err(|e| {
        e.into_iter()
            .map(|(p, m)| error(file, p, m))
            .collect::<Vec<_>>()
    })?;
    for f in &payload.features {
        for rule in &f.rules {
            let keys: Vec<&str> = match &rule.kind {
                payload::Kind::Experiment(e) => vec![e.key.as_str()],
                payload::Kind::Force { tracks, .. } => {
                    tracks.iter().map(|t| t.experiment.as_str()).collect()
                }
                payload::Kind::Skip => Vec::new(),
            };
            for k in keys {
                if input.experiment_keys.iter().any(|e| e == k) {
                    errors.push(error(
                        file,
                        payload::feature_path(&f.key),
                        format!("tracking key \"{k}\" is also an experiment of experiments.json"),
                    ));
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut warnings = Vec::new();
    if input.edge_attributes {
        for a in &payload.attributes {
            if !EDGE_ATTRIBUTES.contains(&a.as_str()) {
                warnings.push(Diagnostic {
                    severity: Severity::Warning,
                    file: file.into(),
                    path: String::new(),
                    message: format!("rules read attribute \"{a}\", which the edge does not have: it is always absent (SPEC §6)"),
                });
            }
        }
    }
    let source = emit::emit(&payload, input).map_err(|m| vec![error(file, "", m)])?;
    let summary = format!(
        "growthbook: {} listed features, {} with prerequisites",
        payload.listed.len(),
        payload.features.len()
    );
    Ok(Compiled {
        source,
        items: emit::key_items(&payload),
        warnings,
        summary: Some(summary),
    })
}
