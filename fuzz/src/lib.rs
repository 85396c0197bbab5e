//! What the fuzz targets share: the invariants every `codegen::compile` result must keep, and a
//! small config model for structured fuzzing.

pub mod compiled;
pub mod growthbook;
pub mod model;
pub mod mutate;
