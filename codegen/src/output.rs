//! The one place generated files are written (after rust-analyzer's `ensure_file_contents`):
//! unchanged files are left alone, changed ones replaced atomically, and check mode reports a
//! stale file with the command that fixes it.

use std::io::Write;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Write,
    Check,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Unchanged,
    Written,
}

/// Makes `path` hold `contents` (Write) or fails when it does not (Check).
pub fn ensure_file_contents(
    path: &Path,
    shown: &str,
    contents: &str,
    mode: Mode,
) -> Result<Outcome, String> {
    let current = std::fs::read_to_string(path)
        .ok()
        .map(|s| s.replace("\r\n", "\n"));
    if current.as_deref() == Some(contents) {
        return Ok(Outcome::Unchanged);
    }
    if mode == Mode::Check {
        let why = if current.is_some() {
            "is stale"
        } else {
            "is missing"
        };
        return Err(format!(
            "{shown} {why}: run `{}` and commit the result",
            crate::emit::REGENERATE
        ));
    }
    // Write beside the target, then rename: a reader never sees half a file.
    let dir = path
        .parent()
        .ok_or_else(|| format!("{shown}: no parent directory"))?;
    std::fs::create_dir_all(dir).map_err(|e| format!("{shown}: cannot create directory: {e}"))?;
    let tmp = dir.join(format!(
        ".{}.tmp",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("generated")
    ));
    let written = std::fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(contents.as_bytes()).and_then(|()| f.sync_all()))
        .and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(format!("{shown}: cannot write: {e}"));
    }
    Ok(Outcome::Written)
}
