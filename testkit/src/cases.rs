//! Random hostile-ish requests over a config's declared keys, reproducible from a seed.

use crate::{Declared, Rng};

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
    minted.iter_mut().for_each(|b| *b = rng.next_u64() as u8);
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
        let variants = rng.chance(50);
        let name = if variants { "variants" } else { "flags" };
        let mut items = Vec::new();
        for _ in 0..1 + rng.below(4) {
            let (key, values) = if variants {
                let e = rng.pick(&d.experiments);
                (&e.key, &e.variations)
            } else {
                let f = rng.pick(&d.flags);
                (&f.key, &f.values)
            };
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
