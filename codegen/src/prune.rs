//! Stage 2: relevance and pruning. First which checked entries the edge uses (SPEC §2), which
//! also decides each problem's severity: an error in an entry the edge uses, a warning in one it
//! drops. An entry whose relevance cannot be decided (its `status` is missing, say) counts as
//! used: a config the edge cannot read never ships. Then the used entries pruned to what a
//! request needs, with everything that can be decided at build time decided: bucket ranges
//! scaled by traffic, flag values per host, experiments per page type, and every list in the byte
//! order of the key it produces.

use crate::diagnostic::{Diagnostic, Severity};
use crate::input::Checked;
use crate::input::edge::EdgeSettings;
use crate::input::json::Problem;
use crate::input::platform::{Experiment, ExperimentFacts, Flag, FlagFacts};
use std::collections::{BTreeMap, BTreeSet};

/// SPEC §2: an experiment is relevant when it is running on `web`, on one of the edge's page
/// types, with traffic. Decided only by well-formed facts that say "dropped".
pub fn experiment_used(facts: &ExperimentFacts, edge: &EdgeSettings) -> bool {
    let dropped = facts.status.as_deref().is_some_and(|s| s != "running")
        || facts
            .platforms
            .as_ref()
            .is_some_and(|p| !p.iter().any(|p| p == "web"))
        || facts
            .page_types
            .as_ref()
            .is_some_and(|p| !p.iter().any(|p| edge.page_types.contains(p)))
        || facts.traffic == Some(0);
    !dropped
}

/// SPEC §1: only `"edge": true` flags matter; a missing or mistyped `edge` cannot say "dropped".
pub fn flag_used(facts: &FlagFacts) -> bool {
    facts.edge != Some(false)
}

/// A problem of `file` with its severity: an error when its entry is used, unless it is only
/// something ignored.
pub fn diagnostic(file: &str, problem: Problem, used: bool) -> Diagnostic {
    Diagnostic {
        severity: if used && !problem.ignored {
            Severity::Error
        } else {
            Severity::Warning
        },
        file: file.to_owned(),
        path: problem.path,
        message: problem.message,
    }
}

/// The valid entries of `checked` that `used` keeps, in file order; every problem goes to
/// `diagnostics` with its severity. Keys must be unique within the list: a duplicate is an error
/// when either entry is used (the edge's key would name two things), a warning when both are
/// dropped.
pub fn relevant<T, F>(
    checked: Checked<T, F>,
    file: &str,
    used: impl Fn(&F) -> bool,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<T> {
    let list = checked.list;
    diagnostics.extend(
        checked
            .problems
            .into_iter()
            .map(|p| diagnostic(file, p, true)),
    );
    // Key to (first index, whether that entry is used).
    let mut seen: BTreeMap<String, (usize, bool)> = BTreeMap::new();
    let mut out = Vec::new();
    for (index, entry) in checked.entries.into_iter().enumerate() {
        let used = used(&entry.facts);
        diagnostics.extend(
            entry
                .problems
                .into_iter()
                .map(|p| diagnostic(file, p, used)),
        );
        if let Some(key) = entry.key {
            if let Some(&(first, first_used)) = seen.get(&key) {
                let severity = if used || first_used {
                    Severity::Error
                } else {
                    Severity::Warning
                };
                diagnostics.push(Diagnostic {
                    severity,
                    file: file.to_owned(),
                    path: format!("{list}[{index}].key"),
                    message: format!("duplicate key \"{key}\", first used by {list}[{first}]"),
                });
                // On an error nothing is emitted; else keep one entry, the used one if any.
                if used && first_used {
                    continue;
                }
                if used {
                    seen.insert(key, (index, true));
                }
            } else {
                seen.insert(key, (index, used));
            }
        }
        if used && let Some(value) = entry.value {
            out.push(value);
        }
    }
    out
}

/// The compiled config, ready to emit. Every list is sorted, so output is deterministic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    /// Sorted by name.
    pub page_types: Vec<PageType>,
    /// Sorted by `key + "="`, the order of their items in the key.
    pub experiments: Vec<EdgeExperiment>,
    /// Sorted by `key + "="`.
    pub flags: Vec<EdgeFlag>,
    /// Sorted by name.
    pub hosts: Vec<HostCase>,
    /// Every host not in `hosts`: flag defaults, no targeted experiment.
    pub other_hosts: HostCase,
}

impl Edge {
    /// The value of `flags[flag]` on `host`: its rule's, else the flag's default.
    pub fn flag_value<'a>(&'a self, host: &'a HostCase, flag: usize) -> &'a str {
        host.rule_values
            .iter()
            .find(|(f, _)| *f == flag)
            .map_or(&self.flags[flag].default, |(_, v)| v)
    }

    /// Every host case with its name as tables show it: the named hosts, then `*` (every other
    /// host), as an index into `hosts` or `None`.
    pub fn host_cases(&self) -> Vec<(Option<usize>, &str)> {
        self.hosts
            .iter()
            .enumerate()
            .map(|(i, h)| (Some(i), h.name.as_str()))
            .chain([(None, "*")])
            .collect()
    }

    /// Indices of the experiments taking part on `page` for the host case `host` (SPEC §3).
    pub fn taking_part(&self, page: &PageType, host: Option<usize>) -> Vec<usize> {
        page.experiments
            .iter()
            .copied()
            .filter(|&i| {
                self.experiments[i]
                    .hosts
                    .as_ref()
                    .is_none_or(|hs| host.is_some_and(|h| hs.contains(&h)))
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageType {
    pub name: String,
    /// Indices into `Edge::experiments`, ascending (so in key order).
    pub experiments: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdgeExperiment {
    pub key: String,
    pub seed: String,
    pub page_types: Vec<String>,
    pub traffic: u16,
    pub layer: Option<(String, u16, u16)>,
    /// Indices into `Edge::hosts` when the experiment targets domains.
    pub hosts: Option<Vec<usize>>,
    /// In config order.
    pub variations: Vec<EdgeVariation>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdgeVariation {
    pub key: String,
    /// Basis points, as configured (before traffic).
    pub weight: u16,
    /// The unit's bucket `n` is in this variation when `start <= n < end` (traffic applied).
    pub start: u16,
    pub end: u16,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdgeFlag {
    pub key: String,
    pub values: Vec<String>,
    /// The value on every host no rule names.
    pub default: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostCase {
    pub name: String,
    /// `(index into Edge::flags, value)` for each flag with a rule naming this host (the first
    /// such rule's value), ascending. Every other flag takes its default here.
    pub rule_values: Vec<(usize, String)>,
}

/// What pruning noticed that is legal but likely a mistake.
pub type Notes = Vec<(String, String)>;

/// Byte order of a key's items: `exp:a-b=…` sorts before `exp:a=…` because `-` < `=`.
pub fn item_order(key: &str) -> Vec<u8> {
    let mut k = key.as_bytes().to_vec();
    k.push(b'=');
    k
}

/// Prunes the used experiments and flags (from [`relevant`]) against `edge`.
pub fn prune(edge: &EdgeSettings, experiments: &[Experiment], flags: &[Flag]) -> (Edge, Notes) {
    let mut notes = Notes::new();
    let mut flags: Vec<&Flag> = flags.iter().collect();
    flags.sort_by_key(|f| item_order(&f.key));
    let mut experiments: Vec<&Experiment> = experiments
        .iter()
        .filter(|e| {
            let never = e.domains.as_ref().is_some_and(Vec::is_empty);
            if never {
                notes.push((
                    format!("experiments[{}]", e.index),
                    format!("\"{}\" targets no domain, so it never runs; dropped", e.key),
                ));
            }
            !never
        })
        .collect();
    experiments.sort_by_key(|e| item_order(&e.key));

    // Host cases: every host a flag rule or a targeting list names.
    let mut host_names = BTreeSet::new();
    for f in &flags {
        for r in &f.rules {
            host_names.extend(r.domains.iter().cloned());
        }
    }
    for e in &experiments {
        host_names.extend(e.domains.iter().flatten().cloned());
    }
    for host in &host_names {
        if let Some(why) = unreachable_host(host) {
            notes.push((
                "domains".into(),
                format!("\"{host}\" can never equal a normalised host ({why})"),
            ));
        }
    }
    let host_case = |name: &str| HostCase {
        name: name.to_owned(),
        rule_values: flags
            .iter()
            .enumerate()
            .filter_map(|(i, f)| {
                f.rules
                    .iter()
                    .find(|r| r.domains.iter().any(|d| d == name))
                    .map(|r| (i, r.value.clone()))
            })
            .collect(),
    };
    let hosts: Vec<HostCase> = host_names.iter().map(|h| host_case(h)).collect();
    let host_index: BTreeMap<&str, usize> = host_names
        .iter()
        .enumerate()
        .map(|(i, h)| (h.as_str(), i))
        .collect();
    let other_hosts = HostCase {
        name: String::new(),
        rule_values: Vec::new(),
    };

    let experiments: Vec<EdgeExperiment> = experiments
        .iter()
        .map(|e| {
            let mut start = 0u32;
            let variations = e
                .variations
                .iter()
                .map(|v| {
                    // SPEC §3: [s_i, s_i + floor(w_i * t / 10000)); s_i counts full weights, so
                    // raising traffic never moves an enrolled unit.
                    let owned = u32::from(v.weight) * u32::from(e.traffic) / 10_000;
                    let range = EdgeVariation {
                        key: v.key.clone(),
                        weight: v.weight,
                        start: start as u16,
                        end: (start + owned) as u16,
                    };
                    start += u32::from(v.weight);
                    range
                })
                .collect();
            let hosts = e.domains.as_ref().map(|d| {
                let set: BTreeSet<usize> = d.iter().map(|h| host_index[h.as_str()]).collect();
                set.into_iter().collect()
            });
            EdgeExperiment {
                key: e.key.clone(),
                seed: e.seed.clone(),
                // The edge's page types only, in the experiment's order.
                page_types: e
                    .page_types
                    .iter()
                    .filter(|p| edge.page_types.contains(p))
                    .cloned()
                    .collect(),
                traffic: e.traffic,
                layer: e.layer.as_ref().map(|l| (l.key.clone(), l.from, l.to)),
                hosts,
                variations,
            }
        })
        .collect();

    let page_types = edge
        .page_types
        .iter()
        .map(|name| PageType {
            name: name.clone(),
            experiments: (0..experiments.len())
                .filter(|&i| experiments[i].page_types.contains(name))
                .collect(),
        })
        .collect();
    let flags = flags
        .iter()
        .map(|f| EdgeFlag {
            key: f.key.clone(),
            values: f.values.clone(),
            default: f.default.clone(),
        })
        .collect();
    (
        Edge {
            page_types,
            experiments,
            flags,
            hosts,
            other_hosts,
        },
        notes,
    )
}

/// Why a configured domain can never match SPEC §3's normalised host, if it cannot.
fn unreachable_host(host: &str) -> Option<&'static str> {
    if host.bytes().any(|b| b.is_ascii_uppercase()) {
        Some("hosts are lowercased")
    } else if host.starts_with("www.") || host.starts_with("staging.") {
        Some("leading www. and staging. are removed")
    } else if host.starts_with('[') && !host.ends_with(']')
        || !host.starts_with('[') && host.contains(':')
    {
        Some("ports are removed")
    } else {
        None
    }
}
