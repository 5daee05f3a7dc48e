"""One apply per account at a time: a lock file per account under ``.fota/locks/``.

Why: two applies interleaving on one account (a CI re-run racing a laptop) could each see
"campaign missing" and both create it. The lock makes the second one stop before it reads
anything, naming the holder so the operator knows whom to ask.

Mechanics: the holder's pid, host, start time and run id are written to a private temporary
file in the lock directory, synced, and then ``os.link``-ed to the lock's name. The link is
atomic and fails when the name exists (``O_EXCL`` semantics), so a lock file is never
observable half-written: a SIGKILL or a full disk leaves at most a temporary file (removed
later), never an empty lock. A lock is *stale* when its holder's pid is dead on this same host,
or, for a holder on another host, when it has not been refreshed for a TTL (the holder touches
the file every minute while it works; a crashed runner stops). A lock file that cannot be read
(empty or garbage: an older version's crash between create and write, a file truncated by
hand) names no holder; since no apply ever publishes one like that, it is judged by its age
alone and taken over once it is older than a short grace (the window in which a file system
without hard links, see :func:`_publish`, can show a lock being written). Breaking a stale
lock is itself guarded by an ``O_EXCL`` "breaker" file, so two processes that both find the
same stale lock cannot both take it over; every take-over is reported through
``LockSettings.notify``. ``--force-unlock`` removes a lock unconditionally (the operator's
decision, documented in docs/APPLY.md).

Disk faults (a read-only or full lock directory) are ``UserError``s naming the path and the
fix; nothing is left behind by them.

This only coordinates processes that share the lock directory. Applies on different CI runners
must be serialised by the CI system (a GitHub Actions ``concurrency`` group per account), as
docs/APPLY.md explains.
Why one module of ~400 lines: taking, publishing, reading, judging and releasing a lock are
one protocol on one file format; the judging of a lock nobody can read depends on how it is
published.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from reconciler.errors import UserError

DEFAULT_LOCK_DIR = Path(".fota/locks")
DEFAULT_TTL = timedelta(hours=2)
_BREAKER_TTL = timedelta(seconds=60)
UNREADABLE_GRACE = timedelta(seconds=2)
"""How old a lock file that names no holder must be before it is taken over: longer than a
writer on a file system without hard links needs between creating a lock and writing it."""
_TEMP_SUFFIX = ".tmp"
_NO_HARD_LINKS = frozenset(
    {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK, errno.ENOSYS, errno.EXDEV}
)


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
    notify: Callable[[str], None] = field(default=lambda _message: None)
    """Told (one line) when a stale or unreadable lock is taken over, or cannot be removed."""
    sleep: Callable[[float], None] = field(default=time.sleep)
    """Waits out an unreadable lock's grace (tests pass a fake)."""


@dataclass(frozen=True)
class Unreadable:
    """A lock file that names no holder (empty, cut short or garbage): only its age is known."""

    modified: datetime
    size: int
    inode: int

    def describe(self) -> str:
        what = "empty" if self.size == 0 else f"unreadable ({self.size} bytes)"
        return f"{what}, last written {self.modified.isoformat(timespec='seconds')}"


def _stale(
    info: LockInfo | Unreadable, path: Path, settings: LockSettings, *, grace: bool = True
) -> str | None:
    """Why the lock is stale, or None when its holder may still be working.

    On this host the pid decides (a live holder is never overridden, however long it runs).
    For a holder on another host only time can tell: the holder refreshes the file's mtime
    while it works (:func:`account_locks`), so a lock not refreshed for ``ttl`` is abandoned.
    A lock that names no holder is never a working apply's where hard links work (locks are
    published whole), so it is stale at once there, and otherwise (``grace``) once older than
    :data:`UNREADABLE_GRACE`.
    """
    if isinstance(info, Unreadable):
        age = settings.clock() - info.modified
        if not grace or age > UNREADABLE_GRACE:
            return f"it names no holder ({info.describe()})"
        return None
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


def _read(path: Path) -> LockInfo | Unreadable | None:
    """What the lock file says; None when there is none."""
    try:
        with path.open("rb") as handle:
            info = os.fstat(handle.fileno())
            data = handle.read(64 * 1024)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _disk_error("read the lock file", path, exc) from None
    try:
        return LockInfo.from_json(data.decode("utf-8"))
    except (ValueError, KeyError, TypeError, AttributeError):
        modified = datetime.fromtimestamp(info.st_mtime, UTC)
        return Unreadable(modified, info.st_size, info.st_ino)


def _disk_error(what: str, path: Path, exc: OSError, directory: Path | None = None) -> UserError:
    """A one-line error for a lock-directory fault, naming the path and the fix."""
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        fix = "free space on that file system, or choose another directory with --lock-dir DIR"
    else:
        where = directory or path.parent
        fix = f"make {where} writable, or choose another directory with --lock-dir DIR"
    return UserError(f"cannot {what} {path}: {reason}; {fix}")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


Created = Literal["created", "exists", "exists, written in place"]


def _create(path: Path, info: LockInfo) -> Created:
    """Publish ``info`` as the lock at ``path``; "exists..." when a lock is already there.

    The content is written and synced under a private temporary name first, then hard-linked
    to ``path``: the link is atomic and refuses an existing name, so nobody ever reads a
    partial lock. On a file system without hard links the lock is created in place with
    ``O_EXCL`` and written (the short window :data:`UNREADABLE_GRACE` covers).
    """
    data = info.to_json().encode()
    temp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}{_TEMP_SUFFIX}")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(temp, path)
        except FileExistsError:
            return "exists"
        except OSError as exc:
            if exc.errno not in _NO_HARD_LINKS:
                raise
            return _create_in_place(path, data)
        return "created"
    except OSError as exc:
        raise _disk_error("write the lock file", path, exc) from None
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()


def _create_in_place(path: Path, data: bytes) -> Created:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return "exists, written in place"
    try:
        _write_all(fd, data)
        os.fsync(fd)
    except OSError:
        os.close(fd)
        with contextlib.suppress(OSError):
            path.unlink()  # ours, and unusable: never leave a partial lock behind
        raise
    os.close(fd)
    return "created"


def _sweep_temporaries(path: Path, settings: LockSettings) -> None:
    """Remove temporary lock files that a killed apply left (older than a minute)."""
    with contextlib.suppress(OSError):
        for temp in path.parent.glob(f".{path.name}.*{_TEMP_SUFFIX}"):
            with contextlib.suppress(OSError):
                age = settings.clock() - datetime.fromtimestamp(temp.stat().st_mtime, UTC)
                if age > _BREAKER_TTL:
                    temp.unlink()


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
        where = settings.lock_dir.parent
        raise _disk_error("create the lock directory", settings.lock_dir, exc, where) from None
    path = lock_path(settings.lock_dir, account)
    _sweep_temporaries(path, settings)
    mine = LockInfo(account, settings.pid, settings.host, settings.clock(), run_id)
    for _ in range(4):
        created = _create(path, mine)
        if created == "created":
            return mine
        holder = _read(path)
        if holder is None:
            continue  # released between our two calls: try again
        reason = _stale(holder, path, settings, grace=created != "exists")
        if reason is None and isinstance(holder, Unreadable):
            # Possibly being written in place (no hard links): wait out the grace, re-read.
            settings.sleep(UNREADABLE_GRACE.total_seconds())
            continue
        if reason is None:
            assert isinstance(holder, LockInfo)
            raise LockHeldError(
                f"account {account} is locked by another apply ({holder.describe()}); "
                f"wait for it to finish, or if it is gone run again with --force-unlock "
                f"(lock file {path})"
            )
        try:
            with _breaker(path, settings) as may_break:
                if may_break and _read(path) == holder:
                    with contextlib.suppress(FileNotFoundError):
                        path.unlink()
                    settings.notify(f"note: took over the stale lock {path}: {reason}")
        except OSError as exc:
            raise _disk_error("replace the stale lock file", path, exc) from None
    raise LockHeldError(
        f"account {account}: could not take the lock {path} (another apply is taking it); "
        "run again in a moment"
    )


def release(info: LockInfo, settings: LockSettings) -> None:
    """Remove the lock if it is still ours (never someone else's after a --force-unlock)."""
    path = lock_path(settings.lock_dir, info.account)
    try:
        current = _read(path)
        if (
            isinstance(current, LockInfo)
            and current.run_id == info.run_id
            and current.pid == info.pid
        ):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
    except (OSError, UserError) as exc:
        reason = exc.message if isinstance(exc, UserError) else (exc.strerror or str(exc))
        settings.notify(
            f"note: could not remove the lock file {path} ({reason}); the next apply on this "
            "host takes it over, since its holder has exited"
        )


def force_unlock(account: str, settings: LockSettings) -> LockInfo | None:
    """Remove the account's lock whoever holds it; returns what it said, if anything."""
    path = lock_path(settings.lock_dir, account)
    holder = _read(path)
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise _disk_error("remove the lock file", path, exc) from None
    return holder if isinstance(holder, LockInfo) else None


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
