"""Node packages a test drives, installed by the test itself from a committed lock.

CI runs `bash .ci/run` on a fresh machine, so nothing may rely on a package installed by hand.
The first test that needs one runs `npm ci --ignore-scripts` on the committed package.json and
package-lock.json (exact versions, integrity hashes; no install script runs, so nothing
downloads a browser or a binary) into .cache/<name>/ (git-ignored), once: later runs reuse it
while the lock is unchanged. An xdist worker that finds another installing waits on a file lock.

No node or npm, or an install that fails, FAILS the test: a skipped check would pass silently
on a machine that never checked anything. Only the caller's opt-out variable set to 1 (an
explicit choice, reported as a skip with its reason) lets the tests not run.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class NodePackages:
    """Where the packages were installed, and the node binary to run them with."""

    node: str
    target: Path


def npm_ci(source: Path, name: str, opt_out: str, probe: str) -> NodePackages:
    """Install ``source``'s package.json and lock into .cache/``name`` (or
    ``$FOTA_<NAME>_DIR``) unless ``probe`` (a path under it) exists for this very lock."""
    what = f"the {name} tests"
    if os.environ.get(opt_out) == "1":
        pytest.skip(f"{opt_out}=1: {what} were opted out")
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.fail(
            f"{what} need node and npm (apt-get install nodejs npm); set {opt_out}=1 to opt "
            "out explicitly"
        )
    env_dir = os.environ.get(f"FOTA_{name.upper().replace('-', '_')}_DIR")
    target = Path(env_dir) if env_dir else ROOT / ".cache" / name
    target.mkdir(parents=True, exist_ok=True)
    lock = (source / "package-lock.json").read_bytes() + (source / "package.json").read_bytes()
    stamp = hashlib.sha256(lock).hexdigest()
    installed = target / probe
    with open(target / ".install.lock", "w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        marker = target / ".installed"
        if not (installed.exists() and marker.exists() and marker.read_text() == stamp):
            for file in ("package.json", "package-lock.json"):
                shutil.copy(source / file, target / file)
            done = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
                cwd=target,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            if done.returncode != 0 or not installed.exists():
                pytest.fail(
                    f"npm ci into {target} failed ({done.returncode}): "
                    f"{done.stderr[-2000:]}; set {opt_out}=1 to opt out"
                )
            marker.write_text(stamp)
    return NodePackages(node, target)
