"""The audit journal: an append-only JSON-lines record of every write apply attempted.

Why a journal and not just the console: an operator asked "what did last night's apply do to
campaign X?" needs the exact request (method, path, body) and the API's answer, with a
timestamp, long after the CI log has expired. Each line is flushed and fsynced before the next
step runs, so a crash loses at most the line being written, never an earlier one.

Secrets never get here: requests are recorded without headers, auth calls are never recorded,
and every record passes through :func:`redact` (belt and braces against a body that happens to
carry a token-like key).
"""

from __future__ import annotations

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
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        except OSError as exc:
            raise UserError(
                f"cannot open the journal {path}: {exc.strerror}; "
                "choose a writable location with --journal PATH"
            ) from exc

    def record(self, event: str, **fields: Any) -> None:
        entry: dict[str, Any] = {
            "ts": self._clock().isoformat(timespec="milliseconds"),
            "run": self.run_id,
            "event": event,
        }
        entry.update(redact(fields))
        line = (json.dumps(entry, sort_keys=True, default=str) + "\n").encode()
        with self._lock:
            fd = self._fd
            os.write(fd, line)
        if self._fsync:
            # Outside the lock: concurrent writers' syncs overlap and the file system groups
            # them; each caller still returns only once its own line (and all before) is durable.
            os.fdatasync(fd)

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_journal(path: Path) -> list[dict[str, Any]]:
    """Every entry of a journal, oldest first (for tests and audits)."""
    entries: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                entries.append(json.loads(line))
    return entries
