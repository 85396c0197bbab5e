//! Stage 3: the pruned config as Rust source: static literal tables over `kraken::model` types
//! and `match` lookups for page types and hosts, formatted by prettyplease.
//!
//! Config strings only ever become string or byte-string *literals* (escaped by proc-macro2), and
//! identifiers are built from `[A-Z0-9_]` alone, so no config value can break out of the code.

use crate::canonical::canonical;
use crate::prune::{Edge, EdgeFlag, HostCase};
use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::quote;

/// The command that regenerates the output, named in its header and in `check` failures.
pub const REGENERATE: &str = "cargo codegen generate";

/// Digest of the pruned config: same edge behaviour, same digest (metadata does not count).
/// Computed from [`canonical`], so it does not depend on how codegen's types print.
pub fn digest(edge: &Edge) -> String {
    format!(
        "{:032x}",
        xxhash_rust::xxh3::xxh3_128(canonical(edge).as_bytes())
    )
}

/// The Rust source of `edge`, whose [`digest`] is `digest`.
pub fn emit(edge: &Edge, digest: &str) -> String {
    let exp_idents: Vec<Ident> = edge
        .experiments
        .iter()
        .map(|e| ident("EXP_", &e.key, '-'))
        .collect();
    let flag_idents: Vec<Ident> = edge
        .flags
        .iter()
        .map(|f| ident("FLAG_", &f.key, '-'))
        .collect();
    let host_idents: Vec<Ident> = edge
        .hosts
        .iter()
        .map(|h| ident("HOST_", &h.name, '.'))
        .collect();
    let page_idents: Vec<Ident> = edge
        .page_types
        .iter()
        .map(|p| ident("PAGE_", &p.name, '-'))
        .collect();
    let other_hosts = Ident::new("OTHER_HOSTS", Span::call_site());

    let page_arms = edge.page_types.iter().zip(&page_idents).map(|(p, ident)| {
        let name = Literal::byte_string(p.name.as_bytes());
        quote! { #name => Some(&#ident), }
    });
    let host_arms = edge.hosts.iter().zip(&host_idents).map(|(h, ident)| {
        let name = Literal::byte_string(h.name.as_bytes());
        quote! { #name => &#ident, }
    });
    // Without a named case, a `match` would hold only `_`: clippy::match_single_binding, an error
    // under `-D warnings` (found by fuzzing, see codegen/tests/fuzz_regressions.rs).
    let page_type_fn = if edge.page_types.is_empty() {
        quote! { fn page_type(_: &[u8]) -> Option<&'static PageType> { None } }
    } else {
        quote! {
            fn page_type(name: &[u8]) -> Option<&'static PageType> {
                match name {
                    #(#page_arms)*
                    _ => None,
                }
            }
        }
    };
    let host_fn = if edge.hosts.is_empty() {
        quote! { fn host(_: &[u8]) -> &'static HostCase { &#other_hosts } }
    } else {
        quote! {
            fn host(name: &[u8]) -> &'static HostCase {
                match name {
                    #(#host_arms)*
                    _ => &#other_hosts,
                }
            }
        }
    };
    let flag_item = |f: &EdgeFlag, value: &str| format!("ff:{}={value}", f.key);
    let flags = edge.flags.iter().zip(&flag_idents).map(|(f, ident)| {
        let key = &f.key;
        let default = flag_item(f, &f.default);
        let values = f.values.iter().map(|v| {
            let item = flag_item(f, v);
            quote! { FlagValue { value: #v, item: #item }, }
        });
        quote! {
            static #ident: Flag = Flag { key: #key, default: #default, values: &[#(#values)*] };
        }
    });
    let pages = edge.page_types.iter().zip(&page_idents).map(|(p, ident)| {
        let name = &p.name;
        let list = p.experiments.iter().map(|&i| &exp_idents[i]);
        quote! {
            static #ident: PageType = PageType { name: #name, experiments: &[#(&#list),*] };
        }
    });
    // A host's rules are a `const` beside it: its `flags`, and what rustc joins its `flag_items`
    // from (a static cannot read itself).
    let host_case = |h: &HostCase, ident: &Ident, rules_ident: Option<Ident>| {
        let name = &h.name;
        let rules = h.rule_values.iter().map(|(i, v)| {
            let flag = &flag_idents[*i];
            let item = flag_item(&edge.flags[*i], v);
            quote! { HostFlag { flag: &#flag, item: #item }, }
        });
        let (rules_const, rules) = match rules_ident {
            Some(r) => (
                quote! { const #r: &[HostFlag] = &[#(#rules)*]; },
                quote! { #r },
            ),
            None => (quote! {}, quote! { NO_RULES }),
        };
        quote! {
            static #ident: HostCase = HostCase {
                name: #name,
                flags: #rules,
                flag_items: flag_items!(#rules),
            };
            #rules_const
        }
    };
    let hosts = edge
        .hosts
        .iter()
        .zip(&host_idents)
        .map(|(h, ident)| host_case(h, ident, Some(self::ident("RULES_", &h.name, '.'))));
    let other = host_case(&edge.other_hosts, &other_hosts, None);
    let experiments = edge.experiments.iter().zip(&exp_idents).map(|(e, ident)| {
        let key = &e.key;
        let traffic = Literal::u16_unsuffixed(e.traffic);
        let bucket_prefix = format!("{}:", e.seed);
        let layer = match &e.layer {
            Some((layer, from, to)) => {
                let prefix = format!("layer:{layer}:");
                let (from, to) = (Literal::u16_unsuffixed(*from), Literal::u16_unsuffixed(*to));
                quote! { Some(Layer { prefix: #prefix, from: #from, to: #to }) }
            }
            None => quote! { None },
        };
        let hosts = match &e.hosts {
            Some(list) => {
                let list = list.iter().map(|&i| &host_idents[i]);
                quote! { Some(&[#(&#list),*]) }
            }
            None => quote! { None },
        };
        let variations = e.variations.iter().map(|v| {
            let variation = &v.key;
            let item = format!("exp:{key}={variation}");
            let weight = Literal::u16_unsuffixed(v.weight);
            let (start, end) = (
                Literal::u16_unsuffixed(v.start),
                Literal::u16_unsuffixed(v.end),
            );
            quote! {
                Variation { key: #variation, weight: #weight, item: #item, start: #start, end: #end },
            }
        });
        quote! {
            static #ident: Experiment = Experiment {
                key: #key,
                traffic: #traffic,
                bucket_prefix: #bucket_prefix,
                layer: #layer,
                hosts: #hosts,
                variations: &[#(#variations)*],
            };
        }
    });

    // Only what is used: an empty config must not leave unused imports.
    let mut imports = vec![
        "Config",
        "Experiment",
        "Flag",
        "HostCase",
        "NO_RULES",
        "PageType",
        "flag_items",
    ];
    if !edge.flags.is_empty() {
        imports.push("FlagValue");
    }
    if !edge.hosts.is_empty() {
        imports.push("HostFlag");
    }
    if !edge.experiments.is_empty() {
        imports.push("Variation");
    }
    if edge.experiments.iter().any(|e| e.layer.is_some()) {
        imports.push("Layer");
    }
    imports.sort_unstable();
    let imports = imports.iter().map(|i| Ident::new(i, Span::call_site()));
    let tokens: TokenStream = quote! {
        use crate::model::{#(#imports),*};

        /// Digest of the pruned config these tables were compiled from, with the GrowthBook
        /// payload's tables when there is one (`Kraken-Config`).
        pub const DIGEST: &str = #digest;

        pub static CONFIG: Config = Config {
            digest: DIGEST, page_type, host, flags: FLAGS, experiments: EXPERIMENTS,
        };

        #page_type_fn

        #host_fn

        static FLAGS: &[&Flag] = &[#(&#flag_idents),*];

        #(#flags)*

        static EXPERIMENTS: &[&Experiment] = &[#(&#exp_idents),*];

        #(#pages)*

        #other
        #(#hosts)*

        #(#experiments)*
    };
    let file: syn::File = syn::parse2(tokens).expect("emitted tokens are valid Rust");
    let body = prettyplease::unparse(&file);
    format!(
        "// @generated by codegen. Do not edit.\n\
         // To regenerate, run in the repository root:\n\
         //     {REGENERATE}\n\
         // Inputs: config/experiments.json, config/site-features.json, config/edge.json\n\
         // Pruned config: {} experiments, {} edge flags, {} named host cases, {} page types; digest {digest}\n\
         \n{}",
        edge.experiments.len(),
        edge.flags.len(),
        edge.hosts.len(),
        edge.page_types.len(),
        spaced(&body),
    )
}

/// prettyplease packs items tightly; a blank line between top-level items reads better.
fn spaced(body: &str) -> String {
    let mut out = String::with_capacity(body.len() + body.len() / 16);
    let mut prev = "";
    for line in body.lines() {
        let item_start =
            line.starts_with(|c: char| c.is_ascii_alphabetic() || c == '#' || c == '/');
        if item_start && !prev.is_empty() && !prev.starts_with("///") && !prev.starts_with("#[") {
            out.push('\n');
        }
        out.push_str(line);
        out.push('\n');
        prev = line;
    }
    out
}

/// `SCREAMING_SNAKE` identifier for `name`, a function of the name alone (so adding a name never
/// renames another) and injective. A name made of `[a-z0-9]` runs joined by single `sep`s reads
/// as itself: `hero-banner` → `EXP_HERO_BANNER`, `example.co.uk` → `HOST_EXAMPLE_CO_UK`. Any
/// other name has every character outside `[a-z0-9]` written `_`, then `__` and those
/// characters' code points in hex: `a_b` → `EXP_A_B__5F`. Such identifiers hold `__` and the
/// plain ones never do; the hex list (no `__` in it) says what each `_` was.
pub fn ident(prefix: &str, name: &str, sep: char) -> Ident {
    let plain_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let plain = !name.is_empty()
        && name
            .split(sep)
            .all(|run| !run.is_empty() && run.chars().all(plain_char));
    let mut out = prefix.to_owned();
    let mut escaped = Vec::new();
    for c in name.chars() {
        if plain_char(c) {
            out.push(c.to_ascii_uppercase());
        } else {
            out.push('_');
            escaped.push(format!("{:X}", u32::from(c)));
        }
    }
    if !plain {
        out.push_str("__");
        out.push_str(&escaped.join("_"));
    }
    Ident::new(&out, Span::call_site())
}
