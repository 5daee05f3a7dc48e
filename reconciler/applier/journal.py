"""The audit journal: an append-only JSON-lines record of every write apply attempted.

Why a journal and not just the console: an operator asked "what did last night's apply do to
campaign X?" needs the exact request (method, path, body) and the API's answer, with a
timestamp, long after the CI log has expired. Each line is flushed and fsynced before the next
step runs, so a crash loses at most the line being written, never an earlier one.

A disk fault (read-only directory, full disk, ``--journal`` naming a directory) is a one-line
:class:`JournalError` naming the path and the fix. A line that could not be written whole is cut
back off (the file keeps only whole lines), and once one write failed the journal refuses every
later one: the executor then sends nothing more, because a write the journal did not record
first would break the promise above.

Secrets never get here: requests are recorded without headers, auth calls are never recorded,
and every record passes through :func:`redact` (belt and braces against a body that happens to
carry a token-like key).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reconciler.errors import UserError
from reconciler.redaction import Redactor

DEFAULT_JOURNAL = Path(".fota/journal.jsonl")

REDACTED = "[redacted]"
_REDACTOR = Redactor(mask=REDACTED)


def redact(value: Any) -> Any:
    """A copy of a JSON-like value with every secret-looking key's value replaced."""
    return _REDACTOR.scrub(value)


class JournalError(UserError):
    """The journal cannot be opened or written (the message names the path and the fix)."""


def _journal_error(what: str, path: Path, exc: OSError) -> JournalError:
    reason = exc.strerror or str(exc)
    if exc.errno == errno.EISDIR or path.is_dir():
        return JournalError(
            f"cannot {what} the journal {path}: it is a directory; name a file, e.g. "
            f"--journal {path / 'journal.jsonl'}"
        )
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        fix = "free space on that file system, or choose another location with --journal PATH"
    else:
        fix = f"make {path.parent} writable, or choose another location with --journal PATH"
    return JournalError(f"cannot {what} the journal {path}: {reason}; {fix}")


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Journal:
    """Appends one JSON object per line; thread-safe; each line durable before returning."""

    def __init__(
        self,
        path: Path,
        *,
        run_id: str,
        clock: Callable[[], datetime] = _utc_now,
        fsync: bool = True,
    ) -> None:
        self.path = path
        self.run_id = run_id
        self._clock = clock
        self._fsync = fsync
        self._lock = threading.Lock()
        self.error: JournalError | None = None
        """The first failed write: every later ``record`` raises it again."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        except OSError as exc:
            raise _journal_error("open", path, exc) from None

    def record(self, event: str, **fields: Any) -> None:
        entry: dict[str, Any] = {
            "ts": self._clock().isoformat(timespec="milliseconds"),
            "run": self.run_id,
            "event": event,
        }
        entry.update(redact(fields))
        line = (json.dumps(entry, sort_keys=True, default=str) + "\n").encode()
        with self._lock:
            if self.error is not None:
                raise self.error
            fd = self._fd
            try:
                _append_whole(fd, line)
            except OSError as exc:
                self.error = _journal_error("write", self.path, exc)
                raise self.error from None
        if self._fsync:
            # Outside the lock: concurrent writers' syncs overlap and the file system groups
            # them; each caller still returns only once its own line (and all before) is durable.
            try:
                os.fdatasync(fd)
            except OSError as exc:
                if exc.errno != errno.EINVAL:  # EINVAL: a special file that cannot sync
                    with self._lock:
                        self.error = self.error or _journal_error("sync", self.path, exc)
                    raise self.error from None

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _append_whole(fd: int, line: bytes) -> None:
    """Append ``line`` whole, or cut the file back to where it was and raise."""
    start: int | None = None
    with contextlib.suppress(OSError):
        start = os.fstat(fd).st_size
    view = memoryview(line)
    try:
        while view:
            view = view[os.write(fd, view) :]
    except OSError:
        if start is not None and len(view) != len(line):
            with contextlib.suppress(OSError):
                os.ftruncate(fd, start)  # never leave half a line for the next reader
        raise


def read_journal(path: Path) -> list[dict[str, Any]]:
    """Every entry of a journal, oldest first (for tests and audits)."""
    entries: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                entries.append(json.loads(line))
    return entries
