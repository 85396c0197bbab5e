//! Emits, at build time, what the benches and the JSON wasm builds embed (into `OUT_DIR`):
//! - `pruned/`: `config/` pruned to what the edge uses, still JSON (`kraken-json-pruned`);
//! - with the `scale` feature only (`cargo bench -p kraken-benches --features scale`):
//!   `scale_<n>/`, a generated config with `n` relevant experiments (its three JSON files) and
//!   the Rust `codegen` compiles it to (`config.rs`), for the scaled benches. Some 40 MB and a
//!   10 MB `config.rs`: tests and clippy never build them.

#[cfg(feature = "scale")]
#[path = "src/generator.rs"]
#[allow(dead_code)]
mod generator;
#[path = "src/pruned_json.rs"]
#[allow(dead_code)]
mod pruned_json;

use std::path::Path;

/// Relevant experiments of the scaled benches' configs.
#[cfg(feature = "scale")]
const SCALES: &[usize] = &[300, 1_000, 10_000];
/// Seed of the scaled configs (any fixed value: the benches must compare like with like).
#[cfg(feature = "scale")]
const SEED: u64 = 20_261_120;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=src/pruned_json.rs");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    // The wasm builds only embed the pruned sample config.
    #[cfg(feature = "scale")]
    if std::env::var("CARGO_CFG_TARGET_ARCH").is_ok_and(|a| a != "wasm32") {
        scaled_configs(&out);
    }

    let config = root.join("config");
    let read = |name: &str| {
        let path = config.join(name);
        println!("cargo::rerun-if-changed={}", path.display());
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    };
    let (experiments, flags) = pruned_json::prune_json(
        &read("experiments.json"),
        &read("site-features.json"),
        &read("edge.json"),
    )
    .unwrap_or_else(|e| panic!("config/ cannot be pruned: {e}"));
    write(&out.join("pruned"), "experiments.json", &experiments);
    write(&out.join("pruned"), "site-features.json", &flags);
}

/// The scaled benches' configs, generated and compiled.
#[cfg(feature = "scale")]
fn scaled_configs(out: &Path) {
    println!("cargo::rerun-if-changed=src/generator.rs");
    for &n in SCALES {
        let texts = generator::generate(SEED, &generator::Shape::scaled(n));
        let dir = out.join(format!("scale_{n}"));
        let compiled = codegen::compile(&codegen::Sources::from_texts(
            &texts.experiments,
            &texts.site_features,
            &texts.edge,
        ))
        .unwrap_or_else(|diagnostics| {
            let shown: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
            panic!(
                "generated config of scale {n} does not compile:\n{}",
                shown.join("\n")
            )
        });
        write(&dir, "experiments.json", &texts.experiments);
        write(&dir, "site-features.json", &texts.site_features);
        write(&dir, "edge.json", &texts.edge);
        write(&dir, "config.rs", &compiled.source);
    }
}

/// Writes only when the content changed, so dependents are not rebuilt needlessly.
fn write(dir: &Path, name: &str, content: &str) {
    std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let path = dir.join(name);
    if std::fs::read_to_string(&path).is_ok_and(|old| old == content) {
        return;
    }
    std::fs::write(&path, content).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}
