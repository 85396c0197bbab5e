//! Reading request input byte by byte (SPEC §3, §4). Nothing here can fail: bad input degrades
//! to "no cookie", "unknown host" or "no override", never to an error.

use crate::inline::InlineBytes;
use std::borrow::Cow;

/// Name of the cookie that holds the unit id.
pub const UNIT_COOKIE: &[u8] = b"kraken_uid";
/// Longest accepted unit id (SPEC §3: `[A-Za-z0-9_-]{1,64}`).
pub const MAX_UNIT_LEN: usize = 64;

/// Longest query whose overrides are read. Beyond it (far past Fastly's URL limit) overrides are
/// ignored: the request still gets its normal key.
pub const MAX_QUERY_LEN: usize = 64 * 1024;

/// A unit id, stored inline so that neither reading nor minting one allocates.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct UnitId {
    bytes: [u8; MAX_UNIT_LEN],
    len: u8,
}

impl UnitId {
    /// Accepts `[A-Za-z0-9_-]{1,64}` and nothing else.
    pub fn parse(value: &[u8]) -> Option<Self> {
        let valid = !value.is_empty()
            && value.len() <= MAX_UNIT_LEN
            && value
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        valid.then(|| {
            let mut bytes = [0; MAX_UNIT_LEN];
            bytes[..value.len()].copy_from_slice(value);
            Self {
                bytes,
                len: value.len() as u8,
            }
        })
    }

    /// A new id from 16 random bytes: 32 lowercase hex characters.
    pub fn mint(random: [u8; 16]) -> Self {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut bytes = [0; MAX_UNIT_LEN];
        for (i, b) in random.iter().enumerate() {
            bytes[2 * i] = HEX[usize::from(b >> 4)];
            bytes[2 * i + 1] = HEX[usize::from(b & 0xf)];
        }
        Self { bytes, len: 32 }
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    pub fn as_str(&self) -> &str {
        // Only ever built from the ASCII charset above.
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }
}

impl std::fmt::Debug for UnitId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `kraken_uid` value of the first such cookie in the `Cookie` header values, if any.
///
/// Only the first occurrence counts, valid or not, as most servers do: a later duplicate cannot
/// override it.
pub fn unit_cookie<'a>(headers: impl IntoIterator<Item = &'a [u8]>) -> Option<&'a [u8]> {
    headers
        .into_iter()
        .flat_map(|h| h.split(|&b| b == b';'))
        .find_map(|pair| {
            let pair = trim(pair);
            let eq = pair.iter().position(|&b| b == b'=')?;
            (trim(&pair[..eq]) == UNIT_COOKIE).then(|| trim(&pair[eq + 1..]))
        })
}

/// The `Host` header normalised per SPEC §3: lowercased, port removed, then every leading
/// `www.` and `staging.` removed.
pub fn normalise_host(raw: &[u8]) -> Cow<'_, [u8]> {
    // Hosts are ASCII on the wire (IDNs travel as punycode), so ASCII lowercasing is complete.
    let host = if raw.iter().any(u8::is_ascii_uppercase) {
        Cow::Owned(raw.to_ascii_lowercase())
    } else {
        Cow::Borrowed(raw)
    };
    let without_port = |h: &[u8]| -> usize {
        if h.first() == Some(&b'[') {
            // IPv6 literal: the port, if any, follows the closing bracket.
            h.iter().position(|&b| b == b']').map_or(h.len(), |i| i + 1)
        } else {
            h.iter().position(|&b| b == b':').unwrap_or(h.len())
        }
    };
    let mut start = 0;
    let end = without_port(&host);
    loop {
        let rest = &host[start..end];
        if rest.starts_with(b"www.") {
            start += 4;
        } else if rest.starts_with(b"staging.") {
            start += 8;
        } else {
            break;
        }
    }
    match host {
        Cow::Borrowed(h) => Cow::Borrowed(&h[start..end]),
        Cow::Owned(h) => Cow::Owned(h[start..end].to_vec()),
    }
}

/// The QA override parameters of a query string (SPEC §4), percent-decoded into `N` bytes of
/// stack each (more spills to the heap).
#[derive(Debug, Default)]
pub struct Overrides<const N: usize = 0> {
    /// Decoded `variants` values, in query order.
    pub variants: InlineBytes<N>,
    /// Decoded `flags` values, in query order.
    pub flags: InlineBytes<N>,
}

impl<const N: usize> Overrides<N> {
    /// Reads every `variants` and `flags` parameter; each repeated parameter adds its items after
    /// the previous ones, as if joined with `,`.
    pub fn parse(query: &[u8]) -> Self {
        let mut out = Self::default();
        if query.len() > MAX_QUERY_LEN {
            return out;
        }
        for pair in query.split(|&b| b == b'&') {
            let name = pair_name(pair);
            let value = pair.get(name.len() + 1..).unwrap_or_default();
            let target = if decodes_to(name, b"variants") {
                &mut out.variants
            } else if decodes_to(name, b"flags") {
                &mut out.flags
            } else {
                continue;
            };
            if !target.is_empty() {
                target.push(b',');
            }
            decoded(value).for_each(|byte| target.push(byte));
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.variants.is_empty() && self.flags.is_empty()
    }
}

impl Overrides {
    /// Whether `query` names a `variants` or `flags` parameter at all (within the length limit):
    /// a cheap test that spares the common request the decoding buffers.
    pub fn present(query: &[u8]) -> bool {
        query.len() <= MAX_QUERY_LEN
            && query.split(|&b| b == b'&').any(|pair| {
                let name = pair_name(pair);
                decodes_to(name, b"variants") || decodes_to(name, b"flags")
            })
    }
}

/// The query of a raw request URI: after the first `?`, before any `#`.
pub fn query_of(uri: &[u8]) -> Option<&[u8]> {
    let start = uri.iter().position(|&b| b == b'?')? + 1;
    let rest = &uri[start..];
    Some(
        rest.iter()
            .position(|&b| b == b'#')
            .map_or(rest, |end| &rest[..end]),
    )
}

/// `key:value` items of a decoded override list, left to right; malformed items are skipped.
pub fn items(list: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    list.split(|&b| b == b',').filter_map(|item| {
        let colon = item.iter().position(|&b| b == b':')?;
        Some((&item[..colon], &item[colon + 1..]))
    })
}

/// Query-string percent-decoding (`application/x-www-form-urlencoded`): `+` is a space and a
/// malformed escape stays as it is.
pub fn percent_decode(input: &[u8]) -> Cow<'_, [u8]> {
    if !input.iter().any(|&b| b == b'%' || b == b'+') {
        return Cow::Borrowed(input);
    }
    Cow::Owned(decoded(input).collect())
}

/// The name of a `name=value` query pair (all of it when there is no `=`).
fn pair_name(pair: &[u8]) -> &[u8] {
    let end = pair.iter().position(|&b| b == b'=').unwrap_or(pair.len());
    &pair[..end]
}

/// Whether percent-encoded `raw` decodes to `expected` (without decoding it into a buffer).
fn decodes_to(raw: &[u8], expected: &[u8]) -> bool {
    decoded(raw).eq(expected.iter().copied())
}

/// The bytes `raw` decodes to, one by one: `+` is a space, a valid `%XX` one byte, and a
/// malformed escape stays as it is.
fn decoded(mut raw: &[u8]) -> impl Iterator<Item = u8> {
    std::iter::from_fn(move || {
        let (byte, len) = match raw {
            [] => return None,
            [b'%', h, l, ..] if hex(*h).is_some() && hex(*l).is_some() => {
                (hex(*h)? << 4 | hex(*l)?, 3)
            }
            [b'+', ..] => (b' ', 1),
            [b, ..] => (*b, 1),
        };
        raw = &raw[len..];
        Some(byte)
    })
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// HTTP optional whitespace around cookie pairs and header values.
fn trim(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}
