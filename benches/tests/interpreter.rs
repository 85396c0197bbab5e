//! Properties of the JSON interpreter over random configs and random requests (no compiling):
//! it never panics, and its key only holds what the config declares (SPEC §3–§5).

use kraken::RequestInput;
use kraken_benches::{Interpreter, Shape, generate};
use proptest::prelude::*;
use std::collections::BTreeMap;
use testkit::{Declared, DeclaredExperiment, Rng};

/// A request assembled from the config's own words and from arbitrary bytes.
fn request(d: &Declared, rng: &mut Rng, noise: &[u8]) -> (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>) {
    let word = |rng: &mut Rng| -> Vec<u8> {
        if d.words.is_empty() || rng.chance(10) {
            noise.to_vec()
        } else {
            rng.pick(&d.words).clone().into_bytes()
        }
    };
    let cookie = match rng.below(4) {
        0 => noise.to_vec(),
        1 => [b"kraken_uid=".as_slice(), noise].concat(),
        _ => format!("kraken_uid=u{}", rng.next_u64()).into_bytes(),
    };
    let host = match rng.below(4) {
        0 => noise.to_vec(),
        _ => [b"WWW.".as_slice(), &word(rng), b":8080"].concat(),
    };
    let page = if rng.chance(80) && !d.page_types.is_empty() {
        rng.pick(&d.page_types).clone().into_bytes()
    } else {
        noise.to_vec()
    };
    let mut query = Vec::new();
    for _ in 0..rng.below(4) {
        query.extend_from_slice(if rng.chance(50) {
            b"variants="
        } else {
            b"flags="
        });
        for _ in 0..1 + rng.below(3) {
            query.extend(word(rng));
            query.push(b':');
            query.extend(word(rng));
            query.push(b',');
        }
        query.push(b'&');
    }
    (cookie, host, page, query)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn keys_only_hold_what_the_config_declares(
        seed in any::<u64>(),
        relevant in 0usize..40,
        dropped in 0usize..20,
        flags in 0usize..8,
        page_types in 0usize..6,
        domains in 0usize..6,
        tricky in any::<bool>(),
        noise in proptest::collection::vec(any::<u8>(), 0..24),
    ) {
        let shape = Shape { relevant, dropped, flags, page_types, domains, pinned: None, tricky, metadata: false };
        let texts = generate(seed, &shape);
        let interpreter = Interpreter::from_json(&texts.experiments, &texts.site_features, &texts.edge)
            .expect("generated configs parse");
        let d = Declared::from_texts(&texts.experiments, &texts.site_features, &texts.edge);
        // What a key may hold: relevant experiments and edge flags, by key (the last one wins).
        let experiments: BTreeMap<&str, &DeclaredExperiment> = d.experiments.iter()
            .filter(|e| e.relevant).map(|e| (e.key.as_str(), e)).collect();
        let edge_flags: BTreeMap<&str, &[String]> = d.flags.iter()
            .filter(|f| f.edge).map(|f| (f.key.as_str(), f.values.as_slice())).collect();
        let mut rng = Rng::new(seed ^ 0x5eed);
        for _ in 0..40 {
            let (cookie, host, page, query) = request(&d, &mut rng, &noise);
            let cookies = [cookie.as_slice()];
            let input = RequestInput {
                cookies: &cookies,
                host: Some(&host),
                kraken_host: None,
                page_type: Some(&page),
                query: Some(&query),
            };
            let a = interpreter.assign(&input, || [0xab; 16]);
            let context = format!("seed {seed}, key {:?}, page {:?}", a.key, String::from_utf8_lossy(&page));

            // The unit: the cookie's when valid, else the minted one.
            let unit = a.unit.as_str();
            prop_assert!(!unit.is_empty() && unit.len() <= 64, "{}", context);
            prop_assert!(unit.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'));
            prop_assert_eq!(a.minted, unit == "ab".repeat(16));

            let items: Vec<&str> = if a.key.is_empty() { Vec::new() } else { a.key.split(';').collect() };
            prop_assert!(items.windows(2).all(|w| w[0] < w[1]), "items sorted and unique: {}", context);
            let mut flags_seen = 0;
            let mut experiments_seen = std::collections::BTreeSet::new();
            let host_name = kraken::request::normalise_host(&host);
            for item in &items {
                let (name, value) = item.split_once('=').expect("item has =");
                if let Some(key) = name.strip_prefix("exp:") {
                    let DeclaredExperiment { pages, variations, domains, .. } = experiments.get(key)
                        .unwrap_or_else(|| panic!("undeclared or dropped experiment in {context}"));
                    prop_assert!(experiments_seen.insert(key), "{}", context);
                    if let Some(domains) = domains {
                        prop_assert!(domains.iter().any(|h| h.as_bytes() == &*host_name), "{}", context);
                    }
                    prop_assert!(pages.iter().any(|p| p.as_bytes() == page.as_slice()), "{}", context);
                    prop_assert!(variations.iter().any(|v| v == value), "{}", context);
                } else if let Some(key) = name.strip_prefix("ff:") {
                    let values = edge_flags.get(key)
                        .unwrap_or_else(|| panic!("undeclared or non-edge flag in {context}"));
                    prop_assert!(values.iter().any(|v| v == value), "{}", context);
                    flags_seen += 1;
                } else {
                    prop_assert!(false, "item {} in {}", item, context);
                }
            }
            // Every edge flag, exactly once (uniqueness follows from the strict order above).
            prop_assert_eq!(flags_seen, edge_flags.len(), "{}", context);
        }
    }
}
