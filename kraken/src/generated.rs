//! The config compiled to Rust by `codegen` (see `generated/config.rs`, never edited by hand).

#[rustfmt::skip]
mod config;

/// The config this binary was built from.
pub use config::CONFIG;
