//! The Fastly Compute side of a request: read its bytes, let the core assign, write the headers
//! (SPEC §5). Every request gets a `200`; nothing here can fail on request input. Wasm only.
//!
//! The service (`main.rs`) and the JSON baselines in `benches/` (`kraken-json`) all call
//! [`serve`], so the Viceroy profile compares config evaluation and nothing else.
//!
//! Why raw hostcalls into stack buffers: every request runs in a fresh wasm instance, where each
//! hostcall costs up to a microsecond, and the first heap allocation and the first touch of each 4 KiB
//! page of linear memory cost more. The high-level `Request`/`Response` build header maps and
//! copy every value, `get_url` parses with the `url` crate, and even `HeaderValue` reads allocate.
//! Reading only the headers below and the URI into stack buffers, building the key on the stack
//! and writing header bytes directly leaves the common request without a heap allocation
//! (each step measured with `scripts/profile`, see docs/performance.md).

use crate::assign::{RequestInput, Unit};
use crate::growthbook_assign::EdgeRequest;
use crate::inline::InlineKey;
use crate::request::query_of;
use crate::response::{SET_COOKIE_MAX, set_cookie};
use fastly::handle::{BodyHandle, ResponseHandle, client_request_and_body};
use std::time::Instant;

/// The headers read as one value each (their first), in this order; then the URI, then every
/// `Cookie` value. The one list of what a request is read for: a header added here is one more
/// name in `serve`'s `let [..] = values` and one more `RequestInput` field.
const HEADERS: [&[u8]; 3] = [b"host", b"kraken-host", b"kraken-page-type"];

/// Where the request's values are read: the headers above, the URI, then every `Cookie` value,
/// each into what the previous ones left. A value that does not fit in the rest is read again
/// at its size, on the heap. 1.25 KiB holds a typical request; the stack a request uses fits in
/// the one 4 KiB page a fresh instance faults in anyway (measured: one more page costs ~2.5 µs
/// under Viceroy).
const ARENA: usize = 1280;
/// Longest values read at all; beyond them a header counts as missing (the cookies: no unit
/// id) and the URI as having no query. Far above what Fastly accepts in a request.
const MAX_HEADER: usize = 64 * 1024;
const MAX_URI: usize = 128 * 1024;
const MAX_COOKIES: usize = 128 * 1024;
/// Cookie values handled without a heap allocation.
const COOKIE_VALUES: usize = 8;
/// The key, built on the stack up to the generated capacity: 512 bytes for the platform's
/// items, more with GrowthBook features (longer keys move to the heap).
pub type Key = InlineKey<{ crate::generated::KEY_CAPACITY }>;

/// Serves the client request with the key `assign` writes; `digest` names the config.
pub fn serve(digest: &'static str, assign: impl FnOnce(&RequestInput<'_>, &mut Key) -> Unit) {
    serve_with(digest, false, |input, _, key| assign(input, key));
}

/// [`serve`] for a config that may hold GrowthBook features: with `growthbook`, the request's
/// `Kraken-Country` and `Kraken-Device` are read too and the URI is its target (SPEC §6), else
/// nothing more than before.
pub fn serve_with(
    digest: &'static str,
    growthbook: bool,
    assign: impl FnOnce(&RequestInput<'_>, &EdgeRequest<'_>, &mut Key) -> Unit,
) {
    let started = Instant::now();
    let (req, _body) = client_request_and_body();
    let req = req.as_u32();

    let mut arena = [0; ARENA];
    let mut free = &mut arena[..];
    let mut long_values: [Vec<u8>; HEADERS.len()] = Default::default();
    let mut values = [None; HEADERS.len()];
    for ((name, long), value) in HEADERS.iter().zip(&mut long_values).zip(&mut values) {
        *value = hostcall::header_value(req, name, &mut free, long, MAX_HEADER);
    }
    let [host, kraken_host, page_type] = values;
    let (mut long_uri, mut long_cookies) = (Vec::new(), Vec::new());
    let uri = hostcall::uri(req, &mut free, &mut long_uri, MAX_URI);
    let cookie_values =
        hostcall::header_values(req, b"cookie", &mut free, &mut long_cookies, MAX_COOKIES);
    let mut cookie_slots = [&[][..]; COOKIE_VALUES];
    let mut many_cookies = Vec::new();
    let cookies = split_values(cookie_values, &mut cookie_slots, &mut many_cookies);

    let input = RequestInput {
        cookies,
        host,
        kraken_host,
        page_type,
        query: uri.and_then(query_of),
    };
    let mut edge = EdgeRequest::default();
    let (mut long_country, mut long_device) = (Vec::new(), Vec::new());
    if growthbook {
        edge.target = uri;
        edge.country = hostcall::header_value(
            req,
            b"kraken-country",
            &mut free,
            &mut long_country,
            MAX_HEADER,
        );
        edge.device = hostcall::header_value(
            req,
            b"kraken-device",
            &mut free,
            &mut long_device,
            MAX_HEADER,
        );
    }
    let mut key = Key::default();
    let unit = assign(&input, &edge, &mut key);
    respond(started, digest, key.as_bytes(), &unit);
}

/// Sends the answer. Not inlined: its buffers reuse the stack `assign` used.
#[inline(never)]
fn respond(started: Instant, digest: &str, key: &[u8], unit: &Unit) {
    // The key and the unit only ever hold `[a-z0-9_:=;-]`, GrowthBook's percent-encoded items
    // (`[A-Za-z0-9%._~-]`) and `[A-Za-z0-9_-]`, the rest is static: always valid header values.
    let resp = ResponseHandle::new();
    let out = resp.as_u32();
    hostcall::insert_header(out, b"kraken-assignments", key);
    hostcall::insert_header(out, b"kraken-unit", unit.id.as_bytes());
    if unit.minted {
        let mut cookie = [0; SET_COOKIE_MAX];
        let value = set_cookie(&unit.id, &mut cookie);
        hostcall::insert_header(out, b"kraken-set-cookie", value);
    }
    hostcall::insert_header(out, b"kraken-config", digest.as_bytes());
    hostcall::insert_header(out, b"cache-control", b"private, no-store");
    let mut timing = [0; 64];
    let micros = started.elapsed().as_micros();
    hostcall::insert_header(out, b"server-timing", server_timing(micros, &mut timing));
    resp.send_to_client(BodyHandle::new());
}

/// Splits the host's NUL-terminated header values into `slots`, or into `many` when there are
/// more than fit.
fn split_values<'a>(
    values: &'a [u8],
    slots: &'a mut [&'a [u8]; COOKIE_VALUES],
    many: &'a mut Vec<&'a [u8]>,
) -> &'a [&'a [u8]] {
    // A header value cannot hold a NUL byte, so the terminators split them unambiguously.
    let Some(values) = values.strip_suffix(&[0]) else {
        return &[];
    };
    let mut n = 0;
    for value in values.split(|&b| b == 0) {
        if n < COOKIE_VALUES {
            slots[n] = value;
        } else {
            if many.is_empty() {
                many.extend_from_slice(&slots[..]);
            }
            many.push(value);
        }
        n += 1;
    }
    if many.is_empty() { &slots[..n] } else { many }
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

/// The few Compute hostcalls Kraken makes without the SDK's owned types, each behind a safe
/// function. Reads go into the front of `free`, which keeps what is left; the host writes at
/// most the buffer's length and reports how many bytes it wrote or, when they do not fit
/// (`BUFLEN`), how many it needs, and then the value is read again into `long`.
#[allow(unsafe_code)]
mod hostcall {
    use fastly_shared::FastlyStatus;
    use fastly_sys::{fastly_http_req as req, fastly_http_resp as resp};

    /// The first `n` bytes of `free`, handed out; `free` keeps the rest.
    fn take<'a>(free: &mut &'a mut [u8], n: usize) -> &'a [u8] {
        let (read, rest) = std::mem::take(free).split_at_mut(n);
        *free = rest;
        read
    }

    /// The first value of header `name`; `None` when absent or unreadable, empty when longer
    /// than `max` (present: an oversized `Kraken-Host` still wins over `Host`, SPEC §3).
    pub fn header_value<'a>(
        handle: u32,
        name: &[u8],
        free: &mut &'a mut [u8],
        long: &'a mut Vec<u8>,
        max: usize,
    ) -> Option<&'a [u8]> {
        read_sized(free, long, max, |into, n| {
            // SAFETY: `name` and `into` are live slices; see the module comment.
            unsafe {
                req::header_value_get(
                    handle,
                    name.as_ptr(),
                    name.len(),
                    into.as_mut_ptr(),
                    into.len(),
                    n,
                )
            }
        })
    }

    /// The request URI; `None` when unreadable, empty when longer than `max`.
    pub fn uri<'a>(
        handle: u32,
        free: &mut &'a mut [u8],
        long: &'a mut Vec<u8>,
        max: usize,
    ) -> Option<&'a [u8]> {
        read_sized(free, long, max, |into, n| {
            // SAFETY: `into` is a live slice; see the module comment.
            unsafe { req::uri_get(handle, into.as_mut_ptr(), into.len(), n) }
        })
    }

    fn read_sized<'a>(
        free: &mut &'a mut [u8],
        long: &'a mut Vec<u8>,
        max: usize,
        read: impl Fn(&mut [u8], &mut usize) -> FastlyStatus,
    ) -> Option<&'a [u8]> {
        let mut n = 0;
        let status = read(free, &mut n);
        if status.is_ok() && n <= free.len() {
            return Some(take(free, n));
        }
        if status != FastlyStatus::BUFLEN || n <= free.len() {
            return None;
        }
        if n > max {
            return Some(&[]);
        }
        long.resize(n, 0);
        let needed = n;
        let status = read(long, &mut n);
        (status.is_ok() && n <= needed).then(|| &long[..n])
    }

    /// Every value of header `name`, each followed by a NUL byte; empty when there are none or
    /// they cannot be read within `max` bytes.
    pub fn header_values<'a>(
        handle: u32,
        name: &[u8],
        free: &mut &'a mut [u8],
        long: &'a mut Vec<u8>,
        max: usize,
    ) -> &'a [u8] {
        let read = |into: &mut [u8], cursor: u32, n: &mut usize| {
            let mut ending: i64 = -1;
            // SAFETY: `name` and `into` are live slices; see the module comment.
            let status = unsafe {
                req::header_values_get(
                    handle,
                    name.as_ptr(),
                    name.len(),
                    into.as_mut_ptr(),
                    into.len(),
                    cursor,
                    &mut ending,
                    n,
                )
            };
            (status, ending)
        };
        let mut n = 0;
        match read(free, 0, &mut n) {
            (status, ending) if status.is_ok() && ending < 0 && n <= free.len() => {
                return take(free, n);
            }
            (status, _) if !status.is_ok() && status != FastlyStatus::BUFLEN => return &[],
            _ => {}
        }
        // More than fits: collect them in `long`, a cursor at a time.
        let mut cursor = 0;
        let mut chunk = free.len().max(1024);
        loop {
            let len = long.len();
            if len + chunk > max {
                return &[];
            }
            long.resize(len + chunk, 0);
            let mut n = 0;
            let (status, ending) = read(&mut long[len..], cursor, &mut n);
            if status == FastlyStatus::BUFLEN && n > chunk {
                // The next value alone needs `n` bytes.
                long.truncate(len);
                chunk = n;
                continue;
            }
            if !status.is_ok() || n > chunk {
                return &[];
            }
            long.truncate(len + n);
            match u32::try_from(ending) {
                Ok(next) if next > cursor => cursor = next,
                _ => return long,
            }
        }
    }

    /// Sets response header `name` to `value`. Kraken only writes valid header bytes; should
    /// the host still refuse one, the response goes out without it.
    pub fn insert_header(handle: u32, name: &[u8], value: &[u8]) {
        // SAFETY: `name` and `value` are live slices the host only reads.
        let _ = unsafe {
            resp::header_insert(
                handle,
                name.as_ptr(),
                name.len(),
                value.as_ptr(),
                value.len(),
            )
        };
    }
}
