//! The JSON baselines as Fastly Compute services (`src/bin/kraken-json*.rs`): a config's platform
//! JSON embedded in the wasm, parsed and interpreted on every request, with the service's own
//! request handling (`kraken::compute`), so the Viceroy profile compares config evaluation only.

/// A config's three files, as text compiled into the binary.
#[derive(Debug, Clone, Copy)]
pub struct Embedded {
    pub experiments: &'static str,
    pub site_features: &'static str,
    pub edge: &'static str,
}

/// The sample config (`config/`) as the platform serves it, whole.
pub const WHOLE: Embedded = Embedded {
    experiments: include_str!("../../config/experiments.json"),
    site_features: include_str!("../../config/site-features.json"),
    edge: include_str!("../../config/edge.json"),
};

/// The sample config pruned to what the edge uses (by `build.rs`), still JSON.
pub const PRUNED: Embedded = Embedded {
    experiments: include_str!(concat!(env!("OUT_DIR"), "/pruned/experiments.json")),
    site_features: include_str!(concat!(env!("OUT_DIR"), "/pruned/site-features.json")),
    edge: include_str!("../../config/edge.json"),
};

/// Serves the client request from `config`, parsed for this request; `digest` names the build
/// in `Kraken-Config`. Natively it only says how to build it.
pub fn serve(digest: &'static str, config: Embedded) {
    #[cfg(target_arch = "wasm32")]
    kraken::compute::serve(digest, |input, key| {
        crate::Interpreter::from_json(config.experiments, config.site_features, config.edge)
            .expect("the embedded config parses")
            .assign_into(input, kraken::compute::random_id, key)
    });
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = config;
        eprintln!(
            "kraken-{digest} is a Fastly Compute service: build it with --target wasm32-wasip1"
        );
        std::process::exit(2);
    }
}
