//! The `--json` report: what one run did, for scripts (`scripts/fetch-config`) to read instead of
//! the human summary. One JSON object on stdout; the human diagnostics still go to stderr.

use crate::diagnostic::{Diagnostic, Severity};
use crate::{Compiled, Counts};
use serde_json::{Value, json};

/// A run's report. `status` is one of `written`, `unchanged`, `up to date` (the output matches),
/// `stale`, `missing` (check mode: the output does not match), `refused` (the config is invalid,
/// nothing was written) or `failed` (the output could not be written).
pub fn report(
    status: &str,
    output: &str,
    compiled: Result<&Compiled, &[Diagnostic]>,
    message: Option<&str>,
) -> Value {
    let (digest, counts, diagnostics) = match compiled {
        Ok(c) => (
            Some(c.digest.as_str()),
            Some(counts(&c.counts)),
            &c.warnings[..],
        ),
        Err(d) => (None, None, d),
    };
    let of = |severity| -> Vec<Value> {
        diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .map(|d| json!({"file": d.file, "path": d.path, "message": d.message}))
            .collect()
    };
    json!({
        "status": status,
        "output": output,
        "digest": digest,
        "counts": counts,
        "summary": compiled.ok().map(|c| c.counts.to_string()),
        "message": message,
        "errors": of(Severity::Error),
        "warnings": of(Severity::Warning),
    })
}

fn counts(c: &Counts) -> Value {
    json!({
        "experiments": c.experiments,
        "relevant_experiments": c.relevant_experiments,
        "flags": c.flags,
        "edge_flags": c.edge_flags,
        "host_cases": c.host_cases,
        "page_types": c.page_types,
    })
}
