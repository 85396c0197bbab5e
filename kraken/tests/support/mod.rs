//! Shared by the cross-check tests: random hostile-ish requests over the sample config, and the
//! independent Python implementation of the SPEC (`tests/reference/kraken_ref.py`) as the oracle.
#![allow(dead_code)]

use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A small deterministic PRNG (xorshift64*): reproducible cases without a dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// One request as raw bytes, plus the id the service would mint for it.
#[derive(Debug, Clone)]
pub struct Case {
    pub cookie: Option<Vec<u8>>,
    pub host: Option<Vec<u8>>,
    pub kraken_host: Option<Vec<u8>>,
    pub page_type: Option<Vec<u8>>,
    /// Without the leading `?`.
    pub query: Option<Vec<u8>>,
    pub minted: [u8; 16],
}

impl Case {
    /// Its `Cookie` values, for [`Case::input`].
    pub fn cookies(&self) -> Vec<&[u8]> {
        self.cookie.iter().map(Vec::as_slice).collect()
    }

    /// The request as the core sees it.
    pub fn input<'a>(&'a self, cookies: &'a [&'a [u8]]) -> kraken::RequestInput<'a> {
        kraken::RequestInput {
            cookies,
            host: self.host.as_deref(),
            kraken_host: self.kraken_host.as_deref(),
            page_type: self.page_type.as_deref(),
            query: self.query.as_deref(),
        }
    }
}

/// What the config declares, so generated requests hit real keys as well as bogus ones.
pub struct Declared {
    pub experiments: Vec<(String, Vec<String>)>,
    pub flags: Vec<(String, Vec<String>)>,
    pub domains: Vec<String>,
    pub page_types: Vec<String>,
}

impl Declared {
    pub fn read(config: &Path) -> Self {
        let read = |name: &str| -> Value {
            serde_json::from_str(&std::fs::read_to_string(config.join(name)).unwrap()).unwrap()
        };
        let (exps, flags, edge) = (
            read("experiments.json"),
            read("site-features.json"),
            read("edge.json"),
        );
        let strings = |v: &Value| -> Vec<String> {
            v.as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut domains = Vec::new();
        let experiments = exps["experiments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                domains.extend(strings(&e["targeting"]["domains"]));
                let vars = e["variations"].as_array().map(|v| {
                    v.iter()
                        .map(|v| v["key"].as_str().unwrap_or("").to_owned())
                        .collect()
                });
                (
                    e["key"].as_str().unwrap_or("").to_owned(),
                    vars.unwrap_or_default(),
                )
            })
            .collect();
        let flags = flags["flags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                for r in f["rules"].as_array().into_iter().flatten() {
                    domains.extend(strings(&r["domains"]));
                }
                (
                    f["key"].as_str().unwrap_or("").to_owned(),
                    strings(&f["values"]),
                )
            })
            .collect();
        domains.sort();
        domains.dedup();
        Self {
            experiments,
            flags,
            domains,
            page_types: strings(&edge["page_types"]),
        }
    }
}

/// Random requests: valid and invalid cookies, decorated and unknown hosts, every page type and
/// some that are not, overrides good and bad, percent-encoded, and non-UTF-8 bytes. `http_safe`
/// keeps every byte sendable over HTTP/1.1 (no control bytes; query bytes percent-encoded).
pub fn cases(declared: &Declared, seed: u64, n: usize, http_safe: bool) -> Vec<Case> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|_| case(declared, &mut rng, http_safe))
        .collect()
}

fn unit(rng: &mut Rng) -> String {
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
    let max = if rng.chance(10) { 64 } else { 32 };
    let len = 1 + rng.below(max);
    (0..len).map(|_| *rng.pick(CHARS) as char).collect()
}

fn case(d: &Declared, rng: &mut Rng, http_safe: bool) -> Case {
    let mut minted = [0u8; 16];
    minted.iter_mut().for_each(|b| *b = rng.next() as u8);
    let cookie = match rng.below(12) {
        0 => None,
        1 => Some(b"other=1".to_vec()),
        2 => Some(format!("kraken_uid={}", "a".repeat(65)).into_bytes()),
        3 => Some(b"kraken_uid=has.dot".to_vec()),
        4 => Some(b"kraken_uid=".to_vec()),
        5 => Some(b"kraken_uid=\xff\xfe\xc3".to_vec()),
        6 => Some(format!("kraken_uid={}; kraken_uid={}", unit(rng), unit(rng)).into_bytes()),
        7 => Some(format!("a=b;kraken_uid={} ; c=d", unit(rng)).into_bytes()),
        8 => Some(format!("kraken_uid=\"{}\"", unit(rng)).into_bytes()),
        _ => Some(format!("kraken_uid={}", unit(rng)).into_bytes()),
    };
    // Over HTTP a request needs a Host that is a valid authority: Viceroy (like Fastly's edge)
    // refuses the others before any service code runs, so those stay native-only.
    let host = match rng.below(10) {
        0 if !http_safe => None,
        2 if !http_safe => Some(b"\xffexample.com".to_vec()),
        0..=2 => Some(b"unknown.example.org".to_vec()),
        3 => Some(b"[::1]:7676".to_vec()),
        _ => {
            let mut h = String::new();
            for _ in 0..rng.below(3) {
                let prefix: &&str = rng.pick(&["www.", "staging.", "WWW.", "Staging."]);
                h.push_str(prefix);
            }
            let domain = if d.domains.is_empty() {
                "example.com".to_owned()
            } else {
                rng.pick(&d.domains).clone()
            };
            let upper = rng.chance(20);
            h.push_str(&if upper { domain.to_uppercase() } else { domain });
            if rng.chance(30) {
                let port: &&str = rng.pick(&[":443", ":8080", ":"]);
                h.push_str(port);
            }
            Some(h.into_bytes())
        }
    };
    // SPEC §3: on Fastly the preflight's Host is the Compute service's domain and the site's host
    // travels in Kraken-Host, which wins whenever present (even empty or not UTF-8).
    let (host, kraken_host) = match rng.below(10) {
        0..=5 => (host, None),
        6 | 7 => (Some(b"kraken-example.edgecompute.app".to_vec()), host),
        8 => (host, Some(b"".to_vec())),
        _ => {
            let mut site = host.unwrap_or_default();
            site.insert(0, 0xff);
            (Some(b"kraken-example.edgecompute.app".to_vec()), Some(site))
        }
    };
    let page_type = match rng.below(10) {
        0 => None,
        1 => Some(b"landing".to_vec()),
        2 => Some(b"HOME".to_vec()),
        3 => Some(b"h\xc3\xb6me\xff".to_vec()),
        _ => Some(rng.pick(&d.page_types).clone().into_bytes()),
    };
    let query = if rng.chance(60) {
        None
    } else {
        Some(query(d, rng, http_safe))
    };
    Case {
        cookie,
        host,
        kraken_host,
        page_type,
        query,
        minted,
    }
}

fn query(d: &Declared, rng: &mut Rng, http_safe: bool) -> Vec<u8> {
    let mut params: Vec<String> = Vec::new();
    for _ in 0..1 + rng.below(3) {
        let (name, pool): (&str, &Vec<(String, Vec<String>)>) = if rng.chance(50) {
            ("variants", &d.experiments)
        } else {
            ("flags", &d.flags)
        };
        let mut items = Vec::new();
        for _ in 0..1 + rng.below(4) {
            let (key, values) = rng.pick(pool);
            let value = match rng.below(6) {
                0 => "undeclared".to_owned(),
                1 => String::new(),
                _ if values.is_empty() => "x".to_owned(),
                _ => rng.pick(values).clone(),
            };
            items.push(match rng.below(8) {
                0 => key.clone(),
                1 => format!("nope:{value}"),
                2 => format!("{key}:{value}:extra"),
                _ => format!("{key}:{value}"),
            });
        }
        let list = items.join(",");
        let encoded = if rng.chance(30) {
            list.replace(':', "%3A").replace(',', "%2c")
        } else if rng.chance(10) {
            format!("{list}%zz%")
        } else {
            list
        };
        let name = if rng.chance(10) {
            name.replace('v', "%76")
        } else {
            name.to_owned()
        };
        params.push(format!("{name}={encoded}"));
    }
    if rng.chance(20) {
        params.insert(
            rng.below(params.len() + 1),
            "utm_source=news+letter&x".to_owned(),
        );
    }
    let mut q = params.join("&").into_bytes();
    if !http_safe && rng.chance(10) {
        q.extend_from_slice(b"&flags=\xff:\xfe");
    }
    q
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

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

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
