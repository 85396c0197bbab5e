//! Fuzz target: the sample GrowthBook payload (`config/growthbook.json`) with random subtrees
//! replaced by hostile values (`kraken_fuzz::mutate`): deep nesting, huge numbers, lone
//! surrogates, regexes of every shape, saved-group chains. The GrowthBook stage must refuse
//! cleanly or emit source that parses.
#![no_main]

use arbitrary::Unstructured;
use kraken_fuzz::growthbook::{SAMPLE, check};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static SAMPLE_VALUE: OnceLock<serde_json::Value> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let sample = SAMPLE_VALUE.get_or_init(|| serde_json::from_str(SAMPLE).expect("sample parses"));
    let mut u = Unstructured::new(data);
    let Ok((payload, listed)) = kraken_fuzz::mutate::payload(&mut u, sample) else {
        return;
    };
    check(&payload, &listed);
});
