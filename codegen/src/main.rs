//! `cargo codegen generate|check|budget [--config DIR] [--out FILE]`: the command line.

use codegen::output::{Mode, Outcome, ensure_file_contents};
use codegen::{OUTPUT, Sources, budget, compile};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage: codegen <generate|check|budget> [--config DIR] [--out FILE]

  generate   validate config/, prune it and write kraken/src/generated/config.rs
  check      validate and fail when the committed generated code is stale
  budget     validate and print the cache-variant table, every page type and host case
  --config   the directory holding experiments.json, site-features.json, edge.json (default: config)
  --out      the generated file (default: kraken/src/generated/config.rs)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mode, budget_only) = match args.first().map(String::as_str) {
        Some("generate") => (Mode::Write, false),
        Some("check") => (Mode::Check, false),
        Some("budget") => (Mode::Check, true),
        Some("-h" | "--help") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => return usage_error("expected a command"),
    };
    // Paths default to the repository root, wherever the command runs from.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let (mut config, mut shown_config) = (root.join("config"), "config".to_owned());
    let (mut out, mut shown_out) = (root.join(OUTPUT), OUTPUT.to_owned());
    let mut rest = args[1..].iter();
    while let Some(arg) = rest.next() {
        let Some(value) = rest.next() else {
            return usage_error(&format!("{arg} needs a value"));
        };
        match arg.as_str() {
            "--config" => {
                (config, shown_config) =
                    (PathBuf::from(value), value.trim_end_matches('/').to_owned())
            }
            "--out" => (out, shown_out) = (PathBuf::from(value), value.clone()),
            _ => return usage_error(&format!("unknown option {arg}")),
        }
    }

    let compiled = match Sources::read(&config, &shown_config).and_then(|s| compile(&s)) {
        Ok(c) => c,
        Err(diagnostics) => {
            let errors = diagnostics
                .iter()
                .filter(|d| d.severity == codegen::diagnostic::Severity::Error)
                .count();
            for d in &diagnostics {
                eprintln!("{d}");
            }
            eprintln!("error: {errors} problem(s) in {shown_config}/; nothing was written");
            return ExitCode::FAILURE;
        }
    };
    for w in &compiled.warnings {
        eprintln!("{w}");
    }
    if budget_only {
        print!("{}", budget::table(&compiled.budget, None));
        return ExitCode::SUCCESS;
    }
    // Rows of the cache-variant table: short configs in full, long ones condensed.
    eprint!("{}", budget::table(&compiled.budget, Some(12)));
    match ensure_file_contents(&out, &shown_out, &compiled.source, mode) {
        Ok(outcome) => {
            let what = match (mode, outcome) {
                (Mode::Check, _) => "up to date",
                (Mode::Write, Outcome::Unchanged) => "unchanged",
                (Mode::Write, Outcome::Written) => "written",
            };
            println!("{}; {shown_out} {what}", compiled.summary);
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("error: {message}\n\n{USAGE}");
    ExitCode::from(2)
}
