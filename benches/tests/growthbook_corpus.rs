//! GrowthBook's own conformance corpus (`cases.json`, specVersion 0.12.0, the unedited copy in
//! the `growthbook-rust` 0.4.0 crate, SHA-256 checked) through Kraken's compiled path: every
//! `evalCondition` case's condition compiled by codegen into a function, every `feature` and
//! `run` case's payload compiled into tables, all built in one throwaway crate and run; the
//! SDK arithmetic (`hash`, `getBucketRange`, `chooseVariation`, `inNamespace`,
//! `getEqualWeights`) and `decrypt` called directly.
//!
//! Expected results are the corpus's, except where npm `@growthbook/growthbook` 1.8.0 (SPEC §6)
//! differs: there `tests/growthbook/npm-1.8.0-differs.json` gives 1.8.0's answer and reason.
//! Cases that do not apply at the edge are in `tests/growthbook/edge-skips.json`, each with its
//! reason; any other case that fails fails the test.

use codegen::growthbook::condition::{Compiler, emit, value_tokens};
use codegen::growthbook::json::{self, Json};
use codegen::growthbook::{decrypt, js};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use testkit::repo_root;
use testkit::scratch::{self, write_if_changed};

fn tools() -> PathBuf {
    std::env::var_os("KRAKEN_GB_TOOLS")
        .map_or_else(|| repo_root().join("tests/growthbook"), PathBuf::from)
}

/// `tests/cases/` of growthbook-rust 0.4.0 in the cargo registry (a dev-dependency, so cargo
/// has fetched it).
fn corpus_dir() -> PathBuf {
    let home = std::env::var_os("CARGO_HOME").map_or_else(
        || PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cargo"),
        PathBuf::from,
    );
    let src = home.join("registry/src");
    for index in std::fs::read_dir(&src).expect("the cargo registry") {
        let dir = index
            .expect("entry")
            .path()
            .join("growthbook-rust-0.4.0/tests/cases");
        if dir.join("cases.json").exists() {
            return dir;
        }
    }
    panic!(
        "growthbook-rust 0.4.0 is not in {}: `cargo fetch` it",
        src.display()
    );
}

fn arr(j: &Json) -> &[Json] {
    match j {
        Json::Arr(items) => items,
        other => panic!("expected an array, found {other:?}"),
    }
}

fn text(j: &Json) -> String {
    match j {
        Json::Str(s) => s.clone(),
        other => panic!("expected a string, found {other:?}"),
    }
}

fn stringify(j: &Json) -> String {
    js::json_stringify(&codegen::growthbook::leak(j))
}

/// Cases Kraken refuses on purpose, beyond the edge skips: `(section, index, name, reason)`.
const KRAKEN_SKIPS: &[(&str, usize, &str, &str)] = &[
    (
        "evalCondition",
        119,
        "a missing attribute named like a built-in object property is missing",
        "refused: an attribute named like an Object.prototype property reads a function in 1.8.0 (`key in obj`); codegen refuses such paths",
    ),
    (
        "evalCondition",
        120,
        "an attribute named like a built-in object property can still be set",
        "refused: an attribute named like an Object.prototype property reads a function in 1.8.0 (`key in obj`); codegen refuses such paths",
    ),
    (
        "feature",
        0,
        "unknown feature key",
        "refused: a listed feature missing from the payload is invalid input (SPEC §6)",
    ),
];

/// `(section, index)` → reason, for the edge's skips; `(section, index)` → 1.8.0's answer.
struct Lists {
    skips: BTreeMap<(String, usize), String>,
    npm: BTreeMap<(String, usize), Json>,
}

fn lists(cases: &Json) -> Lists {
    let read = |name: &str| {
        let path = tools().join(name);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        json::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    let mut skips = BTreeMap::new();
    let edge = read("edge-skips.json");
    for s in arr(edge.get("skips").expect("skips")) {
        let section = text(s.get("section").expect("section"));
        let index = match s.get("index") {
            Some(Json::Num(n)) => *n as usize,
            _ => panic!("index"),
        };
        // The entry must name the case it skips, so a renumbered corpus cannot shift it.
        let name = text(s.get("name").expect("name"));
        let case = section_cases(cases, &section).map(|c| arr(c)[index].clone());
        let case_name = case.as_ref().and_then(|c| arr(c).first().cloned());
        if let Some(Json::Str(n)) = case_name
            && n != name
        {
            panic!("edge-skips.json: {section}[{index}] is {n:?}, not {name:?}");
        }
        skips.insert((section, index), text(s.get("reason").expect("reason")));
    }
    for (section, index, name, reason) in KRAKEN_SKIPS {
        let case = section_cases(cases, section).map(|c| arr(c)[*index].clone());
        let case_name = case.as_ref().and_then(|c| arr(c).first().cloned());
        assert_eq!(
            case_name,
            Some(Json::Str((*name).into())),
            "KRAKEN_SKIPS: {section}[{index}]"
        );
        skips.insert(((*section).into(), *index), (*reason).into());
    }
    let mut npm = BTreeMap::new();
    let differs = read("npm-1.8.0-differs.json");
    for d in arr(differs.get("differs").expect("differs")) {
        let section = text(d.get("section").expect("section"));
        let index = match d.get("index") {
            Some(Json::Num(n)) => *n as usize,
            _ => panic!("index"),
        };
        npm.insert(
            (section, index),
            d.get("npm").cloned().unwrap_or(Json::Null),
        );
    }
    Lists { skips, npm }
}

/// A section's cases; `a.b` names a nested section (`savedGroupReferencesV2.evalCondition`).
fn section_cases<'j>(cases: &'j Json, section: &str) -> Option<&'j Json> {
    section.split('.').try_fold(cases, |j, part| j.get(part))
}

#[derive(Default)]
struct Tally {
    passed: usize,
    skipped: BTreeMap<String, usize>,
    failures: Vec<String>,
}

impl Tally {
    fn check(&mut self, what: String, ok: bool, detail: impl FnOnce() -> String) {
        if ok {
            self.passed += 1;
        } else {
            self.failures.push(format!("{what}: {}", detail()));
        }
    }
    fn skip(&mut self, reason: &str) {
        // Group by the reason's first clause for the summary line.
        let head = reason
            .split([':', '('])
            .next()
            .unwrap_or(reason)
            .trim()
            .to_owned();
        *self.skipped.entry(head).or_default() += 1;
    }
}

#[test]
fn growthbook_corpus_through_the_compiled_path() {
    let dir = corpus_dir();
    let bytes = std::fs::read(dir.join("cases.json")).expect("cases.json");
    let source =
        json::parse(&std::fs::read_to_string(dir.join("source.json")).expect("source.json"))
            .expect("source.json");
    let digest: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        Some(&Json::Str(digest)),
        source.get("sha256"),
        "cases.json is not the copy source.json names"
    );
    let cases = json::parse(std::str::from_utf8(&bytes).expect("UTF-8")).expect("cases.json");
    let lists = lists(&cases);
    let mut tally = Tally::default();
    let mut seen_skips = BTreeSet::new();
    let expected = |section: &str, i: usize, corpus: &Json| -> Json {
        lists
            .npm
            .get(&(section.to_owned(), i))
            .cloned()
            .unwrap_or_else(|| corpus.clone())
    };
    let mut skipped = |section: &str, i: usize, tally: &mut Tally| -> bool {
        match lists.skips.get(&(section.to_owned(), i)) {
            Some(reason) => {
                tally.skip(reason);
                seen_skips.insert((section.to_owned(), i));
                true
            }
            None => false,
        }
    };

    // The SDK's arithmetic, called directly.
    for (i, c) in arr(cases.get("hash").expect("hash")).iter().enumerate() {
        if skipped("hash", i, &mut tally) {
            continue;
        }
        let c = arr(c);
        let (seed, value) = (text(&c[0]), text(&c[1]));
        let version = match c[2] {
            Json::Num(n) => n as u8,
            _ => 0,
        };
        let want = match expected("hash", i, &c[3]) {
            Json::Num(n) => Some(n),
            _ => None,
        };
        let got = js::hash(&seed, &value, version);
        tally.check(format!("hash[{i}]"), got == want, || {
            format!("{got:?} != {want:?}")
        });
    }
    let num = |j: &Json| match j {
        Json::Num(n) => *n,
        other => panic!("number {other:?}"),
    };
    let pairs = |j: &Json| {
        arr(j)
            .iter()
            .map(|r| (num(&arr(r)[0]), num(&arr(r)[1])))
            .collect::<Vec<_>>()
    };
    for (i, c) in arr(cases.get("getBucketRange").expect("getBucketRange"))
        .iter()
        .enumerate()
    {
        if skipped("getBucketRange", i, &mut tally) {
            continue;
        }
        let c = arr(c);
        let args = arr(&c[1]);
        let weights = match &args[2] {
            Json::Arr(w) => Some(w.iter().map(num).collect::<Vec<_>>()),
            _ => None,
        };
        let got = js::bucket_ranges(num(&args[0]) as usize, num(&args[1]), weights.as_deref());
        let want = pairs(&expected("getBucketRange", i, &c[2]));
        // The corpus spells ranges to 6 decimals (its JS test rounds the same way).
        let close = got.len() == want.len()
            && got
                .iter()
                .zip(&want)
                .all(|(a, b)| (a.0 - b.0).abs() < 1e-6 && (a.1 - b.1).abs() < 1e-6);
        tally.check(
            format!("getBucketRange[{i}] {}", text(&c[0])),
            close,
            || format!("{got:?} != {want:?}"),
        );
    }
    for (i, c) in arr(cases.get("chooseVariation").expect("chooseVariation"))
        .iter()
        .enumerate()
    {
        if skipped("chooseVariation", i, &mut tally) {
            continue;
        }
        let c = arr(c);
        let got = js::choose_variation(num(&c[1]), &pairs(&c[2])).map_or(-1.0, |v| v as f64);
        let want = num(&expected("chooseVariation", i, &c[3]));
        tally.check(format!("chooseVariation[{i}]"), got == want, || {
            format!("{got} != {want}")
        });
    }
    for (i, c) in arr(cases.get("inNamespace").expect("inNamespace"))
        .iter()
        .enumerate()
    {
        if skipped("inNamespace", i, &mut tally) {
            continue;
        }
        let c = arr(c);
        let ns = arr(&c[2]);
        let got = js::in_namespace(
            &text(&c[1]),
            &format!("__{}", text(&ns[0])),
            num(&ns[1]),
            num(&ns[2]),
        );
        let want = expected("inNamespace", i, &c[3]) == Json::Bool(true);
        tally.check(format!("inNamespace[{i}]"), got == want, || {
            format!("{got} != {want}")
        });
    }
    for (i, c) in arr(cases.get("getEqualWeights").expect("getEqualWeights"))
        .iter()
        .enumerate()
    {
        if skipped("getEqualWeights", i, &mut tally) {
            continue;
        }
        let c = arr(c);
        let n = num(&c[0]);
        let got = if n <= 0.0 {
            Vec::new()
        } else {
            js::equal_weights(n as usize)
        };
        let want: Vec<f64> = arr(&expected("getEqualWeights", i, &c[1]))
            .iter()
            .map(num)
            .collect();
        let close =
            got.len() == want.len() && got.iter().zip(&want).all(|(a, b)| (a - b).abs() < 1e-6);
        tally.check(format!("getEqualWeights[{i}]"), close, || {
            format!("{got:?} != {want:?}")
        });
    }
    for (i, c) in arr(cases.get("decrypt").expect("decrypt"))
        .iter()
        .enumerate()
    {
        if skipped("decrypt", i, &mut tally) {
            continue;
        }
        let c = arr(c);
        let got = decrypt::decrypt(&text(&c[1]), &text(&c[2])).ok();
        let want = match expected("decrypt", i, &c[3]) {
            Json::Str(s) => Some(s),
            _ => None,
        };
        tally.check(format!("decrypt[{i}] {}", text(&c[0])), got == want, || {
            format!("{got:?} != {want:?}")
        });
    }

    // Conditions and payloads: compiled, then run in the throwaway crate.
    let mut module = String::from(
        "#![allow(warnings)]\nuse kraken::growthbook::ops::{self, Relation};\nuse kraken::growthbook::regex::Dfa;\n\
         use kraken::growthbook::value::{Attributes, Value, ValueAttributes, get_path};\n\n",
    );
    let mut checks: Vec<(String, String, String)> = Vec::new(); // (label, call, expected)
    let mut conditions = |section: &str,
                          tally: &mut Tally,
                          module: &mut String,
                          checks: &mut Vec<_>| {
        let Some(list) = section_cases(&cases, section) else {
            return;
        };
        for (i, c) in arr(list).iter().enumerate() {
            let c = arr(c);
            let saved = c.get(4).filter(|g| matches!(g, Json::Obj(_)));
            if let Some(reason) = lists.skips.get(&(section.to_owned(), i))
                && reason.starts_with("SPEC §6 invalid input")
            {
                // A skip for invalid input holds only if codegen does refuse it.
                let mut compiler = Compiler::new(saved);
                if compiler.condition(&c[1], "condition").is_ok() {
                    tally.failures.push(format!(
                        "{section}[{i}]: skipped as invalid input, but codegen compiles it"
                    ));
                }
            }
            if skipped(section, i, tally) {
                continue;
            }
            let mut compiler = Compiler::new(saved);
            let label = format!("{section}[{i}] {}", text(&c[0]));
            let cond = match compiler.condition(&c[1], "condition") {
                Ok(cond) => cond,
                Err((path, m)) => {
                    tally
                        .failures
                        .push(format!("{label}: codegen refuses it: {path}: {m}"));
                    continue;
                }
            };
            let n = checks.len();
            let body = emit(&cond);
            let attrs = value_tokens(&c[2]);
            let _ = writeln!(
                module,
                "pub fn c{n}() -> bool {{ static ATTRS: Value = {attrs}; let a: &dyn Attributes = &ValueAttributes(ATTRS); {body} }}"
            );
            let want = expected(section, i, &c[3]) == Json::Bool(true);
            checks.push((label, format!("corpus::c{n}()"), want.to_string()));
        }
    };
    conditions("evalCondition", &mut tally, &mut module, &mut checks);
    conditions(
        "savedGroupReferencesV2.evalCondition",
        &mut tally,
        &mut module,
        &mut checks,
    );

    // `feature` cases: the payload compiled with the case's feature listed.
    let mut payloads: Vec<String> = Vec::new();
    let mut payload_case = |label: String,
                            features: &Json,
                            saved: Option<&Json>,
                            key: &str,
                            attributes: &Json,
                            forced: Option<&Json>,
                            want: String,
                            tally: &mut Tally,
                            checks: &mut Vec<(String, String, String)>| {
        let mut root = vec![("features".to_owned(), features.clone())];
        if let Some(g) = saved {
            root.push(("savedGroups".into(), g.clone()));
        }
        let payload = stringify(&Json::Obj(root));
        let edge = format!(
            "{{\"page_types\": [], \"growthbook\": {{\"features\": [{}]}}}}",
            stringify(&Json::Str(key.into()))
        );
        let input = codegen::growthbook::Input {
            payload: Some(("config/growthbook.json", &payload)),
            edge: ("config/edge.json", &edge),
            page_types: &[],
            flag_keys: &[],
            experiment_keys: &[],
            key: None,
            edge_attributes: false,
        };
        let compiled = match codegen::growthbook::compile(&input) {
            Ok(c) => c,
            Err(d) => {
                let shown: Vec<String> = d.iter().map(ToString::to_string).collect();
                tally
                    .failures
                    .push(format!("{label}: codegen refuses it: {}", shown.join("; ")));
                return;
            }
        };
        let n = payloads.len();
        payloads.push(compiled.source);
        let variants: Vec<String> = match forced {
            Some(Json::Obj(entries)) => entries
                .iter()
                .map(|(k, v)| format!("{k}:{}", stringify(v)))
                .collect(),
            _ => Vec::new(),
        };
        let attrs = value_tokens(attributes);
        checks.push((
            label,
            format!(
                "{{ static ATTRS: kraken::growthbook::value::Value = {attrs}; feature(&p{n}::GROWTHBOOK, &ATTRS, {:?}) }}",
                variants.join(",")
            ),
            want,
        ));
    };
    for (i, c) in arr(cases.get("feature").expect("feature"))
        .iter()
        .enumerate()
    {
        if skipped("feature", i, &mut tally) {
            continue;
        }
        let c = arr(c);
        let ctx = &c[1];
        let label = format!("feature[{i}] {}", text(&c[0]));
        let extra: Vec<&String> = match ctx {
            Json::Obj(e) => e
                .iter()
                .map(|(k, _)| k)
                .filter(|k| {
                    !["attributes", "features", "savedGroups", "forcedVariations"]
                        .contains(&k.as_str())
                })
                .collect(),
            _ => Vec::new(),
        };
        assert!(
            extra.is_empty(),
            "{label}: context fields {extra:?} need a reason in edge-skips.json"
        );
        let want = expected("feature", i, &c[3]);
        let value = want.get("value").cloned().unwrap_or(Json::Null);
        payload_case(
            label,
            ctx.get("features").unwrap_or(&Json::Obj(Vec::new())),
            ctx.get("savedGroups"),
            &text(&c[2]),
            ctx.get("attributes").unwrap_or(&Json::Obj(Vec::new())),
            ctx.get("forcedVariations"),
            stringify(&value),
            &mut tally,
            &mut checks,
        );
    }
    // `run` cases: the experiment as the one rule of a feature whose default marks "not in".
    const NOT_IN: &str = "kraken: not in the experiment";
    for (i, c) in arr(cases.get("run").expect("run")).iter().enumerate() {
        if skipped("run", i, &mut tally) {
            continue;
        }
        let c = arr(c);
        let (ctx, exp) = (&c[1], &c[2]);
        let label = format!("run[{i}] {}", text(&c[0]));
        let want = expected("run", i, &Json::Arr(c[3..].to_vec()));
        let want = arr(&want);
        let value = if want[1] == Json::Bool(true) {
            want[0].clone()
        } else {
            Json::Str(NOT_IN.into())
        };
        let mut features = match ctx.get("features") {
            Some(Json::Obj(f)) => f.clone(),
            _ => Vec::new(),
        };
        features.push((
            "kraken-run".into(),
            Json::Obj(vec![
                ("defaultValue".into(), Json::Str(NOT_IN.into())),
                ("rules".into(), Json::Arr(vec![exp.clone()])),
            ]),
        ));
        let features = Json::Obj(features);
        payload_case(
            label,
            &features,
            ctx.get("savedGroups"),
            "kraken-run",
            ctx.get("attributes").unwrap_or(&Json::Obj(Vec::new())),
            ctx.get("forcedVariations"),
            stringify(&value),
            &mut tally,
            &mut checks,
        );
    }

    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| repo_root().join("target"), PathBuf::from);
    let krate = target.join("growthbook-corpus");
    write_if_changed(&krate.join("src/corpus.rs"), &module);
    let mut main = String::from(
        "//! Written by benches/tests/growthbook_corpus.rs: prints each check's result, one per line.\n\
         #![allow(warnings)]\nuse kraken::growthbook::value::Value;\nmod growthbook {\n    pub use kraken::growthbook::*;\n}\nmod corpus;\n",
    );
    for (n, p) in payloads.iter().enumerate() {
        write_if_changed(&krate.join(format!("src/p{n}.rs")), p);
        let _ = writeln!(main, "#[rustfmt::skip]\nmod p{n};");
    }
    main.push_str(
        "\nfn feature(config: &kraken::growthbook::model::Config, attrs: &'static kraken::growthbook::value::Value<'static>, variants: &str) -> String {\n\
         let a = kraken::growthbook::value::ValueAttributes(*attrs);\n\
         let mut items = kraken::growthbook::eval::Items::default();\n\
         let mut out = String::from(\"null\");\n\
         kraken::growthbook::eval::evaluate_with(config, 0, &a, variants.as_bytes(), &mut items, |_, v| out = kraken::growthbook::js::json_stringify(v));\n\
         out\n}\n\nfn main() {\n",
    );
    for (_, call, _) in &checks {
        let _ = writeln!(main, "    println!(\"{{}}\", {call});");
    }
    main.push_str("}\n");
    write_if_changed(&krate.join("src/main.rs"), &main);
    let output = build_and_run(&krate, &target.join("growthbook-corpus-target"));
    let lines: Vec<&str> = output.lines().collect();
    assert_eq!(lines.len(), checks.len(), "one line per check");
    for ((label, _, want), got) in checks.iter().zip(lines) {
        tally.check(label.clone(), got == want, || {
            format!("compiled {got}, expected {want}")
        });
    }
    // Sections with nothing to run through a compiled evaluation.
    for (section, reason) in [
        (
            "pruneCondition",
            "GrowthBook's JSON-to-JSON pruning; Kraken's partial evaluation folds known attributes into compiled code instead (proven by the differential test)",
        ),
        (
            "reducePayload",
            "GrowthBook's JSON-to-JSON payload reduction; Kraken prunes to the listed features and their prerequisites instead",
        ),
        (
            "getQueryStringOverride",
            "URL query overrides need the context's url, which the edge never sets (SPEC §6)",
        ),
        (
            "stickyBucket",
            "sticky bucketing, which the edge does not do (SPEC §6)",
        ),
        (
            "urlRedirect",
            "URL redirects: the edge evaluates features only",
        ),
        (
            "contextualBandit",
            "contextual bandits are refused at the edge",
        ),
        (
            "savedGroupReferencesRemote",
            "remote saved groups: the edge resolves saved groups from the payload at build time",
        ),
    ] {
        let mut count = |j: &Json| match j {
            Json::Arr(items) => items.len(),
            Json::Obj(e) => e
                .iter()
                .map(|(_, v)| if let Json::Arr(a) = v { a.len() } else { 0 })
                .sum(),
            _ => 0,
        };
        let n = section_cases(&cases, section).map_or(0, &mut count);
        *tally
            .skipped
            .entry(format!("{section}: {reason}"))
            .or_default() += n;
    }
    for (section, _) in [
        ("savedGroupReferencesV2.feature", ()),
        ("savedGroupReferencesV2.run", ()),
    ] {
        let n = section_cases(&cases, section).map_or(0, |j| arr(j).len());
        *tally
            .skipped
            .entry(format!("{section}: not run yet"))
            .or_default() += n;
    }
    let unused: Vec<_> = lists
        .skips
        .keys()
        .filter(|k| !seen_skips.contains(*k))
        .collect();
    let total_skipped: usize = tally.skipped.values().sum();
    let reasons: Vec<String> = tally
        .skipped
        .iter()
        .map(|(r, n)| format!("{n} {r}"))
        .collect();
    println!(
        "growthbook corpus: {} passed, {total_skipped} skipped ({})",
        tally.passed,
        reasons.join("; ")
    );
    assert!(
        tally.failures.is_empty(),
        "{} corpus cases fail:\n{}",
        tally.failures.len(),
        tally.failures.join("\n")
    );
    let _ = unused;
}

fn build_and_run(krate: &Path, target: &Path) -> String {
    scratch::manifest(
        krate,
        "kraken-growthbook-corpus",
        "benches/tests/growthbook_corpus.rs",
        "[profile.dev]\nopt-level = 0\ndebug = false\nincremental = true\n",
    );
    let out = scratch::cargo(krate, target, &["run", "--quiet"]);
    String::from_utf8(out).expect("UTF-8")
}
