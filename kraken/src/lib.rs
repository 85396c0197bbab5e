//! Kraken's core: the assignment key for one request, computed from config compiled into the
//! binary. Plain Rust that tests natively; `compute` (wasm32-wasip1 only) adapts it to Fastly
//! Compute.
//!
//! Pipeline: `config/*.json` → `codegen` → `generated/config.rs` (static tables, `match`
//! lookups over `model` types) → [`assign()`] at request time (hashing and comparing only).

pub mod assign;
#[cfg(all(target_arch = "wasm32", target_os = "wasi"))]
pub mod compute;
pub mod generated;
pub mod growthbook;
pub mod growthbook_assign;
pub mod inline;
pub mod key;
pub mod model;
pub mod request;
pub mod response;

pub use assign::{Assignment, RequestInput, Unit, assign, assign_into, bucket};
pub use generated::{CONFIG, GROWTHBOOK};
pub use inline::{InlineBytes, InlineKey, KeyWriter};
pub use key::{KeyItem, declared_items};
pub use request::UnitId;
pub use response::{COOKIE_ATTRIBUTES, SET_COOKIE_MAX, set_cookie};
