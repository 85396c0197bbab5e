//! GrowthBook conditions (`mongrule.ts`, npm 1.8.0) compiled: JSON → a checked tree → Rust
//! calling `kraken::growthbook::ops`. The same tree is evaluated here, at build time, for
//! partial evaluation (known attributes) and prerequisite tables (known parent values).
//!
//! Every construct the SDK accepts is either compiled exactly or refused with the reason.

use super::json::Json;
use super::ops::{self, Relation};
use super::value::{Attributes, Value, get_path};
use super::{js, leak};
use proc_macro2::{Literal, TokenStream};
use quote::quote;
use std::collections::BTreeSet;

/// A condition object: every entry must hold.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    All(Vec<Cond>),
    Any(Vec<Cond>),
    Not(Box<Cond>),
    /// `evalConditionValue(tests, getPath(obj, path))`.
    Path(String, Vec<Test>),
    Const(bool),
}

/// One check of an attribute's value (`evalConditionValue` / `evalOperatorCondition`).
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    ConcatEq(String),
    ConcatEqFolded(String),
    TimesOneEq(f64),
    BoolEq(bool),
    IsNull,
    JsonEq(String),
    Version(Option<Relation>, String, bool),
    StrictEq(Json, bool),
    Relation(Relation, Json),
    Exists(bool),
    In(Vec<Json>, bool),
    InFolded(Vec<Json>, bool),
    Const(bool),
    Not(Vec<Test>),
    Size(Vec<Test>),
    ElemMatchValue(Vec<Test>),
    ElemMatch(Box<Cond>),
    All(Vec<Vec<Test>>),
    Type(String),
    /// `getRegex(pattern, insensitive).test(actual)`, compiled.
    Regex(String, bool, super::pattern::Tables),
}

/// Properties every JavaScript object inherits: a path naming one would read a function.
const OBJECT_PROTOTYPE: &[&str] = &[
    "constructor",
    "__proto__",
    "__defineGetter__",
    "__defineSetter__",
    "__lookupGetter__",
    "__lookupSetter__",
    "hasOwnProperty",
    "isPrototypeOf",
    "propertyIsEnumerable",
    "toLocaleString",
    "toString",
    "valueOf",
];
/// Properties arrays inherit (beyond `length`, which is read exactly).
const ARRAY_PROTOTYPE: &[&str] = &[
    "at",
    "concat",
    "copyWithin",
    "entries",
    "every",
    "fill",
    "filter",
    "find",
    "findIndex",
    "findLast",
    "findLastIndex",
    "flat",
    "flatMap",
    "forEach",
    "includes",
    "indexOf",
    "join",
    "keys",
    "lastIndexOf",
    "map",
    "pop",
    "push",
    "reduce",
    "reduceRight",
    "reverse",
    "shift",
    "slice",
    "some",
    "sort",
    "splice",
    "toReversed",
    "toSorted",
    "toSpliced",
    "unshift",
    "values",
    "with",
];

/// Whether `name` is a property every object (or array) inherits.
pub fn inherited(name: &str, nested: bool) -> bool {
    OBJECT_PROTOTYPE.contains(&name) || (nested && ARRAY_PROTOTYPE.contains(&name))
}

/// A refusal: the JSON path inside the condition and the reason.
pub type Refusal = (String, String);

/// Deepest nesting of one condition, counting operators, values, and the saved groups and
/// `$elemMatch` conditions it expands (docs/growthbook.md): the compiler and the generated
/// expression both nest this deep.
pub const MAX_DEPTH: usize = 128;
/// Most nodes one condition may expand to: saved groups using saved groups can double it at
/// each step.
pub const MAX_NODES: usize = 100_000;

/// What compiling conditions needs from the payload.
pub struct Compiler<'p> {
    pub saved_groups: Option<&'p Json>,
    /// Top-level attribute names the conditions read (for the warning on unknown ones).
    pub attributes: BTreeSet<String>,
    /// Nesting at the cursor and nodes so far, of the condition being compiled.
    depth: usize,
    nodes: usize,
}

impl<'p> Compiler<'p> {
    pub fn new(saved_groups: Option<&'p Json>) -> Self {
        Self {
            saved_groups,
            attributes: BTreeSet::new(),
            depth: 0,
            nodes: 0,
        }
    }

    /// Compiles condition `j` found at `path`.
    pub fn condition(&mut self, j: &Json, path: &str) -> Result<Cond, Refusal> {
        (self.depth, self.nodes) = (0, 0);
        self.cond(j, path, &mut Vec::new())
    }

    /// Counts one level and `nodes` nodes at `path`; refuses past the limits.
    fn enter(&mut self, path: &str, nodes: usize) -> Result<(), Refusal> {
        self.depth += 1;
        self.nodes += nodes;
        if self.depth > MAX_DEPTH {
            return Err((
                path.into(),
                format!(
                    "condition nested more than {MAX_DEPTH} deep (saved groups and $elemMatch included)"
                ),
            ));
        }
        if self.nodes > MAX_NODES {
            return Err((
                path.into(),
                format!("condition expands to more than {MAX_NODES} nodes (saved groups included)"),
            ));
        }
        Ok(())
    }

    fn cond(&mut self, j: &Json, path: &str, visited: &mut Vec<String>) -> Result<Cond, Refusal> {
        self.enter(path, 1)?;
        let c = self.cond_at(j, path, visited);
        self.depth -= 1;
        c
    }

    fn cond_at(
        &mut self,
        j: &Json,
        path: &str,
        visited: &mut Vec<String>,
    ) -> Result<Cond, Refusal> {
        let Json::Obj(entries) = j else {
            return Err((
                path.into(),
                format!("a condition is an object, found {}", j.kind()),
            ));
        };
        let mut all = Vec::new();
        for (k, v) in entries {
            let here = format!("{path}.{k}");
            let list = |v: &Json| match v {
                Json::Arr(items) => Ok(items.clone()),
                other => Err((
                    here.clone(),
                    format!("expected an array of conditions, found {}", other.kind()),
                )),
            };
            let c = match k.as_str() {
                "$or" | "$nor" | "$and" => {
                    let items = list(v)?;
                    let mut conds = Vec::new();
                    for (i, item) in items.iter().enumerate() {
                        conds.push(self.cond(item, &format!("{here}[{i}]"), visited)?);
                    }
                    match k.as_str() {
                        "$and" => Cond::All(conds),
                        // `evalOr` of nothing is true.
                        "$or" if conds.is_empty() => Cond::Const(true),
                        "$or" => Cond::Any(conds),
                        _ if conds.is_empty() => Cond::Const(false),
                        _ => Cond::Not(Box::new(Cond::Any(conds))),
                    }
                }
                "$not" => Cond::Not(Box::new(self.cond(v, &here, visited)?)),
                "$savedGroup" => self.saved_group(v, &here, visited)?,
                // Any other key, `$groups` included, is an attribute path to the SDK.
                attribute => {
                    self.path(attribute, &here)?;
                    Cond::Path(attribute.into(), self.value(v, &here, false)?)
                }
            };
            all.push(c);
        }
        Ok(if all.len() == 1 {
            all.remove(0)
        } else {
            Cond::All(all)
        })
    }

    fn path(&mut self, attribute: &str, here: &str) -> Result<(), Refusal> {
        for (i, part) in attribute.split('.').enumerate() {
            if inherited(part, i > 0) {
                return Err((
                    here.into(),
                    format!(
                        "\"{part}\" names a property every JavaScript object inherits; its SDK value is a function, not evaluated at the edge"
                    ),
                ));
            }
        }
        self.attributes
            .insert(attribute.split('.').next().unwrap_or_default().to_owned());
        Ok(())
    }

    fn saved_group(
        &mut self,
        v: &Json,
        here: &str,
        visited: &mut Vec<String>,
    ) -> Result<Cond, Refusal> {
        let Json::Obj(_) = v else {
            return Ok(Cond::Const(false));
        };
        let Some(Json::Str(id)) = v.get("id") else {
            return Ok(Cond::Const(false));
        };
        if visited.contains(id) {
            return Ok(Cond::Const(false));
        }
        let key_override = match v.get("attributeKey") {
            None => None,
            Some(Json::Str(k)) => Some(k.clone()),
            Some(_) => return Ok(Cond::Const(false)),
        };
        let Some(entry @ Json::Obj(_)) = self.saved_groups.and_then(|g| g.get(id)) else {
            return Ok(Cond::Const(false));
        };
        match entry.get("type") {
            Some(Json::Str(t)) if t == "list" => {
                let key = match key_override {
                    Some(k) => k,
                    None => match entry.get("attributeKey") {
                        Some(Json::Str(k)) => k.clone(),
                        _ => return Ok(Cond::Const(false)),
                    },
                };
                let Some(Json::Arr(values)) = entry.get("values") else {
                    return Ok(Cond::Const(false));
                };
                self.path(&key, here)?;
                self.enter(here, values.len())?;
                self.depth -= 1;
                Ok(Cond::Path(key, vec![Test::In(values.clone(), false)]))
            }
            Some(Json::Str(t)) if t == "condition" => match entry.get("condition") {
                Some(c @ Json::Obj(_)) => {
                    visited.push(id.clone());
                    let c = self.cond(c, &format!("savedGroups.{id}.condition"), visited);
                    visited.pop();
                    c
                }
                _ => Ok(Cond::Const(false)),
            },
            _ => Ok(Cond::Const(false)),
        }
    }

    /// `evalConditionValue(v, ·)`.
    fn value(&mut self, v: &Json, here: &str, insensitive: bool) -> Result<Vec<Test>, Refusal> {
        let items = match v {
            Json::Arr(items) => items.len(),
            Json::Obj(entries) => entries.len(),
            _ => 0,
        };
        self.enter(here, 1 + items)?;
        let tests = self.value_at(v, here, insensitive);
        self.depth -= 1;
        tests
    }

    fn value_at(&mut self, v: &Json, here: &str, insensitive: bool) -> Result<Vec<Test>, Refusal> {
        Ok(match v {
            Json::Str(c) if insensitive => vec![Test::ConcatEqFolded(c.to_lowercase())],
            Json::Str(c) => vec![Test::ConcatEq(c.clone())],
            Json::Num(n) => vec![Test::TimesOneEq(*n)],
            Json::Bool(b) => vec![Test::BoolEq(*b)],
            Json::Null => vec![Test::IsNull],
            Json::Obj(entries)
                if !entries.is_empty() && entries.iter().all(|(k, _)| k.starts_with('$')) =>
            {
                let mut tests = Vec::new();
                for (op, e) in entries {
                    tests.push(self.operator(op, e, &format!("{here}.{op}"))?);
                }
                tests
            }
            other => vec![Test::JsonEq(js::json_stringify(&leak(other)))],
        })
    }

    fn operator(&mut self, op: &str, e: &Json, here: &str) -> Result<Test, Refusal> {
        if let Json::Arr(items) = e {
            self.enter(here, items.len())?;
            self.depth -= 1;
        }
        let rel = |op: &str| match op {
            "lt" => Some(Relation::Lt),
            "lte" => Some(Relation::Lte),
            "gt" => Some(Relation::Gt),
            "gte" => Some(Relation::Gte),
            _ => None,
        };
        let array = |e: &Json| match e {
            Json::Arr(items) => Some(items.clone()),
            _ => None,
        };
        Ok(match op {
            "$veq" | "$vne" | "$vgt" | "$vgte" | "$vlt" | "$vlte" => {
                let padded = ops::padded_version(&leak(e));
                Test::Version(rel(&op[2..]), padded, op == "$vne")
            }
            "$eq" | "$ne" => match e {
                Json::Arr(_) | Json::Obj(_) => Test::Const(op == "$ne"),
                lit => Test::StrictEq(lit.clone(), op == "$ne"),
            },
            "$lt" | "$lte" | "$gt" | "$gte" => {
                let prim = match e {
                    Json::Arr(_) | Json::Obj(_) => Json::Str(js::to_js_string(&leak(e))),
                    lit => lit.clone(),
                };
                Test::Relation(rel(&op[1..]).unwrap_or(Relation::Lt), prim)
            }
            "$exists" => Test::Exists(e.truthy()),
            "$in" | "$nin" => match array(e) {
                Some(items) => Test::In(items, op == "$nin"),
                None => Test::Const(false),
            },
            "$ini" | "$nini" => match array(e) {
                Some(items) => Test::InFolded(items.iter().map(fold).collect(), op == "$nini"),
                None => Test::Const(false),
            },
            "$inGroup" | "$notInGroup" => {
                let Json::Str(id) = e else {
                    return Err((
                        here.into(),
                        format!("expected a saved group id (a string), found {}", e.kind()),
                    ));
                };
                let values = match self.saved_groups.and_then(|g| g.get(id)) {
                    None => Some(Vec::new()),
                    Some(Json::Arr(values)) => Some(values.clone()),
                    Some(entry @ Json::Obj(_))
                        if entry.get("type") == Some(&Json::Str("list".into())) =>
                    {
                        array(entry.get("values").unwrap_or(&Json::Null))
                    }
                    Some(_) => None,
                };
                match values {
                    Some(values) => Test::In(values, op == "$notInGroup"),
                    None => Test::Const(false),
                }
            }
            "$not" => Test::Not(self.value(e, here, false)?),
            "$size" => Test::Size(self.value(e, here, false)?),
            "$elemMatch" => match e {
                Json::Obj(entries)
                    if !entries.is_empty() && entries.iter().all(|(k, _)| k.starts_with('$')) =>
                {
                    Test::ElemMatchValue(self.value(e, here, false)?)
                }
                Json::Obj(_) => {
                    // Its own attributes (the element's), the same depth and node budget.
                    let mut inner = Compiler::new(self.saved_groups);
                    (inner.depth, inner.nodes) = (self.depth, self.nodes);
                    let c = inner.cond(e, here, &mut Vec::new());
                    self.nodes = inner.nodes;
                    Test::ElemMatch(Box::new(c?))
                }
                other => {
                    return Err((
                        here.into(),
                        format!("expected an object, found {}", other.kind()),
                    ));
                }
            },
            "$all" | "$alli" => match array(e) {
                Some(items) => {
                    let mut all = Vec::new();
                    for (i, item) in items.iter().enumerate() {
                        all.push(self.value(item, &format!("{here}[{i}]"), op == "$alli")?);
                    }
                    Test::All(all)
                }
                None => Test::Const(false),
            },
            "$regex" | "$regexi" => match e {
                Json::Str(p) => {
                    let insensitive = op == "$regexi";
                    let tables = super::pattern::compile(p, insensitive)
                        .map_err(|m| (here.to_owned(), m))?;
                    Test::Regex(p.clone(), insensitive, tables)
                }
                // `regex.replace` throws on a non-string; the SDK catches it: no match.
                _ => Test::Const(false),
            },
            "$type" => match e {
                Json::Str(t) => Test::Type(t.clone()),
                _ => Test::Const(false),
            },
            other => {
                return Err((
                    here.into(),
                    format!("unknown condition operator \"{other}\""),
                ));
            }
        })
    }
}

/// `caseFold`: strings lowercased.
fn fold(j: &Json) -> Json {
    match j {
        Json::Str(s) => Json::Str(s.to_lowercase()),
        other => other.clone(),
    }
}

/// Evaluates a compiled condition at build time (the semantics of the emitted code).
pub fn eval(c: &Cond, a: &(impl Attributes + ?Sized)) -> bool {
    match c {
        Cond::All(cs) => cs.iter().all(|c| eval(c, a)),
        Cond::Any(cs) => cs.iter().any(|c| eval(c, a)),
        Cond::Not(c) => !eval(c, a),
        Cond::Path(p, tests) => eval_tests(tests, &get_path(a, p)),
        Cond::Const(b) => *b,
    }
}

pub fn eval_tests(tests: &[Test], v: &Value<'_>) -> bool {
    tests.iter().all(|t| eval_test(t, v))
}

fn eval_test(t: &Test, v: &Value<'_>) -> bool {
    match t {
        Test::ConcatEq(c) => ops::concat_eq(v, c),
        Test::ConcatEqFolded(c) => ops::concat_eq_folded(v, c),
        Test::TimesOneEq(n) => ops::times_one_eq(v, *n),
        Test::BoolEq(b) => ops::bool_eq(v, *b),
        Test::IsNull => v.is_null(),
        Test::JsonEq(s) => ops::json_eq(v, s),
        Test::Version(rel, s, neg) => ops::version(v, *rel, s) != *neg,
        Test::StrictEq(lit, neg) => ops::strict_eq(v, &leak(lit)) != *neg,
        Test::Relation(rel, prim) => ops::relation(v, *rel, &leak(prim)),
        Test::Exists(e) => v.is_null() != *e,
        Test::In(items, neg) => ops::is_in(v, &items.iter().map(leak).collect::<Vec<_>>()) != *neg,
        Test::InFolded(items, neg) => {
            ops::is_in_folded(v, &items.iter().map(leak).collect::<Vec<_>>()) != *neg
        }
        Test::Const(b) => *b,
        Test::Not(tests) => !eval_tests(tests, v),
        Test::Size(tests) => match v {
            Value::Arr(items) => eval_tests(tests, &Value::Num(items.len() as f64)),
            _ => false,
        },
        Test::ElemMatchValue(tests) => match v {
            Value::Arr(items) => items.iter().any(|e| !e.is_null() && eval_tests(tests, e)),
            _ => false,
        },
        Test::ElemMatch(c) => match v {
            Value::Arr(items) => items
                .iter()
                .any(|e| !e.is_null() && eval(c, &super::value::ValueAttributes(*e))),
            _ => false,
        },
        Test::All(list) => match v {
            Value::Arr(items) => list
                .iter()
                .all(|tests| items.iter().any(|e| eval_tests(tests, e))),
            _ => false,
        },
        Test::Type(t) => ops::type_of(v) == t,
        Test::Regex(_, _, tables) => ops::regex_test(v, tables.leak()),
    }
}

/// Partial evaluation: paths whose value `known` gives become constants, then constants fold.
pub fn simplify(c: &Cond, known: &dyn Fn(&str) -> Option<Value<'static>>) -> Cond {
    match c {
        Cond::Path(p, tests) => match known(p) {
            Some(v) => Cond::Const(eval_tests(tests, &v)),
            None => c.clone(),
        },
        Cond::Const(_) => c.clone(),
        Cond::Not(inner) => match simplify(inner, known) {
            Cond::Const(b) => Cond::Const(!b),
            other => Cond::Not(Box::new(other)),
        },
        Cond::All(cs) => {
            let mut rest = Vec::new();
            for c in cs {
                match simplify(c, known) {
                    Cond::Const(true) => {}
                    Cond::Const(false) => return Cond::Const(false),
                    other => rest.push(other),
                }
            }
            match rest.len() {
                0 => Cond::Const(true),
                1 => rest.remove(0),
                _ => Cond::All(rest),
            }
        }
        Cond::Any(cs) => {
            let mut rest = Vec::new();
            for c in cs {
                match simplify(c, known) {
                    Cond::Const(false) => {}
                    Cond::Const(true) => return Cond::Const(true),
                    other => rest.push(other),
                }
            }
            match rest.len() {
                0 => Cond::Const(false),
                1 => rest.remove(0),
                _ => Cond::Any(rest),
            }
        }
    }
}

/// The Rust expression of `c` over attributes `a` (a `&dyn Attributes` or `&ValueAttributes`).
pub fn emit(c: &Cond) -> TokenStream {
    match c {
        Cond::All(cs) if cs.is_empty() => quote! { true },
        Cond::All(cs) => {
            let cs = cs.iter().map(emit);
            quote! { (#(#cs)&&*) }
        }
        Cond::Any(cs) => {
            let cs = cs.iter().map(emit);
            quote! { (#(#cs)||*) }
        }
        Cond::Not(c) => {
            let c = emit(c);
            quote! { !#c }
        }
        Cond::Path(p, tests) => {
            let tests = emit_tests(tests);
            // An undotted path is one attribute: no split at request time.
            if p.contains('.') {
                quote! { { let v = get_path(a, #p); #tests } }
            } else {
                quote! { { let v = a.attribute(#p); #tests } }
            }
        }
        Cond::Const(b) => quote! { #b },
    }
}

fn emit_tests(tests: &[Test]) -> TokenStream {
    if tests.is_empty() {
        return quote! { true };
    }
    if tests.len() == 1 {
        return emit_test(&tests[0]);
    }
    let tests = tests.iter().map(emit_test);
    quote! { (#(#tests)&&*) }
}

fn relation_tokens(rel: Relation) -> TokenStream {
    match rel {
        Relation::Lt => quote! { Relation::Lt },
        Relation::Lte => quote! { Relation::Lte },
        Relation::Gt => quote! { Relation::Gt },
        Relation::Gte => quote! { Relation::Gte },
    }
}

fn not(neg: bool) -> TokenStream {
    if neg {
        quote! { ! }
    } else {
        quote! {}
    }
}

fn emit_test(t: &Test) -> TokenStream {
    match t {
        Test::ConcatEq(c) => quote! { ops::concat_eq(&v, #c) },
        Test::ConcatEqFolded(c) => quote! { ops::concat_eq_folded(&v, #c) },
        Test::TimesOneEq(n) => {
            let n = f64_tokens(*n);
            quote! { ops::times_one_eq(&v, #n) }
        }
        Test::BoolEq(b) => quote! { ops::bool_eq(&v, #b) },
        Test::IsNull => quote! { v.is_null() },
        Test::JsonEq(s) => quote! { ops::json_eq(&v, #s) },
        Test::Version(rel, s, neg) => {
            let rel = match rel {
                Some(r) => {
                    let r = relation_tokens(*r);
                    quote! { Some(#r) }
                }
                None => quote! { None },
            };
            let neg = not(*neg);
            quote! { #neg ops::version(&v, #rel, #s) }
        }
        Test::StrictEq(lit, neg) => {
            let lit = value_tokens(lit);
            let neg = not(*neg);
            quote! { #neg ops::strict_eq(&v, &#lit) }
        }
        Test::Relation(rel, prim) => {
            let rel = relation_tokens(*rel);
            let prim = value_tokens(prim);
            quote! { ops::relation(&v, #rel, &#prim) }
        }
        Test::Exists(true) => quote! { !v.is_null() },
        Test::Exists(false) => quote! { v.is_null() },
        Test::In(items, neg) => {
            let items = items.iter().map(value_tokens);
            let neg = not(*neg);
            quote! { #neg ops::is_in(&v, &[#(#items),*]) }
        }
        Test::InFolded(items, neg) => {
            let items = items.iter().map(value_tokens);
            let neg = not(*neg);
            quote! { #neg ops::is_in_folded(&v, &[#(#items),*]) }
        }
        Test::Const(b) => quote! { #b },
        Test::Not(tests) => {
            let tests = emit_tests(tests);
            quote! { !(#tests) }
        }
        Test::Size(tests) => {
            let tests = emit_tests(tests);
            quote! { match v { Value::Arr(items) => { let v = Value::Num(items.len() as f64); #tests } _ => false } }
        }
        Test::ElemMatchValue(tests) => {
            let tests = emit_tests(tests);
            quote! { match v { Value::Arr(items) => items.iter().any(|&v| !v.is_null() && #tests), _ => false } }
        }
        Test::ElemMatch(c) => {
            let c = emit(c);
            quote! { match v { Value::Arr(items) => items.iter().any(|&e| !e.is_null() && { let a = &ValueAttributes(e); #c }), _ => false } }
        }
        Test::All(list) => {
            let each = list.iter().map(|tests| {
                let tests = emit_tests(tests);
                quote! { items.iter().any(|&v| #tests) }
            });
            quote! { match v { Value::Arr(items) => true #(&& #each)*, _ => false } }
        }
        Test::Type(t) => quote! { ops::type_of(&v) == #t },
        Test::Regex(pattern, insensitive, t) => {
            let flags = if *insensitive { "/i" } else { "/" };
            let doc = format!(" /{pattern}{flags}");
            let classes = Literal::byte_string(&t.classes);
            let stride = t.stride;
            let table = t.table.iter().map(|&n| Literal::u16_unsuffixed(n));
            let eoi = t.eoi.iter().map(|&n| Literal::u16_unsuffixed(n));
            let matches = &t.matches;
            let start = Literal::u16_unsuffixed(t.start);
            quote! {{
                #[doc = #doc]
                static RE: Dfa = Dfa {
                    classes: #classes,
                    stride: #stride,
                    table: &[#(#table),*],
                    eoi: &[#(#eoi),*],
                    matches: &[#(#matches),*],
                    start: #start,
                };
                ops::regex_test(&v, &RE)
            }}
        }
    }
}

/// An `f64` as Rust tokens that compile to the same double.
pub fn f64_tokens(n: f64) -> TokenStream {
    if n.is_nan() {
        return quote! { f64::NAN };
    }
    if n.is_infinite() {
        return if n > 0.0 {
            quote! { f64::INFINITY }
        } else {
            quote! { f64::NEG_INFINITY }
        };
    }
    let lit = Literal::f64_unsuffixed(n.abs());
    if n.is_sign_negative() {
        quote! { -#lit }
    } else {
        quote! { #lit }
    }
}

/// A payload literal as a `Value` expression.
pub fn value_tokens(j: &Json) -> TokenStream {
    match j {
        Json::Null => quote! { Value::Null },
        Json::Bool(b) => quote! { Value::Bool(#b) },
        Json::Num(n) => {
            let n = f64_tokens(*n);
            quote! { Value::Num(#n) }
        }
        Json::Str(s) => quote! { Value::Str(#s) },
        Json::Arr(items) => {
            let items = items.iter().map(value_tokens);
            quote! { Value::Arr(&[#(#items),*]) }
        }
        Json::Obj(entries) => {
            let entries = entries.iter().map(|(k, v)| {
                let v = value_tokens(v);
                quote! { (#k, #v) }
            });
            quote! { Value::Obj(&[#(#entries),*]) }
        }
    }
}
