//! The Fastly Compute side of a request: read its bytes, let the core assign, write the headers
//! (SPEC §5). Every request gets a `200`; nothing here can fail on request input.
//!
//! Shared, by path, with the JSON baselines in `benches/` (`kraken-json`), so the Viceroy profile
//! compares config evaluation and nothing else.
//!
//! Why the low-level handle API: every request runs in a fresh wasm instance, where each
//! hostcall costs microseconds and the first touch of each 4 KiB page of linear memory costs a
//! page fault (~2.5 µs under Viceroy). The high-level `Request`/`Response` build header maps and
//! copy every value; reading only the three headers and the URL we need, into small buffers,
//! and writing static header values without copies cut the time in `main` by a third and the
//! wasm by 110 KB (measured with `scripts/profile`, see README).

use fastly::handle::{BodyHandle, RequestHandle, ResponseHandle, client_request_and_body};
use fastly::http::header::{CACHE_CONTROL, COOKIE, HOST};
use fastly::http::{HeaderName, HeaderValue};
use kraken::{Assignment, RequestInput};
use std::time::Instant;

const PAGE_TYPE: HeaderName = HeaderName::from_static("kraken-page-type");
const ASSIGNMENTS: HeaderName = HeaderName::from_static("kraken-assignments");
const UNIT: HeaderName = HeaderName::from_static("kraken-unit");
const SET_COOKIE: HeaderName = HeaderName::from_static("kraken-set-cookie");
const CONFIG: HeaderName = HeaderName::from_static("kraken-config");
const SERVER_TIMING: HeaderName = HeaderName::from_static("server-timing");
const NO_STORE: HeaderValue = HeaderValue::from_static("private, no-store");

/// First read of a header or the URL: enough for nearly every request, small enough to keep the
/// fresh instance's heap on few pages. Longer values are read again at their size.
const FIRST_READ: usize = 1024;
/// Longest URI read; overrides in longer ones are ignored anyway (`request::MAX_QUERY_LEN`).
const MAX_URI: usize = 128 * 1024;
/// Every `Cookie` value together is read up to this size (Fastly caps a request's headers
/// well below it); beyond it the unit cookie is treated as missing.
const MAX_COOKIES: usize = 128 * 1024;

/// Serves the client request with the key `assign` computes; `digest` names the config.
pub fn serve(digest: &'static str, assign: impl FnOnce(&RequestInput<'_>) -> Assignment) {
    let started = Instant::now();
    let (req, _body) = client_request_and_body();
    let cookie_values = header_values(&req, &COOKIE);
    let cookies: Vec<&[u8]> = cookie_values.iter().map(HeaderValue::as_bytes).collect();
    let host = header_value(&req, &HOST);
    let page_type = header_value(&req, &PAGE_TYPE);
    let mut uri_buf = [0; FIRST_READ];
    let mut long_uri = Vec::new();
    let uri = uri(&req, &mut uri_buf, &mut long_uri);
    let input = RequestInput {
        cookies: &cookies,
        host: host.as_ref().map(HeaderValue::as_bytes),
        page_type: page_type.as_ref().map(HeaderValue::as_bytes),
        query: uri.and_then(kraken::request::query_of),
    };
    let assignment = assign(&input);

    let mut resp = ResponseHandle::new();
    let unit = assignment.unit.as_str();
    // The key and the unit only ever hold `[a-z0-9_:=;-]` and `[A-Za-z0-9_-]`: always valid
    // header values. The key's buffer becomes the header value without a copy.
    if let Ok(key) = HeaderValue::try_from(assignment.key) {
        resp.insert_header(&ASSIGNMENTS, &key);
    }
    if let Ok(value) = HeaderValue::from_str(unit) {
        resp.insert_header(&UNIT, &value);
    }
    if assignment.minted
        && let Ok(cookie) = HeaderValue::try_from(kraken::set_cookie(unit))
    {
        resp.insert_header(&SET_COOKIE, &cookie);
    }
    resp.insert_header(&CONFIG, &HeaderValue::from_static(digest));
    resp.insert_header(&CACHE_CONTROL, &NO_STORE);
    let mut timing = [0; 64];
    let micros = started.elapsed().as_micros();
    if let Ok(value) = HeaderValue::from_bytes(server_timing(micros, &mut timing)) {
        resp.insert_header(&SERVER_TIMING, &value);
    }
    resp.send_to_client(BodyHandle::new());
}

fn header_value(req: &RequestHandle, name: &HeaderName) -> Option<HeaderValue> {
    match req.get_header_value(name, FIRST_READ) {
        Ok(value) => value,
        Err(e) => req.get_header_value(name, e.needed_buf_size).ok().flatten(),
    }
}

/// Every value of a header, in order; empty when they cannot be read.
fn header_values(req: &RequestHandle, name: &HeaderName) -> Vec<HeaderValue> {
    let read = |size| {
        req.get_header_values(name, size)
            .collect::<Result<Vec<_>, _>>()
    };
    read(FIRST_READ)
        .or_else(|_| read(MAX_COOKIES))
        .unwrap_or_default()
}

/// The request URI, read by the host straight into `buf` (or `long` when it does not fit).
///
/// `RequestHandle::get_url` parses the URI with the `url` crate, for a query we only split on
/// `&`: measured under Viceroy, reading it raw took in-main p50 from 67 to 41 µs and the wasm
/// from 313 to 96 KB (the crate's IDNA tables). That is worth one FFI call.
#[allow(unsafe_code)]
fn uri<'b>(
    req: &RequestHandle,
    buf: &'b mut [u8; FIRST_READ],
    long: &'b mut Vec<u8>,
) -> Option<&'b [u8]> {
    let read = |into: &mut [u8]| {
        let mut written = 0;
        // SAFETY: the host writes at most `into.len()` bytes at `into` and reports how many (or,
        // when they do not fit, how many are needed) in `written`.
        let status = unsafe {
            fastly_sys::fastly_http_req::uri_get(
                req.as_u32(),
                into.as_mut_ptr(),
                into.len(),
                &mut written,
            )
        };
        (status.is_ok(), written)
    };
    match read(buf) {
        (true, n) if n <= FIRST_READ => Some(&buf[..n]),
        (_, needed) if needed > FIRST_READ && needed <= MAX_URI => {
            long.resize(needed, 0);
            match read(long) {
                (true, n) if n <= needed => Some(&long[..n]),
                _ => None,
            }
        }
        _ => None,
    }
}

/// `kraken;dur=<ms>.<µs>` written backwards into `buf`: no formatting machinery on the hot path.
fn server_timing(micros: u128, buf: &mut [u8; 64]) -> &[u8] {
    const PREFIX: &[u8] = b"kraken;dur=";
    let mut start = buf.len();
    let mut rest = micros;
    let mut digits = 0;
    // At least `0.000`: three decimals, a point, then the milliseconds.
    while rest > 0 || digits < 4 {
        if digits == 3 {
            start -= 1;
            buf[start] = b'.';
        }
        start -= 1;
        buf[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        digits += 1;
    }
    start -= PREFIX.len();
    buf[start..start + PREFIX.len()].copy_from_slice(PREFIX);
    &buf[start..]
}

/// 16 random bytes for a new unit id.
pub fn random_id() -> [u8; 16] {
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
