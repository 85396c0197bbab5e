//! A request's GrowthBook attributes (SPEC §6) and its key: the platform's items (SPEC §3–§5)
//! and the compiled payload's, merged in byte order.

use crate::assign::{RequestInput, Unit};
use crate::growthbook::value::{Attributes, Value};
use crate::growthbook::{eval, model};
use crate::inline::{InlineBytes, InlineKey, KeyWriter};
use crate::request::Overrides;
use std::borrow::Cow;

/// What a GrowthBook payload reads beyond SPEC §3's inputs.
#[derive(Debug, Default, Clone, Copy)]
pub struct EdgeRequest<'a> {
    /// The request target (`/path?query`), or the absolute URI the host reports.
    pub target: Option<&'a [u8]>,
    /// `Kraken-Country`.
    pub country: Option<&'a [u8]>,
    /// `Kraken-Device`.
    pub device: Option<&'a [u8]>,
}

/// The request target of a URI: itself when it starts with `/`, else what follows the
/// authority of an absolute URI (`http://host/path?q` → `/path?q`).
pub fn request_target(uri: &[u8]) -> &[u8] {
    if uri.first() == Some(&b'/') {
        return uri;
    }
    let Some(scheme_end) = uri.windows(3).position(|w| w == b"://") else {
        return uri;
    };
    let rest = &uri[scheme_end + 3..];
    let start = rest
        .iter()
        .position(|&b| b == b'/' || b == b'?' || b == b'#')
        .unwrap_or(rest.len());
    &rest[start..]
}

/// Header bytes as the JavaScript string a JS edge hands the SDK: Latin-1, one UTF-16 code unit
/// per byte (Fetch's isomorphic decode, as Node's `http` and Fastly's JS `Headers` read them;
/// docs/growthbook.md). ASCII, which is all the VCL sends, is borrowed as it is.
pub fn text(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(ascii) if bytes.is_ascii() => Cow::Borrowed(ascii),
        _ => Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()),
    }
}

/// SPEC §6's attributes of one request.
#[derive(Debug)]
pub struct EdgeAttributes<'a> {
    pub id: &'a str,
    pub host: Option<Cow<'a, str>>,
    pub path: Cow<'a, str>,
    pub query: Cow<'a, str>,
    pub url: Option<&'a str>,
    pub page_type: Option<&'a str>,
    pub country: Option<Cow<'a, str>>,
    pub device_type: Option<Cow<'a, str>>,
}

fn present<'v>(v: &'v Option<Cow<'_, str>>) -> Value<'v> {
    v.as_deref().map_or(Value::Null, Value::Str)
}

impl Attributes for EdgeAttributes<'_> {
    fn attribute(&self, name: &str) -> Value<'_> {
        match name {
            "id" => Value::Str(self.id),
            "host" => present(&self.host),
            "path" => Value::Str(&self.path),
            "query" => Value::Str(&self.query),
            "url" => self.url.map_or(Value::Null, Value::Str),
            "pageType" => self.page_type.map_or(Value::Null, Value::Str),
            "country" => present(&self.country),
            "deviceType" => present(&self.device_type),
            _ => Value::Null,
        }
    }
}

/// `path` and `query` of a request target: up to the first `?`, and `?…` when not just `?`.
fn path_and_query(target: &str) -> (&str, &str) {
    match target.find('?') {
        Some(q) if q + 1 < target.len() => (&target[..q], &target[q..]),
        Some(q) => (&target[..q], ""),
        None => (target, ""),
    }
}

/// Assigns one request with both kinds of config: the platform's items (SPEC §3–§5) and the
/// GrowthBook features' (SPEC §6), merged in byte order. A config without GrowthBook features
/// takes the platform path unchanged.
pub fn assign_into(
    platform: &crate::model::Config,
    growthbook: &model::Config,
    input: &RequestInput<'_>,
    edge: &EdgeRequest<'_>,
    random: impl FnOnce() -> [u8; 16],
    key: &mut impl KeyWriter,
) -> Unit {
    if !growthbook.enabled {
        return crate::assign::assign_into(platform, input, random, key);
    }
    let mut platform_key = InlineKey::<512>::default();
    let unit = crate::assign::assign_into(platform, input, random, &mut platform_key);
    let mut items = eval::Items::default();
    evaluate_request(growthbook, input, edge, &unit, &mut items);
    merge(&platform_key, growthbook, &items, key);
    unit
}

/// Builds the attributes and evaluates the listed features into `items`.
#[inline(never)]
fn evaluate_request(
    config: &model::Config,
    input: &RequestInput<'_>,
    edge: &EdgeRequest<'_>,
    unit: &Unit,
    items: &mut eval::Items,
) {
    let site = input.kraken_host.or(input.host);
    let host = site.map(|h| {
        if h.iter().any(u8::is_ascii_uppercase) {
            Cow::Owned(text(&h.to_ascii_lowercase()).into_owned())
        } else {
            text(h)
        }
    });
    let target = text(edge.target.map(request_target).unwrap_or_default());
    let (path, query) = path_and_query(&target);
    let mut url = InlineBytes::<512>::default();
    let url = match (&host, config.uses_url) {
        (Some(h), true) => {
            url.extend_from_slice(b"https://");
            url.extend_from_slice(h.as_bytes());
            url.extend_from_slice(target.as_bytes());
            // Three strings joined: still UTF-8.
            std::str::from_utf8(url.as_bytes()).ok()
        }
        _ => None,
    };
    let page = input.page_type.map_or(usize::MAX, config.page);
    let page_type = input
        .page_type
        .filter(|_| page + 1 < config.pages.len())
        .and_then(|p| std::str::from_utf8(p).ok());
    let attributes = EdgeAttributes {
        id: unit.id.as_str(),
        host,
        path: Cow::Borrowed(path),
        query: Cow::Borrowed(query),
        url,
        page_type,
        country: edge.country.map(text),
        device_type: edge.device.map(text),
    };
    let page = page.min(config.pages.len().saturating_sub(1));
    match input.query.filter(|q| Overrides::present(q)) {
        None => eval::evaluate(config, page, &attributes, &[], items),
        Some(query) => {
            let overrides = Overrides::<256>::parse(query);
            eval::evaluate(config, page, &attributes, &overrides.variants, items);
        }
    }
}

/// Writes the platform's items and the GrowthBook items into `key`, in byte order, each once.
fn merge(platform: &[u8], config: &model::Config, items: &eval::Items, key: &mut impl KeyWriter) {
    // Items are ASCII: platform items by construction, GrowthBook items percent-encoded. The
    // platform key is checked once here rather than item by item.
    let platform = std::str::from_utf8(platform).unwrap_or_default();
    let mut ours = platform.split(';').filter(|i| !i.is_empty()).peekable();
    let mut theirs = items
        .iter()
        .filter_map(|i| config.items.get(usize::from(i)).copied())
        .peekable();
    let mut write = |item: &str| {
        if !key.is_empty() {
            key.push_str(";");
        }
        key.push_str(item);
    };
    loop {
        let next = match (ours.peek(), theirs.peek()) {
            (None, None) => break,
            (Some(_), None) => ours.next(),
            (None, Some(_)) => theirs.next(),
            (Some(a), Some(b)) => match a.as_bytes().cmp(b.as_bytes()) {
                std::cmp::Ordering::Less => ours.next(),
                std::cmp::Ordering::Greater => theirs.next(),
                std::cmp::Ordering::Equal => {
                    theirs.next();
                    ours.next()
                }
            },
        };
        if let Some(item) = next {
            write(item);
        }
    }
}
