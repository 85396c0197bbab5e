//! Kraken for Node.js: the Compute service's assignment
//! ([`kraken::growthbook_assign::assign_into`]) and key reading over the compiled config,
//! behind the npm package in `npm/`. Plain Rust, tested natively; `exports.rs` is the
//! wasm-bindgen glue (wasm only) and `npm/index.cjs` the JavaScript API around it.
//!
//! The boundary is shaped for one copy each way: the JavaScript side packs a request's values
//! into one byte buffer plus their lengths, and gets one string back.

#[cfg(target_arch = "wasm32")]
mod exports;

use kraken::growthbook_assign::{self, EdgeRequest};
use kraken::{CONFIG, GROWTHBOOK, KeyItem, RequestInput};

/// Longest `Host`, `Kraken-Host`, `Kraken-Page-Type`, `Kraken-Country` or `Kraken-Device`
/// value read, longest request target, and longest `Cookie` values all together (one separator
/// byte each), as in `kraken::compute`: a longer header counts as present but empty (an
/// oversized `Kraken-Host` still wins over `Host`), a longer target as empty (no query, empty
/// path), longer cookies as none.
pub const MAX_HEADER: usize = 64 * 1024;
pub const MAX_URI: usize = 128 * 1024;
pub const MAX_COOKIES: usize = 128 * 1024;

/// The request target the service would see for a path and a query: `path` (`/` when there is
/// none: an HTTP request always has one), then `?` and the query when there is one. Both go in
/// verbatim, so a path that holds a `?` carries a query of its own, as it would on the wire.
pub fn request_target(path: Option<&[u8]>, query: Option<&[u8]>) -> Vec<u8> {
    let path = path.unwrap_or(b"/");
    let mut target = Vec::with_capacity(path.len() + query.map_or(0, |q| q.len() + 1));
    target.extend_from_slice(path);
    if let Some(query) = query {
        target.push(b'?');
        target.extend_from_slice(query);
    }
    if target.len() > MAX_URI {
        target.clear();
    }
    target
}

/// A header value as the service reads it: over [`MAX_HEADER`], present but empty.
fn header(value: Option<&[u8]>) -> Option<&[u8]> {
    value.map(|v| if v.len() > MAX_HEADER { &[][..] } else { v })
}

/// Assigns a packed request as the Compute service does (`kraken::growthbook_assign`, so the
/// key holds SPEC §6's items too): `bytes` holds its values back to back, `lengths` one length
/// per value (`Host`, `Kraken-Host`, `Kraken-Page-Type`, the query, the path, `Kraken-Country`,
/// `Kraken-Device`, then each `Cookie` value), negative for a missing one. Lengths past the end
/// of `bytes` are cut to what is there: any input gets an answer.
///
/// The path and the query make the request target ([`request_target`]); the platform's query
/// is then read from that target the way the service reads it from the URI.
///
/// The answer is `<m><unit> <key>`: `m` is `1` when the unit was minted, else `0`; a unit never
/// holds a space (`[A-Za-z0-9_-]`).
pub fn assign_packed(bytes: &[u8], lengths: &[i32], random: impl FnOnce() -> [u8; 16]) -> String {
    let mut rest = bytes;
    let mut values = lengths.iter().map(|&len| {
        let len = usize::try_from(len).ok()?;
        let (value, tail) = rest.split_at(len.min(rest.len()));
        rest = tail;
        Some(value)
    });
    let (host, kraken_host, page_type) = (
        header(values.next().flatten()),
        header(values.next().flatten()),
        header(values.next().flatten()),
    );
    let (query, path) = (values.next().flatten(), values.next().flatten());
    let (country, device) = (
        header(values.next().flatten()),
        header(values.next().flatten()),
    );
    let mut cookies: Vec<&[u8]> = values.flatten().collect();
    if cookies.iter().map(|c| c.len() + 1).sum::<usize>() > MAX_COOKIES {
        cookies.clear();
    }
    let target = request_target(path, query);
    let input = RequestInput {
        cookies: &cookies,
        host,
        kraken_host,
        page_type,
        query: kraken::request::query_of(&target),
    };
    let edge = EdgeRequest {
        target: Some(&target),
        country,
        device,
    };
    let mut key = String::with_capacity(512);
    let unit =
        growthbook_assign::assign_into(&CONFIG, &GROWTHBOOK, &input, &edge, random, &mut key);
    let id = unit.id.as_str();
    let mut answer = String::with_capacity(2 + id.len() + key.len());
    answer.push(if unit.minted { '1' } else { '0' });
    answer.push_str(id);
    answer.push(' ');
    answer.push_str(&key);
    answer
}

/// The declared items of a key (see [`kraken::declared_items`]), as
/// `<platform items> <GrowthBook items>`, each half joined by `;` again: what the JavaScript
/// side turns into `{ experiments, flags, growthbook }` by splitting each item at its first
/// `=`. No item holds a space (SPEC §1's keys; SPEC §6's are percent-encoded), and GrowthBook
/// items stay encoded as the table holds them: `decodeURIComponent` reads them in JavaScript.
pub fn declared_key(key: &[u8]) -> String {
    let mut platform = String::with_capacity(key.len());
    let mut growthbook = String::new();
    for item in kraken::declared_items(&CONFIG, &GROWTHBOOK, key) {
        let (half, item) = match item {
            KeyItem::Experiment(_, variation) => (&mut platform, variation.item),
            KeyItem::Flag(_, value) => (&mut platform, value.item),
            KeyItem::Feature(item) | KeyItem::Tracked(item) => (&mut growthbook, item),
        };
        if !half.is_empty() {
            half.push(';');
        }
        half.push_str(item);
    }
    platform.push(' ');
    platform.push_str(&growthbook);
    platform
}

/// The `Set-Cookie` value for a minted unit is `<prefix><unit><attributes>`: both halves,
/// separated by the first space (the prefix has none), read once when the package loads.
pub fn set_cookie_parts() -> String {
    format!("kraken_uid= {}", kraken::COOKIE_ATTRIBUTES)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pack(values: &[Option<&[u8]>]) -> (Vec<u8>, Vec<i32>) {
        let mut bytes = Vec::new();
        let lengths = values
            .iter()
            .map(|v| match v {
                Some(v) => {
                    bytes.extend_from_slice(v);
                    v.len() as i32
                }
                None => -1,
            })
            .collect();
        (bytes, lengths)
    }

    /// The Compute service's answer (`main.rs`) for a request with URI `target`.
    fn core(input: &RequestInput<'_>, edge: &EdgeRequest<'_>, random: [u8; 16]) -> String {
        let mut key = String::new();
        let unit =
            growthbook_assign::assign_into(&CONFIG, &GROWTHBOOK, input, edge, || random, &mut key);
        format!("{}{} {key}", u8::from(unit.minted), unit.id.as_str())
    }

    fn at(target: &[u8]) -> EdgeRequest<'_> {
        EdgeRequest {
            target: Some(target),
            ..EdgeRequest::default()
        }
    }

    fn has_growthbook_items(answer: &str) -> bool {
        GROWTHBOOK.items.iter().any(|item| answer.contains(item))
    }

    #[test]
    fn a_packed_request_gets_the_services_answer() {
        let cookies: &[&[u8]] = &[b"a=b", b"kraken_uid=visitor-1"];
        let input = RequestInput {
            cookies,
            host: Some(b"www.example.ie:443"),
            kraken_host: None,
            page_type: Some(b"home"),
            query: Some(b"flags=new-nav:on"),
        };
        let edge = EdgeRequest {
            target: Some(b"/hotels/palace?flags=new-nav:on"),
            country: Some(b"DE"),
            device: Some(b"mobile"),
        };
        let (bytes, lengths) = pack(&[
            input.host,
            None,
            input.page_type,
            input.query,
            Some(b"/hotels/palace"),
            edge.country,
            edge.device,
            Some(cookies[0]),
            None,
            Some(cookies[1]),
        ]);
        let answer = assign_packed(&bytes, &lengths, || unreachable!("the cookie is valid"));
        assert_eq!(answer, core(&input, &edge, [0; 16]));
        assert!(answer.starts_with("0visitor-1 ") && answer.contains("ff:new-nav=on"));
        assert!(has_growthbook_items(&answer), "{answer}");
    }

    #[test]
    fn missing_values_a_minted_unit_and_the_default_path() {
        let (bytes, lengths) = pack(&[None, Some(b""), Some(b"hotel"), None]);
        let answer = assign_packed(&bytes, &lengths, || [0xab; 16]);
        let input = RequestInput {
            kraken_host: Some(b""),
            page_type: Some(b"hotel"),
            ..RequestInput::default()
        };
        assert_eq!(answer, core(&input, &at(b"/"), [0xab; 16]));
        assert!(answer.starts_with(&format!("1{} ", "ab".repeat(16))));
        // No path is `/`, and a query alone is `/?query`.
        let (bytes, lengths) = pack(&[None, None, Some(b"home"), Some(b"q=1"), None]);
        let input = RequestInput {
            page_type: Some(b"home"),
            query: Some(b"q=1"),
            ..RequestInput::default()
        };
        let answer = assign_packed(&bytes, &lengths, || [7; 16]);
        assert_eq!(answer, core(&input, &at(b"/?q=1"), [7; 16]));
    }

    #[test]
    fn the_query_is_read_from_the_target_as_the_service_reads_the_uri() {
        // A path with its own `?` (an origin's `req.url`), and a query with a fragment.
        for (path, query, target, read) in [
            (
                &b"/deals?flags=new-nav:off"[..],
                None,
                &b"/deals?flags=new-nav:off"[..],
                Some(&b"flags=new-nav:off"[..]),
            ),
            (b"/a?x", Some(&b"y"[..]), b"/a?x?y", Some(&b"x?y"[..])),
            (
                b"/",
                Some(&b"flags=new-nav:on#f"[..]),
                b"/?flags=new-nav:on#f",
                Some(&b"flags=new-nav:on"[..]),
            ),
            (b"", Some(&b""[..]), b"?", Some(&b""[..])),
            (b"https://example.ie/x", None, b"https://example.ie/x", None),
        ] {
            assert_eq!(request_target(Some(path), query), target);
            let (bytes, lengths) =
                pack(&[Some(b"example.ie"), None, Some(b"home"), query, Some(path)]);
            let input = RequestInput {
                host: Some(b"example.ie"),
                page_type: Some(b"home"),
                query: read,
                ..RequestInput::default()
            };
            let answer = assign_packed(&bytes, &lengths, || [5; 16]);
            assert_eq!(answer, core(&input, &at(target), [5; 16]));
        }
    }

    #[test]
    fn lengths_that_do_not_fit_never_fail() {
        for lengths in [
            &[][..],
            &[9999, -5, i32::MAX, 3, 7][..],
            &[1, 1, 1, 1, 1, 1][..],
            &[-1, -1, -1, -1, i32::MIN, 2, 2, 0, 0][..],
        ] {
            let answer = assign_packed(b"home", lengths, || [1; 16]);
            assert!(answer.starts_with('1') && answer.contains(' '));
        }
    }

    #[test]
    fn oversized_values_are_read_like_the_compute_service() {
        let long_host = format!("example.ie{}", "x".repeat(MAX_HEADER));
        let long_cookie = format!("kraken_uid=u1; pad={}", "x".repeat(MAX_COOKIES));
        let long_country = "DE".repeat(MAX_HEADER);
        let long_path = format!("/{}", "p".repeat(MAX_URI));
        // An oversized Kraken-Host is present but empty: it still wins over a targeted Host.
        let (bytes, lengths) = pack(&[
            Some(b"example.ie"),
            Some(long_host.as_bytes()),
            Some(b"home"),
            Some(b"flags=new-nav:on"),
            Some(long_path.as_bytes()),
            Some(long_country.as_bytes()),
            None,
            Some(long_cookie.as_bytes()),
        ]);
        let answer = assign_packed(&bytes, &lengths, || [2; 16]);
        let input = RequestInput {
            host: Some(b"example.ie"),
            kraken_host: Some(b""),
            page_type: Some(b"home"),
            ..RequestInput::default()
        };
        // The oversized URI is empty (no query either), the oversized country present but empty.
        let edge = EdgeRequest {
            target: Some(b""),
            country: Some(b""),
            device: None,
        };
        assert_eq!(answer, core(&input, &edge, [2; 16]));
        let targeted = RequestInput {
            kraken_host: None,
            ..input
        };
        assert_ne!(
            answer,
            core(&targeted, &edge, [2; 16]),
            "the empty Kraken-Host counted"
        );
    }

    #[test]
    fn declared_key_keeps_only_declared_items_first_wins() {
        let key = kraken::assign(
            &CONFIG,
            &RequestInput {
                host: Some(b"example.ie"),
                page_type: Some(b"home"),
                ..RequestInput::default()
            },
            || [3; 16],
        )
        .key;
        assert_eq!(declared_key(key.as_bytes()), format!("{key} "));
        let first_flag = CONFIG.flags[0];
        let noisy = format!(
            "exp:nope=b;;ff:{k}=not-a-value;ff:{k}={v};ff:{k}={w};junk;exp:=;\u{ff}ff:x=y;{key}",
            k = first_flag.key,
            v = first_flag.values[0].value,
            w = first_flag.values[1].value,
        );
        let declared = declared_key(noisy.as_bytes());
        assert!(declared.starts_with(&format!("{};", first_flag.values[0].item)));
        assert!(!declared.contains(first_flag.values[1].item));
        assert!(!declared.contains("nope") && !declared.contains("junk"));
        assert_eq!(declared_key(b"\xff\xfe;exp:"), " ");
    }

    #[test]
    fn declared_key_reads_growthbook_items_from_the_table_first_wins() {
        let items = GROWTHBOOK.items;
        let feature = items.iter().position(|i| i.starts_with("ff:")).unwrap();
        let (f1, f2) = (items[feature], items[feature + 1]);
        assert_eq!(
            f1.split('=').next(),
            f2.split('=').next(),
            "two values of one feature"
        );
        let tracked = items
            .iter()
            .find(|i| i.contains('%') && i.starts_with("exp:"))
            .unwrap();
        let flag = CONFIG.flags[0].values[0].item;
        // Not canonical: lowercase hex, or decoded, is not the table's item.
        let lower = tracked
            .replace("%E3", "%e3")
            .replace("%C3", "%c3")
            .replace("%E2", "%e2");
        let key = format!("{f1};{lower};{flag};{f2};{tracked};ff:no-such-feature=1;exp:x=0");
        assert_eq!(
            declared_key(key.as_bytes()),
            format!("{flag} {f1};{tracked}")
        );
        // A key without GrowthBook items: the second half is empty.
        assert_eq!(declared_key(flag.as_bytes()), format!("{flag} "));
    }
}
