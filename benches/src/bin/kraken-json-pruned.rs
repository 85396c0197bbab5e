//! The middle of the story as a Fastly Compute service: the sample config pruned to what the
//! edge uses (by `build.rs`), still JSON, parsed and interpreted on every request.

fn main() {
    kraken_benches::json_service::serve("json-pruned", kraken_benches::json_service::PRUNED);
}
