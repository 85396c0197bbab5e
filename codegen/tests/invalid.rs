//! Every kind of invalid input from SPEC §2, one mutation of a valid fixture each: the config is
//! refused with an error naming the file, the JSON path and the reason. The same problem in an
//! entry the edge drops is only a warning.

use codegen::diagnostic::Severity;
use codegen::{Sources, compile};
use serde_json::{Value, json};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/small");

fn fixture(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(format!("{DIR}/{name}")).unwrap()).unwrap()
}

#[derive(Clone, Copy)]
enum File {
    Experiments,
    Flags,
    Edge,
}

/// Compiles the fixture after `mutate` changed one file; returns every diagnostic line.
fn compile_mutated(
    file: File,
    mutate: impl FnOnce(&mut Value),
) -> Result<Vec<String>, Vec<String>> {
    let (mut e, mut f, mut g) = (
        fixture("experiments.json"),
        fixture("site-features.json"),
        fixture("edge.json"),
    );
    mutate(match file {
        File::Experiments => &mut e,
        File::Flags => &mut f,
        File::Edge => &mut g,
    });
    let sources = Sources::from_texts(&e.to_string(), &f.to_string(), &g.to_string());
    match compile(&sources) {
        Ok(c) => Ok(c.warnings.iter().map(ToString::to_string).collect()),
        Err(d) => {
            assert!(d.iter().any(|d| d.severity == Severity::Error));
            Err(d
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .map(ToString::to_string)
                .collect())
        }
    }
}

type Mutation = fn(&mut Value);

/// (what, file, mutation, expected error line).
const INVALID: &[(&str, File, Mutation, &str)] = &[
    (
        "missing field",
        File::Experiments,
        |v| {
            drop(
                v["experiments"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("variations"),
            )
        },
        "error: config/experiments.json: experiments[0].variations: missing field, expected an array of 1 to 32 variations (experiment \"a\")",
    ),
    (
        "mistyped traffic",
        File::Experiments,
        |v| v["experiments"][0]["traffic"] = json!("5000"),
        "error: config/experiments.json: experiments[0].traffic: expected an integer in 0..=10000, found \"5000\" (experiment \"a\")",
    ),
    (
        "traffic above 10000",
        File::Experiments,
        |v| v["experiments"][0]["traffic"] = json!(10001),
        "experiments[0].traffic: expected an integer in 0..=10000, found 10001",
    ),
    (
        "fractional weight",
        File::Experiments,
        |v| v["experiments"][0]["variations"][0]["weight"] = json!(5000.5),
        "experiments[0].variations[0].weight: expected an integer in 0..=10000, found 5000.5",
    ),
    (
        "key outside the charset",
        File::Experiments,
        |v| v["experiments"][0]["key"] = json!("Hero"),
        "experiments[0].key: \"Hero\" is not a valid key, expected [a-z0-9][a-z0-9_-]{0,63}",
    ),
    (
        "key too long",
        File::Experiments,
        |v| v["experiments"][0]["key"] = json!("k".repeat(65)),
        "experiments[0].key: \"kkkkk",
    ),
    (
        "variation key outside the charset",
        File::Experiments,
        |v| v["experiments"][0]["variations"][1]["key"] = json!("B;x=y"),
        "experiments[0].variations[1].key: \"B;x=y\" is not a valid key",
    ),
    (
        "duplicate variation keys",
        File::Experiments,
        |v| v["experiments"][0]["variations"][1]["key"] = json!("control"),
        "experiments[0].variations[1].key: duplicate variation key \"control\"",
    ),
    (
        "duplicate experiment keys",
        File::Experiments,
        |v| v["experiments"][2]["key"] = json!("a"),
        "experiments[2].key: duplicate key \"a\", first used by experiments[0]",
    ),
    (
        "a dropped entry reusing a live key",
        File::Experiments,
        |v| v["experiments"][3]["key"] = json!("a"),
        "error: config/experiments.json: experiments[3].key: duplicate key \"a\", first used by experiments[0]",
    ),
    (
        "a non-edge flag reusing an edge flag's key",
        File::Flags,
        |v| v["flags"][2]["key"] = json!("new-nav"),
        "error: config/site-features.json: flags[2].key: duplicate key \"new-nav\", first used by flags[0]",
    ),
    (
        "weights not summing to 10000",
        File::Experiments,
        |v| v["experiments"][0]["variations"][1]["weight"] = json!(4999),
        "error: config/experiments.json: experiments[0].variations: variation weights sum to 9999, expected 10000 (experiment \"a\")",
    ),
    (
        "more than 32 variations",
        File::Experiments,
        |v| {
            let vars: Vec<Value> = (0..33)
                .map(|i| json!({"key": format!("v{i}"), "weight": if i == 0 { 10000 } else { 0 }}))
                .collect();
            v["experiments"][0]["variations"] = Value::Array(vars);
        },
        "experiments[0].variations: 33 variations, expected 1 to 32",
    ),
    (
        "no variations",
        File::Experiments,
        |v| v["experiments"][0]["variations"] = json!([]),
        "experiments[0].variations: 0 variations, expected 1 to 32",
    ),
    (
        "layer bound outside 0..=10000",
        File::Experiments,
        |v| v["experiments"][1]["layer"]["to"] = json!(10001),
        "experiments[1].layer.to: expected an integer in 0..=10000, found 10001",
    ),
    (
        "empty layer range",
        File::Experiments,
        |v| v["experiments"][1]["layer"]["from"] = json!(5000),
        "experiments[1].layer: empty range [5000, 5000), expected from < to",
    ),
    (
        "mistyped seed",
        File::Experiments,
        |v| v["experiments"][0]["seed"] = json!(7),
        "experiments[0].seed: expected a string or null, found an integer",
    ),
    (
        "mistyped targeting domains",
        File::Experiments,
        |v| v["experiments"][1]["targeting"]["domains"] = json!("example.ie"),
        "experiments[1].targeting.domains: expected an array of strings, found a string",
    ),
    (
        "status missing where the rest is live",
        File::Experiments,
        |v| {
            drop(
                v["experiments"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("status"),
            )
        },
        "experiments[0].status: missing field, expected a string",
    ),
    (
        "unknown status where the rest is live",
        File::Experiments,
        |v| v["experiments"][0]["status"] = json!("live"),
        "experiments[0].status: unknown status \"live\"",
    ),
    (
        "experiments not an array",
        File::Experiments,
        |v| v["experiments"] = json!({}),
        "error: config/experiments.json: experiments: expected an array, found an object",
    ),
    (
        "experiment not an object",
        File::Experiments,
        |v| v["experiments"][0] = json!("a"),
        "experiments[0]: expected an experiment object, found a string",
    ),
    (
        "default not among values",
        File::Flags,
        |v| v["flags"][0]["default"] = json!("maybe"),
        "error: config/site-features.json: flags[0].default: \"maybe\" is not among values [off, on] (flag \"new-nav\")",
    ),
    (
        "rule value not among values",
        File::Flags,
        |v| v["flags"][0]["rules"][0]["value"] = json!("yes"),
        "flags[0].rules[0].value: \"yes\" is not among values [off, on]",
    ),
    (
        "flag value outside the charset",
        File::Flags,
        |v| v["flags"][0]["values"][1] = json!("ON"),
        "flags[0].values[1]: \"ON\" is not a valid value",
    ),
    (
        "duplicate flag keys",
        File::Flags,
        |v| v["flags"][1]["key"] = json!("new-nav"),
        "flags[1].key: duplicate key \"new-nav\", first used by flags[0]",
    ),
    (
        "flag missing rules",
        File::Flags,
        |v| drop(v["flags"][0].as_object_mut().unwrap().remove("rules")),
        "flags[0].rules: missing field, expected an array of rules",
    ),
    (
        "flag edge mistyped",
        File::Flags,
        |v| v["flags"][2]["edge"] = json!("false"),
        "flags[2].edge: expected true or false, found a string",
    ),
    (
        "edge page types missing",
        File::Edge,
        |v| *v = json!({}),
        "error: config/edge.json: page_types: missing field, expected an array of strings",
    ),
    (
        "edge file not an object",
        File::Edge,
        |v| *v = json!(["home"]),
        "error: config/edge.json: expected an object with \"page_types\", found an array",
    ),
];

#[test]
fn every_invalid_kind_is_refused_with_file_path_and_reason() {
    assert!(
        compile_mutated(File::Experiments, |_| {}).is_ok(),
        "the fixture itself is valid"
    );
    for (what, file, mutate, expected) in INVALID {
        match compile_mutated(*file, mutate) {
            Ok(_) => panic!("{what}: accepted"),
            Err(errors) => assert!(
                errors.iter().any(|e| e.contains(expected)),
                "{what}: expected an error containing\n  {expected}\ngot\n  {}",
                errors.join("\n  ")
            ),
        }
    }
}

#[test]
fn bad_json_names_the_file_line_and_column() {
    let sources = Sources::from_texts(
        "{\"experiments\": [",
        "{\"flags\": []}",
        "{\"page_types\": []}",
    );
    let errors = compile(&sources).unwrap_err();
    assert!(
        errors.iter().any(|e| e
            .to_string()
            .starts_with("error: config/experiments.json: invalid JSON:")
            && e.to_string().contains("line 1")),
        "{errors:?}"
    );
}

#[test]
fn all_problems_are_reported_at_once() {
    let errors = compile_mutated(File::Experiments, |v| {
        v["experiments"][0]["traffic"] = json!(-1);
        v["experiments"][1]["variations"][0]["weight"] = json!(1);
        v["experiments"][2]["key"] = json!("UPPER");
    })
    .unwrap_err();
    assert_eq!(errors.len(), 3, "{errors:#?}");
}

#[test]
fn problems_in_dropped_entries_are_warnings() {
    // A draft with broken weights and a bad key, and a non-edge flag with a bad default.
    let warnings = compile_mutated(File::Experiments, |v| {
        v["experiments"][3]["variations"][0]["weight"] = json!(9999);
        v["experiments"][4]["key"] = json!("App Only");
    })
    .expect("dropped entries do not block");
    assert!(warnings.iter().any(|w| w.starts_with("warning: config/experiments.json: experiments[3].variations: variation weights sum to 9999")), "{warnings:?}");
    assert!(
        warnings.iter().any(|w| w.contains("experiments[4].key")),
        "{warnings:?}"
    );
    let warnings = compile_mutated(File::Flags, |v| v["flags"][2]["default"] = json!("off"))
        .expect("non-edge flag");
    assert!(
        warnings.iter().any(|w| w.contains("flags[2].default")),
        "{warnings:?}"
    );
    // Two dropped entries sharing a key: a warning.
    let warnings = compile_mutated(File::Experiments, |v| {
        v["experiments"][4]["key"] = json!("draft-one")
    })
    .unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("experiments[4].key: duplicate key \"draft-one\"")),
        "{warnings:?}"
    );
}

#[test]
fn oversized_configs_are_refused_not_run_out_of_memory() {
    let many = format!(
        "{{\"experiments\": [{}]}}",
        vec!["{}"; codegen::input::platform::MAX_EXPERIMENTS + 1].join(",")
    );
    let errors = compile(&Sources::from_texts(
        &many,
        "{\"flags\": []}",
        "{\"page_types\": [\"home\"]}",
    ))
    .unwrap_err();
    assert_eq!(errors.len(), 1, "one clear error, not one per entry");
    assert!(
        errors[0]
            .to_string()
            .contains("experiments: 100001 experiments, more than the 100000 codegen accepts")
    );
}

#[test]
fn domains_that_can_never_match_are_warned_about() {
    for domain in [
        "Example.com",
        "www.example.com",
        "staging.example.com",
        "example.com:443",
        "[::1]:443",
    ] {
        let warnings = compile_mutated(File::Flags, |v| {
            v["flags"][0]["rules"][0]["domains"] = json!([domain])
        })
        .unwrap();
        assert!(
            warnings
                .iter()
                .any(|w| w.contains(&format!("\"{domain}\" can never equal a normalised host"))),
            "{domain}: {warnings:?}"
        );
    }
    let warnings = compile_mutated(File::Flags, |v| {
        v["flags"][0]["rules"][0]["domains"] = json!(["[::1]"])
    })
    .unwrap();
    assert!(
        !warnings.iter().any(|w| w.contains("can never equal")),
        "{warnings:?}"
    );
}
