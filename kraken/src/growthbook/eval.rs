//! `evalFeature` and `runExperiment` (npm `@growthbook/growthbook` 1.8.0) over the compiled
//! tables: rule by rule, in the SDK's order of checks, collecting the key's items.

use super::js::{choose_variation, fnv, fnv_extend, hash_v1, hash_v2, in_namespace, to_js_string};
use super::model::{
    Condition, Config, Experiment, Feature, Filter, Hashing, RolloutTest, Rule, RuleKind,
};
use super::value::{Attributes, Value};
use std::borrow::Cow;

/// Most items a compiled payload may declare (codegen refuses more).
pub const MAX_ITEMS: usize = 2048;
/// Tracking events a request keeps on the stack; more (a payload with many experiments that
/// all fire) move to the heap.
pub const INLINE_EVENTS: usize = 16;

/// The key items a request collected: a set of item indices, read in byte order.
#[derive(Clone)]
pub struct Items {
    bits: [u64; MAX_ITEMS / 64],
}

impl Default for Items {
    fn default() -> Self {
        Self {
            bits: [0; MAX_ITEMS / 64],
        }
    }
}

impl Items {
    pub fn insert(&mut self, item: u16) {
        let i = usize::from(item);
        self.bits[i / 64] |= 1 << (i % 64);
    }

    /// The indices, ascending (the items' byte order).
    pub fn iter(&self) -> impl Iterator<Item = u16> + '_ {
        self.bits.iter().enumerate().flat_map(|(w, &word)| {
            let mut rest = word;
            std::iter::from_fn(move || {
                if rest == 0 {
                    return None;
                }
                let bit = rest.trailing_zeros();
                rest &= rest - 1;
                Some((w * 64) as u16 + bit as u16)
            })
        })
    }
}

/// One `trackingCallback` call, kept to drop repeats as the SDK does: its dedupe key is
/// `hashAttribute + hashValue + experiment.key + variationId`.
#[derive(Clone, Copy)]
struct Event<'a> {
    attribute: &'static str,
    value: Value<'a>,
    rest: &'static str,
}

impl Event<'_> {
    fn same(&self, other: &Event<'_>) -> bool {
        let (a, b) = (event_value(self), event_value(other));
        let parts =
            |attr: &'static str, v: &str, rest: &'static str| attr.len() + v.len() + rest.len();
        parts(self.attribute, &a, self.rest) == parts(other.attribute, &b, other.rest)
            && self
                .attribute
                .bytes()
                .chain(a.bytes())
                .chain(self.rest.bytes())
                .eq(other
                    .attribute
                    .bytes()
                    .chain(b.bytes())
                    .chain(other.rest.bytes()))
    }
}

fn event_value<'e>(e: &Event<'e>) -> Cow<'e, str> {
    match e.value {
        Value::Str(s) => Cow::Borrowed(s),
        Value::Null => Cow::Borrowed(""),
        v => Cow::Owned(to_js_string(&v)),
    }
}

/// What one request's evaluation needs and collects.
struct Run<'r, 'a> {
    features: &'static [Feature],
    attributes: &'a dyn Attributes,
    /// The decoded `?variants=` list (SPEC §6: the context's `forcedVariations`).
    variants: &'r [u8],
    events: [Option<Event<'a>>; INLINE_EVENTS],
    more_events: Vec<Event<'a>>,
    items: &'r mut Items,
}

/// Evaluates every listed feature for one request (page table `page`), adding their items and
/// those of the experiments they report to `items`.
pub fn evaluate(
    config: &Config,
    page: usize,
    attributes: &dyn Attributes,
    variants: &[u8],
    items: &mut Items,
) {
    evaluate_with(config, page, attributes, variants, items, |_, _| {});
}

/// [`evaluate`], also handing each listed feature's value to `value` (tests, benches).
pub fn evaluate_with(
    config: &Config,
    page: usize,
    attributes: &dyn Attributes,
    variants: &[u8],
    items: &mut Items,
    mut value: impl FnMut(usize, &'static Value<'static>),
) {
    let Some(features) = config.pages.get(page) else {
        return;
    };
    let mut run = Run {
        features,
        attributes,
        variants,
        events: [None; INLINE_EVENTS],
        more_events: Vec::new(),
        items,
    };
    for (i, listed) in config.listed.iter().enumerate() {
        let v = run.feature(usize::from(listed.feature));
        if let Some(&item) = listed.items.get(usize::from(v)) {
            run.items.insert(item);
        }
        if let Some(val) = features[usize::from(listed.feature)]
            .values
            .get(usize::from(v))
        {
            value(i, val);
        }
    }
}

impl<'a> Run<'_, 'a> {
    /// `evalFeature(id)`: the index of its value.
    fn feature(&mut self, index: usize) -> u16 {
        let feature = &self.features[index];
        'rules: for rule in feature.rules {
            for parent in rule.parents {
                let value = self.feature(usize::from(parent.feature));
                if !parent
                    .passes
                    .get(usize::from(value))
                    .copied()
                    .unwrap_or(false)
                {
                    if parent.gate {
                        return feature.null;
                    }
                    continue 'rules;
                }
            }
            if rule.filters.iter().any(|f| self.filtered_out(f)) {
                continue;
            }
            match &rule.kind {
                RuleKind::Force {
                    rollout,
                    tracks,
                    value,
                } => {
                    if !self.passes(rule) {
                        continue;
                    }
                    if let Some(rollout) = rollout {
                        let Some(v) = self.hash_value(rollout.hash_attribute) else {
                            continue;
                        };
                        let n = hash(&rollout.hashing, &v);
                        let included = match rollout.test {
                            RolloutTest::Range(from, to) => n >= from && n < to,
                            RolloutTest::Coverage(c) => n <= c,
                        };
                        if !included {
                            continue;
                        }
                    }
                    for track in *tracks {
                        let event = Event {
                            attribute: "",
                            value: Value::Str(""),
                            rest: track.dedupe,
                        };
                        self.track(event, track.item);
                    }
                    return *value;
                }
                RuleKind::Experiment(experiment) => {
                    if let Some(value) = self.experiment(rule, experiment) {
                        return value;
                    }
                }
                RuleKind::Skip => {}
            }
        }
        feature.default
    }

    fn passes(&self, rule: &Rule) -> bool {
        match rule.condition {
            Condition::Always => true,
            Condition::Never => false,
            Condition::Test(test) => test(self.attributes),
        }
    }

    /// `runExperiment` for a feature rule: the value when the visitor is in and the variation
    /// is not a passthrough.
    fn experiment(&mut self, rule: &Rule, e: &'static Experiment) -> Option<u16> {
        if let Some(forced) = self.forced(e) {
            let variation = e.variations.get(forced as usize)?;
            return (!variation.passthrough).then_some(variation.value);
        }
        let value = self.hash_value(e.hash_attribute)?;
        if rule.filters.is_empty()
            && let Some(ns) = e.namespace
            && !in_namespace(&value, ns.seed, ns.from, ns.to)
        {
            return None;
        }
        if !self.passes(rule) {
            return None;
        }
        let n = hash(&e.hashing, &value);
        let assigned = choose_variation(n, e.ranges)?;
        // A custom range past the last variation: reported as variation 0, not in it.
        let (variation, in_experiment) = match e.variations.get(assigned) {
            Some(v) => (v, true),
            None => (e.variations.first()?, false),
        };
        let event = Event {
            attribute: e.hash_attribute,
            value: self.attributes_value(e.hash_attribute),
            rest: variation.dedupe,
        };
        self.track(event, variation.item);
        (in_experiment && !variation.passthrough).then_some(variation.value)
    }

    /// The first `?variants=` item naming this experiment with an index it may have.
    fn forced(&self, e: &Experiment) -> Option<u32> {
        if self.variants.is_empty() {
            return None;
        }
        self.variants.split(|&b| b == b',').find_map(|item| {
            let colon = item.iter().rposition(|&b| b == b':')?;
            let (key, index) = (&item[..colon], &item[colon + 1..]);
            if key != e.key.as_bytes() || index.is_empty() {
                return None;
            }
            let mut n: u64 = 0;
            for &b in index {
                if !b.is_ascii_digit() {
                    return None;
                }
                n = n.saturating_mul(10).saturating_add(u64::from(b - b'0'));
            }
            (n < u64::from(e.forced_limit)).then_some(n as u32)
        })
    }

    fn attributes_value(&self, name: &str) -> Value<'a> {
        let attributes: &'a dyn Attributes = self.attributes;
        attributes.attribute(name)
    }

    /// `getHashAttribute`: the attribute (a direct property, not a path) when truthy.
    fn hash_value(&self, name: &str) -> Option<Cow<'a, str>> {
        let value = self.attributes_value(name);
        if !value.truthy() {
            return None;
        }
        Some(match value {
            Value::Str(s) => Cow::Borrowed(s),
            other => Cow::Owned(to_js_string(&other)),
        })
    }

    /// `isFilteredOut` for one filter.
    fn filtered_out(&self, filter: &Filter) -> bool {
        let Some(value) = self.hash_value(filter.attribute) else {
            return true;
        };
        let n = hash(&filter.hashing, &value);
        !filter.ranges.iter().any(|&(from, to)| n >= from && n < to)
    }

    fn track(&mut self, event: Event<'a>, item: u16) {
        // The SDK calls `trackingCallback` once per dedupe key: a repeat adds nothing.
        let seen = self.events.iter().flatten().chain(&self.more_events);
        if seen.into_iter().any(|e| e.same(&event)) {
            return;
        }
        match self.events.iter_mut().find(|slot| slot.is_none()) {
            Some(slot) => *slot = Some(event),
            None => self.more_events.push(event),
        }
        self.items.insert(item);
    }
}

/// `hash(seed, value, version)` for a version codegen checked.
fn hash(h: &Hashing, value: &str) -> f64 {
    if h.version == 2 {
        hash_v2(fnv_extend(h.seed_state, value))
    } else {
        hash_v1(fnv_extend(fnv(value), h.seed))
    }
}
