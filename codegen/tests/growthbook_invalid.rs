//! Every kind of invalid GrowthBook input from SPEC §6, one mutation of a valid payload each:
//! codegen refuses it with an error naming the file, the JSON path and the reason, and the
//! command writes nothing. The valid payload itself compiles.

use codegen::{Sources, compile};
use serde_json::{Value, json};
use std::process::Command;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/small");

fn read(name: &str) -> String {
    std::fs::read_to_string(format!("{DIR}/{name}")).unwrap()
}

/// A small valid payload: a force rule, an experiment with meta, a prerequisite, a regex.
fn payload() -> Value {
    json!({
        "features": {
            "gb-banner": {
                "defaultValue": "off",
                "rules": [
                    {"condition": {"country": {"$in": ["DE", "AT"]}, "path": {"$regex": "^/hotel/\\d+"}}, "force": "dach"},
                    {"key": "gb-banner-exp", "variations": ["a", "b"], "weights": [0.5, 0.5],
                     "meta": [{"key": "control"}, {"key": "treatment"}], "hashVersion": 2,
                     "parentConditions": [{"id": "gb-parent", "condition": {"value": true}}]}
                ]
            },
            "gb-parent": {"defaultValue": true}
        }
    })
}

fn edge(features: &[&str]) -> String {
    json!({"page_types": ["home", "hotel"], "growthbook": {"features": features}}).to_string()
}

fn compile_with(payload: &str, edge: &str) -> Result<(), Vec<String>> {
    let sources = Sources::from_texts(&read("experiments.json"), &read("site-features.json"), edge)
        .with_growthbook(payload);
    compile(&sources)
        .map(|_| ())
        .map_err(|d| d.iter().map(ToString::to_string).collect())
}

type Mutation = fn(&mut Value);

/// (what, mutation, expected error line).
const INVALID: &[(&str, Mutation, &str)] = &[
    (
        "a mistyped field",
        |p| p["features"]["gb-banner"]["rules"][1]["coverage"] = json!("all"),
        "error: config/growthbook.json: features.gb-banner.rules[1].coverage: expected a number, found a string",
    ),
    (
        "weights outside the tolerance",
        |p| p["features"]["gb-banner"]["rules"][1]["weights"] = json!([0.5, 0.4]),
        "error: config/growthbook.json: features.gb-banner.rules[1].weights: weights sum to 0.9, outside the SDK's tolerance 0.99 to 1.01",
    ),
    (
        "meta shorter than variations",
        |p| p["features"]["gb-banner"]["rules"][1]["meta"] = json!([{"key": "control"}]),
        "error: config/growthbook.json: features.gb-banner.rules[1].meta: 1 entries for 2 variations: the SDK would fail on the missing ones",
    ),
    (
        "a hashVersion other than 1 or 2",
        |p| p["features"]["gb-banner"]["rules"][1]["hashVersion"] = json!(3),
        "error: config/growthbook.json: features.gb-banner.rules[1].hashVersion: expected 1 or 2, found 3",
    ),
    (
        "a missing prerequisite",
        |p| p["features"]["gb-banner"]["rules"][1]["parentConditions"][0]["id"] = json!("gb-nope"),
        "error: config/growthbook.json: features.gb-nope: missing from the payload",
    ),
    (
        "a cyclic prerequisite",
        |p| {
            p["features"]["gb-parent"]["rules"] =
                json!([{"force": false, "parentConditions": [{"id": "gb-banner"}]}])
        },
        "error: config/growthbook.json: features.gb-banner: cyclic prerequisite: gb-banner -> gb-parent -> gb-banner",
    ),
    (
        "an operator the SDK does not define",
        |p| {
            p["features"]["gb-banner"]["rules"][0]["condition"] = json!({"country": {"$regx": "D"}})
        },
        "error: config/growthbook.json: features.gb-banner.rules[0].condition.country.$regx: unknown condition operator \"$regx\"",
    ),
    (
        "a regex JavaScript rejects",
        |p| p["features"]["gb-banner"]["rules"][0]["condition"] = json!({"path": {"$regex": "(a"}}),
        "error: config/growthbook.json: features.gb-banner.rules[0].condition.path.$regex: JavaScript's RegExp rejects /(a/: unterminated group",
    ),
    (
        "a regex with lookahead",
        |p| {
            p["features"]["gb-banner"]["rules"][0]["condition"] =
                json!({"path": {"$regex": "^/(?!admin)"}})
        },
        "error: config/growthbook.json: features.gb-banner.rules[0].condition.path.$regex: /^/(?!admin)/: lookahead, which codegen cannot evaluate exactly as JavaScript does at the edge",
    ),
    (
        "a regex with a backreference",
        |p| {
            p["features"]["gb-banner"]["rules"][0]["condition"] =
                json!({"path": {"$regex": "(a)\\1"}})
        },
        "error: config/growthbook.json: features.gb-banner.rules[0].condition.path.$regex: /(a)\\1/: a backreference or legacy octal escape, which codegen cannot evaluate exactly as JavaScript does at the edge",
    ),
    (
        "a tracking key that is an experiment of experiments.json",
        |p| p["features"]["gb-banner"]["rules"][1]["key"] = json!("a"),
        "error: config/growthbook.json: features.gb-banner: tracking key \"a\" is also an experiment of experiments.json",
    ),
    (
        "bad encryption without a key",
        |p| {
            let features = p["features"].take();
            drop(features);
            p["encryptedFeatures"] = json!(
                "m5ylFM6ndyOJA2OPadubkw==.Uu7ViqgKEt/dWvCyhI46q088PkAEJbnXKf3KPZjf9IEQQ+A8fojNoxw4wIbPX3aj"
            );
        },
        "error: config/growthbook.json: encryptedFeatures: the payload is encrypted: set KRAKEN_GROWTHBOOK_KEY to its decryption key",
    ),
];

#[test]
fn the_valid_payload_compiles() {
    let text = payload().to_string();
    compile_with(&text, &edge(&["gb-banner"])).unwrap();
}

#[test]
fn every_invalid_payload_is_refused_with_file_path_and_reason() {
    for (what, mutate, want) in INVALID {
        let mut p = payload();
        mutate(&mut p);
        let errors = compile_with(&p.to_string(), &edge(&["gb-banner"]))
            .expect_err(&format!("{what}: compiled"));
        assert!(
            errors.iter().any(|e| e == want),
            "{what}: expected {want}\n got {errors:#?}"
        );
    }
}

#[test]
fn edge_json_problems_name_edge_json() {
    let text = payload().to_string();
    let cases: &[(&str, &str)] = &[
        (
            &edge(&["gb-missing"]),
            "error: config/edge.json: growthbook.features[0]: feature \"gb-missing\" is not in config/growthbook.json",
        ),
        (
            &edge(&["new-nav"]),
            "error: config/edge.json: growthbook.features[0]: feature \"new-nav\" is not in config/growthbook.json",
        ),
        (
            r#"{"page_types": ["home"], "growthbook": {"features": "gb-banner"}}"#,
            "error: config/edge.json: growthbook.features: expected an array of feature keys, found a string",
        ),
    ];
    for (edge, want) in cases {
        let errors = compile_with(&text, edge).expect_err(edge);
        assert!(
            errors.iter().any(|e| e == want),
            "expected {want}\n got {errors:#?}"
        );
    }
    // A feature key that is also an edge flag's key.
    let mut p = payload();
    p["features"]["new-nav"] = json!({"defaultValue": "on"});
    let errors = compile_with(&p.to_string(), &edge(&["new-nav"])).expect_err("flag key");
    let want = "error: config/edge.json: growthbook.features[0]: \"new-nav\" is also an edge flag of site-features.json: their items would collide";
    assert!(
        errors.iter().any(|e| e == want),
        "expected {want}\n got {errors:#?}"
    );
    // Bad JSON.
    let errors = compile_with("{\"features\": {", &edge(&["gb-banner"])).expect_err("bad JSON");
    assert!(
        errors[0].starts_with("error: config/growthbook.json: bad JSON at line 1"),
        "{errors:?}"
    );
}

#[test]
fn a_refused_payload_writes_nothing() {
    let dir = std::env::temp_dir().join(format!("kraken-gb-invalid-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for name in ["experiments.json", "site-features.json"] {
        std::fs::write(dir.join(name), read(name)).unwrap();
    }
    std::fs::write(dir.join("edge.json"), edge(&["gb-banner"])).unwrap();
    let mut p = payload();
    p["features"]["gb-banner"]["rules"][1]["hashVersion"] = json!(7);
    std::fs::write(dir.join("growthbook.json"), p.to_string()).unwrap();
    let out = dir.join("out/config.rs");
    let run = Command::new(env!("CARGO_BIN_EXE_codegen"))
        .args(["generate", "--config"])
        .arg(&dir)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("features.gb-banner.rules[1].hashVersion: expected 1 or 2, found 7"),
        "{stderr}"
    );
    assert!(
        !out.exists() && !dir.join("out/growthbook.rs").exists(),
        "nothing is written"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `Kraken-Config` names everything that decides a key: a change to a listed feature changes the
/// digest, and without a payload the digest is the platform config's alone.
#[test]
fn the_digest_covers_the_payload() {
    let digest = |payload: Option<&str>| {
        let sources = Sources::from_texts(
            &read("experiments.json"),
            &read("site-features.json"),
            &edge(&["gb-banner"]),
        );
        let sources = match payload {
            Some(p) => sources.with_growthbook(p),
            None => sources,
        };
        let compiled = compile(&sources).unwrap();
        assert!(
            compiled
                .source
                .contains(&format!("pub const DIGEST: &str = \"{}\"", compiled.digest))
        );
        (compiled.digest, codegen::emit::digest(&compiled.edge))
    };
    let mut changed = payload();
    changed["features"]["gb-banner"]["defaultValue"] = json!("on");
    let (with, platform) = digest(Some(&payload().to_string()));
    let (other, same_platform) = digest(Some(&changed.to_string()));
    let (without, platform_only) = digest(None);
    assert_eq!((&platform, &platform), (&same_platform, &platform_only));
    assert_ne!(with, other, "a payload change must change the digest");
    assert_ne!(with, platform);
    assert_eq!(without, platform_only);
}
