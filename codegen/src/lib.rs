//! `codegen`: compiles the experimentation platform's JSON (`config/`) into the static Rust
//! tables Kraken serves from (`kraken/src/generated/`).
//!
//! Stages, each taking data and returning data: [`input`] (each file's JSON → typed entries by
//! that file's rules, SPEC §1), [`prune`] (which entries the edge uses, SPEC §2, so which
//! problems are errors; then what a request needs), [`budget`] (cache variants per page type and
//! host) and [`forecast`] (the hit ratio they cost), [`emit`] (→ Rust source) and [`emit_ts`] (→ the npm package's TypeScript types). I/O
//! lives at the two ends: [`sources`] reads the input files, [`output`] writes the generated
//! ones, `main` is the command line.

pub mod budget;
pub mod canonical;
pub mod diagnostic;
pub mod emit;
pub mod emit_ts;
pub mod forecast;
pub mod growthbook;
pub mod input;
pub mod output;
pub mod prune;
pub mod report;
pub mod sources;

pub use sources::{
    EDGE, EXPERIMENTS, MAX_FILE_BYTES, OUTPUT, OUTPUT_TS, SITE_FEATURES, Sources, find_root,
};

use diagnostic::{Diagnostic, Severity};
use input::{edge, platform};

/// A config that compiled: the Rust source, the pruned model and what was noticed on the way.
#[derive(Debug)]
pub struct Compiled {
    pub edge: prune::Edge,
    pub source: String,
    /// The TypeScript declarations of the same config ([`emit_ts`]).
    pub typescript: String,
    /// Digest of the pruned config (and of the GrowthBook tables, when there is a payload), as in
    /// the source's header and `DIGEST`.
    pub digest: String,
    /// `kraken/src/generated/growthbook.rs` (SPEC §6; a disabled table without a payload).
    pub growthbook: String,
    /// What the GrowthBook stage compiled, for the summary line (`None` without a payload).
    pub growthbook_summary: Option<String>,
    pub warnings: Vec<Diagnostic>,
    pub counts: Counts,
    /// Worst-case distinct keys per page type and host case.
    pub budget: Vec<budget::Row>,
    /// The traffic the forecast is shown for: the floor's, else `forecast::DEFAULT_VISITORS`.
    pub forecast_visitors: u64,
}

/// How much of the config the edge kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub experiments: usize,
    pub relevant_experiments: usize,
    pub flags: usize,
    pub edge_flags: usize,
    /// Named host cases (the catch-all comes on top).
    pub host_cases: usize,
    pub page_types: usize,
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} experiments -> {} relevant; {} flags -> {} edge; {} host cases + catch-all; {} page types",
            self.experiments,
            self.relevant_experiments,
            self.flags,
            self.edge_flags,
            self.host_cases,
            self.page_types,
        )
    }
}

/// Reads, decides relevance, prunes and emits. Every error is collected before failing.
pub fn compile(sources: &Sources) -> Result<Compiled, Vec<Diagnostic>> {
    // Input stages: each file by its own rules.
    let (settings, edge_problems) = edge::settings(&sources.edge.1);
    let experiments = platform::experiments(&sources.experiments.1);
    let flags = platform::flags(&sources.site_features.1);
    let experiments_total = experiments.entries.len();
    let flags_total = flags.entries.len();

    // Relevance: which entries the edge uses, so which problems are errors.
    let mut diagnostics: Vec<Diagnostic> = edge_problems
        .into_iter()
        .map(|p| prune::diagnostic(&sources.edge.0, p, true))
        .collect();
    let experiments = match &settings {
        Some(s) => prune::relevant(
            experiments,
            &sources.experiments.0,
            |f| prune::experiment_used(f, s),
            &mut diagnostics,
        ),
        // Without the edge's page types no experiment's relevance is known: the file's own
        // problems only.
        None => {
            diagnostics.extend(
                experiments
                    .problems
                    .into_iter()
                    .map(|p| prune::diagnostic(&sources.experiments.0, p, true)),
            );
            Vec::new()
        }
    };
    let flags = prune::relevant(
        flags,
        &sources.site_features.0,
        prune::flag_used,
        &mut diagnostics,
    );
    let Some(settings) = settings else {
        diagnostics.sort_by_key(|d| d.severity);
        return Err(diagnostics);
    };

    let (edge, notes) = prune::prune(&settings, &experiments, &flags);
    for (path, message) in notes {
        diagnostics.push(Diagnostic {
            severity: Severity::Warning,
            file: sources.experiments.0.clone(),
            path,
            message,
        });
    }
    // edge.json's limits: a config past one is refused, or only warned about in warn mode.
    let mut limit = |path: &str, warn_only: bool, messages: Vec<String>| {
        let severity = if warn_only {
            Severity::Warning
        } else {
            Severity::Error
        };
        diagnostics.extend(messages.into_iter().map(|message| Diagnostic {
            severity,
            file: sources.edge.0.clone(),
            path: path.into(),
            message,
        }));
    };
    // The cache-variant budget.
    let budget = budget::rows(&edge);
    if let Some(max) = settings.max_variants {
        let over = budget::over_budget(&budget, max);
        limit("max_variants", settings.max_variants_warn_only, over);
    }
    // The forecast floor: a page type less cacheable than it.
    if let Some(floor) = &settings.min_hit_ratio {
        limit(
            "min_hit_ratio",
            floor.warn_only,
            forecast::below_floor(&edge, floor),
        );
    }
    // The GrowthBook stage (SPEC §6), beside the platform's: its items share the key.
    let flag_keys: Vec<String> = edge.flags.iter().map(|f| f.key.clone()).collect();
    let experiment_keys: Vec<String> = edge.experiments.iter().map(|e| e.key.clone()).collect();
    let gb_input = growthbook::Input {
        payload: sources
            .growthbook
            .as_ref()
            .map(|(shown, text)| (shown.as_str(), text.as_str())),
        edge: (&sources.edge.0, &sources.edge.1),
        page_types: &settings.page_types,
        flag_keys: &flag_keys,
        experiment_keys: &experiment_keys,
        key: sources.growthbook_key.as_deref(),
        edge_attributes: true,
    };
    let gb = match growthbook::compile(&gb_input) {
        Ok(mut gb) => {
            diagnostics.append(&mut gb.warnings);
            Some(gb)
        }
        Err(mut errors) => {
            diagnostics.append(&mut errors);
            None
        }
    };
    if diagnostics.iter().any(|d| d.severity == Severity::Error) {
        diagnostics.sort_by_key(|d| d.severity);
        return Err(diagnostics);
    }
    let gb = gb.expect("no error, so compiled");
    let counts = Counts {
        experiments: experiments_total,
        relevant_experiments: edge.experiments.len(),
        flags: flags_total,
        edge_flags: edge.flags.len(),
        host_cases: edge.hosts.len(),
        page_types: edge.page_types.len(),
    };
    // The digest names everything that decides a key (`Kraken-Config`, the origin's
    // `configDigest`): with a GrowthBook payload its compiled tables too, since their items share
    // the key (SPEC §6). Without one it is the pruned platform config's alone, as before.
    let digest = match &gb.summary {
        None => emit::digest(&edge),
        Some(_) => format!(
            "{:032x}",
            xxhash_rust::xxh3::xxh3_128(
                format!("{}\n{}", emit::digest(&edge), gb.source).as_bytes()
            )
        ),
    };
    let source = emit::emit(&edge, &digest);
    let typescript = emit_ts::emit(&edge, &digest, &gb.items);
    Ok(Compiled {
        growthbook: gb.source,
        growthbook_summary: gb.summary,
        digest,
        edge,
        source,
        typescript,
        warnings: diagnostics,
        counts,
        budget,
        forecast_visitors: settings
            .min_hit_ratio
            .as_ref()
            .map_or(forecast::DEFAULT_VISITORS, |f| f.visitors),
    })
}
