//! Fuzz target: arbitrary bytes as codegen's three input files, split at NUL bytes
//! (`experiments.json \0 site-features.json \0 edge.json`). `compile` must return a clean error
//! or source that parses, whatever the bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut files = data.splitn(3, |&b| b == 0);
    // `Sources::read` refuses non-UTF-8; lossy decoding keeps such inputs useful here.
    let mut next = || String::from_utf8_lossy(files.next().unwrap_or_default()).into_owned();
    let (experiments, site_features, edge) = (next(), next(), next());
    kraken_fuzz::compiled::check(&codegen::Sources::from_texts(
        &experiments,
        &site_features,
        &edge,
    ));
});
