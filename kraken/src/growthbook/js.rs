//! JavaScript's arithmetic and string conversions where GrowthBook's SDK relies on them: FNV-1a
//! over UTF-16 code units, `Number` to string and back, `JSON.stringify`, `String(value)`.
//!
//! Shared by path with `codegen`, which precomputes with the same functions what it can.

use super::value::Value;
use std::cmp::Ordering;

const FNV_OFFSET: u32 = 0x811c_9dc5;
const FNV_PRIME: u32 = 0x0100_0193;

/// FNV-1a 32 state after `text`'s UTF-16 code units, starting from `state` (the SDK's
/// `hashFnv32a`: its float arithmetic is exact modulo 2^32).
pub fn fnv_extend(state: u32, text: &str) -> u32 {
    let mut h = state;
    if text.is_ascii() {
        for &b in text.as_bytes() {
            h = (h ^ u32::from(b)).wrapping_mul(FNV_PRIME);
        }
    } else {
        for unit in text.encode_utf16() {
            h = (h ^ u32::from(unit)).wrapping_mul(FNV_PRIME);
        }
    }
    h
}

/// The FNV state before any code unit.
pub const fn fnv_start() -> u32 {
    FNV_OFFSET
}

pub fn fnv(text: &str) -> u32 {
    fnv_extend(FNV_OFFSET, text)
}

/// `hashFnv32a(String(n))` without formatting machinery.
fn fnv_decimal(mut n: u32) -> u32 {
    let mut digits = [0u8; 10];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let mut h = FNV_OFFSET;
    for &b in &digits[start..] {
        h = (h ^ u32::from(b)).wrapping_mul(FNV_PRIME);
    }
    h
}

/// The SDK's `hash(seed, value, version)`: `None` for a version other than 1 or 2.
pub fn hash(seed: &str, value: &str, version: u8) -> Option<f64> {
    match version {
        2 => Some(hash_v2(fnv_extend(fnv(seed), value))),
        1 => Some(hash_v1(fnv_extend(fnv(value), seed))),
        _ => None,
    }
}

/// Version 2 from the FNV state of `seed + value`.
pub fn hash_v2(state: u32) -> f64 {
    f64::from(fnv_decimal(state) % 10_000) / 10_000.0
}

/// Version 1 from the FNV state of `value + seed`.
pub fn hash_v1(state: u32) -> f64 {
    f64::from(state % 1000) / 1000.0
}

/// The SDK's `getEqualWeights(n)`.
pub fn equal_weights(n: usize) -> Vec<f64> {
    vec![1.0 / n as f64; n]
}

/// The SDK's `chooseVariation(n, ranges)`: the first range holding `n`.
pub fn choose_variation(n: f64, ranges: &[(f64, f64)]) -> Option<usize> {
    ranges.iter().position(|&(from, to)| n >= from && n < to)
}

/// The SDK's `inNamespace(hashValue, [id, from, to])` with `seed` = `"__" + id`.
pub fn in_namespace(value: &str, seed: &str, from: f64, to: f64) -> bool {
    let n = hash_v1(fnv_extend(fnv(value), seed));
    n >= from && n < to
}

/// The SDK's `getBucketRanges(n, coverage, weights)`, operation for operation, including its
/// silent fallbacks (coverage clamped, equal weights when the weights do not fit).
pub fn bucket_ranges(n: usize, coverage: f64, weights: Option<&[f64]>) -> Vec<(f64, f64)> {
    let coverage = coverage.clamp(0.0, 1.0);
    let equal = equal_weights(n);
    let mut weights = weights.unwrap_or(&equal);
    if weights.len() != n {
        weights = &equal;
    }
    let total = weights.iter().fold(0.0, |sum, w| w + sum);
    // Not `!(0.99..=1.01).contains(&total)`: a NaN total keeps its weights in JavaScript.
    #[allow(clippy::manual_range_contains)]
    if total < 0.99 || total > 1.01 {
        weights = &equal;
    }
    let mut cumulative = 0.0;
    weights
        .iter()
        .map(|&w| {
            let start = cumulative;
            cumulative += w;
            (start, start + coverage * w)
        })
        .collect()
}

/// JavaScript's `Number.prototype.toString()`: shortest round-trip digits, JavaScript's
/// thresholds for exponent notation.
pub fn number_to_string(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x == 0.0 {
        return "0".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let mut out = String::new();
    if x < 0.0 {
        out.push('-');
    }
    // Rust's `{:e}` writes the shortest round-trip digits: `d.ddde±x`.
    let sci = format!("{:e}", x.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let k = digits.len() as i32;
    let n = exp.parse::<i32>().unwrap_or(0) + 1;
    if k <= n && n <= 21 {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', (n - k) as usize));
    } else if 0 < n && n <= 21 {
        out.push_str(&digits[..n as usize]);
        out.push('.');
        out.push_str(&digits[n as usize..]);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-n) as usize));
        out.push_str(&digits);
    } else {
        let e = n - 1;
        out.push_str(&digits[..1]);
        if k > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if e < 0 { '-' } else { '+' });
        out.push_str(&e.abs().to_string());
    }
    out
}

/// JavaScript's white space and line terminators, as `String.prototype.trim` and `Number()`
/// strip them.
pub fn is_js_space(c: char) -> bool {
    matches!(
        c,
        '\u{9}' | '\u{a}' | '\u{b}' | '\u{c}' | '\u{d}' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{3000}'
                | '\u{feff}'
    )
}

/// JavaScript's `Number(string)` (StringToNumber).
pub fn string_to_number(s: &str) -> f64 {
    let t = s.trim_matches(is_js_space);
    if t.is_empty() {
        return 0.0;
    }
    let radix = match t.get(..2) {
        Some("0x" | "0X") => 16,
        Some("0o" | "0O") => 8,
        Some("0b" | "0B") => 2,
        _ => 10,
    };
    if radix != 10 {
        let digits = &t[2..];
        if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
            return f64::NAN;
        }
        return match u128::from_str_radix(digits, radix) {
            Ok(n) => n as f64,
            // Past 128 bits: accumulate (the last bits may round differently from JavaScript;
            // no edge attribute is a 39-digit number).
            Err(_) => digits.chars().fold(0.0, |acc, c| {
                acc * f64::from(radix) + f64::from(c.to_digit(radix).unwrap_or(0))
            }),
        };
    }
    let unsigned = t.strip_prefix(['+', '-']).unwrap_or(t);
    if unsigned == "Infinity" {
        return if t.starts_with('-') {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
    }
    if !is_decimal_literal(unsigned) {
        return f64::NAN;
    }
    t.parse::<f64>().unwrap_or(f64::NAN)
}

/// `StrUnsignedDecimalLiteral` without `Infinity`: digits, an optional fraction, an optional
/// exponent, at least one digit before the exponent.
fn is_decimal_literal(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    let mut mantissa = digits(&mut i);
    if i < b.len() && b[i] == b'.' {
        i += 1;
        mantissa += digits(&mut i);
    }
    if mantissa == 0 {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// JavaScript's `ToNumber` of a value that is already primitive, or of a JSON value through
/// `ToPrimitive`.
pub fn to_number(v: &Value<'_>) -> f64 {
    match *v {
        Value::Null => 0.0,
        Value::Bool(b) => f64::from(u8::from(b)),
        Value::Num(n) => n,
        Value::Str(s) => string_to_number(s),
        Value::Arr(_) | Value::Obj(_) => string_to_number(&to_js_string(v)),
    }
}

/// JavaScript's `String(value)` (`value + ""`): arrays joined by `,` (null elements empty),
/// objects `[object Object]`.
pub fn to_js_string(v: &Value<'_>) -> String {
    match *v {
        Value::Null => "null".into(),
        Value::Bool(b) => if b { "true" } else { "false" }.into(),
        Value::Num(n) => number_to_string(n),
        Value::Str(s) => s.into(),
        Value::Arr(items) => items
            .iter()
            .map(|item| match item {
                Value::Null => String::new(),
                other => to_js_string(other),
            })
            .collect::<Vec<_>>()
            .join(","),
        Value::Obj(_) => "[object Object]".into(),
    }
}

/// `JSON.stringify(value)` (objects in the property order they carry).
pub fn json_stringify(v: &Value<'_>) -> String {
    let mut out = String::new();
    write_json(v, &mut out);
    out
}

fn write_json(v: &Value<'_>, out: &mut String) {
    match *v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if b { "true" } else { "false" }),
        // NaN and the infinities never come from JSON; JSON.stringify writes them `null`.
        Value::Num(n) if !n.is_finite() => out.push_str("null"),
        Value::Num(n) => out.push_str(&number_to_string(n)),
        Value::Str(s) => write_json_string(s, out),
        Value::Arr(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out);
            }
            out.push(']');
        }
        Value::Obj(entries) => {
            out.push('{');
            for (i, (k, item)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(k, out);
                out.push(':');
                write_json(item, out);
            }
            out.push('}');
        }
    }
}

/// A string as `JSON.stringify` quotes it.
pub fn write_json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// JavaScript's string order: by UTF-16 code units (not by code points or UTF-8 bytes).
pub fn cmp_utf16(a: &str, b: &str) -> Ordering {
    if a.is_ascii() && b.is_ascii() {
        return a.as_bytes().cmp(b.as_bytes());
    }
    a.encode_utf16().cmp(b.encode_utf16())
}
