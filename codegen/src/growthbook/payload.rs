//! Reading a GrowthBook SDK payload: the listed features and their prerequisites, each rule
//! checked field by field against what the SDK (npm 1.8.0) does with it. A field is either
//! read exactly as the SDK reads it (its `||` defaults included) or refused.

use super::condition::{Compiler, Cond, Refusal, inherited};
use super::json::Json;
use super::{js, leak};
use std::collections::{BTreeMap, HashMap, HashSet};

/// How a rule hashes.
#[derive(Debug, Clone, PartialEq)]
pub struct Hashing {
    pub version: u8,
    pub seed: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub attribute: String,
    pub hashing: Hashing,
    pub ranges: Vec<(f64, f64)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Parent {
    pub feature: String,
    pub condition: Cond,
    pub gate: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RolloutTest {
    Range(f64, f64),
    Coverage(f64),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rollout {
    pub attribute: String,
    pub hashing: Hashing,
    pub test: RolloutTest,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Variation {
    pub value: usize,
    pub passthrough: bool,
    /// The variation's `result.key` (`meta[i].key` or the index).
    pub key: String,
    /// `experiment.key + variationId`.
    pub dedupe: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Experiment {
    pub key: String,
    pub hash_attribute: String,
    pub hashing: Hashing,
    pub namespace: Option<(String, f64, f64)>,
    pub ranges: Vec<(f64, f64)>,
    pub variations: Vec<Variation>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Track {
    pub experiment: String,
    pub variation: String,
    pub dedupe: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Force {
        rollout: Option<Rollout>,
        tracks: Vec<Track>,
        value: usize,
    },
    Experiment(Experiment),
    /// A rule that can never apply, kept for its prerequisites (evaluated first, they report
    /// their experiments and may gate the feature).
    Skip,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub parents: Vec<Parent>,
    pub filters: Vec<Filter>,
    pub condition: Option<Cond>,
    pub kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Feature {
    pub key: String,
    /// Every value the feature can take, distinct by their `JSON.stringify`.
    pub values: Vec<Json>,
    pub default: usize,
    pub null: usize,
    pub rules: Vec<Rule>,
}

impl Feature {
    fn value(&mut self, v: &Json) -> usize {
        let text = js::json_stringify(&leak(v));
        match self
            .values
            .iter()
            .position(|x| js::json_stringify(&leak(x)) == text)
        {
            Some(i) => i,
            None => {
                self.values.push(v.clone());
                self.values.len() - 1
            }
        }
    }
}

/// The payload's needed features, in evaluation-dependency-safe form.
#[derive(Debug)]
pub struct Payload {
    /// Listed first (in `edge.json` order, repeats dropped), then prerequisites.
    pub features: Vec<Feature>,
    pub listed: Vec<usize>,
    /// Top-level attribute names the rules read.
    pub attributes: std::collections::BTreeSet<String>,
}

/// JSON path of feature `key`.
pub fn feature_path(key: &str) -> String {
    if !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        format!("features.{key}")
    } else {
        format!(
            "features[{}]",
            js::json_stringify(&super::value::Value::Str(key))
        )
    }
}

/// Reads the listed features and every prerequisite they reach. Errors carry JSON paths in
/// the payload.
pub fn read(root: &Json, listed: &[String]) -> Result<Payload, Vec<Refusal>> {
    let mut errors = Vec::new();
    let Some(features @ Json::Obj(_)) = root.get("features") else {
        let found = root.get("features").map_or("nothing", Json::kind);
        return Err(vec![(
            "features".into(),
            format!("expected an object of features, found {found}"),
        )]);
    };
    let saved_groups = match root.get("savedGroups") {
        None | Some(Json::Null) => None,
        Some(g @ Json::Obj(_)) => Some(g),
        Some(other) => {
            return Err(vec![(
                "savedGroups".into(),
                format!("expected an object, found {}", other.kind()),
            )]);
        }
    };
    let mut compiler = Compiler::new(saved_groups);
    // Lookups by key: a linear search per key is quadratic in the features.
    let mut by_key: HashMap<&str, &Json> = HashMap::new();
    if let Json::Obj(entries) = features {
        for (k, v) in entries {
            by_key.entry(k.as_str()).or_insert(v);
        }
    }
    let mut order: Vec<String> = Vec::new();
    let mut queued: HashSet<String> = HashSet::new();
    for key in listed {
        if queued.insert(key.clone()) {
            order.push(key.clone());
        }
    }
    let listed_count = order.len();
    let mut read: BTreeMap<String, Feature> = BTreeMap::new();
    let mut i = 0;
    while i < order.len() {
        let key = order[i].clone();
        i += 1;
        let path = feature_path(&key);
        let Some(&def) = by_key.get(key.as_str()) else {
            // Listed keys are checked by the caller against edge.json; this is a prerequisite.
            errors.push((path, "missing from the payload".into()));
            continue;
        };
        match feature(&key, def, &path, &mut compiler) {
            Ok(f) => {
                for rule in &f.rules {
                    for p in &rule.parents {
                        if queued.insert(p.feature.clone()) {
                            order.push(p.feature.clone());
                        }
                    }
                }
                read.insert(key, f);
            }
            Err(mut e) => errors.append(&mut e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    // Prerequisite cycles: the SDK answers `null` ("cyclicPrerequisite"); SPEC §6 refuses them.
    if let Some(cycle) = prerequisite_cycle(&order, &read) {
        return Err(vec![(
            feature_path(&cycle[0]),
            format!("cyclic prerequisite: {}", cycle.join(" -> ")),
        )]);
    }
    let features = order
        .iter()
        .map(|k| read.remove(k).expect("read above"))
        .collect();
    Ok(Payload {
        features,
        listed: (0..listed_count).collect(),
        attributes: compiler.attributes,
    })
}

/// A cycle of prerequisites (`a -> b -> a`), by a depth-first search from each feature in
/// `order`: linear in the edges (following every path was exponential in a diamond chain).
fn prerequisite_cycle(order: &[String], read: &BTreeMap<String, Feature>) -> Option<Vec<String>> {
    let parents = |k: &str| -> std::vec::IntoIter<&str> {
        read.get(k)
            .map(|f| {
                f.rules
                    .iter()
                    .flat_map(|r| r.parents.iter().map(|p| p.feature.as_str()))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
            .into_iter()
    };
    // Absent: not reached yet; `true`: on the current path; `false`: done, on no cycle.
    let mut on_path: HashMap<&str, bool> = HashMap::new();
    for start in order {
        if on_path.contains_key(start.as_str()) {
            continue;
        }
        let mut path = vec![start.as_str()];
        let mut next = vec![parents(start)];
        on_path.insert(start, true);
        while let Some(it) = next.last_mut() {
            match it.next() {
                Some(p) => match on_path.get(p) {
                    Some(true) => {
                        let from = path.iter().position(|&x| x == p).unwrap_or(0);
                        let mut cycle: Vec<String> =
                            path[from..].iter().map(|&s| s.to_owned()).collect();
                        cycle.push(p.to_owned());
                        return Some(cycle);
                    }
                    Some(false) => {}
                    None => {
                        on_path.insert(p, true);
                        path.push(p);
                        next.push(parents(p));
                    }
                },
                None => {
                    next.pop();
                    if let Some(done) = path.pop() {
                        on_path.insert(done, false);
                    }
                }
            }
        }
    }
    None
}

/// A field read with the SDK's `x || default`: falsy is the default, a string is used, anything
/// else is refused.
fn or_default(rule: &Json, field: &str, path: &str, errors: &mut Vec<Refusal>) -> Option<String> {
    match rule.get(field) {
        Some(Json::Str(s)) if !s.is_empty() => Some(s.clone()),
        Some(v) if v.truthy() => {
            errors.push((
                format!("{path}.{field}"),
                format!("expected a string, found {}", v.kind()),
            ));
            None
        }
        _ => None,
    }
}

fn hash_version(rule: &Json, path: &str, default: u8, errors: &mut Vec<Refusal>) -> u8 {
    match rule.get("hashVersion") {
        None | Some(Json::Null) => default,
        Some(Json::Num(n)) if *n == 1.0 => 1,
        Some(Json::Num(n)) if *n == 2.0 => 2,
        Some(v) => {
            errors.push((
                format!("{path}.hashVersion"),
                format!("expected 1 or 2, found {}", show(v)),
            ));
            default
        }
    }
}

fn show(v: &Json) -> String {
    js::json_stringify(&leak(v))
}

fn number(v: &Json, path: &str, errors: &mut Vec<Refusal>) -> f64 {
    match v {
        Json::Num(n) => *n,
        other => {
            errors.push((
                path.into(),
                format!("expected a number, found {}", other.kind()),
            ));
            0.0
        }
    }
}

fn range(v: &Json, path: &str, errors: &mut Vec<Refusal>) -> (f64, f64) {
    match v {
        Json::Arr(items) if items.len() == 2 => (
            number(&items[0], &format!("{path}[0]"), errors),
            number(&items[1], &format!("{path}[1]"), errors),
        ),
        other => {
            errors.push((
                path.into(),
                format!(
                    "expected a [start, end] pair of numbers, found {}",
                    show(other)
                ),
            ));
            (0.0, 0.0)
        }
    }
}

fn ranges(v: &Json, path: &str, errors: &mut Vec<Refusal>) -> Vec<(f64, f64)> {
    match v {
        Json::Arr(items) => items
            .iter()
            .enumerate()
            .map(|(i, r)| range(r, &format!("{path}[{i}]"), errors))
            .collect(),
        other => {
            errors.push((
                path.into(),
                format!("expected an array of ranges, found {}", other.kind()),
            ));
            Vec::new()
        }
    }
}

fn attribute_name(name: &str, path: &str, errors: &mut Vec<Refusal>) {
    if inherited(name, false) {
        errors.push((path.into(), format!("\"{name}\" names a property every JavaScript object inherits; not evaluated at the edge")));
    }
}

fn feature(
    key: &str,
    def: &Json,
    path: &str,
    compiler: &mut Compiler<'_>,
) -> Result<Feature, Vec<Refusal>> {
    let mut errors = Vec::new();
    if !matches!(def, Json::Obj(_)) {
        return Err(vec![(
            path.into(),
            format!("expected a feature object, found {}", def.kind()),
        )]);
    }
    let mut f = Feature {
        key: key.into(),
        values: Vec::new(),
        default: 0,
        null: 0,
        rules: Vec::new(),
    };
    f.default = f.value(def.get("defaultValue").unwrap_or(&Json::Null));
    f.null = f.value(&Json::Null);
    let rules = match def.get("rules") {
        Some(Json::Arr(rules)) => rules.clone(),
        Some(v) if v.truthy() => {
            return Err(vec![(
                format!("{path}.rules"),
                format!("expected an array, found {}", v.kind()),
            )]);
        }
        _ => Vec::new(),
    };
    for (i, rule) in rules.iter().enumerate() {
        let rpath = format!("{path}.rules[{i}]");
        if let Some(r) = self::rule(key, rule, &rpath, &mut f, compiler, &mut errors) {
            f.rules.push(r);
        }
    }
    if errors.is_empty() {
        Ok(f)
    } else {
        Err(errors)
    }
}

fn condition(
    rule: &Json,
    path: &str,
    compiler: &mut Compiler<'_>,
    errors: &mut Vec<Refusal>,
) -> Option<Cond> {
    match rule.get("condition") {
        Some(c) if c.truthy() => match compiler.condition(c, &format!("{path}.condition")) {
            Ok(c) => Some(c),
            Err(e) => {
                errors.push(e);
                None
            }
        },
        _ => None,
    }
}

fn rule(
    id: &str,
    rule: &Json,
    path: &str,
    f: &mut Feature,
    compiler: &mut Compiler<'_>,
    errors: &mut Vec<Refusal>,
) -> Option<Rule> {
    if !matches!(rule, Json::Obj(_)) {
        errors.push((
            path.into(),
            format!("expected a rule object, found {}", rule.kind()),
        ));
        return None;
    }
    for field in ["contextualBanditRef", "contextualVariations"] {
        if rule.get(field).is_some_and(Json::truthy) {
            errors.push((
                format!("{path}.{field}"),
                "contextual bandits are not evaluated at the edge".into(),
            ));
            return None;
        }
    }
    let mut parents = Vec::new();
    match rule.get("parentConditions") {
        Some(Json::Arr(list)) => {
            for (i, p) in list.iter().enumerate() {
                let ppath = format!("{path}.parentConditions[{i}]");
                let Some(Json::Str(parent)) = p.get("id") else {
                    errors.push((
                        format!("{ppath}.id"),
                        "expected the prerequisite feature's key (a string)".into(),
                    ));
                    continue;
                };
                // `evalCondition({value}, parentCondition.condition || {})`.
                let cond = match p.get("condition") {
                    Some(c) if c.truthy() => {
                        let mut inner = Compiler::new(compiler.saved_groups);
                        match inner.condition(c, &format!("{ppath}.condition")) {
                            Ok(c) => c,
                            Err(e) => {
                                errors.push(e);
                                continue;
                            }
                        }
                    }
                    _ => Cond::All(Vec::new()),
                };
                let gate = p.get("gate").is_some_and(Json::truthy);
                parents.push(Parent {
                    feature: parent.clone(),
                    condition: cond,
                    gate,
                });
            }
        }
        Some(v) if v.truthy() => {
            errors.push((
                format!("{path}.parentConditions"),
                format!("expected an array, found {}", v.kind()),
            ));
        }
        _ => {}
    }
    let mut filters = Vec::new();
    match rule.get("filters") {
        Some(Json::Arr(list)) => {
            for (i, flt) in list.iter().enumerate() {
                let fpath = format!("{path}.filters[{i}]");
                let attribute =
                    or_default(flt, "attribute", &fpath, errors).unwrap_or_else(|| "id".into());
                attribute_name(&attribute, &format!("{fpath}.attribute"), errors);
                let seed = match flt.get("seed") {
                    Some(Json::Str(s)) => s.clone(),
                    other => {
                        errors.push((
                            format!("{fpath}.seed"),
                            format!(
                                "expected a string, found {}",
                                other.map_or("nothing", Json::kind)
                            ),
                        ));
                        String::new()
                    }
                };
                let version = hash_version(flt, &fpath, 2, errors);
                let r = ranges(
                    flt.get("ranges").unwrap_or(&Json::Null),
                    &format!("{fpath}.ranges"),
                    errors,
                );
                filters.push(Filter {
                    attribute,
                    hashing: Hashing { version, seed },
                    ranges: r,
                });
            }
        }
        Some(v) if v.truthy() => {
            errors.push((
                format!("{path}.filters"),
                format!("expected an array, found {}", v.kind()),
            ));
        }
        _ => {}
    }
    let cond = condition(rule, path, compiler, errors);
    let hash_attribute =
        or_default(rule, "hashAttribute", path, errors).unwrap_or_else(|| "id".into());
    attribute_name(&hash_attribute, &format!("{path}.hashAttribute"), errors);
    // `fallbackAttribute` only takes part with sticky bucketing, which the edge does not do.
    let _ = or_default(rule, "fallbackAttribute", path, errors);
    compiler.attributes.insert(hash_attribute.clone());
    for f in &filters {
        compiler.attributes.insert(f.attribute.clone());
    }

    if let Some(force) = rule.get("force") {
        let value = f.value(force);
        let seed = or_default(rule, "seed", path, errors).unwrap_or_else(|| id.into());
        let version = hash_version(rule, path, 1, errors);
        let range = match rule.get("range") {
            Some(r) if r.truthy() => Some(range(r, &format!("{path}.range"), errors)),
            _ => None,
        };
        let coverage = rule
            .get("coverage")
            .map(|v| number(v, &format!("{path}.coverage"), errors));
        let test = match (range, coverage) {
            (Some((a, b)), _) => Some(RolloutTest::Range(a, b)),
            (None, None) => None,
            (None, Some(c)) => {
                if c == 0.0 {
                    // `!range && coverage === 0`: nobody is included; the rule never applies.
                    return dead(parents);
                }
                Some(RolloutTest::Coverage(c))
            }
        };
        let rollout = test.map(|test| Rollout {
            attribute: hash_attribute.clone(),
            hashing: Hashing { version, seed },
            test,
        });
        let mut tracks = Vec::new();
        match rule.get("tracks") {
            Some(Json::Arr(list)) => {
                for (i, t) in list.iter().enumerate() {
                    let tpath = format!("{path}.tracks[{i}]");
                    let exp = t.get("experiment");
                    let result = t.get("result");
                    let (Some(Json::Str(ek)), Some(Json::Str(rk))) = (
                        exp.and_then(|e| e.get("key")),
                        result.and_then(|r| r.get("key")),
                    ) else {
                        errors.push((tpath, "expected {\"experiment\": {\"key\": string}, \"result\": {\"key\": string}}".into()));
                        continue;
                    };
                    let r = result.unwrap_or(&Json::Null);
                    let dedupe = js_plus_string(&[
                        r.get("hashAttribute"),
                        r.get("hashValue"),
                        Some(&Json::Str(ek.clone())),
                        r.get("variationId"),
                    ]);
                    tracks.push(Track {
                        experiment: ek.clone(),
                        variation: rk.clone(),
                        dedupe,
                    });
                }
            }
            Some(v) if v.truthy() => {
                errors.push((
                    format!("{path}.tracks"),
                    format!("expected an array, found {}", v.kind()),
                ));
            }
            _ => {}
        }
        return Some(Rule {
            parents,
            filters,
            condition: cond,
            kind: Kind::Force {
                rollout,
                tracks,
                value,
            },
        });
    }

    let variations = match rule.get("variations") {
        Some(Json::Arr(v)) => v.clone(),
        Some(v) if v.truthy() => {
            errors.push((
                format!("{path}.variations"),
                format!("expected an array, found {}", v.kind()),
            ));
            return None;
        }
        // No variations: the SDK skips the rule.
        _ => return dead(parents),
    };
    let key = or_default(rule, "key", path, errors).unwrap_or_else(|| id.into());
    let seed = or_default(rule, "seed", path, errors).unwrap_or_else(|| key.clone());
    let version = hash_version(rule, path, 1, errors);
    let coverage = match rule.get("coverage") {
        None => 1.0,
        Some(v) => number(v, &format!("{path}.coverage"), errors),
    };
    let weights = match rule.get("weights") {
        Some(Json::Arr(ws)) => Some(
            ws.iter()
                .enumerate()
                .map(|(i, w)| number(w, &format!("{path}.weights[{i}]"), errors))
                .collect::<Vec<_>>(),
        ),
        Some(v) if v.truthy() => {
            errors.push((
                format!("{path}.weights"),
                format!("expected an array of numbers, found {}", v.kind()),
            ));
            None
        }
        _ => None,
    };
    let namespace = match rule.get("namespace") {
        Some(Json::Arr(ns)) if ns.len() == 3 => match &ns[0] {
            Json::Str(id) => Some((
                format!("__{id}"),
                number(&ns[1], &format!("{path}.namespace[1]"), errors),
                number(&ns[2], &format!("{path}.namespace[2]"), errors),
            )),
            other => {
                errors.push((
                    format!("{path}.namespace[0]"),
                    format!("expected a string, found {}", other.kind()),
                ));
                None
            }
        },
        Some(v) if v.truthy() => {
            errors.push((
                format!("{path}.namespace"),
                format!("expected [id, start, end], found {}", show(v)),
            ));
            None
        }
        _ => None,
    };
    let custom_ranges = match rule.get("ranges") {
        Some(r) if r.truthy() => Some(ranges(r, &format!("{path}.ranges"), errors)),
        _ => None,
    };
    let meta = match rule.get("meta") {
        Some(Json::Arr(m)) => {
            if m.len() < variations.len() {
                errors.push((
                    format!("{path}.meta"),
                    format!(
                        "{} entries for {} variations: the SDK would fail on the missing ones",
                        m.len(),
                        variations.len()
                    ),
                ));
            }
            Some(m.clone())
        }
        Some(v) if v.truthy() => {
            errors.push((
                format!("{path}.meta"),
                format!("expected an array, found {}", v.kind()),
            ));
            None
        }
        _ => None,
    };
    if variations.len() < 2 {
        // `runExperiment` returns at once for fewer than two variations.
        return dead(parents);
    }
    let ranges = match custom_ranges {
        Some(r) => r,
        None => {
            if let Some(ws) = &weights
                && ws.len() == variations.len()
            {
                let total = ws.iter().fold(0.0, |sum, w| w + sum);
                if !(0.99..=1.01).contains(&total) {
                    errors.push((
                        format!("{path}.weights"),
                        format!(
                            "weights sum to {}, outside the SDK's tolerance 0.99 to 1.01",
                            js::number_to_string(total)
                        ),
                    ));
                }
            }
            js::bucket_ranges(variations.len(), coverage, weights.as_deref())
        }
    };
    let mut vars = Vec::new();
    for (i, v) in variations.iter().enumerate() {
        let m = meta.as_ref().and_then(|m| m.get(i));
        let (vkey, passthrough) = match m {
            None if meta.is_some() => (i.to_string(), false),
            None => (i.to_string(), false),
            Some(m @ Json::Obj(_)) => {
                let k = match m.get("key") {
                    Some(Json::Str(s)) if !s.is_empty() => s.clone(),
                    Some(k) if k.truthy() => {
                        errors.push((
                            format!("{path}.meta[{i}].key"),
                            format!("expected a string, found {}", k.kind()),
                        ));
                        String::new()
                    }
                    _ => i.to_string(),
                };
                (k, m.get("passthrough").is_some_and(Json::truthy))
            }
            Some(other) => {
                errors.push((
                    format!("{path}.meta[{i}]"),
                    format!("expected an object, found {}", other.kind()),
                ));
                (String::new(), false)
            }
        };
        let value = f.value(v);
        vars.push(Variation {
            value,
            passthrough,
            dedupe: format!("{key}{i}"),
            key: vkey,
        });
    }
    Some(Rule {
        parents,
        filters,
        condition: cond,
        kind: Kind::Experiment(Experiment {
            key,
            hash_attribute,
            hashing: Hashing { version, seed },
            namespace,
            ranges,
            variations: vars,
        }),
    })
}

/// A rule that cannot apply: dropped, unless prerequisites make it observable.
fn dead(parents: Vec<Parent>) -> Option<Rule> {
    (!parents.is_empty()).then(|| Rule {
        parents,
        filters: Vec::new(),
        condition: None,
        kind: Kind::Skip,
    })
}

/// JavaScript's `a + b + c + d` for payload fields that may be missing (`undefined`).
fn js_plus_string(parts: &[Option<&Json>]) -> String {
    #[derive(Clone)]
    enum Prim {
        Undefined,
        Num(f64),
        Str(String),
        Other(Json),
    }
    let prim = |j: Option<&Json>| match j {
        None => Prim::Undefined,
        Some(Json::Num(n)) => Prim::Num(*n),
        Some(Json::Str(s)) => Prim::Str(s.clone()),
        Some(j @ (Json::Arr(_) | Json::Obj(_))) => Prim::Str(js::to_js_string(&leak(j))),
        Some(j) => Prim::Other(j.clone()),
    };
    let text = |p: &Prim| match p {
        Prim::Undefined => "undefined".to_owned(),
        Prim::Num(n) => js::number_to_string(*n),
        Prim::Str(s) => s.clone(),
        Prim::Other(j) => js::to_js_string(&leak(j)),
    };
    let num = |p: &Prim| match p {
        Prim::Undefined => f64::NAN,
        Prim::Num(n) => *n,
        Prim::Str(s) => js::string_to_number(s),
        Prim::Other(j) => js::to_number(&leak(j)),
    };
    let mut acc = prim(parts[0]);
    for part in &parts[1..] {
        let p = prim(*part);
        acc = match (&acc, &p) {
            (Prim::Str(_), _) | (_, Prim::Str(_)) => Prim::Str(text(&acc) + &text(&p)),
            _ => Prim::Num(num(&acc) + num(&p)),
        };
    }
    text(&acc)
}
