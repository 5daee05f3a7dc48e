"""One apply per account at a time: a lock file per account under ``.fota/locks/``.

Why: two applies interleaving on one account (a CI re-run racing a laptop) could each see
"campaign missing" and both create it. The lock makes the second one stop before it reads
anything, naming the holder so the operator knows whom to ask.

Mechanics: ``O_CREAT | O_EXCL`` creation is atomic on local file systems; the file holds the
holder's pid, host, start time and run id. A lock is *stale* when its holder's pid is dead on
this same host, or, for a holder on another host, when it has not been refreshed for a TTL (the
holder touches the file every minute while it works; a crashed runner stops). Breaking a
stale lock is itself guarded by an ``O_EXCL`` "breaker" file, so two processes that both find
the same stale lock cannot both take it over. ``--force-unlock`` removes a lock unconditionally
(the operator's decision, documented in docs/APPLY.md).

This only coordinates processes that share the lock directory. Applies on different CI runners
must be serialised by the CI system (a GitHub Actions ``concurrency`` group per account), as
docs/APPLY.md explains.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from reconciler.errors import UserError

DEFAULT_LOCK_DIR = Path(".fota/locks")
DEFAULT_TTL = timedelta(hours=2)
_BREAKER_TTL = timedelta(seconds=60)


class LockHeldError(UserError):
    """Another apply holds the account's lock."""


@dataclass(frozen=True)
class LockInfo:
    """Who holds a lock (what the lock file says)."""

    account: str
    pid: int
    host: str
    started: datetime
    run_id: str

    def describe(self) -> str:
        return (
            f"pid {self.pid} on {self.host}, started {self.started.isoformat(timespec='seconds')}"
            f", run {self.run_id}"
        )

    def to_json(self) -> str:
        return json.dumps(
            {
                "account": self.account,
                "pid": self.pid,
                "host": self.host,
                "started": self.started.isoformat(),
                "run": self.run_id,
            },
            sort_keys=True,
        )

    @staticmethod
    def from_json(text: str) -> LockInfo:
        raw: dict[str, Any] = json.loads(text)
        started = datetime.fromisoformat(str(raw["started"]))
        if started.tzinfo is None:
            started = started.replace(tzinfo=UTC)
        return LockInfo(
            account=str(raw["account"]),
            pid=int(raw["pid"]),
            host=str(raw["host"]),
            started=started,
            run_id=str(raw["run"]),
        )


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists on this host."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


def lock_path(lock_dir: Path, account: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", account)
    return lock_dir / f"{safe}.lock"


@dataclass
class LockSettings:
    """Everything the lock needs from the outside world, injectable for tests."""

    lock_dir: Path = DEFAULT_LOCK_DIR
    ttl: timedelta = DEFAULT_TTL
    pid: int = field(default_factory=os.getpid)
    host: str = field(default_factory=socket.gethostname)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    alive: Callable[[int], bool] = field(default=pid_alive)
    heartbeat: float = 60.0  # seconds between refreshes of a held lock's mtime


def _stale(info: LockInfo, path: Path, settings: LockSettings) -> str | None:
    """Why the lock is stale, or None when its holder may still be working.

    On this host the pid decides (a live holder is never overridden, however long it runs).
    For a holder on another host only time can tell: the holder refreshes the file's mtime
    while it works (:func:`account_locks`), so a lock not refreshed for ``ttl`` is abandoned.
    """
    if info.host == settings.host:
        if settings.alive(info.pid):
            return None
        return f"pid {info.pid} is no longer running on {info.host}"
    try:
        touched = max(info.started, datetime.fromtimestamp(path.stat().st_mtime, UTC))
    except FileNotFoundError:
        return "it was released"
    if settings.clock() - touched > settings.ttl:
        return f"it was not refreshed for more than {settings.ttl}"
    return None


def _read(path: Path) -> LockInfo | None:
    try:
        return LockInfo.from_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError, json.JSONDecodeError):
        # A half-written lock (crash during creation): report it as unknown but held.
        return LockInfo("?", -1, "?", datetime.fromtimestamp(path.stat().st_mtime, UTC), "?")


def _create(path: Path, info: LockInfo) -> bool:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return False
    try:
        os.write(fd, info.to_json().encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return True


@contextlib.contextmanager
def _breaker(path: Path, settings: LockSettings) -> Iterator[bool]:
    """Exclusive right to break the lock at ``path``; yields False when someone else has it."""
    breaker = path.with_name(path.name + ".breaking")
    try:
        fd = os.open(breaker, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        with contextlib.suppress(FileNotFoundError):
            age = settings.clock() - datetime.fromtimestamp(breaker.stat().st_mtime, UTC)
            if age > _BREAKER_TTL:  # a breaker that crashed mid-way
                breaker.unlink()
        yield False
        return
    os.close(fd)
    try:
        yield True
    finally:
        with contextlib.suppress(FileNotFoundError):
            breaker.unlink()


def acquire(account: str, run_id: str, settings: LockSettings) -> LockInfo:
    """Take the account's lock or raise :class:`LockHeldError` naming the holder."""
    try:
        settings.lock_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create the lock directory {settings.lock_dir}: {exc}") from exc
    path = lock_path(settings.lock_dir, account)
    mine = LockInfo(account, settings.pid, settings.host, settings.clock(), run_id)
    for _ in range(3):
        if _create(path, mine):
            return mine
        holder = _read(path)
        if holder is None:
            continue  # released between our two calls: try again
        reason = _stale(holder, path, settings)
        if reason is None:
            raise LockHeldError(
                f"account {account} is locked by another apply ({holder.describe()}); "
                f"wait for it to finish, or if it is gone run again with --force-unlock "
                f"(lock file {path})"
            )
        with _breaker(path, settings) as may_break:
            if may_break and _read(path) == holder:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
    raise LockHeldError(
        f"account {account}: could not take the lock {path} (another apply is taking it); "
        "run again in a moment"
    )


def release(info: LockInfo, settings: LockSettings) -> None:
    """Remove the lock if it is still ours (never someone else's after a --force-unlock)."""
    path = lock_path(settings.lock_dir, info.account)
    current = _read(path)
    if current is not None and current.run_id == info.run_id and current.pid == info.pid:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def force_unlock(account: str, settings: LockSettings) -> LockInfo | None:
    """Remove the account's lock whoever holds it; returns what it said, if anything."""
    path = lock_path(settings.lock_dir, account)
    holder = _read(path)
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    return holder


@contextlib.contextmanager
def account_locks(
    accounts: Sequence[str], run_id: str, settings: LockSettings, *, force: bool = False
) -> Iterator[list[LockInfo]]:
    """Hold every account's lock (taken in sorted order, all or none) for the block."""
    taken: list[LockInfo] = []
    stop = threading.Event()
    beat = threading.Thread(
        target=_refresh, args=(taken, settings, stop), name="fota-lock-heartbeat", daemon=True
    )
    try:
        for account in sorted(set(accounts)):
            if force:
                force_unlock(account, settings)
            taken.append(acquire(account, run_id, settings))
        beat.start()
        yield taken
    finally:
        stop.set()
        if beat.is_alive():
            beat.join()
        for info in reversed(taken):
            release(info, settings)


def _refresh(taken: list[LockInfo], settings: LockSettings, stop: threading.Event) -> None:
    """Touch every held lock every ``heartbeat`` seconds: "still working" for other hosts."""
    while not stop.wait(settings.heartbeat):
        for info in taken:
            with contextlib.suppress(OSError):
                os.utime(lock_path(settings.lock_dir, info.account))
