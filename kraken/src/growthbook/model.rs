//! The shapes of a compiled GrowthBook payload: what `codegen` emits into
//! `generated/growthbook.rs`. Every table is `'static` literal data; conditions are compiled
//! functions; values, bucket ranges and key items were computed at build time.

use super::value::{Attributes, Value};

/// A compiled payload: its listed features, evaluated per page type.
#[derive(Debug)]
pub struct Config {
    /// Digest of the pruned payload.
    pub digest: &'static str,
    /// Whether any GrowthBook feature reaches the key (false: the platform-only path runs).
    pub enabled: bool,
    /// Whether a condition reads `url`, which a request then builds.
    pub uses_url: bool,
    /// The page-type header to the index of its table in `pages` (the last one: no page type).
    pub page: fn(&[u8]) -> usize,
    /// Per page type, every needed feature's rules, partially evaluated for that page type.
    pub pages: &'static [&'static [Feature]],
    /// The listed features, in `edge.json` order.
    pub listed: &'static [Listed],
    /// Every item a request can put in the key, in byte order; items are indices here.
    pub items: &'static [&'static str],
}

/// A feature listed in `edge.json`.
#[derive(Debug)]
pub struct Listed {
    /// Its index in each page's features.
    pub feature: u16,
    /// Per value index of the feature, the index of its `ff:` item.
    pub items: &'static [u16],
}

/// A feature's rules on one page type. Values are indices into `values`.
#[derive(Debug)]
pub struct Feature {
    pub key: &'static str,
    pub values: &'static [Value<'static>],
    /// `defaultValue` (or `null`).
    pub default: u16,
    /// `null`: the value when a gating prerequisite fails.
    pub null: u16,
    pub rules: &'static [Rule],
}

/// A rule that can apply on this page type.
#[derive(Debug)]
pub struct Rule {
    pub parents: &'static [Parent],
    pub filters: &'static [Filter],
    pub condition: Condition,
    pub kind: RuleKind,
}

#[derive(Debug)]
pub enum RuleKind {
    /// A force or rollout rule.
    Force {
        rollout: Option<Rollout>,
        /// `tracks`: experiments reported when the rule applies.
        tracks: &'static [Track],
        value: u16,
    },
    Experiment(&'static Experiment),
    /// Cannot apply: only its prerequisites are evaluated (they may gate the feature).
    Skip,
}

/// A rule's `condition`, after partial evaluation.
#[derive(Clone, Copy)]
pub enum Condition {
    Always,
    /// Cannot hold on this page type (an experiment rule is kept for its forced variations).
    Never,
    Test(fn(&dyn Attributes) -> bool),
}

impl std::fmt::Debug for Condition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Condition::Always => "Always",
            Condition::Never => "Never",
            Condition::Test(_) => "Test",
        })
    }
}

/// A prerequisite: the parent's value decides, through a table computed at build time.
#[derive(Debug)]
pub struct Parent {
    pub feature: u16,
    /// Per value index of the parent, whether its condition passes.
    pub passes: &'static [bool],
    pub gate: bool,
}

/// How a rule hashes: `hash(seed, value, version)`.
#[derive(Debug, Clone, Copy)]
pub struct Hashing {
    pub version: u8,
    pub seed: &'static str,
    /// FNV state after the seed's code units (version 2 hashes `seed + value`).
    pub seed_state: u32,
}

/// `isIncludedInRollout` once a hash is needed.
#[derive(Debug, Clone, Copy)]
pub struct Rollout {
    pub hash_attribute: &'static str,
    pub hashing: Hashing,
    pub test: RolloutTest,
}

#[derive(Debug, Clone, Copy)]
pub enum RolloutTest {
    /// `inRange(n, range)`.
    Range(f64, f64),
    /// `n <= coverage`.
    Coverage(f64),
}

/// A namespace or filter test: `hash` of an attribute in one of the ranges.
#[derive(Debug)]
pub struct Filter {
    pub attribute: &'static str,
    pub hashing: Hashing,
    pub ranges: &'static [(f64, f64)],
}

/// An experiment rule, as `runExperiment` sees it.
#[derive(Debug)]
pub struct Experiment {
    /// The tracking key (`rule.key` or the feature key), for `?variants=`.
    pub key: &'static str,
    /// A forced index is ignored unless below this (the most variations under this key).
    pub forced_limit: u32,
    pub hash_attribute: &'static str,
    pub hashing: Hashing,
    /// `inNamespace`, only when the rule has no filters.
    pub namespace: Option<Namespace>,
    /// Bucket ranges, computed by `getBucketRanges` (or the rule's own).
    pub ranges: &'static [(f64, f64)],
    pub variations: &'static [Variation],
}

#[derive(Debug, Clone, Copy)]
pub struct Namespace {
    /// `"__" + namespace[0]`, the version-1 seed.
    pub seed: &'static str,
    pub from: f64,
    pub to: f64,
}

#[derive(Debug)]
pub struct Variation {
    pub value: u16,
    pub passthrough: bool,
    /// The `exp:` item this variation puts in the key when tracked.
    pub item: u16,
    /// `experiment.key + variationId`: the end of the SDK's tracking dedupe key.
    pub dedupe: &'static str,
}

/// A `tracks` entry of a force rule.
#[derive(Debug)]
pub struct Track {
    pub item: u16,
    /// The SDK's whole dedupe key for it, computed at build time.
    pub dedupe: &'static str,
}
