//! The "before" as a Fastly Compute service: the sample config's platform JSON, embedded whole,
//! parsed and interpreted on every request (same request handling as `kraken`).

#[cfg(target_arch = "wasm32")]
#[path = "../../../kraken/src/adapter.rs"]
mod adapter;

#[cfg(target_arch = "wasm32")]
fn main() {
    const EXPERIMENTS: &str = include_str!("../../../config/experiments.json");
    const SITE_FEATURES: &str = include_str!("../../../config/site-features.json");
    const EDGE: &str = include_str!("../../../config/edge.json");
    adapter::serve("json", |input, key| {
        kraken_benches::Interpreter::from_json(EXPERIMENTS, SITE_FEATURES, EDGE)
            .expect("the embedded config parses")
            .assign_into(input, adapter::random_id, key)
    });
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("kraken-json is a Fastly Compute service: build it with --target wasm32-wasip1");
    std::process::exit(2);
}
