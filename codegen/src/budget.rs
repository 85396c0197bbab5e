//! The cache-variant budget (hardening): how many distinct keys, so how many cached copies of a
//! page, each page type can produce on each host case. Every experiment taking part multiplies
//! the count by its possible outcomes; flags are fixed per host. QA overrides can reach every
//! declared variation and flag value, a bound shown separately and not budgeted.

use crate::prune::{Edge, EdgeExperiment};
use std::fmt::Write;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub page_type: String,
    /// A named host, or `*` for every other host.
    pub host: String,
    pub experiments: usize,
    /// Distinct keys visitors can get (saturating).
    pub keys: u128,
    /// Distinct keys reachable with `?variants=`/`?flags=` overrides (saturating).
    pub keys_with_overrides: u128,
    /// `(experiment, outcomes)` for the experiments taking part.
    pub factors: Vec<(String, u128)>,
}

/// Outcomes a visitor can get: each variation owning buckets, plus "not enrolled" when traffic,
/// rounding or a layer leaves some units out.
pub fn outcomes(e: &EdgeExperiment) -> u128 {
    let owning = e.variations.iter().filter(|v| v.start < v.end).count() as u128;
    let covered: u32 = e
        .variations
        .iter()
        .map(|v| u32::from(v.end - v.start))
        .sum();
    let layer_full = e
        .layer
        .as_ref()
        .is_none_or(|(_, from, to)| *from == 0 && *to == 10_000);
    owning + u128::from(covered < 10_000 || !layer_full)
}

pub fn rows(edge: &Edge) -> Vec<Row> {
    let flag_bound = edge
        .flags
        .iter()
        .fold(1u128, |n, f| n.saturating_mul(f.values.len() as u128));
    let mut rows = Vec::new();
    for page in &edge.page_types {
        for (host, host_name) in edge.host_cases() {
            let taking_part: Vec<&EdgeExperiment> = edge
                .taking_part(page, host)
                .into_iter()
                .map(|i| &edge.experiments[i])
                .collect();
            let factors: Vec<(String, u128)> = taking_part
                .iter()
                .map(|e| (e.key.clone(), outcomes(e)))
                .collect();
            let keys = factors.iter().fold(1u128, |n, (_, f)| n.saturating_mul(*f));
            let forced = taking_part.iter().fold(1u128, |n, e| {
                n.saturating_mul(
                    e.variations.len() as u128
                        + u128::from(
                            outcomes(e)
                                > e.variations.iter().filter(|v| v.start < v.end).count() as u128,
                        ),
                )
            });
            rows.push(Row {
                page_type: page.name.clone(),
                host: host_name.to_owned(),
                experiments: taking_part.len(),
                keys,
                keys_with_overrides: forced.saturating_mul(flag_bound),
                factors,
            });
        }
    }
    rows
}

/// Rows over `max`, each with the experiments that push it over: dropping the largest factors
/// first, the ones that must go to get back within budget.
pub fn over_budget(rows: &[Row], max: u64) -> Vec<String> {
    let max = u128::from(max);
    rows.iter()
        .filter(|r| r.keys > max)
        .map(|r| {
            let mut factors = r.factors.clone();
            factors.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            let (mut keys, mut culprits) = (r.keys, Vec::new());
            for (key, f) in &factors {
                if keys <= max {
                    break;
                }
                keys /= f;
                culprits.push(format!("{key} (x{f})"));
            }
            format!(
                "page type \"{}\" on host {} has {} possible keys, over the budget of {max}; pushed over by {}",
                r.page_type,
                if r.host == "*" { "* (every other host)".to_owned() } else { format!("\"{}\"", r.host) },
                show(r.keys),
                culprits.join(", ")
            )
        })
        .collect()
}

/// The table `codegen` prints; with `limit`, only the largest row per page type when longer.
pub fn table(rows: &[Row], limit: Option<usize>) -> String {
    let mut shown: Vec<&Row> = rows.iter().collect();
    let condensed = limit.is_some_and(|l| rows.len() > l);
    if condensed {
        shown = Vec::new();
        for page in rows
            .iter()
            .map(|r| &r.page_type)
            .collect::<std::collections::BTreeSet<_>>()
        {
            shown.extend(
                rows.iter()
                    .filter(|r| &r.page_type == page)
                    .max_by_key(|r| (r.keys, r.keys_with_overrides)),
            );
        }
    }
    let (pwidth, width) = column_widths(shown.iter().map(|r| (&*r.page_type, &*r.host)));
    let mut out = format!(
        "{:pwidth$}  {:width$}  {:>11}  {:>12}  {:>14}\n",
        "page type", "host", "experiments", "keys", "with overrides"
    );
    for r in shown {
        let _ = writeln!(
            out,
            "{:pwidth$}  {:width$}  {:>11}  {:>12}  {:>14}",
            r.page_type,
            r.host,
            r.experiments,
            show(r.keys),
            show(r.keys_with_overrides)
        );
    }
    if condensed {
        out.push_str(
            "(largest host case per page type; `cargo codegen budget` prints every row)\n",
        );
    }
    out
}

/// Widths of the page type and host columns of a table with these rows: the longest value, at
/// least the header's (`page type`, `host`).
pub fn column_widths<'a>(rows: impl Iterator<Item = (&'a str, &'a str)>) -> (usize, usize) {
    rows.fold((9, 4), |(page, host), (p, h)| {
        (page.max(p.len()), host.max(h.len()))
    })
}

fn show(n: u128) -> String {
    if n == u128::MAX {
        "overflow".into()
    } else if n >= 1_000_000_000_000 {
        format!("{:.2e}", n as f64)
    } else {
        n.to_string()
    }
}
