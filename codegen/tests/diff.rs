//! Regeneration diffs a reviewer can read: one field changed in the config changes a few lines of
//! the generated tables, all in the entry it belongs to (plus the digest), and adding an entry
//! renames nothing.

use codegen::{Sources, compile};
use serde_json::{Value, json};
use std::path::Path;

const CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../config");

fn config(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(Path::new(CONFIG).join(name)).unwrap()).unwrap()
}

fn generate(experiments: &Value, flags: &Value) -> String {
    let edge = std::fs::read_to_string(Path::new(CONFIG).join("edge.json")).unwrap();
    compile(&Sources::from_texts(
        &experiments.to_string(),
        &flags.to_string(),
        &edge,
    ))
    .unwrap_or_else(|d| panic!("{d:?}"))
    .source
}

/// Numbered lines: `(line number, text)`.
type Lines<'a> = Vec<(usize, &'a str)>;

/// The lines only in `old` and only in `new`, from a longest common subsequence of lines.
fn diff<'a>(old: &'a str, new: &'a str) -> (Lines<'a>, Lines<'a>) {
    let (a, b): (Vec<&str>, Vec<&str>) = (old.lines().collect(), new.lines().collect());
    let mut lcs = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut removed, mut added, mut i, mut j) = (Vec::new(), Vec::new(), 0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            (i, j) = (i + 1, j + 1);
        } else if j == b.len() || (i < a.len() && lcs[i + 1][j] >= lcs[i][j + 1]) {
            removed.push((i, a[i]));
            i += 1;
        } else {
            added.push((j, b[j]));
            j += 1;
        }
    }
    (removed, added)
}

/// The digest is in the header and in `DIGEST`: it changes with any change that matters.
fn is_digest(line: &str) -> bool {
    line.starts_with("// Pruned config:") || line.starts_with("pub const DIGEST")
}

/// The lines of `source` from `static <ident>` to its closing `};`.
fn block(source: &str, ident: &str) -> std::ops::Range<usize> {
    let lines: Vec<&str> = source.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.starts_with(&format!("static {ident}:")))
        .unwrap_or_else(|| panic!("no static {ident}"));
    let end = start + lines[start..].iter().position(|l| *l == "};").unwrap();
    start..end + 1
}

/// A live experiment with two or more variations and traffic to spare.
fn live_experiment(experiments: &Value) -> usize {
    let page_types = config("edge.json")["page_types"].clone();
    experiments["experiments"]
        .as_array()
        .unwrap()
        .iter()
        .position(|e| {
            e["status"] == "running"
                && e["platforms"].as_array().unwrap().contains(&json!("web"))
                && e["page_types"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|p| page_types.as_array().unwrap().contains(p))
                && e["traffic"].as_u64().unwrap() > 100
                && e["variations"].as_array().unwrap().len() >= 2
        })
        .expect("config/ has a live experiment")
}

#[test]
fn a_traffic_change_shows_as_traffic_and_range_ends_of_that_experiment() {
    let (experiments, flags) = (config("experiments.json"), config("site-features.json"));
    let old = generate(&experiments, &flags);
    let mut changed = experiments.clone();
    let i = live_experiment(&experiments);
    let e = &mut changed["experiments"][i];
    let traffic = e["traffic"].as_u64().unwrap();
    e["traffic"] = json!(traffic - 100);
    let variations = e["variations"].as_array().unwrap().len();
    let ident = codegen::emit::ident("EXP_", e["key"].as_str().unwrap(), '-').to_string();
    let new = generate(&changed, &flags);

    let (removed, added) = diff(&old, &new);
    let (old_block, new_block) = (block(&old, &ident), block(&new, &ident));
    for (lines, block) in [(&removed, old_block), (&added, new_block)] {
        let rest: Vec<_> = lines.iter().filter(|(_, l)| !is_digest(l)).collect();
        assert!(
            rest.iter().all(|(n, _)| block.contains(n)),
            "changes outside {ident}: {rest:#?}"
        );
        // `traffic` and each variation's `end` (a range's start counts full weights).
        assert!(
            (2..=1 + variations).contains(&rest.len()),
            "{} lines changed in {ident}: {rest:#?}",
            rest.len()
        );
        assert!(
            rest.iter()
                .any(|(_, l)| l.trim_start().starts_with("traffic: "))
        );
        assert!(rest.iter().all(|(_, l)| {
            ["traffic: ", "end: "]
                .iter()
                .any(|f| l.trim_start().starts_with(f))
        }));
    }
    assert_eq!(removed.len(), added.len(), "lines replaced, none moved");
    assert!(
        added
            .iter()
            .any(|(_, l)| l.trim() == format!("traffic: {},", traffic - 100))
    );
}

#[test]
fn a_flag_default_change_is_one_line() {
    let (experiments, flags) = (config("experiments.json"), config("site-features.json"));
    let old = generate(&experiments, &flags);
    let mut changed = flags.clone();
    let flag = changed["flags"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|f| f["edge"] == true && f["values"].as_array().unwrap().len() >= 2)
        .unwrap();
    let key = flag["key"].as_str().unwrap().to_owned();
    let new_default = flag["values"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| **v != flag["default"])
        .unwrap()
        .clone();
    flag["default"] = new_default.clone();
    let new = generate(&experiments, &changed);

    let (removed, added) = diff(&old, &new);
    let rest = |lines: &[(usize, &str)]| -> Vec<String> {
        lines
            .iter()
            .filter(|(_, l)| !is_digest(l))
            .map(|(_, l)| l.trim().to_owned())
            .collect()
    };
    let default = |v: &Value| format!("default: \"ff:{key}={}\",", v.as_str().unwrap());
    let old_default = config("site-features.json")["flags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == key.as_str())
        .unwrap()["default"]
        .clone();
    assert_eq!(rest(&removed), [default(&old_default)]);
    assert_eq!(rest(&added), [default(&new_default)]);
    let ident = codegen::emit::ident("FLAG_", &key, '-').to_string();
    assert!(block(&new, &ident).contains(&added.iter().find(|(_, l)| !is_digest(l)).unwrap().0));
}

#[test]
fn adding_an_entry_renames_nothing() {
    // Keys that mangle alike (`-` and `_` both read as `_`) used to be told apart by a suffix in
    // file order, so a new key could rename its neighbour.
    // Here `a_b` is in the config and `a-b`, which sorts first, is added.
    let (mut experiments, flags) = (config("experiments.json"), config("site-features.json"));
    let i = live_experiment(&experiments);
    let key = experiments["experiments"][i]["key"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(key.contains('-'), "{key}");
    let mut twin = experiments["experiments"][i].clone();
    twin["seed"] = json!(key);
    experiments["experiments"][i]["key"] = json!(key.replace('-', "_"));
    let old = generate(&experiments, &flags);
    let mut changed = experiments.clone();
    changed["experiments"].as_array_mut().unwrap().push(twin);
    let new = generate(&changed, &flags);

    let (removed, _) = diff(&old, &new);
    let removed: Vec<_> = removed.iter().filter(|(_, l)| !is_digest(l)).collect();
    assert_eq!(removed, [] as [&(usize, &str); 0], "only additions");
    // Without the new experiment's static (and the blank line before it) and its places in the
    // page types' lists, the new source is the old one: no neighbour was renamed or moved.
    let ident = codegen::emit::ident("EXP_", &key, '-').to_string();
    let block = block(&new, &ident);
    let without = |source: &str, skip: &dyn Fn(usize, &str) -> bool| -> Vec<String> {
        source
            .lines()
            .enumerate()
            .filter(|&(n, l)| !is_digest(l) && !skip(n, l))
            .map(|(_, l)| l.to_owned())
            .collect()
    };
    let reference = format!("&{ident},");
    assert_eq!(
        without(&new, &|n, l| block.contains(&n)
            || n + 1 == block.start
            || l.trim() == reference),
        without(&old, &|_, _| false)
    );
}

#[test]
fn identifiers_are_injective() {
    let names = [
        "a-b", "a_b", "a--b", "a-_b", "a_-b", "a__b", "ab", "a.b", "A-b", "a-b-", "-a-b", "a-b_",
        "", "_", "-", "5f", "a_5f", "a-5f", "ä", "a\u{5f}b",
    ];
    let mut seen = std::collections::BTreeMap::new();
    for name in names {
        for sep in ['-', '.'] {
            let ident = codegen::emit::ident("X_", name, sep).to_string();
            if let Some(other) = seen.insert((sep, ident.clone()), name) {
                assert_eq!(other, name, "{other:?} and {name:?} both give {ident}");
            }
        }
    }
    assert_eq!(
        codegen::emit::ident("EXP_", "hero-banner-v2", '-').to_string(),
        "EXP_HERO_BANNER_V2"
    );
    assert_eq!(
        codegen::emit::ident("HOST_", "example.co.uk", '.').to_string(),
        "HOST_EXAMPLE_CO_UK"
    );
    assert_eq!(
        codegen::emit::ident("EXP_", "a_b", '-').to_string(),
        "EXP_A_B__5F"
    );
}

#[test]
fn the_digest_is_over_a_canonical_text_of_every_field() {
    let (experiments, flags) = (config("experiments.json"), config("site-features.json"));
    let edge_text = std::fs::read_to_string(Path::new(CONFIG).join("edge.json")).unwrap();
    let compile = |e: &Value, f: &Value| {
        compile(&Sources::from_texts(
            &e.to_string(),
            &f.to_string(),
            &edge_text,
        ))
        .unwrap()
    };
    let base = compile(&experiments, &flags);
    let text = codegen::canonical::canonical(&base.edge);
    let doc: Value = serde_json::from_str(&text).expect("canonical text is JSON");
    assert_eq!(
        doc["experiments"].as_array().unwrap().len(),
        base.edge.experiments.len()
    );
    assert_eq!(
        base.digest,
        format!("{:032x}", xxhash_rust::xxh3::xxh3_128(text.as_bytes()))
    );
    // Each field the edge uses moves the digest.
    let i = live_experiment(&experiments);
    type Edit = fn(&mut Value, &mut Value, usize);
    let edits: [(&str, Edit); 4] = [
        ("traffic", |e, _, i| {
            e["experiments"][i]["traffic"] = json!(1)
        }),
        ("seed", |e, _, i| {
            e["experiments"][i]["seed"] = json!("another-seed")
        }),
        ("weights", |e, _, i| {
            let v = &mut e["experiments"][i]["variations"];
            let (a, b) = (
                v[0]["weight"].as_u64().unwrap(),
                v[1]["weight"].as_u64().unwrap(),
            );
            v[0]["weight"] = json!(b);
            v[1]["weight"] = json!(a);
            if a == b {
                v[0]["key"] = json!("renamed");
            }
        }),
        ("flag default", |_, f, _| {
            let flag = f["flags"]
                .as_array_mut()
                .unwrap()
                .iter_mut()
                .find(|f| f["edge"] == true)
                .unwrap();
            let other = flag["values"]
                .as_array()
                .unwrap()
                .iter()
                .find(|v| **v != flag["default"])
                .unwrap()
                .clone();
            flag["default"] = other;
        }),
    ];
    for (what, edit) in edits {
        let (mut e, mut f) = (experiments.clone(), flags.clone());
        edit(&mut e, &mut f, i);
        assert_ne!(
            compile(&e, &f).digest,
            base.digest,
            "{what} did not change the digest"
        );
    }
}
