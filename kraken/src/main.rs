//! Fastly Compute adapter: read the request's bytes, call the core, write the headers (SPEC §5).
//! Every request gets a `200`; nothing here can fail on request input.

#[cfg(target_arch = "wasm32")]
fn main() {
    use fastly::http::header::{CACHE_CONTROL, COOKIE, HOST};
    use fastly::{Request, Response};
    use std::time::Instant;

    let started = Instant::now();
    let req = Request::from_client();
    // Byte forms only: the `_str` accessors panic on non-UTF-8 header values.
    let cookies: Vec<&[u8]> = req.get_header_all(COOKIE).map(|v| v.as_bytes()).collect();
    let input = kraken::RequestInput {
        cookies: &cookies,
        host: req.get_header(HOST).map(|v| v.as_bytes()),
        page_type: req.get_header("kraken-page-type").map(|v| v.as_bytes()),
        query: req.get_query_str().map(str::as_bytes),
    };
    let assignment = kraken::assign(&kraken::CONFIG, &input, random_id);

    let mut resp = Response::new()
        .with_header("kraken-assignments", assignment.key.as_str())
        .with_header("kraken-unit", assignment.unit.as_str())
        .with_header("kraken-config", kraken::CONFIG.digest)
        .with_header(CACHE_CONTROL, "private, no-store");
    if assignment.minted {
        resp.set_header(
            "kraken-set-cookie",
            kraken::set_cookie(assignment.unit.as_str()),
        );
    }
    let micros = started.elapsed().as_micros();
    resp.set_header(
        "server-timing",
        format!("kraken;dur={}.{:03}", micros / 1000, micros % 1000),
    );
    resp.send_to_client();
}

#[cfg(target_arch = "wasm32")]
fn random_id() -> [u8; 16] {
    let mut bytes = [0; 16];
    // WASI's random_get. Should the host ever refuse, the clock still tells visitors apart.
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        bytes = nanos.to_le_bytes();
    }
    bytes
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "kraken is a Fastly Compute service: build it with --target wasm32-wasip1 (see README)"
    );
    std::process::exit(2);
}
