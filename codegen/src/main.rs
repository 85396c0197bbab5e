//! `cargo codegen generate|check|budget [--config DIR] [--out FILE] [--ts-out FILE] [--json]
//! [--visitors N]`: the command line.

use codegen::diagnostic::{Diagnostic, Severity};
use codegen::output::{Mode, Outcome, ensure_file_contents};
use codegen::{OUTPUT, OUTPUT_TS, Sources, budget, compile, find_root, forecast, report::report};
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str =
    "usage: codegen <generate|check|budget> [--config DIR] [--out FILE] [--ts-out FILE] [--json]
                      [--visitors N]

  generate   validate config/, prune it and write kraken/src/generated/config.rs and
             kraken/js/npm/config.d.ts
  check      validate and fail when the committed generated code is stale
  budget     validate and print the cache-variant table and the hit-ratio forecast, every page
             type and host case, with the experiments that cost the most
  --config   the directory holding experiments.json, site-features.json, edge.json
             (default: config/ of the checkout holding the current directory)
  --out      the generated file (default: kraken/src/generated/config.rs of that checkout)
  --ts-out   the TypeScript declarations (default: kraken/js/npm/config.d.ts of that checkout,
             but none when --out is given without --ts-out: a scratch build leaves it alone)
  --json     print a JSON report on stdout (status, digest, counts, errors, warnings)
  --visitors new visitors budget's forecast assumes (default: edge.json's min_hit_ratio
             visitors, else 10000)";

struct Args {
    mode: Mode,
    budget_only: bool,
    config: Option<(PathBuf, String)>,
    out: Option<(PathBuf, String)>,
    ts_out: Option<(PathBuf, String)>,
    json: bool,
    visitors: Option<u64>,
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1).collect()) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => return usage_error(&message),
    };
    // Defaults come from the checkout the command runs in, found now, not where it was built.
    let root = || {
        let cwd = std::env::current_dir().unwrap_or_default();
        find_root(&cwd).ok_or_else(|| {
            format!(
                "{} is not inside a Kraken checkout (no directory above it holds config/edge.json \
                 and codegen/): run codegen there, or give --config and --out",
                cwd.display()
            )
        })
    };
    let (config, shown_config) = match args.config {
        Some(c) => c,
        None => match root() {
            Ok(root) => (root.join("config"), "config".to_owned()),
            Err(message) => return usage_error(&message),
        },
    };
    let ts_out = match (args.ts_out, &args.out) {
        (Some(t), _) => Some(t),
        (None, Some(_)) => None,
        (None, None) => match root() {
            Ok(root) => Some((root.join(OUTPUT_TS), OUTPUT_TS.to_owned())),
            Err(message) => return usage_error(&message),
        },
    };
    let (out, shown_out) = match args.out {
        Some(o) => o,
        None => match root() {
            Ok(root) => (root.join(OUTPUT), OUTPUT.to_owned()),
            Err(message) => return usage_error(&message),
        },
    };
    let json = |status: &str, compiled, message: Option<&str>| {
        if args.json {
            println!("{:#}", report(status, &shown_out, compiled, message));
        }
    };

    let compiled = match Sources::read(&config, &shown_config).and_then(|s| compile(&s)) {
        Ok(c) => c,
        Err(diagnostics) => {
            let errors = count_errors(&diagnostics);
            for d in &diagnostics {
                eprintln!("{d}");
            }
            let message = format!("{errors} problem(s) in {shown_config}/; nothing was written");
            eprintln!("error: {message}");
            json("refused", Err(&diagnostics), Some(&message));
            return ExitCode::FAILURE;
        }
    };
    for w in &compiled.warnings {
        eprintln!("{w}");
    }
    if args.budget_only {
        print!("{}", budget::table(&compiled.budget, None));
        let visitors = args.visitors.unwrap_or(compiled.forecast_visitors);
        println!();
        print!(
            "{}",
            forecast::table(&forecast::rows(&compiled.edge, visitors, true))
        );
        return ExitCode::SUCCESS;
    }
    // Rows of the cache-variant table: short configs in full, long ones condensed.
    eprint!("{}", budget::table(&compiled.budget, Some(12)));
    let rows = forecast::rows(&compiled.edge, compiled.forecast_visitors, false);
    eprint!("{}", forecast::summary(&rows));
    let mut written = ensure_file_contents(&out, &shown_out, &compiled.source, args.mode);
    // The GrowthBook table sits beside the platform one (`--out`'s directory), written (or
    // checked) once that one is.
    if written.is_ok() {
        let gb_out = out.with_file_name("growthbook.rs");
        let gb_shown = std::path::Path::new(&shown_out)
            .with_file_name("growthbook.rs")
            .display()
            .to_string();
        if let Err(message) =
            ensure_file_contents(&gb_out, &gb_shown, &compiled.growthbook, args.mode)
        {
            written = Err(message);
        }
    }
    // The declarations follow the tables: written (or checked) only once they are.
    let typescript = match (&written, &ts_out) {
        (Ok(_), Some((path, shown))) => {
            match ensure_file_contents(path, shown, &compiled.typescript, args.mode) {
                Ok(outcome) => Some(format!(", {shown} {}", what(args.mode, outcome))),
                Err(message) => {
                    eprintln!("error: {message}");
                    let status = if args.mode == Mode::Write {
                        "failed"
                    } else {
                        "stale"
                    };
                    json(status, Ok(&compiled), Some(&message));
                    return ExitCode::FAILURE;
                }
            }
        }
        _ => None,
    };
    match written {
        Ok(outcome) => {
            let what = what(args.mode, outcome);
            if args.json {
                json(what, Ok(&compiled), None);
            } else {
                let typescript = typescript.unwrap_or_default();
                let growthbook = compiled
                    .growthbook_summary
                    .as_ref()
                    .map_or_else(String::new, |s| format!("; {s}"));
                println!(
                    "{}{growthbook}; {shown_out} {what}{typescript}",
                    compiled.counts
                );
            }
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            let status = match args.mode {
                Mode::Check if out.exists() => "stale",
                Mode::Check => "missing",
                Mode::Write => "failed",
            };
            json(status, Ok(&compiled), Some(&message));
            ExitCode::FAILURE
        }
    }
}

fn what(mode: Mode, outcome: Outcome) -> &'static str {
    match (mode, outcome) {
        (Mode::Check, _) => "up to date",
        (Mode::Write, Outcome::Unchanged) => "unchanged",
        (Mode::Write, Outcome::Written) => "written",
    }
}

/// `Ok(None)`: help was asked for.
fn parse_args(args: Vec<String>) -> Result<Option<Args>, String> {
    let (mode, budget_only) = match args.first().map(String::as_str) {
        Some("generate") => (Mode::Write, false),
        Some("check") => (Mode::Check, false),
        Some("budget") => (Mode::Check, true),
        Some("-h" | "--help") => return Ok(None),
        _ => return Err("expected a command".into()),
    };
    let mut parsed = Args {
        mode,
        budget_only,
        config: None,
        out: None,
        ts_out: None,
        json: false,
        visitors: None,
    };
    let mut rest = args[1..].iter();
    while let Some(arg) = rest.next() {
        if arg == "--json" {
            parsed.json = true;
            continue;
        }
        let Some(value) = rest.next() else {
            return Err(format!("{arg} needs a value"));
        };
        match arg.as_str() {
            "--config" => {
                parsed.config = Some((PathBuf::from(value), value.trim_end_matches('/').to_owned()))
            }
            "--out" => parsed.out = Some((PathBuf::from(value), value.clone())),
            "--visitors" if budget_only => match value.parse::<u64>() {
                Ok(n) if (1..=forecast::MAX_VISITORS).contains(&n) => parsed.visitors = Some(n),
                _ => {
                    return Err(format!(
                        "--visitors takes an integer from 1 to {}, not {value}",
                        forecast::MAX_VISITORS
                    ));
                }
            },
            "--ts-out" => parsed.ts_out = Some((PathBuf::from(value), value.clone())),
            _ => return Err(format!("unknown option {arg}")),
        }
    }
    if parsed.json && budget_only {
        return Err("--json reports generate and check; budget prints its table".into());
    }
    Ok(Some(parsed))
}

fn count_errors(diagnostics: &[Diagnostic]) -> usize {
    diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count()
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("error: {message}\n\n{USAGE}");
    ExitCode::from(2)
}
