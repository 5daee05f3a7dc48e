"""The yaml-language-server the editor tests drive: installed from npm by the test itself.

CI runs `bash .ci/run` on a fresh machine, so nothing may rely on a server installed by hand.
The first test that needs it runs `npm ci` on tests/editor/package.json and its lock (exact
versions, integrity hashes) into .cache/editor-tests/ (git-ignored), once: later runs reuse it
while the lock is unchanged. An xdist worker that finds another installing waits on a file lock.

No npm, or an install that fails, FAILS the tests: a skipped editor test would pass silently on
a machine that never checked anything. Only FOTA_SKIP_EDITOR_TESTS=1 (an explicit opt-out,
reported as a skip with its reason) lets them not run.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
OPT_OUT = "FOTA_SKIP_EDITOR_TESTS"


def _install_dir() -> Path:
    return Path(os.environ.get("FOTA_EDITOR_TESTS_DIR") or ROOT / ".cache" / "editor-tests")


@pytest.fixture(scope="session")
def yaml_language_server() -> list[str]:
    """The command that starts yaml-language-server on stdio."""
    if os.environ.get(OPT_OUT) == "1":
        pytest.skip(f"{OPT_OUT}=1: the yaml-language-server tests were opted out")
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.fail(
            "the editor tests need node and npm (apt-get install nodejs npm); set "
            f"{OPT_OUT}=1 to opt out explicitly"
        )
    target = _install_dir()
    target.mkdir(parents=True, exist_ok=True)
    lock = (HERE / "package-lock.json").read_bytes() + (HERE / "package.json").read_bytes()
    stamp = hashlib.sha256(lock).hexdigest()
    server = target / "node_modules" / "yaml-language-server" / "bin" / "yaml-language-server"
    with open(target / ".install.lock", "w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        marker = target / ".installed"
        if not (server.exists() and marker.exists() and marker.read_text() == stamp):
            for name in ("package.json", "package-lock.json"):
                shutil.copy(HERE / name, target / name)
            done = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
                cwd=target,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            if done.returncode != 0 or not server.exists():
                pytest.fail(
                    f"npm ci of yaml-language-server into {target} failed "
                    f"({done.returncode}): {done.stderr[-2000:]}; set {OPT_OUT}=1 to opt out"
                )
            marker.write_text(stamp)
    return [node, str(server), "--stdio"]
