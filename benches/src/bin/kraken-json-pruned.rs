//! The middle of the story as a Fastly Compute service: the sample config pruned to what the
//! edge uses (by `build.rs`), still JSON, parsed and interpreted on every request.

#[cfg(target_arch = "wasm32")]
#[path = "../../../kraken/src/adapter.rs"]
mod adapter;

#[cfg(target_arch = "wasm32")]
fn main() {
    const EXPERIMENTS: &str = include_str!(concat!(env!("OUT_DIR"), "/pruned/experiments.json"));
    const SITE_FEATURES: &str =
        include_str!(concat!(env!("OUT_DIR"), "/pruned/site-features.json"));
    const EDGE: &str = include_str!("../../../config/edge.json");
    adapter::serve("json-pruned", |input, key| {
        kraken_benches::Interpreter::from_json(EXPERIMENTS, SITE_FEATURES, EDGE)
            .expect("the embedded config parses")
            .assign_into(input, adapter::random_id, key)
    });
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "kraken-json-pruned is a Fastly Compute service: build it with --target wasm32-wasip1"
    );
    std::process::exit(2);
}
