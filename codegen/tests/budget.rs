//! The cache-variant budget: counts worked out by hand on the small fixture, and a config just
//! under and just over `max_variants` (refused, or warned about in `warn` mode).

use codegen::{Sources, compile};
use serde_json::json;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/small");

fn compile_with_edge(edge: serde_json::Value) -> Result<codegen::Compiled, Vec<String>> {
    let text = |name: &str| std::fs::read_to_string(format!("{DIR}/{name}")).unwrap();
    compile(&Sources::from_texts(
        &text("experiments.json"),
        &text("site-features.json"),
        &edge.to_string(),
    ))
    .map_err(|d| d.iter().map(ToString::to_string).collect())
}

#[test]
fn worst_case_keys_per_page_type_and_host() {
    let compiled = compile_with_edge(json!({"page_types": ["home", "hotel"]})).unwrap();
    let count = |page: &str, host: &str| {
        let row = compiled
            .budget
            .iter()
            .find(|r| r.page_type == page && r.host == host)
            .unwrap();
        (row.experiments, row.keys, row.keys_with_overrides)
    };
    // home: `a` (control|b, full traffic: always enrolled) x `a-b` on its two domains (3 variations
    // at 50% traffic in a layer: 3 + not enrolled). Flags are fixed per host.
    // Overrides: `a` 2 x `a-b` 4, times new-nav (2) x banner (3).
    assert_eq!(count("home", "example.com"), (2, 2 * 4, 2 * 4 * 6));
    assert_eq!(count("home", "example.ie"), (2, 8, 48));
    assert_eq!(count("home", "example.de"), (1, 2, 2 * 6));
    assert_eq!(count("home", "*"), (1, 2, 12));
    // hotel: `a_b` has a weight-0 variation: one natural outcome, two when forced.
    assert_eq!(count("hotel", "example.com"), (2, 4, 4 * 2 * 6));
    assert_eq!(count("hotel", "*"), (1, 1, 2 * 6));
    assert_eq!(
        compiled.budget.len(),
        2 * 4,
        "2 page types x (3 named hosts + catch-all)"
    );
}

#[test]
fn a_config_just_under_the_budget_compiles() {
    assert!(compile_with_edge(json!({"page_types": ["home", "hotel"], "max_variants": 8})).is_ok());
}

#[test]
fn a_config_just_over_the_budget_is_refused_naming_page_host_and_experiments() {
    let errors =
        compile_with_edge(json!({"page_types": ["home", "hotel"], "max_variants": 7})).unwrap_err();
    let expected = "error: config/edge.json: max_variants: page type \"home\" on host \"example.com\" has 8 possible keys, over the budget of 7; pushed over by a-b (x4)";
    assert!(errors.iter().any(|e| e == expected), "{errors:#?}");
    assert!(
        errors
            .iter()
            .any(|e| e.contains("\"home\" on host \"example.ie\""))
    );
    assert_eq!(
        errors.len(),
        2,
        "only the two hosts over budget: {errors:#?}"
    );
}

#[test]
fn warn_mode_reports_but_compiles() {
    let compiled = compile_with_edge(
        json!({"page_types": ["home", "hotel"], "max_variants": 1, "max_variants_mode": "warn"}),
    )
    .unwrap();
    assert!(compiled.warnings.iter().any(|w| {
        w.to_string()
            .contains("page type \"hotel\" on host \"example.com\" has 4 possible keys")
    }));
}

#[test]
fn a_bad_budget_setting_is_refused() {
    for bad in [
        json!({"page_types": ["home"], "max_variants": 0}),
        json!({"page_types": ["home"], "max_variants": "10"}),
        json!({"page_types": ["home"], "max_variants": 10, "max_variants_mode": "loud"}),
    ] {
        assert!(compile_with_edge(bad).is_err());
    }
}
