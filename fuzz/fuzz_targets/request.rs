//! Fuzz target: request handling in the core over the committed config. Input lines, each tagged
//! by its first byte: `c` a Cookie header (repeatable), `h` Host, `k` Kraken-Host (which wins
//! over Host whenever present, SPEC §3), `p` Kraken-Page-Type, `q` the
//! query, `r` the random bytes a minted id is made from, `t` the request target (`/path?q` or
//! an absolute URI), `y` Kraken-Country, `d` Kraken-Device; a missing line is a missing header.
//! `assign` must not panic, the key must parse back into what the config declares, and the
//! service's `assign_into` must write the same key. The GrowthBook path
//! (`growthbook_assign::assign_into` with the committed `GROWTHBOOK`) must keep every platform
//! item and add only declared items (`GROWTHBOOK.items`), in byte order, each once, one per
//! listed feature.
#![no_main]

use kraken::growthbook_assign::EdgeRequest;
use kraken::model::{Experiment, HostCase, PageType};
use kraken::request::normalise_host;
use kraken::{Assignment, CONFIG, GROWTHBOOK, InlineKey, RequestInput, assign, assign_into};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (mut cookies, mut host, mut kraken_host, mut page_type, mut query, mut random) =
        (Vec::new(), None, None, None, None, [0u8; 16]);
    let mut edge = EdgeRequest::default();
    for line in data.split(|&b| b == b'\n') {
        let Some((&tag, value)) = line.split_first() else {
            continue;
        };
        match tag {
            b'c' => cookies.push(value),
            b'h' => host = Some(value),
            b'k' => kraken_host = Some(value),
            b'p' => page_type = Some(value),
            b'q' => query = Some(value),
            b'r' => {
                let n = value.len().min(16);
                random[..n].copy_from_slice(&value[..n]);
            }
            b't' => edge.target = Some(value),
            b'y' => edge.country = Some(value),
            b'd' => edge.device = Some(value),
            _ => {}
        }
    }
    let input = RequestInput {
        cookies: &cookies,
        host,
        kraken_host,
        page_type,
        query,
    };
    let assignment = assign(&CONFIG, &input, || random);
    check_unit(&input, &assignment, random);
    check_key(&input, &assignment.key);
    assert_eq!(
        assign(&CONFIG, &input, || random),
        assignment,
        "not deterministic"
    );
    // The service's path: the key on the stack, spilling past 16 bytes here.
    let mut key = InlineKey::<16>::default();
    let unit = assign_into(&CONFIG, &input, || random, &mut key);
    assert_eq!(
        key.as_bytes(),
        assignment.key.as_bytes(),
        "assign_into differs"
    );
    assert_eq!((unit.id, unit.minted), (assignment.unit, assignment.minted));
    check_growthbook(&input, &edge, random, &assignment);
});

/// The GrowthBook path: the platform's items and declared GrowthBook items, merged.
fn check_growthbook(
    input: &RequestInput<'_>,
    edge: &EdgeRequest<'_>,
    random: [u8; 16],
    platform: &Assignment,
) {
    let mut key = InlineKey::<16>::default();
    let unit = kraken::growthbook_assign::assign_into(
        &CONFIG,
        &GROWTHBOOK,
        input,
        edge,
        || random,
        &mut key,
    );
    assert_eq!((unit.id, unit.minted), (platform.unit, platform.minted));
    let key = std::str::from_utf8(key.as_bytes()).expect("the key is text");
    let items: Vec<&str> = key.split(';').filter(|i| !i.is_empty()).collect();
    assert_eq!(items.len(), key.split(';').count(), "empty item in {key:?}");
    for pair in items.windows(2) {
        assert!(
            pair[0] < pair[1],
            "items out of order or repeated in {key:?}"
        );
    }
    let ours: Vec<&str> = platform.key.split(';').filter(|i| !i.is_empty()).collect();
    for item in &ours {
        assert!(items.contains(item), "platform item {item} lost in {key:?}");
    }
    for item in &items {
        assert!(
            ours.contains(item) || GROWTHBOOK.items.contains(item),
            "{item}: neither a platform item nor a declared GrowthBook item in {key:?}"
        );
    }
    if GROWTHBOOK.enabled {
        for listed in GROWTHBOOK.listed {
            let n = listed
                .items
                .iter()
                .filter(|&&i| items.contains(&GROWTHBOOK.items[usize::from(i)]))
                .count();
            assert_eq!(n, 1, "a listed feature with {n} items in {key:?}");
        }
    }
}

fn check_unit(input: &RequestInput<'_>, a: &Assignment, random: [u8; 16]) {
    let unit = a.unit.as_bytes();
    assert!(
        (1..=64).contains(&unit.len())
            && unit
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'),
        "bad unit {unit:?}"
    );
    if a.minted {
        let hex: String = random.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(a.unit.as_str(), hex);
    } else {
        assert!(
            input
                .cookies
                .iter()
                .any(|c| contains(c, b"kraken_uid") && contains(c, unit)),
            "unit {unit:?} not from a cookie"
        );
    }
}

fn check_key(input: &RequestInput<'_>, key: &str) {
    let page: Option<&PageType> = input.page_type.and_then(CONFIG.page_type);
    if let (Some(p), Some(raw)) = (page, input.page_type) {
        assert_eq!(p.name.as_bytes(), raw, "page type lookup is not exact");
    }
    let site = input.kraken_host.or(input.host).unwrap_or_default();
    assert_eq!(site, input.site_host(), "Kraken-Host must win over Host");
    let host_name = normalise_host(site);
    check_normalised(site, &host_name);
    let host: &HostCase = (CONFIG.host)(&host_name);

    let items: Vec<&str> = if key.is_empty() {
        Vec::new()
    } else {
        key.split(';').collect()
    };
    for pair in items.windows(2) {
        assert!(pair[0] < pair[1], "items out of order in {key:?}");
    }
    let mut flags_seen = vec![0usize; CONFIG.flags.len()];
    for item in &items {
        let (k, v) = item
            .split_once('=')
            .unwrap_or_else(|| panic!("item without '=' in {key:?}"));
        if let Some(k) = k.strip_prefix("exp:") {
            let experiment: &Experiment = page
                .and_then(|p| p.experiments.iter().copied().find(|e| e.key == k))
                .unwrap_or_else(|| panic!("{item} is not an experiment of this page type"));
            assert!(
                experiment.variations.iter().any(|x| x.key == v),
                "{item}: undeclared variation"
            );
            assert!(
                experiment
                    .hosts
                    .is_none_or(|hs| hs.iter().any(|h| std::ptr::eq(*h, host))),
                "{item}: experiment does not target this host"
            );
        } else if let Some(k) = k.strip_prefix("ff:") {
            let i = CONFIG
                .flags
                .iter()
                .position(|f| f.key == k)
                .unwrap_or_else(|| panic!("{item}: undeclared flag"));
            assert!(
                CONFIG.flags[i].values.iter().any(|x| x.value == v),
                "{item}: undeclared value"
            );
            if input.query.is_none() {
                assert_eq!(
                    *item,
                    host.flag_item(CONFIG.flags[i]),
                    "{item}: not the host's value"
                );
            }
            flags_seen[i] += 1;
        } else {
            panic!("unknown item {item:?} in {key:?}");
        }
    }
    assert!(
        flags_seen.iter().all(|&n| n == 1),
        "every edge flag exactly once: {key:?}"
    );
}

/// SPEC §3 on the result alone: lowercase, no port, no leading `www.`/`staging.`.
fn check_normalised(raw: &[u8], host: &[u8]) {
    assert!(!host.iter().any(u8::is_ascii_uppercase), "{host:?}");
    assert!(
        !host.starts_with(b"www.") && !host.starts_with(b"staging."),
        "{host:?}"
    );
    assert!(
        host.first() == Some(&b'[') || !host.contains(&b':'),
        "{host:?}"
    );
    assert!(
        contains(&raw.to_ascii_lowercase(), host),
        "{host:?} not from {raw:?}"
    );
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}
