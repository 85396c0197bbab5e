//! The core's modules depend one way (ARCHITECTURE.md, invariants): each names (`crate::…`) only
//! modules of the layers below its own, so there is no cycle and each reads without the ones
//! above it.

use std::path::{Path, PathBuf};

/// Lowest first. `lib.rs` (the root, which declares them all) and `main.rs` (another crate)
/// stand outside; every other file under `src/` must belong to a module listed here.
const LAYERS: &[&[&str]] = &[
    &["model", "growthbook"],
    &["generated", "inline"],
    &["request"],
    &["assign", "response", "key"],
    &["growthbook_assign"],
    // The Compute adapter (wasm only).
    &["compute"],
];

fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The modules `code` names through `crate::`, comments left out (a doc link is no dependency).
fn named_modules(code: &str) -> Vec<String> {
    let ident = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut named = Vec::new();
    for line in code.lines() {
        let line = line.split("//").next().unwrap_or_default();
        for (at, _) in line.match_indices("crate::") {
            let rest = &line[at + "crate::".len()..];
            match rest.strip_prefix('{') {
                // `crate::{a::X, b}`: the first name of each top-level entry.
                Some(group) => {
                    let mut depth = 0;
                    let mut start = 0;
                    for (i, c) in group.char_indices() {
                        match c {
                            '{' => depth += 1,
                            '}' if depth == 0 => {
                                named.push(ident(&group[start..i]));
                                break;
                            }
                            '}' => depth -= 1,
                            ',' if depth == 0 => {
                                named.push(ident(&group[start..i]));
                                start = i + 1;
                            }
                            _ => {}
                        }
                    }
                }
                None => named.push(ident(rest)),
            }
        }
    }
    named.retain(|m| !m.is_empty());
    named
}

/// `(file, module it belongs to, module it names)` for every name that is not of a lower layer.
fn violations(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    sources(src, &mut files);
    files.sort();
    let mut found = Vec::new();
    for file in files {
        let relative = file.strip_prefix(src).unwrap();
        let first = relative.components().next().unwrap().as_os_str();
        let module = first.to_str().unwrap().trim_end_matches(".rs");
        if module == "lib" || module == "main" {
            continue;
        }
        let Some(own) = layer(module) else {
            found.push(format!(
                "{}: module `{module}` is in no layer",
                relative.display()
            ));
            continue;
        };
        let code = std::fs::read_to_string(&file).unwrap();
        // `#[macro_export]` puts a module's own macro at the crate root: re-exporting it from
        // `crate::` names the module itself.
        let own_macros: Vec<String> = code
            .match_indices("macro_rules! ")
            .map(|(at, _)| {
                code[at + "macro_rules! ".len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect()
            })
            .collect();
        for named in named_modules(&code) {
            if named == module || own_macros.contains(&named) {
                continue;
            }
            match layer(&named) {
                Some(l) if l < own => {}
                _ => found.push(format!(
                    "{}: `{module}` names `crate::{named}`, which is not below it",
                    relative.display()
                )),
            }
        }
    }
    found
}

#[test]
fn modules_only_name_the_layers_below_them() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = violations(&src);
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn the_check_sees_every_form_of_naming() {
    let code = "use crate::model::Config;\nuse crate::{inline::KeyWriter, request};\n\
                let q = crate::assign::bucket(p, u); // crate::commented\n";
    assert_eq!(
        named_modules(code),
        ["model", "inline", "request", "assign"]
    );
}
