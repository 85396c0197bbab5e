//! What the tests and the benches share, one copy each: a seeded PRNG, what a config declares,
//! random hostile-ish requests, the independent Python implementation of the SPEC
//! (`tests/reference/kraken_ref.py`) as the oracle, Viceroy serving a wasm on loopback, and
//! throwaway crates over the `kraken` library (`scratch`).
//! Never part of the service: a dev-dependency of `kraken`, a native dependency of the benches.

pub mod cases;
pub mod declared;
pub mod reference;
pub mod rng;
pub mod scratch;
pub mod viceroy;

pub use cases::{Case, cases};
pub use declared::{Declared, DeclaredExperiment, DeclaredFlag, strings};
pub use reference::reference;
pub use rng::Rng;

use std::path::{Path, PathBuf};

/// The repository's root (this crate lives at its top).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("testkit/ has a parent")
        .to_path_buf()
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
