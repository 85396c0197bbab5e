//! The independent Python implementation of the SPEC (`tests/reference/kraken_ref.py`), run as
//! the tests' oracle: one JSON line per request in, one answer per line out.

use crate::{Case, hex, repo_root};
use serde_json::{Value, json};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// The reference implementation's answers: `(key, unit, minted)` per case.
pub fn reference(config: &Path, cases: &[Case]) -> Vec<(String, String, bool)> {
    let script = repo_root().join("tests/reference/kraken_ref.py");
    let mut child = Command::new("python3")
        .arg(script)
        .arg(config)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs (scripts/test installs it with the xxhash package)");
    let mut input = String::new();
    for c in cases {
        let field = |v: &Option<Vec<u8>>| v.as_deref().map(b64);
        let line = json!({
            "cookie": null, "host": null, "page_type": null, "query": null,
            "cookie_b64": field(&c.cookie), "host_b64": field(&c.host),
            "kraken_host_b64": field(&c.kraken_host),
            "page_type_b64": field(&c.page_type), "query_b64": field(&c.query),
            "minted": hex(&c.minted),
        });
        input.push_str(&line.to_string());
        input.push('\n');
    }
    // Feed stdin from a thread: the answers fill stdout's pipe while requests are still going in.
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(out.status.success(), "reference implementation failed");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (
                v["key"].as_str().unwrap().to_owned(),
                v["unit"].as_str().unwrap().to_owned(),
                v["minted"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn b64(bytes: &[u8]) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            out.push(if i <= chunk.len() {
                T[(n >> (18 - 6 * i) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    out
}
