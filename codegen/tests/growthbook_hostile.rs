//! Hostile GrowthBook payloads, from `fuzz/` (targets `codegen_growthbook`, `growthbook_payload`)
//! and its seeds: each once crashed, hung or blew up codegen; now each is refused with the file,
//! the JSON path and the reason, or compiles.

use codegen::growthbook::{Input, compile};
use serde_json::{Value, json};

const EDGE: &str = r#"{"page_types": ["home"], "growthbook": {"features": ["f"]}}"#;

/// Compiles `payload` (listing feature `f`): the error lines, or `Ok` with the source.
fn run(payload: &str) -> Result<String, Vec<String>> {
    let page_types = ["home".to_owned()];
    let input = Input {
        payload: Some(("config/growthbook.json", payload)),
        edge: ("config/edge.json", EDGE),
        page_types: &page_types,
        flag_keys: &[],
        experiment_keys: &[],
        key: None,
        edge_attributes: true,
    };
    compile(&input)
        .map(|c| c.source)
        .map_err(|d| d.iter().map(ToString::to_string).collect())
}

fn with_condition(condition: Value, extra: Value) -> String {
    let mut p = json!({"features": {"f": {"defaultValue": "off",
        "rules": [{"condition": condition, "force": "on"}]}}});
    if let (Value::Object(p), Value::Object(extra)) = (&mut p, extra) {
        p.extend(extra);
    }
    p.to_string()
}

fn refused(payload: &str, path: &str, reason: &str) {
    match run(payload) {
        Ok(_) => panic!("compiled; expected {path}: {reason}"),
        Err(lines) => assert!(
            lines
                .iter()
                .any(|l| l.starts_with("error: config/growthbook.json: ")
                    && l.contains(&format!(": {path}: "))
                    && l.contains(reason)),
            "expected {path}: {reason}, got {lines:?}"
        ),
    }
}

fn rule_condition(text: &str) -> String {
    format!(
        r#"{{"features":{{"f":{{"defaultValue":"off","rules":[{{"condition":{text},"force":"on"}}]}}}}}}"#
    )
}

#[test]
fn nesting_100000_deep_is_refused_not_a_stack_overflow() {
    let n = 100_000;
    let and = rule_condition(&format!(
        "{}{{}}{}",
        r#"{"$and":["#.repeat(n),
        "]}".repeat(n)
    ));
    let not = rule_condition(&format!("{}{{}}{}", r#"{"$not":"#.repeat(n), "}".repeat(n)));
    let array = format!(
        r#"{{"features":{{"f":{{"defaultValue":{}{}}}}}}}"#,
        "[".repeat(n),
        "]".repeat(n)
    );
    for text in [and, not, array] {
        let lines = run(&text).expect_err("refused");
        assert!(lines[0].contains("nested more than 128 deep"), "{lines:?}");
    }
}

#[test]
fn nesting_at_the_limit_compiles_to_source_that_parses() {
    // 120 `$not`s: within the JSON depth and the condition depth.
    let text = rule_condition(&format!(
        "{}{{\"id\":\"x\"}}{}",
        r#"{"$not":"#.repeat(120),
        "}".repeat(120)
    ));
    let source = run(&text).expect("compiles");
    syn::parse_file(&source).expect("generated source parses");
}

#[test]
fn deeply_nested_regex_groups_are_refused() {
    // Was a stack overflow in the pattern parser.
    let p = format!("{}a{}", "(".repeat(2000), ")".repeat(2000));
    refused(
        &with_condition(json!({"path": {"$regex": p}}), json!({})),
        "features.f.rules[0].condition.path.$regex",
        "groups nested more than 64 deep",
    );
    let p = format!("{}a{}", "(".repeat(64), ")".repeat(64));
    run(&with_condition(json!({"path": {"$regex": p}}), json!({}))).expect("64 deep compiles");
}

#[test]
fn regexes_whose_automaton_explodes_are_refused() {
    // Were minutes of determinisation or NFA building.
    for p in [
        format!("(a|b)*a{}", "(a|b)".repeat(24)),
        "((a{1000}){1000}){1000}".to_owned(),
    ] {
        let lines =
            run(&with_condition(json!({"path": {"$regex": p}}), json!({}))).expect_err("refused");
        assert!(
            lines[0].contains("features.f.rules[0].condition.path.$regex")
                && lines[0].contains("limit"),
            "{lines:?}"
        );
    }
}

#[test]
fn long_patterns_are_refused_and_case_folding_is_not_quadratic() {
    let p = "a".repeat(5000);
    refused(
        &with_condition(json!({"path": {"$regex": p}}), json!({})),
        "features.f.rules[0].condition.path.$regex",
        "more than the 4096 codegen compiles",
    );
    // Case-insensitive negated classes: each was a scan of all 65,536 code units, twice.
    let p = format!("^{}$", "[^a]".repeat(200));
    let r = run(&with_condition(json!({"path": {"$regexi": p}}), json!({})));
    assert!(r.is_ok(), "{r:?}");
}

#[test]
fn saved_groups_doubling_at_each_step_are_refused() {
    // g0 uses g1 twice, g1 uses g2 twice, ...: 2^40 nodes expanded.
    let mut groups = serde_json::Map::new();
    for i in 0..40 {
        let next = json!({"$savedGroup": {"id": format!("g{}", i + 1)}});
        groups.insert(
            format!("g{i}"),
            json!({"type": "condition", "condition": {"$and": [next, next]}}),
        );
    }
    groups.insert(
        "g40".into(),
        json!({"type": "list", "attributeKey": "id", "values": ["a"]}),
    );
    refused(
        &with_condition(
            json!({"$savedGroup": {"id": "g0"}}),
            json!({"savedGroups": groups}),
        ),
        "savedGroups.g37.condition.$and[0]",
        "condition expands to more than 100000 nodes",
    );
}

#[test]
fn saved_group_chains_are_bounded() {
    let mut groups = serde_json::Map::new();
    for i in 0..10_000 {
        let next = json!({"$savedGroup": {"id": format!("g{}", i + 1)}});
        groups.insert(
            format!("g{i}"),
            json!({"type": "condition", "condition": next}),
        );
    }
    refused(
        &with_condition(
            json!({"$savedGroup": {"id": "g0"}}),
            json!({"savedGroups": groups}),
        ),
        "savedGroups.g127.condition",
        "condition nested more than 128 deep",
    );
}

#[test]
fn a_saved_group_cycle_through_elem_match_is_bounded() {
    // `$elemMatch` started a fresh cycle check: g -> $elemMatch -> g -> ... without end.
    let groups = json!({"g": {"type": "condition",
        "condition": {"x": {"$elemMatch": {"y": 1, "$savedGroup": {"id": "g"}}}}}});
    refused(
        &with_condition(
            json!({"$savedGroup": {"id": "g"}}),
            json!({"savedGroups": groups}),
        ),
        "savedGroups.g.condition.x",
        "condition nested more than 128 deep",
    );
}

#[test]
fn many_keys_in_one_object_are_not_quadratic() {
    // 200,000 keys, each searched for linearly among the previous ones: minutes.
    let keys: Vec<String> = (0..200_000).map(|i| format!("\"k{i}\":{i}")).collect();
    let text = format!(
        r#"{{"features":{{"f":{{"defaultValue":"off"}}}},"extra":{{{},"k7":"last"}}}}"#,
        keys.join(",")
    );
    let root = codegen::growthbook::json::parse(&text).expect("parses");
    let extra = root.get("extra").expect("extra");
    // A repeated key keeps its first place and its last value, as JSON.parse does.
    let codegen::growthbook::json::Json::Obj(entries) = extra else {
        panic!("an object")
    };
    assert_eq!(entries.len(), 200_000);
    assert_eq!(entries[7].0, "k7");
    assert_eq!(
        extra.get("k7"),
        Some(&codegen::growthbook::json::Json::Str("last".into()))
    );
    run(&text).expect("compiles");
}

#[test]
fn a_chain_of_prerequisite_diamonds_is_checked_in_linear_time() {
    // f uses p0 twice, p0 uses p1 twice, ...: the cycle check followed all 2^40 paths.
    let mut features = serde_json::Map::new();
    let rule = |parent: String| json!({"force": "on", "parentConditions": [{"id": parent, "condition": {"value": true}}]});
    features.insert(
        "f".into(),
        json!({"defaultValue": "off", "rules": [rule("p0".into()), rule("p0".into())]}),
    );
    for i in 0..40 {
        let next = format!("p{}", i + 1);
        features.insert(
            format!("p{i}"),
            json!({"defaultValue": true, "rules": [rule(next.clone()), rule(next)]}),
        );
    }
    features.insert("p40".into(), json!({"defaultValue": true}));
    let r = run(&json!({"features": features}).to_string());
    assert!(r.is_ok(), "{r:?}");
    // A cycle is still found, and named from where it starts.
    features.insert(
        "p40".into(),
        json!({"defaultValue": true, "rules": [rule("p39".into())]}),
    );
    refused(
        &json!({"features": features}).to_string(),
        "features.p39",
        "cyclic prerequisite: p39 -> p40 -> p39",
    );
}

#[test]
fn many_listed_features_are_not_quadratic() {
    let n = 20_000;
    let features: serde_json::Map<String, Value> = (0..n)
        .map(|i| (format!("f{i}"), json!({"defaultValue": i})))
        .collect();
    let listed: Vec<String> = (0..n).map(|i| format!("f{i}")).collect();
    let edge = json!({"page_types": ["home"], "growthbook": {"features": listed}}).to_string();
    let page_types = ["home".to_owned()];
    let payload = json!({"features": features}).to_string();
    let input = Input {
        payload: Some(("config/growthbook.json", &payload)),
        edge: ("config/edge.json", &edge),
        page_types: &page_types,
        flag_keys: &[],
        experiment_keys: &[],
        key: None,
        edge_attributes: true,
    };
    let errors = compile(&input).expect_err("over the item limit");
    assert!(
        errors[0].message.contains("more than the 2048"),
        "{errors:?}"
    );
}
