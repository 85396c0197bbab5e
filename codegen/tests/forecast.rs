//! The hit-ratio forecast: figures worked out by hand on the small fixture, a config just above
//! and just below `min_hit_ratio` (refused, or warned about in `warn` mode), and bad settings
//! refused with their JSON path.

use codegen::{Sources, compile, forecast};
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

/// `Σ_k 1 − (1 − p_k)^N`.
fn distinct(ps: &[f64], n: u64) -> f64 {
    ps.iter().map(|p| 1.0 - (1.0 - p).powf(n as f64)).sum()
}

/// home on example.com: `a` (two halves) times `a-b` (its layer half, then 50 % traffic over
/// weights 3334/3333/3333: buckets [0,1667), [3334,5000), [6667,8333)).
fn home_on_example_com() -> Vec<f64> {
    let layer = 0.5;
    let a_b = [
        layer * 0.1667,
        layer * 0.1666,
        layer * 0.1666,
        1.0 - layer * (0.1667 + 0.1666 + 0.1666),
    ];
    a_b.iter().flat_map(|p| [0.5 * p, 0.5 * p]).collect()
}

fn row<'a>(rows: &'a [forecast::Row], page: &str, host: &str) -> &'a forecast::Row {
    rows.iter()
        .find(|r| r.page_type == page && r.host == host)
        .unwrap()
}

#[test]
fn forecast_matches_the_figures_worked_out_by_hand() {
    let compiled = compile_with_edge(json!({"page_types": ["home", "hotel"]})).unwrap();
    for n in [1u64, 10, 100, 10_000] {
        let rows = forecast::rows(&compiled.edge, n, true);
        let close = |got: f64, want: f64| (got - want).abs() < 1e-6 * want.max(1.0);
        let r = row(&rows, "home", "example.com");
        let want = distinct(&home_on_example_com(), n);
        assert!(close(r.distinct, want), "n = {n}: {} vs {want}", r.distinct);
        assert!(close(r.hit_ratio, 1.0 - want / n as f64));
        if n == 1 {
            // One visitor never hits: every ratio is 0, nothing costs more than another.
            assert_eq!(r.hit_ratio, 0.0);
            continue;
        }
        // Without `a-b`, two keys of 1/2; without `a`, the four of `a-b`: `a-b` costs more.
        let without: Vec<(&str, f64)> = r.costliest.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        assert_eq!(without.len(), 2);
        assert_eq!(without[0].0, "a-b");
        assert!(close(
            without[0].1,
            1.0 - distinct(&[0.5, 0.5], n) / n as f64
        ));
        let a_b_alone: Vec<f64> = home_on_example_com()
            .chunks(2)
            .map(|c| c[0] + c[1])
            .collect();
        assert!(close(
            without[1].1,
            1.0 - distinct(&a_b_alone, n) / n as f64
        ));
        // hotel on other hosts: `a_b` always "on" (its other variation weighs 0): one key.
        let r = row(&rows, "hotel", "*");
        assert!(close(r.distinct, 1.0), "{}", r.distinct);
        assert_eq!(r.experiments, 1);
    }
}

#[test]
fn forecast_is_deterministic() {
    let compiled = compile_with_edge(json!({"page_types": ["home", "hotel"]})).unwrap();
    let once = forecast::rows(&compiled.edge, 5000, true);
    assert_eq!(once, forecast::rows(&compiled.edge, 5000, true));
    assert_eq!(
        forecast::table(&once),
        forecast::table(&forecast::rows(&compiled.edge, 5000, true))
    );
}

/// The least cacheable row of the fixture at 100 visitors, worked out by hand.
fn worst_ratio() -> f64 {
    1.0 - distinct(&home_on_example_com(), 100) / 100.0
}

#[test]
fn a_config_just_above_the_floor_compiles() {
    let ratio = worst_ratio() - 1e-4;
    let edge = json!({"page_types": ["home", "hotel"], "min_hit_ratio": {"visitors": 100, "ratio": ratio}});
    let compiled = compile_with_edge(edge).unwrap();
    assert_eq!(compiled.forecast_visitors, 100);
    assert!(compiled.warnings.is_empty(), "{:?}", compiled.warnings);
}

#[test]
fn a_config_just_below_the_floor_is_refused_naming_page_host_forecast_and_experiments() {
    let ratio = worst_ratio() + 1e-4;
    let edge = json!({"page_types": ["home", "hotel"], "min_hit_ratio": {"visitors": 100, "ratio": ratio}});
    let errors = compile_with_edge(edge).unwrap_err();
    let want = format!(
        "error: config/edge.json: min_hit_ratio: page type \"home\" on host \"example.com\" is \
         forecast at a {:.1} % hit ratio for 100 new visitors ({:.0} distinct keys), below the \
         floor of {:.1} %; pulled down most by a-b (98.0 % without it), a (96.0 % without it)",
        worst_ratio() * 100.0,
        distinct(&home_on_example_com(), 100),
        ratio * 100.0,
    );
    assert!(errors.contains(&want), "{errors:#?}");
    // example.ie has the same experiments: refused too; nothing else is that low.
    assert!(
        errors
            .iter()
            .any(|e| e.contains("\"home\" on host \"example.ie\""))
    );
    assert_eq!(errors.len(), 2, "{errors:#?}");
}

#[test]
fn warn_mode_reports_but_compiles() {
    let edge = json!({
        "page_types": ["home", "hotel"],
        "min_hit_ratio": {"visitors": 100, "ratio": 0.99},
        "min_hit_ratio_mode": "warn",
    });
    let compiled = compile_with_edge(edge).unwrap();
    let warnings: Vec<String> = compiled.warnings.iter().map(ToString::to_string).collect();
    // Every row but the one-key ones (hotel without `a-b`: 99.0 % is not below 99 %).
    assert_eq!(warnings.len(), 6, "{warnings:#?}");
    assert!(
        warnings
            .iter()
            .all(|w| w.starts_with("warning: config/edge.json: min_hit_ratio: "))
    );
}

#[test]
fn bad_floor_settings_are_refused_with_their_path() {
    let cases = [
        (
            json!({"min_hit_ratio": 0.8}),
            "min_hit_ratio: expected an object",
        ),
        (
            json!({"min_hit_ratio": {"ratio": 0.8}}),
            "min_hit_ratio.visitors: expected an integer from 1",
        ),
        (
            json!({"min_hit_ratio": {"visitors": 0, "ratio": 0.8}}),
            "min_hit_ratio.visitors:",
        ),
        (
            json!({"min_hit_ratio": {"visitors": 1.5, "ratio": 0.8}}),
            "min_hit_ratio.visitors:",
        ),
        (
            json!({"min_hit_ratio": {"visitors": 2_000_000_000u64, "ratio": 0.8}}),
            "min_hit_ratio.visitors:",
        ),
        (
            json!({"min_hit_ratio": {"visitors": 100}}),
            "min_hit_ratio.ratio: expected a number from 0",
        ),
        (
            json!({"min_hit_ratio": {"visitors": 100, "ratio": 1}}),
            "min_hit_ratio.ratio:",
        ),
        (
            json!({"min_hit_ratio": {"visitors": 100, "ratio": -0.1}}),
            "min_hit_ratio.ratio:",
        ),
        (
            json!({"min_hit_ratio": {"visitors": 100, "ratio": "80%"}}),
            "min_hit_ratio.ratio:",
        ),
        (
            json!({"min_hit_ratio": {"visitors": 100, "ratio": 0.5}, "min_hit_ratio_mode": "loud"}),
            "min_hit_ratio_mode: expected \"error\" or \"warn\"",
        ),
    ];
    for (extra, want) in cases {
        let mut edge = json!({"page_types": ["home", "hotel"]});
        edge.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let errors = compile_with_edge(edge.clone()).unwrap_err();
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with(&format!("error: config/edge.json: {want}"))),
            "{edge}: {errors:#?}"
        );
    }
}

#[test]
fn an_unknown_field_in_the_floor_only_warns() {
    let edge = json!({"page_types": ["home"], "min_hit_ratio": {"visitors": 100, "ratio": 0.5, "per": "day"}});
    let compiled = compile_with_edge(edge).unwrap();
    assert!(compiled.warnings.iter().any(|w| w.to_string()
        == "warning: config/edge.json: min_hit_ratio.per: unknown field is ignored"));
}
