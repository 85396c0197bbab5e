//! Fastly Compute entry point: the compiled config's key for the client request (SPEC §5).
//! Request and response handling live in `kraken::compute`; assignment in `kraken::assign`.

#[cfg(all(target_arch = "wasm32", target_os = "wasi"))]
fn main() {
    let growthbook = &kraken::GROWTHBOOK;
    kraken::compute::serve_with(
        kraken::CONFIG.digest,
        growthbook.enabled,
        |input, edge, key| {
            kraken::growthbook_assign::assign_into(
                &kraken::CONFIG,
                growthbook,
                input,
                edge,
                kraken::compute::random_id,
                key,
            )
        },
    );
}

#[cfg(not(all(target_arch = "wasm32", target_os = "wasi")))]
fn main() {
    eprintln!(
        "kraken is a Fastly Compute service: build it with --target wasm32-wasip1 (see README)"
    );
    std::process::exit(2);
}
