//! The shapes of the compiled config: what `codegen` emits into `generated/config.rs`.
//!
//! Everything is `'static` literal data, so a fresh wasm instance has nothing to build per request.
//! Item strings (`exp:key=variation`, `ff:key=value`) are precomputed at build time and lists are
//! already in the key's byte order, so the key is built by pushing static strings.

/// Everything the runtime needs from one config.
#[derive(Debug)]
pub struct Config {
    /// Digest of the pruned config the tables were compiled from.
    pub digest: &'static str,
    /// Page type (the `Kraken-Page-Type` header) to the experiments that may run on it.
    pub page_type: fn(&[u8]) -> Option<&'static PageType>,
    /// Normalised host to its host case; unknown hosts get the catch-all case.
    pub host: fn(&[u8]) -> &'static HostCase,
    /// Edge flags, sorted by `key + "="` (the byte order of their key items).
    pub flags: &'static [Flag],
}

/// One of the edge's page types.
#[derive(Debug)]
pub struct PageType {
    pub name: &'static str,
    /// Relevant experiments listing this page type, sorted by `key + "="`.
    pub experiments: &'static [&'static Experiment],
}

/// A host named by a flag rule or by experiment targeting, or the catch-all for every other host.
#[derive(Debug)]
pub struct HostCase {
    /// The normalised host; empty for the catch-all.
    pub name: &'static str,
    /// The flag items for this host, already joined: `ff:a=x;ff:b=y`.
    pub flag_items: &'static str,
    /// This host's value of each flag, in `Config::flags` order (for `?flags=` overrides).
    pub flag_values: &'static [&'static str],
}

/// A relevant experiment, pruned to what assignment needs.
#[derive(Debug)]
pub struct Experiment {
    pub key: &'static str,
    /// `seed + ":"`: the unit is appended before hashing.
    pub bucket_prefix: &'static str,
    pub layer: Option<Layer>,
    /// `Some` when the experiment targets domains: the host cases it runs on.
    pub hosts: Option<&'static [&'static HostCase]>,
    /// In config order; ranges already scaled by traffic.
    pub variations: &'static [Variation],
}

/// Mutual exclusion: enrolled only when the unit's layer bucket is in `from..to`.
#[derive(Debug, Clone, Copy)]
pub struct Layer {
    /// `"layer:" + key + ":"`: the unit is appended before hashing.
    pub prefix: &'static str,
    pub from: u16,
    pub to: u16,
}

/// A variation and the buckets it owns, `start..end` (SPEC §3).
#[derive(Debug, Clone, Copy)]
pub struct Variation {
    pub key: &'static str,
    /// `exp:<experiment>=<variation>`: the item this variation puts in the key.
    pub item: &'static str,
    pub start: u16,
    pub end: u16,
}

/// An edge flag: its declared values (the only ones an override may force).
#[derive(Debug, Clone, Copy)]
pub struct Flag {
    pub key: &'static str,
    pub values: &'static [&'static str],
}
