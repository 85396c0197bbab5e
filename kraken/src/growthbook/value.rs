//! JavaScript values as GrowthBook's SDK sees them: payload literals (emitted as `'static`
//! data) and request attributes (borrowed strings), with the SDK's `getPath`.
//!
//! Shared by path with `codegen`, which evaluates the same semantics at build time.

/// A JSON value, read by JavaScript. Objects keep JavaScript's property order (array-index keys
/// first, ascending, then insertion order), which codegen establishes when it emits them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    Null,
    Bool(bool),
    Num(f64),
    Str(&'a str),
    Arr(&'a [Value<'a>]),
    Obj(&'a [(&'a str, Value<'a>)]),
}

impl<'a> Value<'a> {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// JavaScript truthiness.
    pub fn truthy(&self) -> bool {
        match *self {
            Value::Null => false,
            Value::Bool(b) => b,
            Value::Num(n) => n != 0.0 && !n.is_nan(),
            Value::Str(s) => !s.is_empty(),
            Value::Arr(_) | Value::Obj(_) => true,
        }
    }

    /// `value[key]` for an own property, as `key in value` finds it on JSON data: an object's
    /// key, an array's canonical index or `length`. Prototype properties (`toString`, `map`, ...)
    /// never reach here: codegen refuses paths that name them.
    pub fn property(&self, key: &str) -> Option<Value<'a>> {
        match *self {
            Value::Obj(entries) => entries.iter().find(|(k, _)| *k == key).map(|(_, v)| *v),
            Value::Arr(items) => {
                if key == "length" {
                    return Some(Value::Num(items.len() as f64));
                }
                let canonical = !key.is_empty()
                    && key.bytes().all(|b| b.is_ascii_digit())
                    && (key == "0" || !key.starts_with('0'));
                if !canonical {
                    return None;
                }
                key.parse::<usize>()
                    .ok()
                    .and_then(|i| items.get(i))
                    .copied()
            }
            _ => None,
        }
    }
}

/// What a condition reads: top-level attributes by name. An absent attribute is `Null`, as
/// `getPath` returns for a missing key.
pub trait Attributes {
    fn attribute(&self, name: &str) -> Value<'_>;
}

/// The SDK's `getPath`: dot-separated, each step into an object (or array), else `null`.
pub fn get_path<'v>(attributes: &'v (impl Attributes + ?Sized), path: &str) -> Value<'v> {
    let mut parts = path.split('.');
    let first = parts.next().unwrap_or_default();
    let mut current = attributes.attribute(first);
    for part in parts {
        match current.property(part) {
            Some(next) => current = next,
            None => return Value::Null,
        }
    }
    current
}

/// A value used as the object of a condition (`$elemMatch` on objects, a prerequisite's
/// `{value}`): its properties are the attributes.
#[derive(Debug, Clone, Copy)]
pub struct ValueAttributes<'a>(pub Value<'a>);

impl Attributes for ValueAttributes<'_> {
    fn attribute(&self, name: &str) -> Value<'_> {
        self.0.property(name).unwrap_or(Value::Null)
    }
}
