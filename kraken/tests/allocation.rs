//! The Compute adapter's promise that a request makes no heap allocation rests on the core:
//! `assign_into` with an `InlineKey` must not allocate, QA overrides included, unless the host
//! needs lowercasing (browsers send it lowercase) or an override list decodes to more than its
//! 256-byte stack buffer. Counted with a global allocator, on thousands of random requests.

use kraken::request::Overrides;
use kraken::{CONFIG, InlineKey, assign_into};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use testkit::{Declared, cases, repo_root};

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

/// Counts allocations made by the current thread (the test harness has threads of its own).
struct Counting;

// SAFETY: forwards every call unchanged to the system allocator; only counts.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: the caller's contract is passed on as it is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_in(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

#[test]
fn a_request_without_an_uppercase_host_or_huge_overrides_does_not_allocate() {
    let config = repo_root().join("config");
    let cases = cases(&Declared::read(&config), 1_125, 5_000, false);
    let mut checked = 0;
    let mut keys = 0;
    let mut counted = 0;
    for case in &cases {
        let cookies = case.cookies();
        let input = case.input(&cookies);
        let mut key = InlineKey::<512>::default();
        let n = allocations_in(|| {
            assign_into(&CONFIG, &input, || case.minted, &mut key);
        });
        // The host assigned for is Kraken-Host when present (SPEC §3): it is the one lowercased.
        let lowercased = input.site_host().iter().any(u8::is_ascii_uppercase);
        let overrides = Overrides::<0>::parse(case.query.as_deref().unwrap_or_default());
        let spilled = overrides.variants.len() > 256 || overrides.flags.len() > 256;
        if !lowercased && !spilled {
            assert_eq!(n, 0, "{case:?}");
            checked += 1;
            keys += usize::from(!key.as_bytes().is_empty());
        } else {
            counted += n;
        }
    }
    // The counter sees allocations: a lowercased host and a spilled list are.
    assert!(counted > 0);
    // The property must have been tried on many requests, most of them with a key.
    assert!(
        checked > 1_000 && keys > checked / 2,
        "{checked} requests, {keys} keys"
    );
}

/// The same promise with the sample's GrowthBook features (SPEC §6): their attributes, rules,
/// conditions (regexes and version comparisons included) and the merge allocate nothing, unless
/// a header is not ASCII (its Latin-1 JavaScript string is a new string).
#[test]
fn a_request_with_growthbook_features_does_not_allocate() {
    assert!(
        kraken::GROWTHBOOK.enabled,
        "the sample config has GrowthBook features"
    );
    let config = repo_root().join("config");
    let cases = cases(&Declared::read(&config), 2_251, 3_000, false);
    let paths: [&[u8]; 4] = [
        b"/",
        b"/hotel/123",
        b"/deals/summer?utm_source=newsletter",
        b"/de/x?qa=1",
    ];
    let countries: [&[u8]; 4] = [b"DE", b"US", b"IE", b"FR"];
    let devices: [&[u8]; 3] = [b"mobile", b"tablet", b"desktop"];
    let mut checked = 0;
    let mut with_growthbook = 0;
    for (i, case) in cases.iter().enumerate() {
        let cookies = case.cookies();
        let input = case.input(&cookies);
        let mut target = paths[i % paths.len()].to_vec();
        if let Some(q) = &case.query {
            target.push(if target.contains(&b'?') { b'&' } else { b'?' });
            target.extend_from_slice(q);
        }
        let edge = kraken::growthbook_assign::EdgeRequest {
            target: Some(&target),
            country: Some(countries[i % countries.len()]),
            device: Some(devices[i % devices.len()]),
        };
        let mut key = InlineKey::<{ kraken::generated::KEY_CAPACITY }>::default();
        let n = allocations_in(|| {
            kraken::growthbook_assign::assign_into(
                &CONFIG,
                &kraken::GROWTHBOOK,
                &input,
                &edge,
                || case.minted,
                &mut key,
            );
        });
        let lowercased = case
            .kraken_host
            .as_deref()
            .or(case.host.as_deref())
            .unwrap_or_default()
            .iter()
            .any(u8::is_ascii_uppercase);
        let overrides = Overrides::<0>::parse(case.query.as_deref().unwrap_or_default());
        let spilled = overrides.variants.len() > 256 || overrides.flags.len() > 256;
        let long = key.as_bytes().len() > kraken::generated::KEY_CAPACITY;
        // Bytes that are not ASCII become a Latin-1 JavaScript string: a new string.
        let not_ascii = [
            case.kraken_host.as_deref().or(case.host.as_deref()),
            Some(&target[..]),
        ]
        .iter()
        .flatten()
        .any(|b| !b.is_ascii());
        if !lowercased && !spilled && !long && !not_ascii {
            assert_eq!(n, 0, "{case:?}");
            checked += 1;
            with_growthbook += usize::from(key.as_bytes().windows(3).any(|w| w == b"ff:"));
        }
    }
    assert!(
        checked > 500 && with_growthbook > checked / 2,
        "{checked} requests, {with_growthbook} with items"
    );
}
