//! Differential test: for random configs, the code `codegen` emits, compiled and run, gives the
//! same key, unit and minted flag as the JSON interpreter, request by request.
//!
//! Everything codegen precomputes (pruning, bucket ranges, host cases, item order, identifier
//! mangling) the interpreter recomputes per request from the JSON, so a slip in either shows.
//! The generated sources are compiled into one throwaway crate under `target/differential/`
//! (reused across runs, so only changed configs recompile), with its own target dir so the
//! inner `cargo build` never waits on the lock of the outer `cargo test`.

use kraken_benches::{Interpreter, Shape, generate};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use testkit::scratch::{self, write_if_changed};
use testkit::{Case, Declared, DeclaredExperiment, DeclaredFlag, cases, hex, repo_root};

/// Requests per config.
const REQUESTS: usize = 600;

/// The configs: empty ones, lopsided ones, tricky keys (`a`, `a-b`, `a_b` sort and mangle
/// alike), and a few hundred experiments.
fn configs() -> Vec<(u64, Shape)> {
    let shape = |relevant, dropped, flags, page_types, domains, tricky| Shape {
        relevant,
        dropped,
        flags,
        page_types,
        domains,
        pinned: None,
        tricky,
        metadata: false,
    };
    vec![
        (1, shape(0, 0, 0, 1, 0, false)),
        (2, shape(0, 3, 6, 2, 3, true)),
        (3, shape(12, 4, 0, 3, 4, true)),
        (4, shape(9, 9, 9, 1, 0, true)),
        (5, shape(5, 2, 3, 4, 2, true)),
        (6, shape(20, 10, 5, 4, 5, true)),
        (7, shape(40, 20, 8, 4, 8, true)),
        (8, shape(60, 30, 4, 8, 6, true)),
        (9, shape(25, 25, 12, 2, 10, false)),
        (10, shape(100, 50, 10, 6, 6, true)),
        (
            11,
            Shape {
                metadata: true,
                ..Shape::scaled(80)
            },
        ),
        (12, shape(300, 100, 12, 5, 8, true)),
        // An edge that serves no page type: flags only.
        (13, shape(10, 5, 4, 0, 3, true)),
    ]
}

struct Prepared {
    seed: u64,
    interpreter: Interpreter,
    cases: Vec<Case>,
}

#[test]
fn generated_code_matches_the_interpreter() {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| repo_root().join("target"), PathBuf::from);
    let krate = target.join("differential");
    let mut prepared = Vec::new();
    let mut modules = Vec::new();
    for (i, (seed, shape)) in configs().into_iter().enumerate() {
        let texts = generate(seed, &shape);
        let dir = krate.join("configs").join(format!("cfg{i}"));
        write_if_changed(&dir.join("experiments.json"), &texts.experiments);
        write_if_changed(&dir.join("site-features.json"), &texts.site_features);
        write_if_changed(&dir.join("edge.json"), &texts.edge);
        let sources =
            codegen::Sources::from_texts(&texts.experiments, &texts.site_features, &texts.edge);
        let compiled = codegen::compile(&sources).unwrap_or_else(|d| {
            let shown: Vec<String> = d.iter().map(ToString::to_string).collect();
            panic!(
                "config seed {seed} ({}) does not compile:\n{}",
                dir.display(),
                shown.join("\n")
            )
        });
        write_if_changed(&krate.join(format!("src/cfg{i}.rs")), &compiled.source);
        modules.push(format!("cfg{i}"));

        let interpreter =
            Interpreter::from_json(&texts.experiments, &texts.site_features, &texts.edge)
                .unwrap_or_else(|e| panic!("config seed {seed}: {e}"));
        let mut declared = Declared::read(&dir);
        // The request generator picks override keys from these lists: never leave one empty.
        if declared.experiments.is_empty() {
            declared.experiments.push(DeclaredExperiment {
                key: "nope".into(),
                variations: vec!["x".into()],
                ..DeclaredExperiment::default()
            });
        }
        if declared.flags.is_empty() {
            declared.flags.push(DeclaredFlag {
                key: "nope".into(),
                values: vec!["x".into()],
                ..DeclaredFlag::default()
            });
        }
        if declared.page_types.is_empty() {
            declared.page_types.push("home".into());
        }
        let cases = cases(&declared, seed.wrapping_mul(7919), REQUESTS, false);
        prepared.push(Prepared {
            seed,
            interpreter,
            cases,
        });
    }

    let binary = build(&krate, &target.join("differential-target"), &modules);
    let mut input = String::new();
    for (i, p) in prepared.iter().enumerate() {
        for c in &p.cases {
            let field = |v: &Option<Vec<u8>>| v.as_deref().map_or_else(|| "-".to_owned(), hex);
            let _ = writeln!(
                input,
                "{i} {} {} {} {} {} {}",
                field(&c.cookie),
                field(&c.host),
                field(&c.kraken_host),
                field(&c.page_type),
                field(&c.query),
                hex(&c.minted)
            );
        }
    }
    let output = scratch::run(&binary, &input);
    let mut lines = output.lines();
    let mut failures = Vec::new();
    let (mut compared, mut with_experiments, mut minted) = (0, 0, 0);
    for p in &prepared {
        for (n, c) in p.cases.iter().enumerate() {
            let got = lines.next().expect("one answer per request");
            let cookies = c.cookies();
            let want = p.interpreter.assign(&c.input(&cookies), || c.minted);
            let want = format!("{}\t{}\t{}", want.key, want.unit.as_str(), want.minted);
            compared += 1;
            with_experiments += usize::from(want.contains("exp:"));
            minted += usize::from(want.ends_with("true"));
            if got != want {
                failures.push(format!(
                    "config seed {} request {n}: {}\n  generated:   {got}\n  interpreter: {want}",
                    p.seed,
                    show(c)
                ));
            }
        }
    }
    assert!(lines.next().is_none(), "more answers than requests");
    assert!(
        failures.is_empty(),
        "{} of {compared} requests differ (configs under {}):\n{}",
        failures.len(),
        krate.join("configs").display(),
        failures
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert_eq!(compared, configs().len() * REQUESTS);
    // The requests must exercise enrolment and minting, or agreeing proves little.
    eprintln!("{compared} requests: {with_experiments} with experiments, {minted} minted");
    assert!(
        with_experiments > compared / 5,
        "{with_experiments} of {compared} keys hold an experiment"
    );
    assert!(
        minted > compared / 4 && minted < compared * 3 / 4,
        "{minted} of {compared} minted"
    );
}

/// A request readably: each field as (lossy) text.
fn show(c: &Case) -> String {
    let f = |v: &Option<Vec<u8>>| format!("{:?}", v.as_deref().map(String::from_utf8_lossy));
    format!(
        "cookie {} host {} kraken-host {} page type {} query {} minted {}",
        f(&c.cookie),
        f(&c.host),
        f(&c.kraken_host),
        f(&c.page_type),
        f(&c.query),
        hex(&c.minted)
    )
}

/// Writes the throwaway crate around the generated modules and builds it.
fn build(krate: &Path, target: &Path, modules: &[String]) -> PathBuf {
    scratch::manifest(
        krate,
        "kraken-differential",
        "benches/tests/differential.rs",
        // Quick to build, and arithmetic overflow in the core still panics.
        "[profile.release]\nopt-level = 1\ndebug-assertions = true\noverflow-checks = true\nincremental = true\n",
    );
    let mut main = String::from(
        "//! Reads `config hex(cookie) hex(host) hex(kraken_host) hex(page_type) hex(query) hex(minted)`\n\
         //! lines\
         //! (`-` for a missing field) and prints `key\\tunit\\tminted` for each.\n\n\
         mod model {\n    pub use kraken::model::*;\n}\n\n",
    );
    for m in modules {
        let _ = writeln!(main, "#[allow(warnings)]\n#[rustfmt::skip]\nmod {m};");
    }
    let list: Vec<String> = modules.iter().map(|m| format!("&{m}::CONFIG")).collect();
    let _ = write!(
        main,
        r#"
static CONFIGS: &[&kraken::model::Config] = &[{}];

fn unhex(s: &str) -> Option<Vec<u8>> {{
    (s != "-").then(|| {{
        (0..s.len() / 2)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).expect("hex"))
            .collect()
    }})
}}

fn main() {{
    use std::io::{{BufRead, Write}};
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for line in std::io::stdin().lock().lines() {{
        let line = line.expect("stdin");
        let f: Vec<&str> = line.split(' ').collect();
        let config = CONFIGS[f[0].parse::<usize>().expect("config index")];
        let (cookie, host, kraken_host) = (unhex(f[1]), unhex(f[2]), unhex(f[3]));
        let (page, query) = (unhex(f[4]), unhex(f[5]));
        let minted: [u8; 16] = unhex(f[6]).expect("minted").try_into().expect("16 bytes");
        let cookies: Vec<&[u8]> = cookie.iter().map(Vec::as_slice).collect();
        let input = kraken::RequestInput {{
            cookies: &cookies,
            host: host.as_deref(),
            kraken_host: kraken_host.as_deref(),
            page_type: page.as_deref(),
            query: query.as_deref(),
        }};
        let a = kraken::assign(config, &input, || minted);
        writeln!(out, "{{}}\t{{}}\t{{}}", a.key, a.unit.as_str(), a.minted).expect("stdout");
    }}
}}
"#,
        list.join(", ")
    );
    write_if_changed(&krate.join("src/main.rs"), &main);
    scratch::build_release(krate, target, "kraken-differential")
}
