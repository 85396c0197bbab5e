//! The compiled-in sample config against the independent Python implementation of the SPEC:
//! every key, unit and minted flag must agree on thousands of random, partly hostile requests.

use kraken::{CONFIG, assign};
use testkit::{Declared, cases, hex, reference, repo_root};

#[test]
fn sample_config_matches_the_reference_implementation() {
    let config = repo_root().join("config");
    let cases = cases(&Declared::read(&config), 20_26, 5_000, false);
    let expected = reference(&config, &cases);
    assert_eq!(expected.len(), cases.len());
    let mut mismatches = Vec::new();
    for (case, (key, unit, minted)) in cases.iter().zip(&expected) {
        let cookies = case.cookies();
        let input = case.input(&cookies);
        let got = assign(&CONFIG, &input, || case.minted);
        if (&got.key, got.unit.as_str(), got.minted) != (key, unit.as_str(), *minted) {
            mismatches.push(format!(
                "{case:?}\n  kraken:    {} {:?} {}\n  reference: {key} {unit} {minted}",
                got.key, got.unit, got.minted
            ));
        }
        if got.minted {
            assert_eq!(got.unit.as_str(), hex(&case.minted));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} differ:\n{}",
        mismatches.len(),
        cases.len(),
        mismatches[..mismatches.len().min(5)].join("\n")
    );
    // The cases must exercise what they claim to: enrolments, overrides and minting all occur.
    assert!(expected.iter().any(|(k, _, _)| k.contains("exp:")));
    assert!(expected.iter().any(|(_, _, m)| *m) && expected.iter().any(|(_, _, m)| !*m));
}
