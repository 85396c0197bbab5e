//! Stage 3: the pruned config as Rust source: static literal tables over `kraken::model` types
//! and `match` lookups for page types and hosts, formatted by prettyplease.
//!
//! Config strings only ever become string or byte-string *literals* (escaped by proc-macro2), and
//! identifiers are built from `[A-Z0-9_]` alone, so no config value can break out of the code.

use crate::prune::{Edge, HostCase};
use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::quote;
use std::collections::BTreeSet;

/// The command that regenerates the output, named in its header and in `check` failures.
pub const REGENERATE: &str = "cargo codegen generate";

/// Digest of the pruned config: same edge behaviour, same digest (metadata does not count).
pub fn digest(edge: &Edge) -> String {
    format!(
        "{:032x}",
        xxhash_rust::xxh3::xxh3_128(format!("{edge:?}").as_bytes())
    )
}

/// The Rust source of `edge`, whose [`digest`] is `digest`.
pub fn emit(edge: &Edge, digest: &str) -> String {
    let exp_idents = idents("EXP_", edge.experiments.iter().map(|e| e.key.as_str()));
    let host_idents = idents("HOST_", edge.hosts.iter().map(|h| h.name.as_str()));
    let page_idents = idents("PAGE_", edge.page_types.iter().map(|p| p.name.as_str()));
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
    let flags = edge.flags.iter().map(|f| {
        let key = &f.key;
        let values = &f.values;
        quote! { Flag { key: #key, values: &[#(#values),*] }, }
    });
    let pages = edge.page_types.iter().zip(&page_idents).map(|(p, ident)| {
        let name = &p.name;
        let list = p.experiments.iter().map(|&i| &exp_idents[i]);
        quote! {
            static #ident: PageType = PageType { name: #name, experiments: &[#(&#list),*] };
        }
    });
    let host_case = |h: &HostCase, ident: &Ident| {
        let name = &h.name;
        let items = edge
            .flags
            .iter()
            .zip(&h.flag_values)
            .map(|(f, v)| format!("ff:{}={v}", f.key))
            .collect::<Vec<_>>()
            .join(";");
        let values = &h.flag_values;
        quote! {
            static #ident: HostCase = HostCase { name: #name, flag_items: #items, flag_values: &[#(#values),*] };
        }
    };
    let hosts = edge
        .hosts
        .iter()
        .zip(&host_idents)
        .map(|(h, ident)| host_case(h, ident));
    let other = host_case(&edge.other_hosts, &other_hosts);
    let experiments = edge.experiments.iter().zip(&exp_idents).map(|(e, ident)| {
        let key = &e.key;
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
        let variations = e.variations.iter().map(|(v, start, end)| {
            let item = format!("exp:{key}={v}");
            let (start, end) = (
                Literal::u16_unsuffixed(*start),
                Literal::u16_unsuffixed(*end),
            );
            quote! { Variation { key: #v, item: #item, start: #start, end: #end }, }
        });
        quote! {
            static #ident: Experiment = Experiment {
                key: #key,
                bucket_prefix: #bucket_prefix,
                layer: #layer,
                hosts: #hosts,
                variations: &[#(#variations)*],
            };
        }
    });

    // Only what is used: an empty config must not leave unused imports.
    let mut imports = vec!["Config", "Flag", "HostCase", "PageType"];
    if !edge.experiments.is_empty() {
        imports.extend(["Experiment", "Variation"]);
    }
    if edge.experiments.iter().any(|e| e.layer.is_some()) {
        imports.push("Layer");
    }
    imports.sort_unstable();
    let imports = imports.iter().map(|i| Ident::new(i, Span::call_site()));
    let tokens: TokenStream = quote! {
        use crate::model::{#(#imports),*};

        /// Digest of the pruned config these tables were compiled from.
        pub const DIGEST: &str = #digest;

        pub static CONFIG: Config = Config { digest: DIGEST, page_type, host, flags: FLAGS };

        #page_type_fn

        #host_fn

        static FLAGS: &[Flag] = &[#(#flags)*];

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

/// `SCREAMING_SNAKE` identifiers with a prefix, unique even where two names mangle alike
/// (`a-b` and `a_b`).
fn idents<'a>(prefix: &str, names: impl Iterator<Item = &'a str>) -> Vec<Ident> {
    let mut taken = BTreeSet::new();
    names
        .map(|name| {
            let base: String = format!(
                "{prefix}{}",
                name.chars()
                    .map(|c| if c.is_ascii_alphanumeric() {
                        c.to_ascii_uppercase()
                    } else {
                        '_'
                    })
                    .collect::<String>()
            );
            let mut ident = base.clone();
            let mut n = 2;
            while !taken.insert(ident.clone()) {
                ident = format!("{base}_{n}");
                n += 1;
            }
            Ident::new(&ident, Span::call_site())
        })
        .collect()
}
