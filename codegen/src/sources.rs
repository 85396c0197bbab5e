//! Reading the input files: the one place codegen reads the file system (`output` writes it).

use crate::diagnostic::{Diagnostic, Severity};
use std::path::{Path, PathBuf};

/// The three input files, by name inside the config directory.
pub const EXPERIMENTS: &str = "experiments.json";
pub const SITE_FEATURES: &str = "site-features.json";
pub const EDGE: &str = "edge.json";
/// Largest input file read (the seed's experiments.json is ~250 KB).
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// Where the output goes, relative to the repository root.
pub const OUTPUT: &str = "kraken/src/generated/config.rs";
/// Where the TypeScript declarations go (the npm package's sources, `kraken/js/npm/`).
pub const OUTPUT_TS: &str = "kraken/js/npm/config.d.ts";

/// The input texts, each with the name it is shown under in messages.
#[derive(Debug, Clone)]
pub struct Sources {
    pub experiments: (String, String),
    pub site_features: (String, String),
    pub edge: (String, String),
    /// `growthbook.json` (SPEC §6), when the config has one.
    pub growthbook: Option<(String, String)>,
    /// `KRAKEN_GROWTHBOOK_KEY`, to decrypt an encrypted payload.
    pub growthbook_key: Option<String>,
}

impl Sources {
    /// Reads the three files of `dir`, shown under `shown` (e.g. `config`). A file that cannot be
    /// read is reported like any other problem.
    pub fn read(dir: &Path, shown: &str) -> Result<Self, Vec<Diagnostic>> {
        let mut errors = Vec::new();
        let mut read = |name: &str| {
            let shown = format!("{shown}/{name}");
            let path = dir.join(name);
            let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            if size > MAX_FILE_BYTES {
                let message = format!("{size} bytes, more than the {MAX_FILE_BYTES} codegen reads");
                errors.push(Diagnostic {
                    severity: Severity::Error,
                    file: shown.clone(),
                    path: String::new(),
                    message,
                });
                return (shown, String::new());
            }
            match std::fs::read_to_string(&path) {
                Ok(text) => (shown, text),
                Err(e) => {
                    errors.push(Diagnostic {
                        severity: Severity::Error,
                        file: shown.clone(),
                        path: String::new(),
                        message: format!("cannot read: {e}"),
                    });
                    (shown, String::new())
                }
            }
        };
        let growthbook = dir
            .join(crate::growthbook::GROWTHBOOK)
            .exists()
            .then(|| read(crate::growthbook::GROWTHBOOK));
        let sources = Self {
            experiments: read(EXPERIMENTS),
            site_features: read(SITE_FEATURES),
            edge: read(EDGE),
            growthbook,
            growthbook_key: std::env::var(crate::growthbook::KEY_VARIABLE).ok(),
        };
        if errors.is_empty() {
            Ok(sources)
        } else {
            Err(errors)
        }
    }

    /// In-memory sources shown under `config/` (tests, benches, fuzzing).
    pub fn from_texts(experiments: &str, site_features: &str, edge: &str) -> Self {
        Self {
            experiments: (format!("config/{EXPERIMENTS}"), experiments.to_owned()),
            site_features: (format!("config/{SITE_FEATURES}"), site_features.to_owned()),
            edge: (format!("config/{EDGE}"), edge.to_owned()),
            growthbook: None,
            growthbook_key: None,
        }
    }

    /// These sources with a GrowthBook payload (`config/growthbook.json`).
    pub fn with_growthbook(mut self, payload: &str) -> Self {
        let shown = format!("config/{}", crate::growthbook::GROWTHBOOK);
        self.growthbook = Some((shown, payload.to_owned()));
        self
    }
}

/// The Kraken checkout holding `start`: the nearest directory at or above it with
/// `config/edge.json` and `codegen/Cargo.toml`. Found at run time, not baked in at build time,
/// so a binary built in one checkout (a shared `CARGO_TARGET_DIR`) works on the one it runs in.
pub fn find_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| {
            dir.join("config").join(EDGE).is_file() && dir.join("codegen/Cargo.toml").is_file()
        })
        .map(Path::to_path_buf)
}
