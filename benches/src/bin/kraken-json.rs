//! The "before" as a Fastly Compute service: the sample config's platform JSON, embedded whole,
//! parsed and interpreted on every request (same request handling as `kraken`).

fn main() {
    kraken_benches::json_service::serve("json", kraken_benches::json_service::WHOLE);
}
