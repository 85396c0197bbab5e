//! Problems found in the config, reported like rustc: where (file, JSON path), what, and what
//! would be accepted. All are collected, then codegen fails once.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Breaks what the edge uses: nothing is written.
    Error,
    /// Found in an entry the edge drops anyway, or something codegen ignores.
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The input file, as shown to the user (`config/experiments.json`).
    pub file: String,
    /// JSON path inside the file (`experiments[17].variations[1].weight`); empty for the file.
    pub path: String,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        if self.path.is_empty() {
            write!(f, "{severity}: {}: {}", self.file, self.message)
        } else {
            write!(
                f,
                "{severity}: {}: {}: {}",
                self.file, self.path, self.message
            )
        }
    }
}
