//! Reading a key back (the origin's side): the items of an assignment key that the config
//! declares, so a renderer only ever sees experiments, variations, flags and values it knows.

use crate::growthbook::model::Config as GrowthBook;
use crate::model::{Config, Experiment, Flag, FlagValue, Variation};

/// One declared item of a key.
#[derive(Debug, Clone, Copy)]
pub enum KeyItem {
    Experiment(&'static Experiment, &'static Variation),
    Flag(&'static Flag, &'static FlagValue),
    /// A GrowthBook feature's `ff:` item (SPEC §6), as the compiled table holds it
    /// (percent-encoded).
    Feature(&'static str),
    /// A GrowthBook experiment's `exp:` item (SPEC §6), from the same table.
    Tracked(&'static str),
}

/// The declared items of `key` (SPEC §5's `;`-joined items), in key order. Undeclared or
/// malformed items are skipped; of two items for one experiment, flag, GrowthBook feature or
/// tracking key, the first counts. A GrowthBook item is declared when it is byte for byte one
/// of `growthbook.items` (so its encoding is canonical). Any bytes are accepted: a key is read
/// from a header, which may hold anything.
pub fn declared_items<'a>(
    config: &'static Config,
    growthbook: &'static GrowthBook,
    key: &'a [u8],
) -> impl Iterator<Item = KeyItem> + 'a {
    let mut seen: Vec<KeyItem> = Vec::new();
    key.split(|&b| b == b';')
        .filter_map(move |item| {
            declared(config, item).or_else(|| growthbook_item(growthbook, item))
        })
        .filter(move |item| {
            let first = !seen.iter().any(|s| same_subject(s, item));
            if first {
                seen.push(*item);
            }
            first
        })
}

fn declared(config: &'static Config, item: &[u8]) -> Option<KeyItem> {
    if let Some(rest) = item.strip_prefix(b"exp:") {
        let (key, value) = split_at_eq(rest)?;
        let experiment = config
            .experiments
            .iter()
            .find(|e| e.key.as_bytes() == key)?;
        let variation = experiment
            .variations
            .iter()
            .find(|v| v.key.as_bytes() == value)?;
        Some(KeyItem::Experiment(experiment, variation))
    } else if let Some(rest) = item.strip_prefix(b"ff:") {
        let (key, value) = split_at_eq(rest)?;
        let flag = config.flags.iter().find(|f| f.key.as_bytes() == key)?;
        let value = flag.values.iter().find(|v| v.value.as_bytes() == value)?;
        Some(KeyItem::Flag(flag, value))
    } else {
        None
    }
}

/// The table is sorted in byte order, so a binary search finds an item.
fn growthbook_item(growthbook: &'static GrowthBook, item: &[u8]) -> Option<KeyItem> {
    let at = growthbook
        .items
        .binary_search_by(|i| i.as_bytes().cmp(item))
        .ok()?;
    let item = growthbook.items[at];
    Some(if item.starts_with("ff:") {
        KeyItem::Feature(item)
    } else {
        KeyItem::Tracked(item)
    })
}

// Lists are short (tens of entries) and read once per page render: a linear scan is enough.

/// Keys never hold `=` (SPEC §1's character set), so the first one ends the key.
fn split_at_eq(rest: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = rest.iter().position(|&b| b == b'=')?;
    Some((&rest[..at], &rest[at + 1..]))
}

fn same_subject(a: &KeyItem, b: &KeyItem) -> bool {
    match (a, b) {
        (KeyItem::Experiment(x, _), KeyItem::Experiment(y, _)) => std::ptr::eq(*x, *y),
        (KeyItem::Flag(x, _), KeyItem::Flag(y, _)) => std::ptr::eq(*x, *y),
        // `<kind>:<encoded key>=`: the same feature or tracking key (an encoded key has no `=`).
        (KeyItem::Feature(x), KeyItem::Feature(y)) | (KeyItem::Tracked(x), KeyItem::Tracked(y)) => {
            x.split('=').next() == y.split('=').next()
        }
        _ => false,
    }
}
