"""Golden files: rendered output compared with a file in the repo, the one way every test does it.

``UPDATE_GOLDEN=1 python -m pytest ...`` rewrites the files instead; review the diff before
committing it.
"""

from __future__ import annotations

import os
from pathlib import Path


def assert_golden(path: Path, actual: str) -> None:
    """``actual`` equals the golden file at ``path`` (written instead under UPDATE_GOLDEN=1)."""
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with UPDATE_GOLDEN=1"
    assert actual == path.read_text(encoding="utf-8"), f"{path.name} differs from its golden file"
