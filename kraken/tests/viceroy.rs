//! The real service: builds the release wasm, serves it under Viceroy (Fastly's local Compute
//! runtime) and sends raw HTTP/1.1 requests, hostile bytes included. Every answer must be a `200`
//! with the SPEC §5 headers and the key the independent Python implementation computes.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;
use testkit::viceroy::{Answer, Server};
use testkit::{Case, Declared, DeclaredFlag, cases, reference, repo_root};

fn release_wasm() -> PathBuf {
    let root = repo_root();
    let status = Command::new(env!("CARGO"))
        .args([
            "build",
            "--quiet",
            "-p",
            "kraken",
            "--release",
            "--target",
            "wasm32-wasip1",
        ])
        .current_dir(&root)
        .status()
        .expect("cargo runs");
    assert!(
        status.success(),
        "release wasm build failed (scripts/setup adds the wasm32-wasip1 target)"
    );
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or(root.join("target"), PathBuf::from);
    target.join("wasm32-wasip1/release/kraken.wasm")
}

fn serve() -> Server {
    Server::start(&release_wasm(), &repo_root().join("kraken/fastly.toml"))
}

fn send(addr: SocketAddr, case: &Case) -> Answer {
    let cookies: Vec<&[u8]> = case.cookie.iter().map(Vec::as_slice).collect();
    send_with_cookies(addr, case, &cookies)
}

/// Sends `case` with one `Cookie` header per entry of `cookies` (`case.cookie` is not sent).
fn send_with_cookies(addr: SocketAddr, case: &Case, cookies: &[&[u8]]) -> Answer {
    let mut req = b"GET /".to_vec();
    if let Some(q) = &case.query {
        req.push(b'?');
        req.extend_from_slice(q);
    }
    req.extend_from_slice(b" HTTP/1.1\r\n");
    // HTTP/1.1 needs a Host; a request without one is sent with an empty value.
    req.extend_from_slice(b"Host: ");
    req.extend_from_slice(case.host.as_deref().unwrap_or_default());
    req.extend_from_slice(b"\r\n");
    let page_type = case.page_type.as_deref();
    let headers = cookies
        .iter()
        .map(|&c| ("Cookie", c))
        .chain(case.kraken_host.as_deref().map(|h| ("Kraken-Host", h)))
        .chain(page_type.map(|p| ("Kraken-Page-Type", p)));
    for (name, value) in headers {
        req.extend_from_slice(format!("{name}: ").as_bytes());
        req.extend_from_slice(value);
        req.extend_from_slice(b"\r\n");
    }
    req.extend_from_slice(b"Connection: close\r\n\r\n");
    testkit::viceroy::send(addr, &req, Duration::from_secs(20)).unwrap()
}

/// The key without the compiled GrowthBook items (SPEC §6): what the platform reference knows.
fn platform_part(key: Option<&str>) -> Option<String> {
    let growthbook = kraken::GROWTHBOOK.items;
    key.map(|k| {
        k.split(';')
            .filter(|i| !i.is_empty() && !growthbook.contains(i))
            .collect::<Vec<_>>()
            .join(";")
    })
}

/// The native core's whole key for `case` as sent by [`send`] (target `/?query`, the Host
/// header empty when missing): the GrowthBook items are checked against it.
fn native_key(case: &Case) -> String {
    let cookies = case.cookies();
    let host = case.host.clone().unwrap_or_default();
    let input = kraken::RequestInput {
        host: Some(&host),
        ..case.input(&cookies)
    };
    let mut target = b"/".to_vec();
    if let Some(q) = &case.query {
        target.push(b'?');
        target.extend_from_slice(q);
    }
    let edge = kraken::growthbook_assign::EdgeRequest {
        target: Some(&target),
        ..Default::default()
    };
    let mut key = String::new();
    kraken::growthbook_assign::assign_into(
        &kraken::CONFIG,
        &kraken::GROWTHBOOK,
        &input,
        &edge,
        || case.minted,
        &mut key,
    );
    key
}

#[test]
fn viceroy_answers_every_request_with_the_reference_key() {
    let server = serve();
    let config = repo_root().join("config");
    let cases = cases(&Declared::read(&config), 7676, 400, true);
    // The service mints its own random ids: for minted cases the key is checked against the
    // reference with the id the service returned.
    let answers: Vec<Answer> = cases.iter().map(|c| send(server.addr, c)).collect();
    let with_units: Vec<Case> = cases
        .iter()
        .zip(&answers)
        .map(|(c, a)| {
            let mut c = c.clone();
            if a.header("kraken-set-cookie").is_some() {
                let unit = a.header("kraken-unit").unwrap_or_default();
                c.cookie = Some(format!("kraken_uid={unit}").into_bytes());
            }
            c
        })
        .collect();
    let expected = reference(&config, &cases);
    let expected_keys = reference(&config, &with_units);
    let mut minted = 0;
    for (i, (case, answer)) in cases.iter().zip(&answers).enumerate() {
        assert_eq!(answer.status, 200, "request {i}: {case:?}");
        let (_, unit, was_minted) = &expected[i];
        let got_unit = answer.header("kraken-unit").expect("Kraken-Unit");
        assert_eq!(
            platform_part(answer.header("kraken-assignments")).as_deref(),
            Some(expected_keys[i].0.as_str()),
            "request {i}: {case:?}"
        );
        assert_eq!(
            answer.header("kraken-assignments"),
            Some(native_key(&with_units[i]).as_str()),
            "request {i}: {case:?}"
        );
        let timing = answer.header("server-timing").expect("Server-Timing");
        let dur = timing.strip_prefix("kraken;dur=").expect("kraken;dur=<ms>");
        assert!(dur.parse::<f64>().is_ok_and(|ms| ms >= 0.0), "{timing}");
        if *was_minted {
            minted += 1;
            assert!(
                got_unit.len() == 32
                    && got_unit
                        .bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
                "{got_unit}"
            );
            let cookie =
                format!("kraken_uid={got_unit}; Path=/; Max-Age=31536000; SameSite=Lax; Secure");
            assert_eq!(answer.header("kraken-set-cookie"), Some(cookie.as_str()));
        } else {
            assert_eq!(got_unit, unit);
            assert_eq!(answer.header("kraken-set-cookie"), None);
        }
    }
    assert!(minted > 0 && minted < cases.len());
    // Minted ids come from real randomness: no two alike.
    let mut ids: Vec<&str> = answers
        .iter()
        .filter(|a| a.header("kraken-set-cookie").is_some())
        .filter_map(|a| a.header("kraken-unit"))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), minted);
}

/// Values longer than the adapter's first reads (URI 1 KiB, cookies 2 KiB together, Host 256 B,
/// page type 64 B) and more `Cookie` headers than it holds without allocating (8) are read whole:
/// same key as the reference, which gets the cookies as one header.
#[test]
fn viceroy_reads_values_past_its_stack_buffers() {
    let server = serve();
    let config = repo_root().join("config");
    let declared = Declared::read(&config);
    let uid = |unit: &str| format!("kraken_uid={unit}");
    let pad = |n: usize| "a".repeat(n);
    let DeclaredFlag {
        key: flag, values, ..
    } = &declared.flags[0];
    // (Cookie headers, Host, page type, query); Kraken-Host is set below for some.
    let mut requests: Vec<(Vec<String>, String, String, Option<String>)> = vec![
        (
            (0..12)
                .map(|i| {
                    if i == 10 {
                        uid("eleventh-header")
                    } else {
                        format!("c{i}=x")
                    }
                })
                .collect(),
            "www.example.com".into(),
            "home".into(),
            None,
        ),
        (
            vec![format!("pad={}; {}", pad(5000), uid("after-5000-bytes"))],
            "example.com".into(),
            "hotel".into(),
            None,
        ),
        (
            vec![
                format!("a={}", pad(1500)),
                format!("b={}", pad(1500)),
                format!("c={}; {}", pad(1500), uid("third-of-three")),
            ],
            "example.com".into(),
            "deals".into(),
            None,
        ),
        (
            // The first value fits, the next does not: read again from the first.
            vec![
                "a=1".into(),
                format!("pad={}; {}", pad(5000), uid("second-of-two")),
            ],
            "example.com".into(),
            "home".into(),
            None,
        ),
        (
            vec![uid("long-host")],
            format!("www.{}.example.com", pad(300)),
            "home".into(),
            None,
        ),
        (
            vec![uid("long-page-type")],
            "example.com".into(),
            format!("home{}", pad(100)),
            None,
        ),
    ];
    // An override after 3 KB of query can only show in the key if the whole URI was read.
    for value in values {
        for page in &declared.page_types {
            requests.push((
                vec![uid("long-query")],
                declared.domains.first().cloned().unwrap_or_default(),
                page.clone(),
                Some(format!("pad={}&flags={flag}:{value}", pad(3000))),
            ));
        }
    }
    // A Kraken-Host past the read arena, and one past the 64 KiB read limit: both still win over
    // a Host the config targets (SPEC §3), so both get the key of a host no rule names.
    let kraken_hosts = [
        format!("www.{}.example.ie", pad(2000)),
        format!("www.{}.example.ie", pad(70 * 1024)),
    ];
    let first_long_kraken_host = requests.len();
    for _ in &kraken_hosts {
        requests.push((
            vec![uid("long-kraken-host")],
            "www.example.ie".into(),
            "home".into(),
            None,
        ));
    }
    let cases: Vec<Case> = requests
        .iter()
        .enumerate()
        .map(|(i, (cookies, host, page, query))| Case {
            cookie: Some(cookies.join("; ").into_bytes()),
            host: Some(host.clone().into_bytes()),
            kraken_host: i
                .checked_sub(first_long_kraken_host)
                .map(|k| kraken_hosts[k].clone().into_bytes()),
            page_type: Some(page.clone().into_bytes()),
            query: query.clone().map(String::into_bytes),
            minted: [0; 16],
        })
        .collect();
    let expected = reference(&config, &cases);
    for (i, ((case, (cookies, ..)), (key, unit, minted))) in
        cases.iter().zip(&requests).zip(&expected).enumerate()
    {
        assert!(!minted, "request {i} carries a valid id");
        let cookies: Vec<&[u8]> = cookies.iter().map(|c| c.as_bytes()).collect();
        let answer = send_with_cookies(server.addr, case, &cookies);
        assert_eq!(answer.status, 200, "request {i}");
        assert_eq!(
            answer.header("kraken-unit"),
            Some(unit.as_str()),
            "request {i}"
        );
        assert_eq!(
            platform_part(answer.header("kraken-assignments")).as_deref(),
            Some(key.as_str()),
            "request {i}"
        );
        if let Some(query) = &case.query {
            let forced = String::from_utf8_lossy(query);
            let item = format!(
                "ff:{}",
                forced
                    .rsplit_once("flags=")
                    .unwrap()
                    .1
                    .replacen(':', "=", 1)
            );
            assert!(
                key.split(';').any(|k| k == item),
                "request {i}: {item} in {key}"
            );
        }
    }
}
