//! GrowthBook features at the edge (SPEC §6): the compiled payload's tables and their
//! evaluation; `growthbook_assign` gives it a request's attributes and merges its items.
//!
//! Codegen compiles the payload (`generated/growthbook.rs`) into [`model`] tables; conditions
//! become Rust functions over [`value::Attributes`] calling [`ops`]. The arithmetic is the
//! SDK's own ([`js`]): FNV-1a over UTF-16 code units, float bucket ranges, JavaScript's
//! coercions. Nothing is parsed or compiled per request.

pub mod eval;
pub mod js;
pub mod model;
pub mod ops;
pub mod regex;
pub mod value;
