//! Input stages: one per kind of input file, each reading its file's JSON into typed entries by
//! that file's rules alone (SPEC §1). No stage knows the others or decides relevance; that is
//! [`crate::prune`]'s job, so a stage's problems have no severity yet.
//!
//! - [`json`]: the reader every stage uses (paths, "expected X, found Y").
//! - [`edge`]: `edge.json`, what this edge serves.
//! - [`platform`]: the experimentation platform's `experiments.json` and `site-features.json`.
//!
//! Another front end (a GrowthBook payload, SPEC §6) is another module here with its own types,
//! returning a [`Checked`] list for `prune` to decide on.

pub mod edge;
pub mod json;
pub mod platform;

use json::Problem;

/// A list file's entries, each checked against the file's rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked<T, F> {
    /// The list's name in its file (`experiments`), for messages.
    pub list: &'static str,
    /// Problems of the file itself (bad JSON, no list): errors whatever the entries are.
    pub problems: Vec<Problem>,
    /// Every entry, in file order.
    pub entries: Vec<Entry<T, F>>,
}

/// One entry of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry<T, F> {
    /// The entry's key when it is a valid key: keys are unique within a list.
    pub key: Option<String>,
    /// What relevance is decided by, each part present when well formed.
    pub facts: F,
    /// The entry, when it breaks no rule.
    pub value: Option<T>,
    /// Every rule the entry breaks; each message names the entry.
    pub problems: Vec<Problem>,
}

impl<T, F> Checked<T, F> {
    /// A file that could not be read as a list: only its own problems.
    fn refused(list: &'static str, problems: Vec<Problem>) -> Self {
        Self {
            list,
            problems,
            entries: Vec::new(),
        }
    }
}
