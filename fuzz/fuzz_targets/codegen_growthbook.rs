//! Fuzz target: arbitrary bytes as `config/growthbook.json` (lossy UTF-8), with an `edge.json`
//! listing the first features the payload has (or none). The GrowthBook stage must refuse
//! cleanly or emit source that parses, whatever the bytes.
#![no_main]

use kraken_fuzz::growthbook::{check, feature_keys};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let payload = String::from_utf8_lossy(data);
    check(&payload, &feature_keys(&payload, 8));
});
