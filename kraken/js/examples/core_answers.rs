//! The native core's answers for the package's differential test (`kraken/js/test/`): reads
//! requests as JSON lines (the reference CLI's format, `tests/reference/kraken_ref.py`, with
//! every `Cookie` value in `cookies_b64`) and prints `{"key", "unit", "minted",
//! "growthbook_key"}` per line. `growthbook_key` is the Compute service's key (`main.rs`:
//! `growthbook_assign::assign_into`, SPEC §6's items too) for the URI, `Kraken-Country` and
//! `Kraken-Device` of `target_b64`, `country_b64` and `device_b64` (each optional); `key` is
//! the platform's alone (`kraken::assign`). With a target, the query is read from it as the
//! service reads its URI, and `query_b64` is ignored.
//!
//! `cargo run -p kraken-js --example core_answers < requests.jsonl`

use serde_json::{Value, json};
use std::io::{BufRead, Write};

fn main() {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("stdin is readable");
        if line.trim().is_empty() {
            continue;
        }
        let request: Value = serde_json::from_str(&line).expect("one JSON object per line");
        let bytes = |name: &str| request[format!("{name}_b64")].as_str().map(b64_decode);
        let (target, country, device) = (bytes("target"), bytes("country"), bytes("device"));
        let query = match &target {
            Some(uri) => kraken::request::query_of(uri).map(<[u8]>::to_vec),
            None => bytes("query"),
        };
        let case = testkit::Case {
            cookie: None,
            host: bytes("host"),
            kraken_host: bytes("kraken_host"),
            page_type: bytes("page_type"),
            query,
            minted: unhex(request["minted"].as_str().expect("minted: 32 hex digits")),
        };
        let values: Vec<Vec<u8>> = request["cookies_b64"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(b64_decode))
            .collect();
        let cookies: Vec<&[u8]> = values.iter().map(Vec::as_slice).collect();
        let input = case.input(&cookies);
        let got = kraken::assign(&kraken::CONFIG, &input, || case.minted);
        let edge = kraken::growthbook_assign::EdgeRequest {
            target: target.as_deref(),
            country: country.as_deref(),
            device: device.as_deref(),
        };
        let mut growthbook_key = String::new();
        kraken::growthbook_assign::assign_into(
            &kraken::CONFIG,
            &kraken::GROWTHBOOK,
            &input,
            &edge,
            || case.minted,
            &mut growthbook_key,
        );
        let answer = json!({
            "key": got.key,
            "unit": got.unit.as_str(),
            "minted": got.minted,
            "growthbook_key": growthbook_key,
        });
        writeln!(out, "{answer}").expect("stdout is writable");
    }
}

fn b64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {text:?}"),
    };
    let digits: Vec<u8> = text.bytes().filter(|&c| c != b'=').map(value).collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &d)| n | u32::from(d) << (18 - 6 * i));
        out.extend(n.to_be_bytes()[1..].iter().take(chunk.len() - 1));
    }
    out
}

fn unhex(text: &str) -> [u8; 16] {
    let mut bytes = [0; 16];
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).expect("minted: 32 hex digits");
    }
    bytes
}
