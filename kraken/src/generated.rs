//! The config compiled to Rust by `codegen` (see `generated/config.rs`, never edited by hand).

#[rustfmt::skip]
mod config;

#[rustfmt::skip]
mod growthbook;

/// The config this binary was built from.
pub use config::CONFIG;
/// The GrowthBook payload this binary was built from (SPEC §6; disabled without one).
pub use growthbook::{GROWTHBOOK, KEY_CAPACITY};
