//! codegen's hit-ratio forecast against assignment itself: many runs of N new visitors (minted
//! ids from fixed random bytes) average to the forecast's expected distinct keys. Every page
//! type and host case of the sample through the service's own tables (`kraken::assign`), and
//! the most crowded rows of generated configs (random layers, overlapping ranges, targeting)
//! through the JSON interpreter, the differential test's oracle that generated tables match.

use kraken::{Assignment, RequestInput};
use kraken_benches::{ConfigTexts, Interpreter, Shape, generate};

const VISITORS: u64 = 1_000;
const RUNS: u64 = 10;
/// Rows of each generated config compared (the interpreter is slow in debug builds).
const GENERATED_ROWS: usize = 5;

/// splitmix64: fixed, well-mixed bytes for the minted ids.
fn random_bytes(state: &mut u64) -> [u8; 16] {
    let mut next = || {
        *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let (a, b) = (next(), next());
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&a.to_le_bytes());
    out[8..].copy_from_slice(&b.to_le_bytes());
    out
}

/// Mean and standard error of the distinct keys `VISITORS` new visitors get, over `RUNS` runs.
fn measured(assign: &Assign<'_>, page: &str, host: &str, seed: u64) -> (f64, f64) {
    let mut state = seed;
    let counts: Vec<f64> = (0..RUNS)
        .map(|_| {
            let mut keys = std::collections::HashSet::new();
            for _ in 0..VISITORS {
                let bytes = random_bytes(&mut state);
                let input = RequestInput {
                    host: Some(host.as_bytes()),
                    page_type: Some(page.as_bytes()),
                    ..RequestInput::default()
                };
                keys.insert(assign(&input, bytes).key);
            }
            keys.len() as f64
        })
        .collect();
    let mean = counts.iter().sum::<f64>() / RUNS as f64;
    let var = counts.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / (RUNS - 1) as f64;
    (mean, (var / RUNS as f64).sqrt())
}

type Assign<'a> = dyn Fn(&RequestInput<'_>, [u8; 16]) -> Assignment + 'a;

/// Rows' forecasts within 4 standard errors of the runs' mean: every row, or the `limit` with
/// most experiments whose ratio is neither near 0 nor near 1. Returns the rows compared.
fn check(name: &str, texts: &ConfigTexts, assign: &Assign<'_>, limit: Option<usize>) -> usize {
    let sources =
        codegen::Sources::from_texts(&texts.experiments, &texts.site_features, &texts.edge);
    let compiled = codegen::compile(&sources).unwrap_or_else(|d| panic!("{name}: {d:?}"));
    let mut rows = codegen::forecast::rows(&compiled.edge, VISITORS, false);
    if let Some(limit) = limit {
        rows.retain(|r| !r.approximate && (0.05..0.95).contains(&r.hit_ratio));
        rows.sort_by_key(|r| std::cmp::Reverse(r.experiments));
        rows.truncate(limit);
    }
    for (i, row) in rows.iter().enumerate() {
        assert!(
            !row.approximate,
            "{name}: {} on {}",
            row.page_type, row.host
        );
        let host = if row.host == "*" {
            "unknown-host.invalid"
        } else {
            &row.host
        };
        let (mean, se) = measured(assign, &row.page_type, host, 77 + i as u64);
        assert!(
            (mean - row.distinct).abs() <= 4.0 * se + 0.5,
            "{name}: {} on {}: forecast {:.1} distinct keys, {RUNS} runs averaged {mean:.1} ± {se:.1}",
            row.page_type,
            row.host,
            row.distinct
        );
    }
    rows.len()
}

#[test]
fn the_forecast_is_the_mean_of_the_service_s_assignments_on_the_sample() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../config");
    let read = |name: &str| std::fs::read_to_string(root.join(name)).unwrap();
    let texts = ConfigTexts {
        experiments: read("experiments.json"),
        site_features: read("site-features.json"),
        edge: read("edge.json"),
    };
    let service =
        |input: &RequestInput<'_>, bytes| kraken::assign(&kraken::CONFIG, input, || bytes);
    assert_eq!(
        check("sample", &texts, &service, None),
        28,
        "4 page types x 7 host cases"
    );
}

#[test]
fn the_forecast_is_the_mean_of_real_assignments_on_generated_configs() {
    let shape = Shape {
        relevant: 14,
        dropped: 5,
        flags: 2,
        page_types: 3,
        domains: 3,
        pinned: None,
        tricky: false,
        metadata: false,
    };
    for seed in [1, 2] {
        let texts = generate(seed, &shape);
        let interpreter =
            Interpreter::from_json(&texts.experiments, &texts.site_features, &texts.edge).unwrap();
        let assign = |input: &RequestInput<'_>, bytes| interpreter.assign(input, || bytes);
        let compared = check(
            &format!("generated seed {seed}"),
            &texts,
            &assign,
            Some(GENERATED_ROWS),
        );
        assert_eq!(compared, GENERATED_ROWS, "seed {seed}");
    }
}
