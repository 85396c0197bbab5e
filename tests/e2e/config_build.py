"""Builds Kraken's release wasm from another config directory, leaving the committed tables alone.

The build is a copy of the `kraken` crate in `target/kraken-config/<label>/` whose generated
tables come from `cargo codegen generate --config DIR --out ...`; its package and binary are named
`kraken-<label>` so it lands next to the committed build in the shared target directory, whose
compiled dependencies it reuses (only Kraken itself is compiled again):

    wasm = build_for_config("/tmp/my-config", "after")   # target/wasm32-wasip1/release/kraken-after.wasm
    with EdgeStack(wasm=wasm) as stack: ...
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TARGET = REPO / "target"


def build_for_config(config_dir, label):
    """The path of a release wasm built from `config_dir`; raises with codegen's errors."""
    if not re.fullmatch(r"[a-z0-9-]+", label):
        raise ValueError(f"label {label!r}: lowercase letters, digits and - only")
    env = dict(os.environ, PATH=f"{Path.home() / '.cargo' / 'bin'}{os.pathsep}{os.environ['PATH']}",
               CARGO_TARGET_DIR=str(TARGET))
    work = TARGET / "kraken-config" / label
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(REPO / "kraken" / "src", work / "kraken" / "src")
    # A package of its own name (the library keeps the crate name `kraken`): cargo would
    # otherwise share one compiled library between every copy and link stale tables.
    manifest = (REPO / "kraken" / "Cargo.toml").read_text()
    renamed = manifest
    for old, new in (('[package]\nname = "kraken"\n', f'[package]\nname = "kraken-{label}"\n'),
                     ('[lib]\n', '[lib]\nname = "kraken"\n'),
                     ('name = "kraken"\npath = "src/main.rs"', f'name = "kraken-{label}"\npath = "src/main.rs"')):
        if old not in renamed:
            raise RuntimeError(f"kraken/Cargo.toml: no {old!r}, which build_for_config rewrites")
        renamed = renamed.replace(old, new, 1)
    # Only the service is built: its test-only dependencies (workspace paths) are not copied.
    renamed = re.sub(r"(?ms)^\[dev-dependencies\]\n.*?(?=^\[|\Z)", "", renamed)
    (work / "kraken" / "Cargo.toml").write_text(renamed)
    # The workspace root: same profiles and dependency versions, Kraken as its only member.
    root = (REPO / "Cargo.toml").read_text()
    root = re.sub(r"(?m)^members = .*$", 'members = ["kraken"]', root)
    root = re.sub(r"(?m)^[a-z0-9_-]+ = \{ path = .*\n", "", root)
    (work / "Cargo.toml").write_text(root)
    shutil.copy(REPO / "Cargo.lock", work / "Cargo.lock")

    out = work / "kraken" / "src" / "generated" / "config.rs"
    result = subprocess.run(
        ["cargo", "run", "--quiet", "--package", "codegen", "--", "generate",
         "--config", str(config_dir), "--out", str(out)],
        cwd=REPO, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"codegen refused {config_dir}:\n{result.stderr}")
    subprocess.run(["cargo", "build", "--quiet", "--offline", "--release", "--target", "wasm32-wasip1",
                    "--manifest-path", str(work / "Cargo.toml"), "--bin", f"kraken-{label}"],
                   cwd=work, env=env, check=True)
    return TARGET / "wasm32-wasip1" / "release" / f"kraken-{label}.wasm"
