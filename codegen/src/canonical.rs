//! The pruned config written out field by field as canonical JSON text, one entry per line: what
//! the digest is computed from. Every field that changes what a request gets is here, in a fixed
//! order; nothing else is (platform metadata never reaches `Edge`). Changing this format changes
//! every digest, so it carries a version.

use crate::prune::Edge;
use std::fmt::Write;

/// Bump when the format below changes.
pub const VERSION: u32 = 1;

pub fn canonical(edge: &Edge) -> String {
    let mut out = format!("{{\"kraken_edge\":{VERSION},\n\"page_types\":[");
    for (i, p) in edge.page_types.iter().enumerate() {
        let experiments = p.experiments.iter().map(|&e| str(&edge.experiments[e].key));
        let _ = write!(
            out,
            "{}\n{{\"name\":{},\"experiments\":[{}]}}",
            comma(i),
            str(&p.name),
            join(experiments)
        );
    }
    out.push_str("],\n\"experiments\":[");
    for (i, e) in edge.experiments.iter().enumerate() {
        let layer = match &e.layer {
            Some((key, from, to)) => {
                format!("{{\"key\":{},\"from\":{from},\"to\":{to}}}", str(key))
            }
            None => "null".into(),
        };
        let hosts = match &e.hosts {
            Some(list) => format!("[{}]", join(list.iter().map(|&h| str(&edge.hosts[h].name)))),
            None => "null".into(),
        };
        let variations = e.variations.iter().map(|v| {
            format!(
                "{{\"key\":{},\"weight\":{},\"start\":{},\"end\":{}}}",
                str(&v.key),
                v.weight,
                v.start,
                v.end
            )
        });
        let _ = write!(
            out,
            "{}\n{{\"key\":{},\"seed\":{},\"page_types\":[{}],\"traffic\":{},\"layer\":{layer},\"hosts\":{hosts},\"variations\":[{}]}}",
            comma(i),
            str(&e.key),
            str(&e.seed),
            join(e.page_types.iter().map(|p| str(p))),
            e.traffic,
            join(variations),
        );
    }
    out.push_str("],\n\"flags\":[");
    for (i, f) in edge.flags.iter().enumerate() {
        let _ = write!(
            out,
            "{}\n{{\"key\":{},\"values\":[{}],\"default\":{}}}",
            comma(i),
            str(&f.key),
            join(f.values.iter().map(|v| str(v))),
            str(&f.default)
        );
    }
    out.push_str("],\n\"hosts\":[");
    for (i, h) in edge.hosts.iter().enumerate() {
        let rules = h
            .rule_values
            .iter()
            .map(|(f, v)| format!("{}:{}", str(&edge.flags[*f].key), str(v)));
        let _ = write!(
            out,
            "{}\n{{\"name\":{},\"flags\":{{{}}}}}",
            comma(i),
            str(&h.name),
            join(rules)
        );
    }
    out.push_str("]}\n");
    out
}

/// A JSON string literal.
fn str(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

fn join(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join(",")
}

fn comma(i: usize) -> &'static str {
    if i == 0 { "" } else { "," }
}
