//! Differential test against GrowthBook's own JavaScript SDK (SPEC §6): seeded random payloads
//! and raw requests (`tests/growthbook/gen_payload.mjs`), compiled by codegen and served by the
//! native core, against the key `tests/growthbook/oracle.mjs` builds from what npm
//! `@growthbook/growthbook` 1.8.0 computes for the same request.
//!
//! The generated sources go into one throwaway crate under `target/growthbook-differential/`
//! (as `differential.rs` does). Needs `node` and the pinned npm package (`scripts/setup`).

use serde_json::{Value, json};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use testkit::scratch::{self, write_if_changed};
use testkit::{hex, repo_root};

/// Payloads and requests per payload.
const PAYLOADS: u64 = 40;
const BIG_PAYLOADS: u64 = 4;
const REQUESTS: usize = 150;

/// Where `oracle.mjs` and `gen_payload.mjs` live (`KRAKEN_GB_TOOLS` overrides, for a checkout
/// whose tools live elsewhere).
fn tools() -> PathBuf {
    std::env::var_os("KRAKEN_GB_TOOLS")
        .map_or_else(|| repo_root().join("tests/growthbook"), PathBuf::from)
}

fn node(args: &[&str], stdin: Option<&str>) -> String {
    let mut child = Command::new("node")
        .args(args)
        .current_dir(tools())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node runs (scripts/setup installs it)");
    let mut input = child.stdin.take().expect("stdin");
    let text = stdin.unwrap_or_default().to_owned();
    let writer = std::thread::spawn(move || input.write_all(text.as_bytes()));
    let out = child.wait_with_output().expect("node ends");
    writer.join().expect("writer").expect("stdin written");
    assert!(
        out.status.success(),
        "node {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// A raw header value's bytes: a string is its UTF-8, `{"hex": ...}` any bytes.
fn raw_bytes(v: &Value) -> Vec<u8> {
    match v {
        Value::String(s) => s.as_bytes().to_vec(),
        Value::Object(o) => {
            let h = o["hex"].as_str().expect("hex");
            (0..h.len() / 2)
                .map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).expect("hex"))
                .collect()
        }
        other => panic!("raw value {other}"),
    }
}

fn trim(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

struct Request {
    fields: [Option<Vec<u8>>; 6],
    cookies: Vec<Vec<u8>>,
    minted: [u8; 16],
}

/// The request as the core reads it: first values of the headers it uses, every cookie.
fn request(raw: &Value, n: usize) -> Request {
    let headers = raw["headers"].as_array().cloned().unwrap_or_default();
    let first = |name: &str| {
        headers
            .iter()
            .find(|h| h[0].as_str().is_some_and(|n| n.eq_ignore_ascii_case(name)))
            .map(|h| trim(&raw_bytes(&h[1])).to_vec())
    };
    let cookies = headers
        .iter()
        .filter(|h| {
            h[0].as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case("cookie"))
        })
        .map(|h| trim(&raw_bytes(&h[1])).to_vec())
        .collect();
    let mut minted = [0u8; 16];
    minted[..8].copy_from_slice(
        &(n as u64 + 1)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .to_le_bytes(),
    );
    Request {
        fields: [
            first("host"),
            first("kraken-host"),
            first("kraken-page-type"),
            Some(raw_bytes(&raw["target"])),
            first("kraken-country"),
            first("kraken-device"),
        ],
        cookies,
        minted,
    }
}

#[test]
fn compiled_payloads_give_the_sdks_keys() {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| repo_root().join("target"), PathBuf::from);
    let krate = target.join("growthbook-differential");
    let mut cases = Vec::new();
    let mut modules = Vec::new();
    let mut refused = Vec::new();
    // Most payloads hold 12 listed features; a few hold 40 (many experiments fire at once).
    for seed in 1..=PAYLOADS + BIG_PAYLOADS {
        let features = if seed > PAYLOADS { 40 } else { 12 };
        // The payload travels as text: it may hold lone surrogates, which serde_json refuses.
        let script = format!(
            "import {{ generate }} from './gen_payload.mjs';\n\
             const c = generate({seed}, {{ requests: {REQUESTS}, features: {features} }});\n\
             const {{ payload, ...rest }} = c;\n\
             console.log(JSON.stringify(payload));\n\
             console.log(JSON.stringify(rest));"
        );
        let text = node(&["--input-type=module", "-e", &script], None);
        let (payload, rest) = text.split_once('\n').expect("two lines");
        let mut case: Value = serde_json::from_str(rest).expect("generator JSON");
        case["payload_text"] = json!(payload);
        let edge = serde_json::to_string(&case["edge"]).expect("edge");
        let sources =
            codegen::Sources::from_texts(r#"{"experiments": []}"#, r#"{"flags": []}"#, &edge)
                .with_growthbook(payload);
        let compiled = match codegen::compile(&sources) {
            Ok(c) => c,
            Err(d) => {
                let shown: Vec<String> = d.iter().map(ToString::to_string).collect();
                refused.push(format!("seed {seed}:\n  {}", shown.join("\n  ")));
                continue;
            }
        };
        let m = format!("cfg{seed}");
        write_if_changed(&krate.join(format!("src/{m}/config.rs")), &compiled.source);
        write_if_changed(
            &krate.join(format!("src/{m}/growthbook.rs")),
            &compiled.growthbook,
        );
        modules.push(m);
        cases.push(case);
    }
    // Until codegen compiles every construct the generator draws, each refusal must say why.
    for r in &refused {
        eprintln!("refused (expected): {r}");
        assert!(
            r.contains("lone surrogate") || r.contains("cannot evaluate exactly"),
            "a valid payload was refused:\n{r}"
        );
    }
    assert!(
        cases.len() as u64 >= PAYLOADS / 4,
        "only {} of {PAYLOADS} payloads compiled",
        cases.len()
    );

    let binary = build(
        &krate,
        &target.join("growthbook-differential-target"),
        &modules,
    );
    let mut input = String::new();
    let mut requests = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        for (n, r) in case["requests"]
            .as_array()
            .expect("requests")
            .iter()
            .enumerate()
        {
            let req = request(&r["raw"], n);
            let field = |v: &Option<Vec<u8>>| v.as_deref().map_or_else(|| "-".to_owned(), hex);
            let cookies = if req.cookies.is_empty() {
                "-".to_owned()
            } else {
                req.cookies
                    .iter()
                    .map(|c| hex(c))
                    .collect::<Vec<_>>()
                    .join(",")
            };
            let _ = write!(input, "{i} {cookies}");
            for f in &req.fields {
                let _ = write!(input, " {}", field(f));
            }
            let _ = writeln!(input, " {}", hex(&req.minted));
            requests.push((i, n));
        }
    }
    let output = scratch::run(&binary, &input);
    let answers: Vec<(String, String)> = output
        .lines()
        .map(|l| {
            let (key, unit) = l.split_once('\t').expect("key\\tunit");
            (key.to_owned(), unit.to_owned())
        })
        .collect();
    assert_eq!(answers.len(), requests.len(), "one answer per request");

    let mut failures = Vec::new();
    let mut compared = 0;
    let mut non_ascii = 0;
    let mut with_experiments = 0;
    let mut answer = answers.iter();
    for case in &cases {
        let mut reqs = case["requests"].as_array().expect("requests").clone();
        let ours: Vec<&(String, String)> = reqs
            .iter()
            .map(|_| answer.next().expect("answer"))
            .collect();
        for (r, (_, unit)) in reqs.iter_mut().zip(&ours) {
            r["raw"]["unit"] = json!(unit);
        }
        let rest = json!({
            "features": case["features"],
            "pageTypes": case["pageTypes"],
            "requests": reqs,
        })
        .to_string();
        let payload = case["payload_text"].as_str().expect("payload text");
        let oracle_input = format!("{{\"payload\": {payload}, {}", &rest[1..]);
        let oracle = node(&["oracle.mjs"], Some(&oracle_input));
        for ((line, (key, _)), r) in oracle.lines().zip(&ours).zip(&reqs) {
            let want: Value = serde_json::from_str(line).expect("oracle JSON");
            let want = want["key"].as_str().expect("key");
            // Both read header bytes as Latin-1 (docs/growthbook.md); count the requests that
            // prove it.
            let headers = r["raw"]["headers"].as_array().cloned().unwrap_or_default();
            non_ascii += usize::from(headers.iter().any(|h| !raw_bytes(&h[1]).is_ascii()));
            compared += 1;
            with_experiments += usize::from(want.contains("exp:"));
            if want != key {
                failures.push(format!(
                    "payload seed {}: request {}\n  kraken: {key}\n  sdk:    {want}",
                    case["seed"], r["raw"]
                ));
            }
        }
    }
    eprintln!(
        "growthbook differential: {compared} requests over {} payloads ({} refused: lone surrogates or inexact regex), {with_experiments} with experiments, {non_ascii} with non-ASCII header bytes",
        cases.len(),
        refused.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {compared} keys differ from the SDK's (sources under {}):\n{}",
        failures.len(),
        krate.display(),
        failures
            .iter()
            .take(6)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        with_experiments > compared / 10,
        "{with_experiments} of {compared} keys hold an experiment"
    );
}

/// Writes the throwaway crate around the generated modules and builds it.
fn build(krate: &Path, target: &Path, modules: &[String]) -> PathBuf {
    scratch::manifest(
        krate,
        "kraken-growthbook-differential",
        "benches/tests/growthbook.rs",
        "[profile.release]\nopt-level = 1\ndebug-assertions = true\noverflow-checks = true\nincremental = true\n",
    );
    let mut main = String::from(
        "//! Reads `config cookies host kraken_host page target country device minted` lines (hex,\n\
         //! `-` when missing, cookies `,`-separated) and prints `key\\tunit` for each.\n\n\
         mod model {\n    pub use kraken::model::*;\n}\nmod growthbook {\n    pub use kraken::growthbook::*;\n}\n\n",
    );
    for m in modules {
        let _ = writeln!(
            main,
            "#[allow(warnings)]\nmod {m} {{\n    #[rustfmt::skip]\n    pub mod config;\n    #[rustfmt::skip]\n    pub mod growthbook;\n}}"
        );
    }
    let list: Vec<String> = modules
        .iter()
        .map(|m| format!("(&{m}::config::CONFIG, &{m}::growthbook::GROWTHBOOK)"))
        .collect();
    let _ = write!(
        main,
        r#"
static CONFIGS: &[(&kraken::model::Config, &kraken::growthbook::model::Config)] = &[{}];

fn unhex(s: &str) -> Option<Vec<u8>> {{
    (s != "-").then(|| {{
        (0..s.len() / 2)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).expect("hex"))
            .collect()
    }})
}}

fn main() {{
    use std::io::{{BufRead, Write}};
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for line in std::io::stdin().lock().lines() {{
        let line = line.expect("stdin");
        let f: Vec<&str> = line.split(' ').collect();
        let (config, growthbook) = CONFIGS[f[0].parse::<usize>().expect("config index")];
        let cookies: Vec<Vec<u8>> = if f[1] == "-" {{ Vec::new() }} else {{ f[1].split(',').filter_map(unhex).collect() }};
        let cookies: Vec<&[u8]> = cookies.iter().map(Vec::as_slice).collect();
        let (host, kraken_host, page, target) = (unhex(f[2]), unhex(f[3]), unhex(f[4]), unhex(f[5]));
        let (country, device) = (unhex(f[6]), unhex(f[7]));
        let minted: [u8; 16] = unhex(f[8]).expect("minted").try_into().expect("16 bytes");
        let input = kraken::RequestInput {{
            cookies: &cookies,
            host: host.as_deref(),
            kraken_host: kraken_host.as_deref(),
            page_type: page.as_deref(),
            query: target.as_deref().and_then(kraken::request::query_of),
        }};
        let edge = kraken::growthbook_assign::EdgeRequest {{
            target: target.as_deref(),
            country: country.as_deref(),
            device: device.as_deref(),
        }};
        let mut key = String::new();
        let unit = kraken::growthbook_assign::assign_into(config, growthbook, &input, &edge, || minted, &mut key);
        writeln!(out, "{{}}\t{{}}", key, unit.id.as_str()).expect("stdout");
    }}
}}
"#,
        list.join(", ")
    );
    write_if_changed(&krate.join("src/main.rs"), &main);
    scratch::build_release(krate, target, "kraken-growthbook-differential")
}
