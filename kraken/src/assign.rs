//! Assignment (SPEC §3–§5): from the request's unit, host, page type and overrides to the key.

use crate::inline::KeyWriter;
use crate::model::{Config, Experiment, Flag, HostCase, PageType, Variation};
use crate::request::{Overrides, UnitId, items, normalise_host, unit_cookie};
use xxhash_rust::xxh3::xxh3_64;

/// Bucket count: hashes are reduced to basis points (SPEC §3).
pub const BUCKETS: u64 = 10_000;

/// What the service reads from a request; every field is raw bytes and may be anything.
#[derive(Debug, Default, Clone, Copy)]
pub struct RequestInput<'a> {
    /// Every `Cookie` header value, in order.
    pub cookies: &'a [&'a [u8]],
    /// The `Host` header.
    pub host: Option<&'a [u8]>,
    /// The `Kraken-Host` header: the site's host, sent by the VCL because Fastly routes the
    /// preflight to Kraken by `Host` (SPEC §3). When present, even empty, it wins over `Host`.
    pub kraken_host: Option<&'a [u8]>,
    pub page_type: Option<&'a [u8]>,
    pub query: Option<&'a [u8]>,
}

impl RequestInput<'_> {
    /// The host the request is assigned for (SPEC §3): `Kraken-Host` when the request has one,
    /// else `Host`; not yet normalised.
    pub fn site_host(&self) -> &[u8] {
        self.kraken_host.or(self.host).unwrap_or_default()
    }
}

/// The answer for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// The assignment key (SPEC §5), e.g. `exp:hero=b;ff:new-nav=on`.
    pub key: String,
    pub unit: UnitId,
    /// True when the request had no valid unit id and `unit` was minted for it.
    pub minted: bool,
}

/// `h(prefix + unit) % 10000` with `h` = XXH3-64, seed 0 (SPEC §3).
pub fn bucket(prefix: &str, unit: &[u8]) -> u16 {
    // Prefixes are short config strings and units at most 64 bytes: hash from the stack.
    let mut buf = [0u8; 256];
    let len = prefix.len() + unit.len();
    let hash = if len <= buf.len() {
        buf[..prefix.len()].copy_from_slice(prefix.as_bytes());
        buf[prefix.len()..len].copy_from_slice(unit);
        xxh3_64(&buf[..len])
    } else {
        xxh3_64(&[prefix.as_bytes(), unit].concat())
    };
    (hash % BUCKETS) as u16
}

/// The unit a request is assigned by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unit {
    pub id: UnitId,
    /// True when the request had no valid unit id and `id` was minted for it.
    pub minted: bool,
}

/// Assigns one request. `random` is called only when a unit id must be minted.
pub fn assign(
    config: &Config,
    input: &RequestInput<'_>,
    random: impl FnOnce() -> [u8; 16],
) -> Assignment {
    // Room for a typical key: one allocation, no regrowth.
    let mut key = String::with_capacity(512);
    let unit = assign_into(config, input, random, &mut key);
    Assignment {
        key,
        unit: unit.id,
        minted: unit.minted,
    }
}

/// [`assign`], writing the key into `key` (which must start empty).
pub fn assign_into(
    config: &Config,
    input: &RequestInput<'_>,
    random: impl FnOnce() -> [u8; 16],
    key: &mut impl KeyWriter,
) -> Unit {
    let unit = match unit_cookie(input.cookies.iter().copied()).and_then(UnitId::parse) {
        Some(id) => Unit { id, minted: false },
        None => Unit {
            id: UnitId::mint(random()),
            minted: true,
        },
    };
    let host_name = normalise_host(input.site_host());
    let host = (config.host)(&host_name);
    let page = input.page_type.and_then(config.page_type);
    match input.query.filter(|q| Overrides::present(q)) {
        None => write_key(config, page, host, unit.id.as_bytes(), &[], &[], key),
        Some(query) => write_key_overridden(config, page, host, unit.id.as_bytes(), query, key),
    }
    unit
}

/// [`write_key`] for a QA request. Not inlined: its decoding buffers take stack only when a query
/// carries overrides (a fresh instance pays for every stack page it touches).
#[inline(never)]
fn write_key_overridden(
    config: &Config,
    page: Option<&PageType>,
    host: &HostCase,
    unit: &[u8],
    query: &[u8],
    key: &mut impl KeyWriter,
) {
    let overrides = Overrides::<256>::parse(query);
    write_key(
        config,
        page,
        host,
        unit,
        &overrides.variants,
        &overrides.flags,
        key,
    );
}

/// Builds the key: experiment items then flag items, both lists already in byte order.
fn write_key(
    config: &Config,
    page: Option<&PageType>,
    host: &HostCase,
    unit: &[u8],
    variants: &[u8],
    flags: &[u8],
    key: &mut impl KeyWriter,
) {
    let experiments = page.map_or(&[][..], |p| p.experiments);
    for experiment in experiments {
        if !takes_part(experiment, host) {
            continue;
        }
        let variation =
            forced_variation(experiment, variants).or_else(|| enrolled(experiment, unit));
        if let Some(variation) = variation {
            push_item(key, variation.item);
        }
    }
    if flags.is_empty() {
        if !host.flag_items.is_empty() {
            push_item(key, host.flag_items);
        }
        return;
    }
    // The host's rules are in flag order: one walk beside the flags, no search.
    let mut rules = host.flags.iter().peekable();
    for &flag in config.flags {
        let item = rules
            .next_if(|rule| std::ptr::eq(rule.flag, flag))
            .map_or(flag.default, |rule| rule.item);
        push_item(key, forced_item(flag, flags).unwrap_or(item));
    }
}

fn push_item(key: &mut impl KeyWriter, item: &str) {
    if !key.is_empty() {
        key.push_str(";");
    }
    key.push_str(item);
}

fn takes_part(experiment: &Experiment, host: &HostCase) -> bool {
    experiment
        .hosts
        .is_none_or(|hosts| hosts.iter().any(|h| std::ptr::eq(*h, host)))
}

/// The variation whose bucket range holds the unit, if the unit passes the layer.
pub fn enrolled(experiment: &'static Experiment, unit: &[u8]) -> Option<&'static Variation> {
    let n = bucket(experiment.bucket_prefix, unit);
    let variation = experiment
        .variations
        .iter()
        .find(|v| v.start <= n && n < v.end)?;
    match experiment.layer {
        Some(layer) => (layer.from..layer.to)
            .contains(&bucket(layer.prefix, unit))
            .then_some(variation),
        None => Some(variation),
    }
}

/// The first `?variants=` item for this experiment that names one of its variations.
fn forced_variation(experiment: &'static Experiment, list: &[u8]) -> Option<&'static Variation> {
    items(list)
        .filter(|(key, _)| *key == experiment.key.as_bytes())
        .find_map(|(_, value)| {
            experiment
                .variations
                .iter()
                .find(|v| v.key.as_bytes() == value)
        })
}

/// The key item of the first `?flags=` item for this flag that names one of its values.
fn forced_item(flag: &Flag, list: &[u8]) -> Option<&'static str> {
    items(list)
        .filter(|(key, _)| *key == flag.key.as_bytes())
        .find_map(|(_, value)| {
            flag.values
                .iter()
                .find(|v| v.value.as_bytes() == value)
                .map(|v| v.item)
        })
}
