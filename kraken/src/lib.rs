//! Kraken's core: the assignment key for one request, computed from config compiled into the
//! binary. Plain Rust that tests natively; `main.rs` adapts it to Fastly Compute.
//!
//! Pipeline: `config/*.json` → `codegen` → `generated/config.rs` (static tables, `match`
//! lookups over `model` types) → [`assign`] at request time (hashing and comparing only).

pub mod assign;
pub mod generated;
pub mod model;
pub mod request;

pub use assign::{Assignment, RequestInput, assign, bucket};
pub use generated::CONFIG;

/// Cookie attributes for a minted id (SPEC §5).
pub const COOKIE_ATTRIBUTES: &str = "; Path=/; Max-Age=31536000; SameSite=Lax; Secure";

/// `Kraken-Set-Cookie` value for a minted unit id.
pub fn set_cookie(unit: &str) -> String {
    let mut cookie = String::with_capacity(11 + unit.len() + COOKIE_ATTRIBUTES.len());
    cookie.push_str("kraken_uid=");
    cookie.push_str(unit);
    cookie.push_str(COOKIE_ATTRIBUTES);
    cookie
}
