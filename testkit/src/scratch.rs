//! A throwaway crate over the `kraken` library, written, built and run by a test: how the
//! differential and corpus tests compile the code codegen emits for configs of their own.

use crate::repo_root;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Leaves unchanged files alone, so cargo rebuilds only what changed.
pub fn write_if_changed(path: &Path, content: &str) {
    if std::fs::read_to_string(path).is_ok_and(|old| old == content) {
        return;
    }
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("create dir");
    std::fs::write(path, content).expect("write");
}

/// Writes the crate's manifest (package `name`, the repository's `kraken` as its dependency,
/// then `profile`, TOML) and the repository's lock, which pins the versions the outer build uses.
pub fn manifest(krate: &Path, name: &str, written_by: &str, profile: &str) {
    let kraken = repo_root().join("kraken");
    let manifest = format!(
        "# Written by {written_by}; rewritten on every run.\n[package]\nname = \"{name}\"\n\
         version = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[dependencies]\n\
         kraken = {{ path = {kraken:?} }}\n\n{profile}\n# Not a member of the repository's workspace.\n[workspace]\n",
        kraken = kraken.to_str().expect("UTF-8 repository path"),
    );
    write_if_changed(&krate.join("Cargo.toml"), &manifest);
    if let Ok(lock) = std::fs::read_to_string(repo_root().join("Cargo.lock")) {
        write_if_changed(&krate.join("Cargo.lock"), &lock);
    }
}

/// Runs `cargo <args> --manifest-path <krate>/Cargo.toml` into `target`; its stdout. Fails the
/// test, with cargo's errors, when the generated code does not build (or run).
pub fn cargo(krate: &Path, target: &Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new(env!("CARGO"))
        .args(args)
        .arg("--manifest-path")
        .arg(krate.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target)
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "the generated code does not build ({}):\n{}",
        krate.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// `cargo build --release` of the crate; the path of its binary `name`.
pub fn build_release(krate: &Path, target: &Path, name: &str) -> PathBuf {
    cargo(krate, target, &["build", "--release", "--quiet"]);
    target
        .join("release")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

/// Runs `binary` with `input` on stdin; its stdout.
pub fn run(binary: &Path, input: &str) -> String {
    let mut child = Command::new(binary)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the scratch binary runs");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_owned();
    // Feed from a thread: answers fill stdout's pipe while requests are still going in.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().expect("the scratch binary ends");
    writer.join().expect("writer").expect("input written");
    assert!(out.status.success(), "the scratch binary failed");
    String::from_utf8(out.stdout).expect("UTF-8 answers")
}
