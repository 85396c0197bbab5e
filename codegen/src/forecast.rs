//! The cache forecast: how many distinct keys N new visitors are expected to create on each page
//! type and host case, so the hit ratio of one cache lifetime, worked out exactly from the pruned
//! bucket ranges and layers (SPEC §3) with no sampling: same config, same figures.
//!
//! A key is one outcome per experiment taking part. With `p_k` the probability of key `k`, the
//! expected number of distinct keys among N visitors is `Σ_k 1 − (1 − p_k)^N`, and the hit ratio
//! (every key's first visitor misses) is `1 − distinct / N`. Hashes of different strings are
//! taken as independent and uniform over the 10,000 buckets: experiments are independent unless
//! they hash the same string, a shared layer (`"layer:" + key`) or a shared seed. Such
//! experiments form a *component* whose joint outcomes are enumerated exactly, conditioning on
//! the shared buckets; components multiply. Keys are summarised in a histogram of `ln p` (bins
//! 0.5 % wide, each holding its count and total probability) so that products of many
//! components stay small; keys too rare to be seen twice are kept as one probability mass.

use crate::input::edge::Floor;
use crate::prune::{Edge, EdgeExperiment};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// Visitors the forecast assumes when `edge.json` sets no floor (as `scripts/hit-ratio` sends).
pub const DEFAULT_VISITORS: u64 = 10_000;
/// Largest `visitors` accepted: far beyond one cache lifetime of a page, and it bounds the
/// histogram (its size grows with `ln N`).
pub const MAX_VISITORS: u64 = 1_000_000_000;
/// How many of the costliest experiments a row names.
pub const COSTLIEST: usize = 3;
const BUCKETS: f64 = 10_000.0;
/// Width of a histogram bin in `ln p`: keys within 0.5 % of each other share a bin, which
/// changes a row's expected distinct keys by far less than one in a million.
const BIN: f64 = 0.005;
/// Keys with `N p` below this are "seen at most once": `1 − (1 − p)^N ≈ N p` within `TINY / 2`.
const TINY: f64 = 1e-6;
/// A hit ratio below this is reported as 0: the page type has about one key per visitor.
const SATURATED: f64 = 1e-6;
/// Most partial outcomes built while enumerating one component; beyond it (many experiments
/// sharing a layer with overlapping ranges), its experiments are taken as independent: the
/// forecast then also counts keys that mutual exclusion rules out, and the row is marked
/// approximate. Such page types have far more keys than visitors anyway.
const MAX_COMPONENT_WORK: usize = 1 << 18;

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub page_type: String,
    /// A named host, or `*` for every other host.
    pub host: String,
    pub experiments: usize,
    pub visitors: u64,
    /// Expected distinct keys among `visitors` new visitors.
    pub distinct: f64,
    /// `1 − distinct / visitors`.
    pub hit_ratio: f64,
    /// True when a component was too large to enumerate (see `MAX_COMPONENT_WORK`).
    pub approximate: bool,
    /// `(experiment, hit ratio without it)`, the costliest first; empty unless asked for.
    pub costliest: Vec<(String, f64)>,
}

/// The forecast for every page type and host case, in `budget::rows` order. With `costs`, each
/// row names its costliest experiments (one more forecast per experiment taking part).
pub fn rows(edge: &Edge, visitors: u64, costs: bool) -> Vec<Row> {
    // Host cases that no targeted experiment tells apart share one computation.
    let mut cache: BTreeMap<Vec<usize>, Row> = BTreeMap::new();
    let mut rows = Vec::new();
    for page in &edge.page_types {
        for (host, host_name) in edge.host_cases() {
            let taking_part = edge.taking_part(page, host);
            let row = cache
                .entry(taking_part.clone())
                .or_insert_with(|| forecast(edge, &taking_part, visitors, costs));
            rows.push(Row {
                page_type: page.name.clone(),
                host: host_name.to_owned(),
                ..row.clone()
            });
        }
    }
    rows
}

/// Rows under the floor (their forecast at the floor's traffic), each naming the experiments that
/// pull it down most.
pub fn below_floor(edge: &Edge, floor: &Floor) -> Vec<String> {
    let low: Vec<Row> = rows(edge, floor.visitors, false)
        .into_iter()
        .filter(|r| r.hit_ratio < floor.ratio)
        .collect();
    let mut costs: BTreeMap<(String, String), Vec<(String, f64)>> = BTreeMap::new();
    for page in &edge.page_types {
        for (host, host_name) in edge.host_cases() {
            if low
                .iter()
                .any(|r| r.page_type == page.name && r.host == host_name)
            {
                let taking_part = edge.taking_part(page, host);
                let row = forecast(edge, &taking_part, floor.visitors, true);
                costs.insert((page.name.clone(), host_name.to_owned()), row.costliest);
            }
        }
    }
    low.iter()
        .map(|r| {
            let costliest = &costs[&(r.page_type.clone(), r.host.clone())];
            let pulled = if costliest.is_empty() {
                String::new()
            } else {
                let names: Vec<String> = costliest
                    .iter()
                    .map(|(key, without)| format!("{key} ({} without it)", percent(*without)))
                    .collect();
                format!("; pulled down most by {}", names.join(", "))
            };
            format!(
                "page type \"{}\" on host {} is forecast at a {}{} hit ratio for {} new visitors \
                 ({:.0} distinct keys), below the floor of {}{pulled}",
                r.page_type,
                show_host(&r.host),
                if r.approximate { "~" } else { "" },
                percent(r.hit_ratio),
                r.visitors,
                r.distinct,
                percent(floor.ratio),
            )
        })
        .collect()
}

/// The table `cargo codegen budget` prints.
pub fn table(rows: &[Row]) -> String {
    let visitors = rows.first().map_or(DEFAULT_VISITORS, |r| r.visitors);
    let (pwidth, width) =
        crate::budget::column_widths(rows.iter().map(|r| (&*r.page_type, &*r.host)));
    let mut out = format!(
        "forecast for {visitors} new visitors (one cache lifetime, no overrides):\n\
         {:pwidth$}  {:width$}  {:>11}  {:>13}  {:>9}  costliest experiments (hit ratio without it)\n",
        "page type", "host", "experiments", "distinct keys", "hit ratio"
    );
    for r in rows {
        let costliest: Vec<String> = r
            .costliest
            .iter()
            .map(|(key, without)| format!("{key} {}", percent(*without)))
            .collect();
        let _ = writeln!(
            out,
            "{:pwidth$}  {:width$}  {:>11}  {:>13.1}  {:>9}  {}",
            r.page_type,
            r.host,
            r.experiments,
            r.distinct,
            format!(
                "{}{}",
                if r.approximate { "~" } else { "" },
                percent(r.hit_ratio)
            ),
            costliest.join(", ")
        );
    }
    if rows.iter().any(|r| r.approximate) {
        out.push_str(
            "~ approximate: experiments sharing a layer with overlapping ranges, taken as independent\n",
        );
    }
    out
}

/// One line for `generate`'s summary: per page type, its least cacheable host case.
pub fn summary(rows: &[Row]) -> String {
    let mut worst: Vec<&Row> = Vec::new();
    for r in rows {
        match worst.iter_mut().find(|w| w.page_type == r.page_type) {
            Some(w) if r.hit_ratio < w.hit_ratio => *w = r,
            Some(_) => {}
            None => worst.push(r),
        }
    }
    let visitors = rows.first().map_or(DEFAULT_VISITORS, |r| r.visitors);
    let items: Vec<String> = worst
        .iter()
        .map(|r| {
            format!(
                "{} {}{} ({})",
                r.page_type,
                if r.approximate { "~" } else { "" },
                percent(r.hit_ratio),
                if r.host == "*" {
                    "other hosts"
                } else {
                    &r.host
                }
            )
        })
        .collect();
    format!(
        "forecast hit ratio at {visitors} new visitors, least cacheable host per page type: {}\n",
        if items.is_empty() {
            "no page types".to_owned()
        } else {
            items.join(", ")
        }
    )
}

fn percent(ratio: f64) -> String {
    format!("{:.1} %", ratio * 100.0)
}

fn show_host(host: &str) -> String {
    if host == "*" {
        "* (every other host)".to_owned()
    } else {
        format!("\"{host}\"")
    }
}

/// The forecast for one set of experiments (indices into `edge.experiments`).
fn forecast(edge: &Edge, taking_part: &[usize], visitors: u64, costs: bool) -> Row {
    let experiments: Vec<&EdgeExperiment> =
        taking_part.iter().map(|&i| &edge.experiments[i]).collect();
    let n = visitors as f64;
    let mut approximate = false;
    let mut parts: Vec<(Vec<usize>, Hist)> = components(&experiments)
        .into_iter()
        .map(|c| {
            let (h, approx) = component_hist(&experiments, &c, n);
            approximate |= approx;
            (c, h)
        })
        .collect();
    // The most splitting components first: a large page type saturates (see `Hist::product`)
    // after fewer products. The order is fixed, so the figures stay deterministic.
    parts.sort_by(|a, b| a.1.p_max().total_cmp(&b.1.p_max()).then(a.0.cmp(&b.0)));
    let (components, hists): (Vec<Vec<usize>>, Vec<Hist>) = parts.into_iter().unzip();
    let total = hists.iter().fold(Hist::one(n), |acc, h| acc.product(h));
    let distinct = total.distinct();
    let mut costliest = Vec::new();
    if costs {
        let mut others = Vec::with_capacity(hists.len());
        all_but_one(&Hist::one(n), &hists, &mut others);
        for (c, without_c) in components.iter().zip(&others) {
            for &e in c {
                let rest: Vec<usize> = c.iter().copied().filter(|&x| x != e).collect();
                let h = components_of(&experiments, &rest)
                    .iter()
                    .fold(without_c.clone(), |acc, sub| {
                        acc.product(&component_hist(&experiments, sub, n).0)
                    });
                costliest.push((experiments[e].key.clone(), 1.0 - h.distinct() / n));
            }
        }
        // Costliest first: the highest ratio without it; ties in key order (already sorted).
        costliest.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        costliest.truncate(COSTLIEST);
    }
    Row {
        page_type: String::new(),
        host: String::new(),
        experiments: experiments.len(),
        visitors,
        distinct,
        hit_ratio: 1.0 - distinct / n,
        approximate,
        costliest,
    }
}

/// `out[i]` = the product of every histogram but `hists[i]`, times `acc`, in O(k log k) products.
fn all_but_one(acc: &Hist, hists: &[Hist], out: &mut Vec<Hist>) {
    match hists.len() {
        0 => {}
        1 => out.push(acc.clone()),
        len => {
            let (left, right) = hists.split_at(len / 2);
            let with_right = right.iter().fold(acc.clone(), |a, h| a.product(h));
            all_but_one(&with_right, left, out);
            let with_left = left.iter().fold(acc.clone(), |a, h| a.product(h));
            all_but_one(&with_left, right, out);
        }
    }
}

/// The strings an experiment hashes with the unit id: its seed, and its layer's name.
fn seed_var(e: &EdgeExperiment) -> String {
    e.seed.clone()
}

fn layer_var(e: &EdgeExperiment) -> Option<String> {
    e.layer.as_ref().map(|(key, _, _)| format!("layer:{key}"))
}

fn components(experiments: &[&EdgeExperiment]) -> Vec<Vec<usize>> {
    components_of(experiments, &(0..experiments.len()).collect::<Vec<_>>())
}

/// Groups `members` into sets of experiments linked by a shared hashed string, each ascending.
fn components_of(experiments: &[&EdgeExperiment], members: &[usize]) -> Vec<Vec<usize>> {
    let mut parent: BTreeMap<usize, usize> = members.iter().map(|&m| (m, m)).collect();
    fn root(parent: &mut BTreeMap<usize, usize>, mut x: usize) -> usize {
        while parent[&x] != x {
            let up = parent[&parent[&x]];
            parent.insert(x, up);
            x = up;
        }
        x
    }
    let mut first_user: BTreeMap<String, usize> = BTreeMap::new();
    for &m in members {
        let e = experiments[m];
        for var in std::iter::once(seed_var(e)).chain(layer_var(e)) {
            match first_user.get(&var) {
                Some(&other) => {
                    let (a, b) = (root(&mut parent, m), root(&mut parent, other));
                    parent.insert(a.max(b), a.min(b));
                }
                None => {
                    first_user.insert(var, m);
                }
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for &m in members {
        let r = root(&mut parent, m);
        groups.entry(r).or_default().push(m);
    }
    groups.into_values().collect()
}

/// Where an experiment's bucket or layer bucket comes from within its component.
#[derive(Clone, Copy)]
enum Source {
    /// Hashed by this experiment alone: a probability.
    Private,
    /// Hashed by several: the index of the shared variable conditioned on.
    Shared(usize),
}

/// The histogram of one component's joint outcomes, and whether it had to be approximated.
fn component_hist(experiments: &[&EdgeExperiment], members: &[usize], n: f64) -> (Hist, bool) {
    match joint_outcomes(experiments, members) {
        Some(outcomes) => (Hist::from_probabilities(outcomes.into_values(), n), false),
        None => {
            let h = members.iter().fold(Hist::one(n), |acc, &m| {
                let alone = joint_outcomes(experiments, &[m]).expect("one experiment is small");
                acc.product(&Hist::from_probabilities(alone.into_values(), n))
            });
            (h, true)
        }
    }
}

/// Called with one bucket interval per shared variable; `false` stops the enumeration.
type Visit<'a> = dyn FnMut(&[(u16, u16)]) -> bool + 'a;

/// Every joint outcome of a component (outcome 0 = not enrolled, `i + 1` = variation `i`) with
/// its probability, or `None` when that takes more than `MAX_COMPONENT_WORK`.
fn joint_outcomes(
    experiments: &[&EdgeExperiment],
    members: &[usize],
) -> Option<BTreeMap<Vec<u8>, f64>> {
    // Uses of each hashed string; a string used twice is conditioned on (it correlates them).
    let mut uses: BTreeMap<String, usize> = BTreeMap::new();
    for &m in members {
        let e = experiments[m];
        for var in std::iter::once(seed_var(e)).chain(layer_var(e)) {
            *uses.entry(var).or_default() += 1;
        }
    }
    let shared: Vec<&String> = uses
        .iter()
        .filter(|(_, u)| **u > 1)
        .map(|(v, _)| v)
        .collect();
    let source = |var: &String| {
        shared
            .iter()
            .position(|s| *s == var)
            .map_or(Source::Private, Source::Shared)
    };
    // Each shared variable's buckets cut at every bound a use of it tests.
    let mut cuts: Vec<BTreeSet<u16>> = vec![BTreeSet::from([0, 10_000]); shared.len()];
    let mut sources = Vec::with_capacity(members.len());
    for &m in members {
        let e = experiments[m];
        let seed = source(&seed_var(e));
        let layer = layer_var(e).map(|v| source(&v));
        if let Source::Shared(s) = seed {
            cuts[s].extend(e.variations.iter().flat_map(|v| [v.start, v.end]));
        }
        if let (Some(Source::Shared(s)), Some((_, from, to))) = (layer, &e.layer) {
            cuts[s].extend([*from, *to]);
        }
        sources.push((seed, layer));
    }
    let intervals: Vec<Vec<(u16, u16)>> = cuts
        .iter()
        .map(|c| {
            let c: Vec<u16> = c.iter().copied().collect();
            c.windows(2).map(|w| (w[0], w[1])).collect()
        })
        .collect();

    // Odometer over one interval of each shared variable, twice: first to count the work, which
    // must fit in `MAX_COMPONENT_WORK`, then to enumerate.
    let combinations = |visit: &mut Visit<'_>| {
        let mut at = vec![0usize; shared.len()];
        loop {
            let chosen: Vec<(u16, u16)> = at.iter().zip(&intervals).map(|(&i, iv)| iv[i]).collect();
            if !visit(&chosen) {
                return false;
            }
            let mut digit = 0;
            loop {
                if digit == at.len() {
                    return true;
                }
                at[digit] += 1;
                if at[digit] < intervals[digit].len() {
                    break;
                }
                at[digit] = 0;
                digit += 1;
            }
        }
    };
    let mut work = 0usize;
    let fits = combinations(&mut |chosen| {
        let mut partial = 1usize;
        for (&m, &(seed, layer)) in members.iter().zip(&sources) {
            let given = outcome_given(experiments[m], seed, layer, chosen);
            partial = partial.saturating_mul(given.iter().filter(|(_, q)| *q > 0.0).count());
            work = work.saturating_add(partial);
        }
        work <= MAX_COMPONENT_WORK
    });
    if !fits {
        return None;
    }
    let mut joint: BTreeMap<Vec<u8>, f64> = BTreeMap::new();
    combinations(&mut |chosen| {
        let weight: f64 = chosen
            .iter()
            .map(|&(a, b)| f64::from(b - a) / BUCKETS)
            .product();
        let mut partial: Vec<(Vec<u8>, f64)> = vec![(Vec::with_capacity(members.len()), weight)];
        for (&m, &(seed, layer)) in members.iter().zip(&sources) {
            let given = outcome_given(experiments[m], seed, layer, chosen);
            partial = partial
                .iter()
                .flat_map(|(tuple, p)| {
                    given.iter().filter(|(_, q)| *q > 0.0).map(move |&(o, q)| {
                        let mut t = tuple.clone();
                        t.push(o);
                        (t, p * q)
                    })
                })
                .collect();
        }
        for (tuple, p) in partial {
            *joint.entry(tuple).or_default() += p;
        }
        true
    });
    Some(joint)
}

/// One experiment's outcome distribution, given the intervals of the shared buckets.
fn outcome_given(
    e: &EdgeExperiment,
    seed: Source,
    layer: Option<Source>,
    chosen: &[(u16, u16)],
) -> Vec<(u8, f64)> {
    let eligible = match (layer, &e.layer) {
        (Some(Source::Shared(s)), Some((_, from, to))) => {
            let (a, _) = chosen[s];
            if *from <= a && a < *to { 1.0 } else { 0.0 }
        }
        (Some(Source::Private), Some((_, from, to))) => f64::from(to - from) / BUCKETS,
        _ => 1.0,
    };
    let mut dist: Vec<(u8, f64)> = match seed {
        Source::Shared(s) => {
            let (a, _) = chosen[s];
            e.variations
                .iter()
                .position(|v| v.start <= a && a < v.end)
                .map(|i| vec![(i as u8 + 1, eligible)])
                .unwrap_or_default()
        }
        Source::Private => e
            .variations
            .iter()
            .enumerate()
            .map(|(i, v)| (i as u8 + 1, eligible * f64::from(v.end - v.start) / BUCKETS))
            .collect(),
    };
    let enrolled: f64 = dist.iter().map(|(_, p)| p).sum();
    dist.insert(0, (0, (1.0 - enrolled).max(0.0)));
    dist
}

/// Keys summarised by `ln p`: bin `b` holds keys with `p` in `(e^-(b+1)δ, e^-bδ]`, as their count
/// and total probability; `rare` is the total probability of keys with `N p < TINY`. Sparse: a
/// component has a handful of bins, a page type a few thousand at most.
#[derive(Debug, Clone)]
struct Hist {
    n: f64,
    /// `(count, mass, ln p)`, by bin, non-empty bins only (`ln p` as `Dense` places them).
    bins: Vec<(f64, f64, f64)>,
    rare: f64,
}

impl Hist {
    /// One key of probability 1: no experiment.
    fn one(n: f64) -> Self {
        Self::from_probabilities([1.0], n)
    }

    fn from_probabilities(ps: impl IntoIterator<Item = f64>, n: f64) -> Self {
        let floor = (TINY / n).ln();
        let (mut keys, mut rare) = (Vec::new(), 0.0);
        for p in ps.into_iter().filter(|&p| p > 0.0) {
            if p.ln() < floor {
                rare += p;
            } else {
                keys.push(((-p.ln() / BIN).max(0.0) as u64, p));
            }
        }
        keys.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        let mut bins: Vec<(u64, f64, f64)> = Vec::new();
        for (bin, p) in keys {
            match bins.last_mut() {
                Some(last) if last.0 == bin => {
                    last.1 += 1.0;
                    last.2 += p;
                }
                _ => bins.push((bin, 1.0, p)),
            }
        }
        let bins = bins
            .into_iter()
            .map(|(_, count, mass)| (count, mass, (mass / count).ln()))
            .collect();
        Self { n, bins, rare }
    }

    /// Keys of two independent parts: every pair, probabilities multiplied.
    fn product(&self, other: &Hist) -> Hist {
        if self.bins.is_empty() {
            // Saturated (or empty): every product is rare too.
            let mass = other.bins.iter().map(|b| b.1).sum::<f64>() + other.rare;
            return Hist {
                n: self.n,
                bins: Vec::new(),
                rare: self.rare * mass,
            };
        }
        let mut dense = Dense::new(self.n);
        for &(c1, m1, l1) in &self.bins {
            for &(c2, m2, l2) in &other.bins {
                dense.add(c1 * c2, m1 * m2, l1 + l2);
            }
        }
        let mut out = dense.finish();
        let mass = |h: &Hist| h.bins.iter().map(|b| b.1).sum::<f64>();
        out.rare += self.rare * (other.rare + mass(other)) + mass(self) * other.rare;
        // More experiments only split keys further, so the hit ratio only falls. It is at most
        // `Σ N p² / 2 ≤ N p_max / 2`: once that is below `SATURATED`, every key counts as seen
        // once and the rest of a large page type costs nothing.
        if !out.bins.is_empty() && out.n * out.p_max() / 2.0 < SATURATED {
            out.rare += mass(&out);
            out.bins.clear();
        }
        out
    }

    /// The largest key probability held in a bin (bins go from likely to rare).
    fn p_max(&self) -> f64 {
        self.bins.first().map_or(0.0, |b| b.1 / b.0)
    }

    /// `Σ_k 1 − (1 − p_k)^N`.
    fn distinct(&self) -> f64 {
        let seen = |p: f64| -(self.n * (-p).ln_1p()).exp_m1();
        let binned: f64 = self
            .bins
            .iter()
            .map(|&(count, mass, _)| count * seen(mass / count))
            .sum();
        // At most one key per visitor; rounding must not make a ratio negative.
        (binned + self.n * self.rare).min(self.n)
    }
}

/// A histogram being filled: every bin down to `N p = TINY`, indexed directly.
struct Dense {
    n: f64,
    /// `ln p` below which keys are rare.
    floor: f64,
    /// `(count, mass, Σ count · ln p)`: the last gives a bin's `ln p` without a logarithm
    /// (a geometric mean, within the bin's width of `ln(mass / count)`: it only places keys).
    bins: Vec<(f64, f64, f64)>,
    rare: f64,
}

impl Dense {
    fn new(n: f64) -> Self {
        let floor = (TINY / n).ln();
        Self {
            n,
            floor,
            bins: vec![(0.0, 0.0, 0.0); (-floor / BIN) as usize + 2],
            rare: 0.0,
        }
    }

    /// `count` keys of total probability `mass`, each of `ln p = ln_p`.
    fn add(&mut self, count: f64, mass: f64, ln_p: f64) {
        if ln_p < self.floor {
            self.rare += mass;
            return;
        }
        let bin = ((-ln_p / BIN).max(0.0) as usize).min(self.bins.len() - 1);
        let b = &mut self.bins[bin];
        b.0 += count;
        b.1 += mass;
        b.2 += count * ln_p;
    }

    fn finish(self) -> Hist {
        Hist {
            n: self.n,
            bins: self
                .bins
                .into_iter()
                .filter(|b| b.0 > 0.0)
                .map(|(count, mass, ln_sum)| (count, mass, ln_sum / count))
                .collect(),
            rare: self.rare,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prune::EdgeVariation;

    fn exp(
        key: &str,
        seed: &str,
        traffic: u16,
        weights: &[u16],
        layer: Option<(&str, u16, u16)>,
    ) -> EdgeExperiment {
        let mut start = 0u32;
        let variations = weights
            .iter()
            .enumerate()
            .map(|(i, &w)| {
                let owned = u32::from(w) * u32::from(traffic) / 10_000;
                let v = EdgeVariation {
                    key: format!("v{i}"),
                    weight: w,
                    start: start as u16,
                    end: (start + owned) as u16,
                };
                start += u32::from(w);
                v
            })
            .collect();
        EdgeExperiment {
            key: key.into(),
            seed: seed.into(),
            page_types: vec!["p".into()],
            traffic,
            layer: layer.map(|(k, a, b)| (k.into(), a, b)),
            hosts: None,
            variations,
        }
    }

    /// Brute force: every combination of every hashed string's bucket intervals, no grouping.
    fn brute_distinct(exps: &[EdgeExperiment], n: f64) -> f64 {
        let refs: Vec<&EdgeExperiment> = exps.iter().collect();
        let mut vars: BTreeMap<String, BTreeSet<u16>> = BTreeMap::new();
        for e in exps {
            let cuts = vars
                .entry(e.seed.clone())
                .or_insert(BTreeSet::from([0, 10_000]));
            cuts.extend(e.variations.iter().flat_map(|v| [v.start, v.end]));
            if let Some((k, a, b)) = &e.layer {
                let cuts = vars
                    .entry(format!("layer:{k}"))
                    .or_insert(BTreeSet::from([0, 10_000]));
                cuts.extend([*a, *b]);
            }
        }
        let names: Vec<&String> = vars.keys().collect();
        let intervals: Vec<Vec<(u16, u16)>> = vars
            .values()
            .map(|c| {
                let c: Vec<u16> = c.iter().copied().collect();
                c.windows(2).map(|w| (w[0], w[1])).collect()
            })
            .collect();
        let mut keys: BTreeMap<Vec<u8>, f64> = BTreeMap::new();
        let mut at = vec![0usize; names.len()];
        'all: loop {
            let mut p = 1.0;
            let bucket = |name: &str, at: &[usize]| {
                let i = names.iter().position(|n| *n == name).unwrap();
                intervals[i][at[i]].0
            };
            for (i, iv) in intervals.iter().enumerate() {
                p *= f64::from(iv[at[i]].1 - iv[at[i]].0) / BUCKETS;
            }
            let tuple: Vec<u8> = refs
                .iter()
                .map(|e| {
                    let in_layer = e.layer.as_ref().is_none_or(|(k, a, b)| {
                        let l = bucket(&format!("layer:{k}"), &at);
                        *a <= l && l < *b
                    });
                    let s = bucket(&e.seed, &at);
                    match e.variations.iter().position(|v| v.start <= s && s < v.end) {
                        Some(i) if in_layer => i as u8 + 1,
                        _ => 0,
                    }
                })
                .collect();
            *keys.entry(tuple).or_default() += p;
            for d in 0..=at.len() {
                if d == at.len() {
                    break 'all;
                }
                at[d] += 1;
                if at[d] < intervals[d].len() {
                    break;
                }
                at[d] = 0;
            }
        }
        keys.values().map(|&p| 1.0 - (1.0 - p).powf(n)).sum()
    }

    fn forecast_distinct(exps: &[EdgeExperiment], n: u64) -> f64 {
        let refs: Vec<&EdgeExperiment> = exps.iter().collect();
        let comps = components(&refs);
        let h = comps.iter().fold(Hist::one(n as f64), |acc, c| {
            acc.product(&component_hist(&refs, c, n as f64).0)
        });
        h.distinct()
    }

    #[test]
    fn one_even_experiment_by_hand() {
        // Two keys of 1/2: each seen by N visitors with probability 1 − 2^-N.
        let e = [exp("a", "a", 10_000, &[5000, 5000], None)];
        for n in [1u64, 2, 10] {
            let want = 2.0 * (1.0 - 0.5f64.powi(n as i32));
            assert!((forecast_distinct(&e, n) - want).abs() < 1e-9, "n = {n}");
        }
    }

    #[test]
    fn layers_and_shared_seeds_match_brute_force() {
        let cases: Vec<Vec<EdgeExperiment>> = vec![
            // Mutually exclusive halves of one layer, one of them partly enrolled.
            vec![
                exp("a", "a", 5000, &[5000, 5000], Some(("home", 0, 5000))),
                exp(
                    "b",
                    "b",
                    10_000,
                    &[3334, 3333, 3333],
                    Some(("home", 5000, 10_000)),
                ),
                exp("c", "c", 10_000, &[5000, 5000], None),
            ],
            // Overlapping layer ranges, a shared seed across layers, a weight-0 variation.
            vec![
                exp("a", "s", 8000, &[5000, 5000], Some(("x", 0, 6000))),
                exp("b", "s", 10_000, &[2000, 8000], Some(("y", 3000, 10_000))),
                exp("c", "c", 6000, &[5000, 5000, 0], Some(("x", 4000, 10_000))),
                exp("d", "d", 100, &[5000, 5000], Some(("y", 0, 10_000))),
            ],
            // A seed that is also a layer's hashed string.
            vec![
                exp("a", "layer:x", 10_000, &[5000, 5000], None),
                exp("b", "b", 10_000, &[5000, 5000], Some(("x", 2500, 7500))),
            ],
        ];
        for (i, case) in cases.iter().enumerate() {
            for n in [1u64, 10, 1000, 100_000] {
                let (got, want) = (forecast_distinct(case, n), brute_distinct(case, n as f64));
                assert!(
                    (got - want).abs() <= 1e-6 * want.max(1.0),
                    "case {i}, n = {n}: {got} vs {want}"
                );
            }
        }
    }

    #[test]
    fn many_independent_experiments_stay_accurate() {
        // 40 experiments of 3 even outcomes: 3^40 keys, all of p = 3^-40, each seen at most once.
        let exps: Vec<EdgeExperiment> = (0..40)
            .map(|i| {
                exp(
                    &format!("e{i}"),
                    &format!("e{i}"),
                    10_000,
                    &[3334, 3333, 3333],
                    None,
                )
            })
            .collect();
        let got = forecast_distinct(&exps, 10_000);
        assert!((got - 10_000.0).abs() < 1e-3, "{got}");
        // 12 of 2 even outcomes: 4096 keys of 1/4096.
        let exps: Vec<EdgeExperiment> = (0..12)
            .map(|i| {
                exp(
                    &format!("e{i}"),
                    &format!("e{i}"),
                    10_000,
                    &[5000, 5000],
                    None,
                )
            })
            .collect();
        let want = 4096.0 * (1.0 - (1.0 - 1.0 / 4096.0f64).powi(10_000));
        let got = forecast_distinct(&exps, 10_000);
        assert!((got - want).abs() < 1e-6 * want, "{got} vs {want}");
    }

    #[test]
    fn a_huge_overlapping_layer_is_approximated_low() {
        // 20 experiments all over one layer: 3^20 joint outcomes, too many to enumerate.
        let exps: Vec<EdgeExperiment> = (0..20)
            .map(|i| {
                let layer = Some(("x", (i * 100) as u16, 10_000));
                exp(
                    &format!("e{i}"),
                    &format!("e{i}"),
                    10_000,
                    &[5000, 5000],
                    layer,
                )
            })
            .collect();
        let refs: Vec<&EdgeExperiment> = exps.iter().collect();
        let (_, approximate) = component_hist(&refs, &(0..20).collect::<Vec<_>>(), 1e4);
        assert!(approximate);
    }
}
