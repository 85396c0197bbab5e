//! Request parsing, table by table: every request input degrades gracefully (SPEC §3–§4).

use kraken::request::{
    Overrides, UnitId, items, normalise_host, percent_decode, query_of, unit_cookie,
};

/// `Cookie` header values, and the `kraken_uid` value expected from them.
type CookieCase = (&'static [&'static [u8]], Option<&'static [u8]>);

#[test]
fn unit_cookie_takes_the_first_kraken_uid() {
    let cases: &[CookieCase] = &[
        (&[], None),
        (&[b""], None),
        (&[b"kraken_uid=abc"], Some(b"abc")),
        (&[b"a=1; kraken_uid=abc; b=2"], Some(b"abc")),
        (&[b"a=1;kraken_uid=abc ;b=2"], Some(b"abc")),
        (&[b"kraken_uid=first; kraken_uid=second"], Some(b"first")),
        (
            &[b"a=1", b"kraken_uid=in-second-header"],
            Some(b"in-second-header"),
        ),
        (&[b"kraken_uidx=abc; xkraken_uid=def"], None),
        (&[b"KRAKEN_UID=abc"], None),
        (&[b"kraken_uid"], None),
        (&[b"kraken_uid="], Some(b"")),
        (&[b"kraken_uid=a=b"], Some(b"a=b")),
        (&[b"\xff\xfe; kraken_uid=\xc3\x28"], Some(b"\xc3\x28")),
    ];
    for (headers, expected) in cases {
        assert_eq!(
            unit_cookie(headers.iter().copied()),
            *expected,
            "{headers:?}"
        );
    }
}

#[test]
fn unit_ids_are_the_spec_charset_and_length() {
    let valid: &[&[u8]] = &[
        b"a",
        b"A-z_09",
        &[b'x'; 64],
        b"0123456789abcdef0123456789abcdef",
    ];
    let invalid: &[&[u8]] = &[
        b"",
        &[b'x'; 65],
        b"a.b",
        b"a b",
        b"\"abc\"",
        b"caf\xc3\xa9",
        b"a\0",
        b"a+b",
        b"a%20",
    ];
    for v in valid {
        assert_eq!(
            UnitId::parse(v).map(|u| u.as_bytes().to_vec()),
            Some(v.to_vec())
        );
    }
    for v in invalid {
        assert!(UnitId::parse(v).is_none(), "{v:?}");
    }
}

#[test]
fn minted_ids_are_32_lowercase_hex_of_the_random_bytes() {
    let id = UnitId::mint([
        0x00, 0x01, 0xab, 0xff, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xa0, 0xb0,
        0xc0,
    ]);
    assert_eq!(id.as_str(), "0001abff102030405060708090a0b0c0");
    assert!(
        UnitId::parse(id.as_bytes()).is_some(),
        "a minted id is a valid cookie value"
    );
}

#[test]
fn hosts_are_normalised_per_spec() {
    let cases: &[(&[u8], &[u8])] = &[
        (b"example.com", b"example.com"),
        (b"Example.COM", b"example.com"),
        (b"example.com:8080", b"example.com"),
        (b"www.example.com", b"example.com"),
        (b"WWW.Staging.www.Example.COM:443", b"example.com"),
        (b"staging.staging.example.ie", b"example.ie"),
        (b"wwwexample.com", b"wwwexample.com"),
        (b"example.www.com", b"example.www.com"),
        (b"www.", b""),
        (b"", b""),
        (b":80", b""),
        (b"[::1]:7676", b"[::1]"),
        (b"[::1", b"[::1"),
        (b"\xffEXAMPLE.com", b"\xffexample.com"),
        (b"example.com.", b"example.com."),
    ];
    for (raw, expected) in cases {
        assert_eq!(
            &*normalise_host(raw),
            *expected,
            "{}",
            String::from_utf8_lossy(raw)
        );
    }
}

/// `(Host, Kraken-Host, the host assigned for)`.
type SiteHostCase = (Option<&'static [u8]>, Option<&'static [u8]>, &'static [u8]);

#[test]
fn kraken_host_wins_over_host_whenever_present() {
    let compute: &[u8] = b"kraken-example.edgecompute.app";
    let cases: &[SiteHostCase] = &[
        (Some(b"www.example.ie"), None, b"www.example.ie"),
        (
            Some(compute),
            Some(b"www.example.ie:443"),
            b"www.example.ie:443",
        ),
        (Some(compute), Some(b""), b""),
        (
            Some(b"example.ie"),
            Some(b"\xffexample.ie"),
            b"\xffexample.ie",
        ),
        (None, Some(b"Staging.Example.IE"), b"Staging.Example.IE"),
        (None, None, b""),
    ];
    for &(host, kraken_host, site) in cases {
        let input = kraken::RequestInput {
            host,
            kraken_host,
            ..Default::default()
        };
        assert_eq!(input.site_host(), site, "{host:?} {kraken_host:?}");
    }
    // Through the compiled config: the key follows Kraken-Host, not the Compute domain.
    let cookies: &[&[u8]] = &[b"kraken_uid=returning-visitor"];
    let key = |host: Option<&'static [u8]>, kraken_host: Option<&'static [u8]>| {
        let input = kraken::RequestInput {
            cookies,
            host,
            kraken_host,
            page_type: Some(b"home"),
            query: None,
        };
        kraken::assign(&kraken::CONFIG, &input, || [0; 16]).key
    };
    for site in [
        &b"www.example.ie"[..],
        b"example.com:443",
        b"staging.example.de",
    ] {
        let site: &'static [u8] = Box::leak(site.to_vec().into_boxed_slice());
        assert_eq!(key(Some(compute), Some(site)), key(Some(site), None));
    }
    assert_eq!(key(Some(b"www.example.ie"), Some(b"")), key(None, None));
    assert_ne!(
        key(Some(compute), Some(b"www.example.ie")),
        key(Some(compute), None),
        "the sample config's flags differ between example.ie and other hosts"
    );
}

#[test]
fn query_values_are_percent_decoded_like_a_form() {
    let cases: &[(&[u8], &[u8])] = &[
        (b"a%3Ab%2cc", b"a:b,c"),
        (b"a+b", b"a b"),
        (b"%zz%4", b"%zz%4"),
        (b"%", b"%"),
        (b"%C3%A9", "é".as_bytes()),
        (b"%ff", b"\xff"),
        (b"plain", b"plain"),
    ];
    for (raw, expected) in cases {
        assert_eq!(&*percent_decode(raw), *expected);
    }
}

#[test]
fn overrides_collect_every_parameter_in_order() {
    let o =
        Overrides::<0>::parse(b"x=1&variants=a:b,c:d&flags=f:on&%76ariants=e%3Af&flags&variants=");
    assert_eq!(&*o.variants, b"a:b,c:d,e:f,");
    assert_eq!(&*o.flags, b"f:on,");
    let pairs: Vec<_> = items(&o.variants).collect();
    assert_eq!(
        pairs,
        vec![(&b"a"[..], &b"b"[..]), (b"c", b"d"), (b"e", b"f")]
    );
    assert!(Overrides::<0>::parse(b"utm=1&variantsx=a:b").is_empty());
    assert!(!Overrides::present(b"utm=1&variantsx=a:b"));
    assert!(Overrides::present(b"utm=1&fl%61gs"));
    let malformed: Vec<_> = items(b"noclon,,a:b:c,:x,k:").collect();
    assert_eq!(
        malformed,
        vec![(&b"a"[..], &b"b:c"[..]), (b"", b"x"), (b"k", b"")]
    );
}

#[test]
fn overrides_in_an_oversized_query_are_ignored() {
    use kraken::request::MAX_QUERY_LEN;
    let padded = |len: usize| {
        let mut q = b"variants=a:b&pad=".to_vec();
        q.resize(len, b'x');
        q
    };
    assert_eq!(
        &*Overrides::<0>::parse(&padded(MAX_QUERY_LEN)).variants,
        b"a:b"
    );
    assert!(Overrides::<0>::parse(&padded(MAX_QUERY_LEN + 1)).is_empty());
    assert!(Overrides::present(&padded(MAX_QUERY_LEN)));
    assert!(!Overrides::present(&padded(MAX_QUERY_LEN + 1)));
}

#[test]
fn the_query_is_cut_from_the_raw_uri() {
    let cases: &[(&[u8], Option<&[u8]>)] = &[
        (b"http://example.com/", None),
        (b"http://example.com/?", Some(b"")),
        (
            b"http://example.com/p?variants=a:b&x=1",
            Some(b"variants=a:b&x=1"),
        ),
        (b"http://example.com/p?a=1?b=2#frag?c", Some(b"a=1?b=2")),
        (b"/relative?q", Some(b"q")),
    ];
    for (uri, expected) in cases {
        assert_eq!(query_of(uri), *expected);
    }
}

/// The service decodes overrides into stack buffers (spilling to the heap past them) and skips
/// queries without override parameters: both must read exactly what a plain decode reads.
mod override_buffers {
    use kraken::request::{Overrides, percent_decode};
    use proptest::prelude::*;

    /// The SPEC §4 reading, written plainly: decode each `variants`/`flags` value, join with `,`.
    fn plain(query: &[u8]) -> (Vec<u8>, Vec<u8>) {
        let (mut variants, mut flags) = (Vec::new(), Vec::new());
        for pair in query.split(|&b| b == b'&') {
            let mut parts = pair.splitn(2, |&b| b == b'=');
            let name = percent_decode(parts.next().unwrap_or_default()).into_owned();
            let value = percent_decode(parts.next().unwrap_or_default()).into_owned();
            let target = match &name[..] {
                b"variants" => &mut variants,
                b"flags" => &mut flags,
                _ => continue,
            };
            if !target.is_empty() {
                target.push(b',');
            }
            target.extend_from_slice(&value);
        }
        (variants, flags)
    }

    /// Queries built from the pieces that matter: names, separators and escapes of them.
    fn query() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop::sample::select(vec![
            "variants",
            "flags",
            "%76ariants",
            "fl%61gs",
            "variantsx",
            "utm",
            "=",
            "&",
            ",",
            ":",
            "%2C",
            "%3A",
            "+",
            "%",
            "%4",
            "%zz",
            "a",
            "hero",
            "control",
            "%41",
            "\u{e9}",
        ]);
        prop::collection::vec(piece, 0..24).prop_map(|p| p.concat().into_bytes())
    }

    proptest! {
        #[test]
        fn read_what_a_plain_decode_reads(query in query()) {
            let (variants, flags) = plain(&query);
            let spilled = Overrides::<0>::parse(&query);
            let small = Overrides::<8>::parse(&query);
            let roomy = Overrides::<256>::parse(&query);
            for o in [&*spilled.variants, &*small.variants, &*roomy.variants] {
                prop_assert_eq!(o, &variants[..]);
            }
            for o in [&*spilled.flags, &*small.flags, &*roomy.flags] {
                prop_assert_eq!(o, &flags[..]);
            }
            // `present` may see an empty parameter; it must never miss a non-empty one.
            prop_assert!(Overrides::present(&query) || (variants.is_empty() && flags.is_empty()));
        }
    }
}
