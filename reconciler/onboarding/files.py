"""Writing a set of files so that a run leaves either all of them or none of them changed.

Every file is first written in full to a temporary file in its own directory (where a full disk
or a missing permission shows up), and only when all are written are they renamed over their
targets, in the order given (devices files before the specs that name them). A rename within a
directory is atomic, and rarely fails once the temporary file exists; if one does, the files
already renamed are listed in the error so nothing is changed silently.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reconciler.errors import UserError


@dataclass(frozen=True)
class FileWrite:
    path: Path
    text: str


def _mode(path: Path) -> int:
    """The mode the file should get: its current one, or what a plain ``open`` would give."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_all(writes: Sequence[FileWrite]) -> None:
    """Write every file, all-or-nothing (see the module docstring); ``UserError`` on failure."""
    staged: list[tuple[str, Path]] = []
    try:
        for item in writes:
            directory = item.path.parent
            directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{item.path.name}.", suffix=".tmp", dir=directory)
            staged.append((tmp, item.path))
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(item.text)
            os.chmod(tmp, _mode(item.path))
    except OSError as exc:
        _discard(staged)
        failed = getattr(exc, "filename", None) or (staged[-1][1] if staged else "?")
        raise UserError(
            f"cannot write {failed}: {exc.strerror or exc}; nothing was written"
        ) from None
    done: list[Path] = []
    for index, (tmp, target) in enumerate(staged):
        try:
            os.replace(tmp, target)
        except OSError as exc:
            _discard(staged[index:])
            written = ", ".join(str(p) for p in done) or "none"
            raise UserError(
                f"cannot replace {target}: {exc.strerror or exc}; files already written: "
                f"{written}; the others are unchanged"
            ) from None
        done.append(target)


def _discard(staged: Sequence[tuple[str, Path]]) -> None:
    for tmp, _ in staged:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
