//! The condition operators of GrowthBook's SDK (`mongrule.ts`, npm 1.8.0), one function each,
//! with JavaScript's coercions. Codegen compiles every condition into calls of these with the
//! literals' build-time forms (`String(literal)`, `ToPrimitive`, padded versions, folded sets).
//!
//! Shared by path with `codegen`, whose partial evaluation runs the same functions.

use super::js::{cmp_utf16, json_stringify, to_js_string, to_number};
use super::value::Value;
use std::cmp::Ordering;

/// `value + "" === c` (a string literal condition).
pub fn concat_eq(v: &Value<'_>, c: &str) -> bool {
    match *v {
        Value::Str(s) => s == c,
        Value::Null => c == "null",
        _ => to_js_string(v) == c,
    }
}

/// `String(value).toLowerCase() === c` with `c` already lowercased (`$alli` elements).
pub fn concat_eq_folded(v: &Value<'_>, c: &str) -> bool {
    to_js_string(v).to_lowercase() == c
}

/// `value * 1 === c` (a number literal condition).
pub fn times_one_eq(v: &Value<'_>, c: f64) -> bool {
    to_number(v) == c
}

/// `value !== null && !!value === c` (a boolean literal condition).
pub fn bool_eq(v: &Value<'_>, c: bool) -> bool {
    !v.is_null() && v.truthy() == c
}

/// `JSON.stringify(value) === c` (an array or plain-object literal condition).
pub fn json_eq(v: &Value<'_>, c: &str) -> bool {
    match *v {
        // Neither spells an array or an object.
        Value::Null | Value::Str(_) | Value::Bool(_) => false,
        _ => json_stringify(v) == c,
    }
}

/// `actual === expected` for a literal `expected` (distinct objects are never identical).
pub fn strict_eq(v: &Value<'_>, lit: &Value<'_>) -> bool {
    match (v, lit) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(a), Value::Bool(b)) => a == b,
        (Value::Num(a), Value::Num(b)) => a == b,
        (Value::Str(a), Value::Str(b)) => a == b,
        _ => false,
    }
}

/// `Array.prototype.includes`'s SameValueZero, against a literal.
fn same_value_zero(v: &Value<'_>, lit: &Value<'_>) -> bool {
    match (v, lit) {
        (Value::Num(a), Value::Num(b)) => a == b || (a.is_nan() && b.is_nan()),
        _ => strict_eq(v, lit),
    }
}

/// JavaScript's relational operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    Lt,
    Lte,
    Gt,
    Gte,
}

/// `actual <op> expected` with JavaScript's coercions; `expected` is already primitive
/// (codegen applies `ToPrimitive` to array and object literals).
pub fn relation(v: &Value<'_>, op: Relation, expected: &Value<'_>) -> bool {
    let owned;
    let actual = match v {
        Value::Arr(_) | Value::Obj(_) => {
            owned = to_js_string(v);
            Value::Str(&owned)
        }
        other => *other,
    };
    let order = match (actual, expected) {
        (Value::Str(a), Value::Str(b)) => Some(cmp_utf16(a, b)),
        _ => to_number(&actual).partial_cmp(&to_number(expected)),
    };
    match (order, op) {
        (None, _) => false,
        (Some(o), Relation::Lt) => o == Ordering::Less,
        (Some(o), Relation::Lte) => o != Ordering::Greater,
        (Some(o), Relation::Gt) => o == Ordering::Greater,
        (Some(o), Relation::Gte) => o != Ordering::Less,
    }
}

/// `isIn(actual, expected)`: an intersection when the attribute is an array.
pub fn is_in(v: &Value<'_>, expected: &[Value<'_>]) -> bool {
    match v {
        Value::Arr(items) => items
            .iter()
            .any(|item| expected.iter().any(|e| same_value_zero(item, e))),
        _ => expected.iter().any(|e| same_value_zero(v, e)),
    }
}

/// `isIn(actual, expected, true)`: `expected`'s strings already lowercased.
pub fn is_in_folded(v: &Value<'_>, folded: &[Value<'_>]) -> bool {
    let matches = |item: &Value<'_>| match item {
        Value::Str(s) => {
            let lower = s.to_lowercase();
            folded.iter().any(|e| strict_eq(&Value::Str(&lower), e))
        }
        other => folded.iter().any(|e| strict_eq(other, e)),
    };
    match v {
        Value::Arr(items) => items.iter().any(matches),
        _ => matches(v),
    }
}

/// The SDK's `getType`.
pub fn type_of(v: &Value<'_>) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Num(_) => "number",
        Value::Str(_) => "string",
        Value::Arr(_) => "array",
        Value::Obj(_) => "object",
    }
}

/// The SDK's `paddedVersionString(input)`.
pub fn padded_version(v: &Value<'_>) -> String {
    let owned;
    let text = match v {
        Value::Num(_) => {
            owned = to_js_string(v);
            owned.as_str()
        }
        Value::Str(s) if !s.is_empty() => s,
        _ => "0",
    };
    String::from_utf16_lossy(&padded_units(text).collect::<Vec<_>>())
}

/// `paddedVersionString(text)` for a string, as UTF-16 code units, without allocating.
fn padded_units(text: &str) -> impl Iterator<Item = u16> + '_ {
    // `input.replace(/(^v|\+.*$)/g, "")`: a leading `v`, and from the first `+` after which no
    // line terminator follows (`.` stops at one, `$` is the end of the input).
    let mut rest = text.strip_prefix('v').unwrap_or(text);
    let terminator = |c: char| matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}');
    if let Some(plus) = rest
        .char_indices()
        .find(|&(i, c)| c == '+' && !rest[i + 1..].contains(terminator))
        .map(|(i, _)| i)
    {
        rest = &rest[..plus];
    }
    let separator = |c: char| c == '-' || c == '.';
    // Three parts (plain SemVer) get a `~` part: it sorts after any pre-release tag.
    let tilde = (rest.split(separator).count() == 3).then_some("~");
    rest.split(separator)
        .chain(tilde)
        .enumerate()
        .flat_map(|(i, part)| {
            let numeric = !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
            let pad = if numeric {
                5usize.saturating_sub(part.len())
            } else {
                0
            };
            let dash = (i > 0).then_some(u16::from(b'-'));
            dash.into_iter()
                .chain(std::iter::repeat_n(u16::from(b' '), pad))
                .chain(part.encode_utf16())
        })
}

/// `paddedVersionString(actual) <cmp> expected` with `expected` padded at build time.
pub fn version(v: &Value<'_>, op: Option<Relation>, expected: &str) -> bool {
    let order = match v {
        Value::Str(s) if !s.is_empty() => padded_units(s).cmp(expected.encode_utf16()),
        Value::Num(_) => padded_units(&to_js_string(v)).cmp(expected.encode_utf16()),
        _ => padded_units("0").cmp(expected.encode_utf16()),
    };
    match op {
        None => order == Ordering::Equal,
        Some(Relation::Lt) => order == Ordering::Less,
        Some(Relation::Lte) => order != Ordering::Greater,
        Some(Relation::Gt) => order == Ordering::Greater,
        Some(Relation::Gte) => order != Ordering::Less,
    }
}

/// `getRegex(pattern).test(actual)`: the attribute as a string (a missing one is `"null"`).
pub fn regex_test(v: &Value<'_>, dfa: &super::regex::Dfa) -> bool {
    match *v {
        Value::Str(s) => dfa.test(s),
        // A missing attribute is common at the edge: no string built for it.
        Value::Null => dfa.test("null"),
        Value::Bool(b) => dfa.test(if b { "true" } else { "false" }),
        _ => dfa.test(&to_js_string(v)),
    }
}
