//! Inputs the fuzz targets (`fuzz/`) broke an invariant with, each kept as a plain test.

use codegen::{Sources, compile};

/// The `match` expressions of the generated functions, as `(function, arms)`.
fn matches(source: &str) -> Vec<(String, usize)> {
    let file = syn::parse_file(source).expect("generated source parses");
    let mut out = Vec::new();
    for item in &file.items {
        let syn::Item::Fn(f) = item else { continue };
        for stmt in &f.block.stmts {
            if let syn::Stmt::Expr(syn::Expr::Match(m), _) = stmt {
                out.push((f.sig.ident.to_string(), m.arms.len()));
            }
        }
    }
    out
}

fn source(experiments: &str, site_features: &str, edge: &str) -> String {
    match compile(&Sources::from_texts(experiments, site_features, edge)) {
        Ok(compiled) => compiled.source,
        Err(d) => panic!("refused: {d:?}"),
    }
}

const ONE_EXPERIMENT: &str = r#"{"experiments": [{"key": "a", "status": "running",
    "platforms": ["web"], "page_types": ["home"], "traffic": 10000,
    "variations": [{"key": "control", "weight": 10000}]}]}"#;
const FLAG_WITHOUT_RULES: &str = r#"{"flags": [{"key": "nav", "values": ["off", "on"], "default": "off", "rules": [], "edge": true}]}"#;
const FLAG_WITH_RULE: &str = r#"{"flags": [{"key": "nav", "values": ["off", "on"], "default": "off",
    "rules": [{"domains": ["example.ie"], "value": "on"}], "edge": true}]}"#;

// Found by `codegen_input` (seed `empty`) and `codegen_config` (the empty config): with no host
// case or no page type, `host`/`page_type` were a `match` whose only arm is `_`, which
// `clippy::match_single_binding` rejects under scripts/test's `-D warnings`, so an accepted config
// broke CI.

#[test]
fn no_named_host_emits_no_single_arm_match() {
    let source = source(
        ONE_EXPERIMENT,
        FLAG_WITHOUT_RULES,
        r#"{"page_types": ["home"]}"#,
    );
    assert!(source.contains("&OTHER_HOSTS"));
    assert_eq!(matches(&source), [("page_type".to_owned(), 2)]);
}

#[test]
fn no_page_type_emits_no_single_arm_match() {
    let source = source(ONE_EXPERIMENT, FLAG_WITH_RULE, r#"{"page_types": []}"#);
    assert_eq!(matches(&source), [("host".to_owned(), 2)]);
}

#[test]
fn empty_config_emits_no_match() {
    let source = source(
        r#"{"experiments": []}"#,
        r#"{"flags": []}"#,
        r#"{"page_types": []}"#,
    );
    assert_eq!(matches(&source), []);
}

/// The check above sees matches when there are named cases (so it can fail).
#[test]
fn named_cases_keep_their_match() {
    let source = source(
        ONE_EXPERIMENT,
        FLAG_WITH_RULE,
        r#"{"page_types": ["home"]}"#,
    );
    assert_eq!(
        matches(&source),
        [("page_type".to_owned(), 2), ("host".to_owned(), 2)]
    );
}
