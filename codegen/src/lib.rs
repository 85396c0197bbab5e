//! `codegen`: compiles the experimentation platform's JSON (`config/`) into the static Rust
//! tables Kraken serves from (`kraken/src/generated/`).
//!
//! One module per stage, each taking data and returning data: [`validate`] (JSON → typed config,
//! SPEC §1–2), [`prune`] (→ what a request needs), [`emit`] (→ Rust source). Only `main` and
//! [`output`] touch the file system.

pub mod budget;
pub mod diagnostic;
pub mod emit;
pub mod output;
pub mod prune;
pub mod validate;

use diagnostic::{Diagnostic, Report, Severity};
use std::path::Path;

/// The three input files, by name inside the config directory.
pub const EXPERIMENTS: &str = "experiments.json";
pub const SITE_FEATURES: &str = "site-features.json";
pub const EDGE: &str = "edge.json";
/// Largest input file read (the seed's experiments.json is ~250 KB).
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// Where the output goes, relative to the repository root.
pub const OUTPUT: &str = "kraken/src/generated/config.rs";

/// The input texts, each with the name it is shown under in messages.
#[derive(Debug, Clone)]
pub struct Sources {
    pub experiments: (String, String),
    pub site_features: (String, String),
    pub edge: (String, String),
}

impl Sources {
    /// Reads the three files of `dir`, shown under `shown` (e.g. `config`). A file that cannot be
    /// read is reported like any other problem.
    pub fn read(dir: &Path, shown: &str) -> Result<Self, Vec<Diagnostic>> {
        let mut errors = Vec::new();
        let mut read = |name: &str| {
            let shown = format!("{shown}/{name}");
            let path = dir.join(name);
            let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            if size > MAX_FILE_BYTES {
                let message = format!("{size} bytes, more than the {MAX_FILE_BYTES} codegen reads");
                errors.push(Diagnostic {
                    severity: Severity::Error,
                    file: shown.clone(),
                    path: String::new(),
                    message,
                });
                return (shown, String::new());
            }
            match std::fs::read_to_string(&path) {
                Ok(text) => (shown, text),
                Err(e) => {
                    errors.push(Diagnostic {
                        severity: Severity::Error,
                        file: shown.clone(),
                        path: String::new(),
                        message: format!("cannot read: {e}"),
                    });
                    (shown, String::new())
                }
            }
        };
        let sources = Self {
            experiments: read(EXPERIMENTS),
            site_features: read(SITE_FEATURES),
            edge: read(EDGE),
        };
        if errors.is_empty() {
            Ok(sources)
        } else {
            Err(errors)
        }
    }

    /// In-memory sources shown under `config/` (tests, benches, fuzzing).
    pub fn from_texts(experiments: &str, site_features: &str, edge: &str) -> Self {
        Self {
            experiments: (format!("config/{EXPERIMENTS}"), experiments.to_owned()),
            site_features: (format!("config/{SITE_FEATURES}"), site_features.to_owned()),
            edge: (format!("config/{EDGE}"), edge.to_owned()),
        }
    }
}

/// A config that compiled: the Rust source, the pruned model and what was noticed on the way.
#[derive(Debug)]
pub struct Compiled {
    pub edge: prune::Edge,
    pub source: String,
    pub warnings: Vec<Diagnostic>,
    pub summary: String,
    /// Worst-case distinct keys per page type and host case.
    pub budget: Vec<budget::Row>,
}

/// Validates, prunes and emits. Every error is collected before failing.
pub fn compile(sources: &Sources) -> Result<Compiled, Vec<Diagnostic>> {
    let mut diagnostics = Vec::new();
    let mut edge_report = Report::new(&sources.edge.0);
    let settings = validate::parse_json(&sources.edge.1, &mut edge_report)
        .and_then(|v| validate::edge_settings(&v, &mut edge_report));
    diagnostics.append(&mut edge_report.diagnostics);

    let mut exp_report = Report::new(&sources.experiments.0);
    let experiments_json = validate::parse_json(&sources.experiments.1, &mut exp_report);
    let mut flag_report = Report::new(&sources.site_features.0);
    let flags = validate::parse_json(&sources.site_features.1, &mut flag_report)
        .map(|v| validate::flags(&v, &mut flag_report))
        .unwrap_or_default();

    let (Some(settings), Some(experiments_json)) = (settings, experiments_json) else {
        diagnostics.append(&mut exp_report.diagnostics);
        diagnostics.append(&mut flag_report.diagnostics);
        return Err(diagnostics);
    };
    let mut validated = validate::experiments(&experiments_json, &settings, &mut exp_report);
    validated.flags = flags.flags;
    validated.flags_total = flags.flags_total;
    diagnostics.append(&mut exp_report.diagnostics);
    diagnostics.append(&mut flag_report.diagnostics);

    let (edge, notes) = prune::prune(&settings, &validated);
    for (path, message) in notes {
        diagnostics.push(Diagnostic {
            severity: Severity::Warning,
            file: sources.experiments.0.clone(),
            path,
            message,
        });
    }
    // The cache-variant budget: over it, the config is refused unless the budget only warns.
    let budget = budget::rows(&edge);
    if let Some(max) = settings.max_variants {
        let severity = if settings.max_variants_warn_only {
            Severity::Warning
        } else {
            Severity::Error
        };
        for message in budget::over_budget(&budget, max) {
            diagnostics.push(Diagnostic {
                severity,
                file: sources.edge.0.clone(),
                path: "max_variants".into(),
                message,
            });
        }
    }
    if diagnostics.iter().any(|d| d.severity == Severity::Error) {
        diagnostics.sort_by_key(|d| d.severity);
        return Err(diagnostics);
    }
    let summary = format!(
        "{} experiments -> {} relevant; {} flags -> {} edge; {} host cases + catch-all; {} page types",
        validated.experiments_total,
        edge.experiments.len(),
        validated.flags_total,
        edge.flags.len(),
        edge.hosts.len(),
        edge.page_types.len(),
    );
    let source = emit::emit(&edge);
    Ok(Compiled {
        edge,
        source,
        warnings: diagnostics,
        summary,
        budget,
    })
}
