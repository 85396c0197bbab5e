//! A small JSON reader: typed access to an object's fields, where every problem carries the JSON
//! path it was found at. A [`Scope`] is one place in a document; `child("layer")` and
//! `child("variations").index(3)` are the places below it, so a rule written once (a string, a
//! list of strings, a key) reports the right path wherever it is applied.
//!
//! Problems carry no severity: whether a problem is an error or a warning depends on whether the
//! edge uses the entry it was found in, which [`crate::prune`] decides (SPEC §2).

use serde_json::{Map, Value};

/// Something wrong (or ignored) at one JSON path of one input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// `experiments[17].variations[1].weight`; empty for the whole file.
    pub path: String,
    pub message: String,
    /// Legal but ignored (an unknown field, a repeated page type): a warning wherever it is.
    pub ignored: bool,
}

/// A place in a document: its path, and where the problems found there go.
#[derive(Debug)]
pub struct Scope<'p> {
    path: String,
    problems: &'p mut Vec<Problem>,
}

impl<'p> Scope<'p> {
    /// The document itself.
    pub fn root(problems: &'p mut Vec<Problem>) -> Self {
        Self {
            path: String::new(),
            problems,
        }
    }

    /// The field `name` of this place (`layer` → `layer.key`).
    pub fn child(&mut self, name: &str) -> Scope<'_> {
        let path = if self.path.is_empty() {
            name.to_owned()
        } else {
            format!("{}.{name}", self.path)
        };
        Scope {
            path,
            problems: self.problems,
        }
    }

    /// Item `i` of the list at this place (`variations` → `variations[3]`), for a chain:
    /// `scope.child("variations").index(3)`.
    pub fn index(mut self, i: usize) -> Self {
        use std::fmt::Write;
        let _ = write!(self.path, "[{i}]");
        self
    }

    /// Item `i` of the list at this place, borrowed: for a loop over the items.
    pub fn item(&mut self, i: usize) -> Scope<'_> {
        Scope {
            path: self.path.clone(),
            problems: self.problems,
        }
        .index(i)
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    /// Something that breaks a rule, here.
    pub fn problem(&mut self, message: impl Into<String>) {
        self.problems.push(Problem {
            path: self.path.clone(),
            message: message.into(),
            ignored: false,
        });
    }

    /// Something legal that codegen ignores, here.
    pub fn ignored(&mut self, message: impl Into<String>) {
        self.problems.push(Problem {
            path: self.path.clone(),
            message: message.into(),
            ignored: true,
        });
    }

    /// The field `name` of `obj`; a missing field is a problem that says what was `expected`.
    pub fn field<'v>(
        &mut self,
        obj: &'v Map<String, Value>,
        name: &str,
        expected: &str,
    ) -> Option<&'v Value> {
        let v = obj.get(name);
        if v.is_none() {
            self.child(name)
                .problem(format!("missing field, expected {expected}"));
        }
        v
    }

    /// The string field `name` of `obj`.
    pub fn string(&mut self, obj: &Map<String, Value>, name: &str) -> Option<String> {
        let v = self.field(obj, name, "a string")?;
        self.child(name).as_string(v)
    }

    /// The value at this place as a string.
    pub fn as_string(&mut self, v: &Value) -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            v => {
                self.problem(format!("expected a string, found {}", kind(v)));
                None
            }
        }
    }

    /// The field `name` of `obj` as a list of strings; every item that is not one is a problem.
    pub fn string_list(&mut self, obj: &Map<String, Value>, name: &str) -> Option<Vec<String>> {
        let v = self.field(obj, name, "an array of strings")?;
        let mut list = self.child(name);
        let Value::Array(items) = v else {
            list.problem(format!("expected an array of strings, found {}", kind(v)));
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            match item {
                Value::String(s) => out.push(s.clone()),
                v => list
                    .item(i)
                    .problem(format!("expected a string, found {}", kind(v))),
            }
        }
        (out.len() == items.len()).then_some(out)
    }

    /// The field `name` of `obj` as `true` or `false`.
    pub fn boolean(&mut self, obj: &Map<String, Value>, name: &str) -> Option<bool> {
        match self.field(obj, name, "true or false")? {
            Value::Bool(b) => Some(*b),
            v => {
                self.child(name)
                    .problem(format!("expected true or false, found {}", kind(v)));
                None
            }
        }
    }
}

/// Parses a file's text as JSON; the problem names the line and column.
pub fn parse(text: &str, problems: &mut Vec<Problem>) -> Option<Value> {
    serde_json::from_str(text)
        .map_err(|e| Scope::root(problems).problem(format!("invalid JSON: {e}")))
        .ok()
}

/// What a value is, for "expected X, found Y".
pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_u64() || n.is_i64() => "an integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A value as it appears in JSON, shortened for messages.
pub fn show(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s
    }
}
