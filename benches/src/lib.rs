//! Kraken's benchmarks and the tools they share with the differential test: a plain interpreter
//! of the platform JSON (the "before" of the story), the same JSON pruned, the two as Compute
//! services, and a deterministic generator of configs at any scale (native only, like `testkit`).

#[cfg(not(target_arch = "wasm32"))]
pub mod generator;
pub mod interpreter;
pub mod json_service;
pub mod pruned_json;

#[cfg(not(target_arch = "wasm32"))]
pub use generator::{ConfigTexts, Shape, generate};
pub use interpreter::Interpreter;
