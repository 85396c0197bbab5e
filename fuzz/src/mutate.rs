//! Structured GrowthBook payloads: the sample payload with a few random subtrees replaced by
//! hostile values: odd numbers and strings (lone surrogates, text-direction marks), deep
//! `$and`/`$not`/array nesting, `$regex` patterns of many shapes, saved-group chains.

use arbitrary::{Result, Unstructured};
use serde_json::{Value, json};

/// Stand-ins for what serde_json cannot write, replaced in the text afterwards.
const MARKERS: [(&str, &str); 4] = [
    ("\"\u{E000}\"", "\"\\ud800\""),
    ("\u{E001}", "\\udfff"),
    ("\"\u{E002}\"", "1e999"),
    ("\"\u{E003}\"", "-123456789012345678901234567890.5e-3"),
];

const STRINGS: &[&str] = &[
    "",
    "\0",
    "\u{202E}",
    "\u{2066}",
    "\u{FEFF}",
    "\u{10FFFF}",
    "é",
    "\"",
    "\\",
    "}",
    "\n",
    "\u{E001}",
    "héros-été",
    "home",
    "hotel",
    "DE",
    "id",
    "$regex",
    "__proto__",
    "constructor",
    "toString",
    "a.b.c",
    "length",
];

const ATTRIBUTES: &[&str] = &[
    "path",
    "host",
    "url",
    "id",
    "country",
    "deviceType",
    "pageType",
    "query",
    "x",
    "a.b",
    "$groups",
];

const FRAGMENTS: &[&str] = &[
    "a",
    "(a*)*",
    "[^]",
    "[]",
    "\\u{1F600}",
    "(?<n>x)",
    "(?<1>x)",
    "|",
    "(",
    ")",
    "[",
    "]",
    "\\",
    "{2,5}",
    "{1000}",
    "{1001}",
    "{5,2}",
    "{",
    "}",
    ".*",
    ".",
    "^",
    "$",
    "\\b",
    "\\B*",
    "\\d",
    "\\ud800",
    "\\udfff",
    "(?:",
    "(?=a)",
    "(?!a)",
    "(?<=a)",
    "\\1",
    "\\k<n>",
    "\\cA",
    "\\c",
    "[a-",
    "z]",
    "[z-a]",
    "[\\d-z]",
    "+?",
    "*",
    "?",
    "\\x4",
    "\\x41",
    "\\u004",
    "\\p{L}",
    "\\q",
    "\\/",
    "\u{202E}",
    "é",
    "\u{E001}",
    "\0",
    "\\0",
    "\\00",
    "[\\b]",
    "(?i)",
    "/g",
    "i",
    "$options",
    "{0}",
    "(|)",
    "(?:a|b){1000}",
    "\\w+\\s\\S\\W\\D",
];

fn string(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(match u.int_in_range(0..=3)? {
        0 => u.choose(STRINGS)?.to_string(),
        1 => u.arbitrary::<String>()?,
        2 => u.choose(STRINGS)?.repeat(u.int_in_range(1..=5000)?),
        _ => format!("{}{}", u.choose(STRINGS)?, u.arbitrary::<String>()?),
    })
}

fn number(u: &mut Unstructured<'_>) -> Result<Value> {
    let n: f64 = match u.int_in_range(0..=9)? {
        0 => return Ok(json!("\u{E002}")),
        1 => return Ok(json!("\u{E003}")),
        2 => f64::MAX,
        3 => -f64::MAX,
        4 => 5e-324,
        5 => -0.0,
        6 => u64::MAX as f64,
        7 => 0.5,
        8 => f64::from(u.arbitrary::<i32>()?),
        _ => u.arbitrary::<f64>()?,
    };
    // serde_json writes a non-finite number as null.
    Ok(json!(n))
}

/// A regex of many shapes: fragments, long repetitions, deep groups, DFA-exploding ones.
pub fn pattern(u: &mut Unstructured<'_>) -> Result<String> {
    let mut p = String::new();
    for _ in 0..u.int_in_range(1..=12)? {
        p.push_str(u.choose(FRAGMENTS)?);
    }
    Ok(match u.int_in_range(0..=5)? {
        0 => p,
        1 => p.repeat(u.int_in_range(1..=3000)?),
        2 => {
            let d = u.int_in_range(1..=20_000)?;
            format!("{}{p}{}", "(".repeat(d), ")".repeat(d))
        }
        3 => format!("(a|b)*a{}", "(a|b)".repeat(u.int_in_range(1..=40)?)),
        4 => {
            let n = u.int_in_range(1..=4000)?;
            (0..n)
                .map(|i| format!("w{i}x"))
                .collect::<Vec<_>>()
                .join("|")
        }
        _ => format!("{p}{}", u.arbitrary::<String>()?),
    })
}

fn condition(u: &mut Unstructured<'_>, depth: u32) -> Result<Value> {
    if depth > 3 || u.ratio(1, 2)? {
        let attribute = u.choose(ATTRIBUTES)?.to_string();
        let op = *u.choose(&[
            "$regex",
            "$regexi",
            "$in",
            "$eq",
            "$ne",
            "$gt",
            "$vgt",
            "$exists",
            "$type",
            "$size",
            "$elemMatch",
            "$all",
            "$not",
            "$bogus",
        ])?;
        let arg = match op {
            "$regex" | "$regexi" => json!(pattern(u)?),
            "$elemMatch" | "$not" => condition(u, depth + 1)?,
            _ => value(u, depth + 1)?,
        };
        return Ok(json!({ attribute: { op: arg } }));
    }
    let mut items = Vec::new();
    for _ in 0..u.int_in_range(0..=3)? {
        items.push(condition(u, depth + 1)?);
    }
    Ok(match u.int_in_range(0..=4)? {
        0 => json!({ "$and": items }),
        1 => json!({ "$or": items }),
        2 => json!({ "$nor": items }),
        3 => json!({ "$not": items.pop().unwrap_or(json!({})) }),
        _ => json!({ "$savedGroup": { "id": format!("g{}", u.int_in_range(0..=3)?) } }),
    })
}

/// `inner` wrapped `depth` times in `$and`, `$not`, `$or` or plain arrays, as text: a
/// `serde_json::Value` that deep would overflow the stack when dropped.
fn nest(u: &mut Unstructured<'_>, inner: &Value) -> Result<String> {
    let depth = u.int_in_range(1..=100_000)?;
    let (open, close) = *u.choose(&[
        ("{\"$and\":[", "]}"),
        ("{\"$not\":", "}"),
        ("{\"$or\":[{},", "]}"),
        ("[", "]"),
        ("{\"path\":{\"$not\":", "}}"),
    ])?;
    Ok(format!(
        "{}{inner}{}",
        open.repeat(depth),
        close.repeat(depth)
    ))
}

fn value(u: &mut Unstructured<'_>, depth: u32) -> Result<Value> {
    Ok(match u.int_in_range(0..=7)? {
        0 => Value::Null,
        1 => json!(u.arbitrary::<bool>()?),
        2 => number(u)?,
        3 => json!(string(u)?),
        4 if depth < 4 => {
            let mut items = Vec::new();
            for _ in 0..u.int_in_range(0..=4)? {
                items.push(value(u, depth + 1)?);
            }
            Value::Array(items)
        }
        5 if depth < 4 => {
            let mut map = serde_json::Map::new();
            for _ in 0..u.int_in_range(0..=4)? {
                map.insert(string(u)?, value(u, depth + 1)?);
            }
            Value::Object(map)
        }
        6 => condition(u, depth)?,
        _ => json!(u.choose(STRINGS)?),
    })
}

/// A random node of `root`, reached by random steps down.
fn node<'v>(u: &mut Unstructured<'_>, root: &'v mut Value) -> Result<&'v mut Value> {
    let mut v = root;
    loop {
        let len = match &*v {
            Value::Array(a) => a.len(),
            Value::Object(o) => o.len(),
            _ => 0,
        };
        if len == 0 || u.ratio(1, 6)? {
            return Ok(v);
        }
        let i = u.choose_index(len)?;
        v = match v {
            Value::Array(a) => &mut a[i],
            Value::Object(o) => o.values_mut().nth(i).expect("in range"),
            _ => unreachable!(),
        };
    }
}

/// Saved groups `g0`..`gN`, each using the next one twice (a DAG whose expansion doubles).
fn saved_groups(u: &mut Unstructured<'_>) -> Result<Value> {
    let n = u.int_in_range(1..=2000)?;
    let mut groups = serde_json::Map::new();
    for i in 0..n {
        let next = json!({ "$savedGroup": { "id": format!("g{}", i + 1) } });
        groups.insert(
            format!("g{i}"),
            json!({ "type": "condition", "condition": { "$and": [next, next] } }),
        );
    }
    groups.insert(
        format!("g{n}"),
        json!({ "type": "list", "attributeKey": "id", "values": ["a", "b"] }),
    );
    Ok(Value::Object(groups))
}

/// The sample payload with one to four random mutations, as JSON text, and one to three of its
/// features to list (compiling all twenty is slow): most mutations land in those.
pub fn payload(u: &mut Unstructured<'_>, sample: &Value) -> Result<(String, Vec<String>)> {
    let mut root = sample.clone();
    let keys: Vec<String> = sample["features"]
        .as_object()
        .map(|f| f.keys().cloned().collect())
        .unwrap_or_default();
    let mut listed = Vec::new();
    for _ in 0..u.int_in_range(1..=3)? {
        listed.push(u.choose(&keys)?.clone());
    }
    let mut deep = Vec::new();
    for _ in 0..u.int_in_range(1..=4)? {
        let with = match u.int_in_range(0..=6)? {
            0 | 1 => value(u, 0)?,
            2 => condition(u, 0)?,
            3 => {
                let inner = value(u, 2)?;
                deep.push(nest(u, &inner)?);
                json!(format!("\u{E004}{}", deep.len() - 1))
            }
            4 => node(u, &mut sample.clone())?.clone(),
            5 => {
                if let Value::Object(map) = &mut root {
                    map.insert("savedGroups".into(), saved_groups(u)?);
                }
                json!({ "$savedGroup": { "id": "g0" } })
            }
            _ => json!({ "path": { "$regex": pattern(u)? } }),
        };
        let pick = u.choose(&listed)?.clone();
        let in_feature = u.ratio(3, 4)?;
        // `root` may no longer be an object: look before indexing.
        let target = match root
            .get_mut("features")
            .and_then(|f| f.get_mut(pick.as_str()))
        {
            Some(feature) if in_feature => feature,
            _ => &mut root,
        };
        *node(u, target)? = with;
    }
    let mut text = root.to_string();
    for (marker, raw) in MARKERS {
        text = text.replace(marker, raw);
    }
    for (i, raw) in deep.iter().enumerate() {
        text = text.replace(&format!("\"\u{E004}{i}\""), raw);
    }
    Ok((text, listed))
}
