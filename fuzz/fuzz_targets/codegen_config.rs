//! Fuzz target: structured configs (`kraken_fuzz::model`) serialised to JSON. Same invariants as
//! `codegen_input`, but most inputs get past validation into pruning and emission.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|config: kraken_fuzz::model::Config| {
    let (experiments, site_features, edge) = config.files();
    kraken_fuzz::compiled::check(&codegen::Sources::from_texts(
        &experiments,
        &site_features,
        &edge,
    ));
});
