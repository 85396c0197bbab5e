//! The shapes of the compiled config: what `codegen` emits into `generated/config.rs`.
//!
//! Everything is `'static` literal data, so a fresh wasm instance has nothing to build per request.
//! Item strings (`exp:key=variation`, `ff:key=value`) are precomputed at build time and lists are
//! already in the key's byte order, so the key is built by pushing static strings.
//!
//! The shapes also serve the reviewer of a regeneration diff: traffic and weights sit next to the
//! ranges they produce, and a flag's value on a host is stored once, where it is decided (the
//! flag's default, or the host's rule), so one changed value is one changed line.

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
    pub flags: &'static [&'static Flag],
    /// Every relevant experiment, sorted by `key + "="`: what a key read back may name
    /// ([`crate::key`]).
    pub experiments: &'static [&'static Experiment],
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
    /// The flags a rule names this host for, in `Config::flags` order, each with the item of
    /// the first such rule's value. Every other flag has its default here.
    pub flags: &'static [HostFlag],
    /// Every flag's item on this host, joined: `ff:a=x;ff:b=y`, pushed in one go. Built by
    /// rustc from `Config::flags` and `flags` ([`flag_items!`]), so the source states each
    /// value once and a changed default is one changed line.
    pub flag_items: &'static str,
}

impl HostCase {
    /// The item `flag` puts in the key on this host (before any `?flags=` override).
    pub fn flag_item(&self, flag: &Flag) -> &'static str {
        self.flags
            .iter()
            .find(|h| core::ptr::eq(h.flag, flag))
            .map_or(flag.default, |h| h.item)
    }
}

/// `flag_items: flag_items!(RULES)` in a generated `HostCase`: the host's flag items, joined
/// at compile time from the module's `FLAGS` and the host's `RULES`.
#[macro_export]
macro_rules! flag_items {
    ($rules:expr) => {{
        const ITEMS: [u8; $crate::model::flag_items_len(FLAGS, $rules)] =
            $crate::model::join_flag_items(FLAGS, $rules);
        $crate::model::utf8(&ITEMS)
    }};
}
pub use crate::flag_items;

/// The rules of a host no rule names: the catch-all.
pub const NO_RULES: &[HostFlag] = &[];

/// Length of [`join_flag_items`]'s result.
pub const fn flag_items_len(flags: &[&Flag], rules: &[HostFlag]) -> usize {
    let (mut i, mut r, mut len) = (0, 0, 0);
    while i < flags.len() {
        let item;
        (item, r) = host_item(flags[i], rules, r);
        len += item.len() + if i > 0 { 1 } else { 0 };
        i += 1;
    }
    len
}

/// At compile time: each flag's item on a host whose rules are `rules` (sorted like `flags`),
/// joined by `;`. `N` is [`flag_items_len`].
pub const fn join_flag_items<const N: usize>(flags: &[&Flag], rules: &[HostFlag]) -> [u8; N] {
    let mut out = [0u8; N];
    let (mut i, mut r, mut len) = (0, 0, 0);
    while i < flags.len() {
        let item;
        (item, r) = host_item(flags[i], rules, r);
        if i > 0 {
            out[len] = b';';
            len += 1;
        }
        let bytes = item.as_bytes();
        let mut j = 0;
        while j < bytes.len() {
            out[len] = bytes[j];
            len += 1;
            j += 1;
        }
        i += 1;
    }
    assert!(len == N, "flag_items: N is not flag_items_len");
    out
}

/// [`join_flag_items`]'s bytes as the `&str` they are (they join `&str`s).
pub const fn utf8(bytes: &'static [u8]) -> &'static str {
    match core::str::from_utf8(bytes) {
        Ok(s) => s,
        Err(_) => panic!("flag items are UTF-8"),
    }
}

/// `flag`'s item given the rules from `r` on, and where the next flag's rule may start.
/// Keys are unique, so a key names the flag (`ptr::eq` is not `const`).
const fn host_item(flag: &Flag, rules: &[HostFlag], r: usize) -> (&'static str, usize) {
    if r < rules.len() && same(rules[r].flag.key, flag.key) {
        (rules[r].item, r + 1)
    } else {
        (flag.default, r)
    }
}

const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// A flag's value on one host, set by a rule naming that host.
#[derive(Debug, Clone, Copy)]
pub struct HostFlag {
    pub flag: &'static Flag,
    /// `ff:<flag>=<value>`.
    pub item: &'static str,
}

/// A relevant experiment, pruned to what assignment needs.
#[derive(Debug)]
pub struct Experiment {
    pub key: &'static str,
    /// Share of units enrolled, in basis points (SPEC §1); already applied to the ranges below.
    pub traffic: u16,
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
    /// Configured weight in basis points; `end - start` is this scaled by traffic.
    pub weight: u16,
    /// `exp:<experiment>=<variation>`: the item this variation puts in the key.
    pub item: &'static str,
    pub start: u16,
    pub end: u16,
}

/// An edge flag: its declared values (the only ones an override may force) and its default.
#[derive(Debug)]
pub struct Flag {
    pub key: &'static str,
    /// `ff:<key>=<default>`: the item on every host without a rule for this flag.
    pub default: &'static str,
    pub values: &'static [FlagValue],
}

/// One declared value of a flag.
#[derive(Debug, Clone, Copy)]
pub struct FlagValue {
    pub value: &'static str,
    /// `ff:<flag>=<value>`.
    pub item: &'static str,
}
