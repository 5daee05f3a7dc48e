"""The per-account lock: one apply per account, stale locks recoverable, holder named."""

from __future__ import annotations

import errno
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from reconciler.applier.lock import (
    UNREADABLE_GRACE,
    LockHeldError,
    LockSettings,
    account_locks,
    acquire,
    force_unlock,
    lock_path,
    release,
)
from reconciler.errors import UserError

T0 = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
ACC = "0402196254-00001"


def settings(tmp_path: Path, **kw: object) -> LockSettings:
    base: dict[str, object] = {
        "lock_dir": tmp_path / "locks",
        "pid": 1000,
        "host": "runner-a",
        "clock": lambda: T0,
        "alive": lambda pid: True,
    }
    base.update(kw)
    return LockSettings(**base)  # type: ignore[arg-type]


def test_second_apply_is_refused_naming_the_holder(tmp_path: Path) -> None:
    first = settings(tmp_path)
    acquire(ACC, "run-1", first)
    second = settings(tmp_path, pid=2000)
    with pytest.raises(LockHeldError) as info:
        acquire(ACC, "run-2", second)
    message = info.value.message
    assert "pid 1000 on runner-a" in message
    assert "run-1" in message and "--force-unlock" in message and ACC in message


def test_release_frees_the_account(tmp_path: Path) -> None:
    s = settings(tmp_path)
    held = acquire(ACC, "run-1", s)
    release(held, s)
    assert not lock_path(s.lock_dir, ACC).exists()
    acquire(ACC, "run-2", settings(tmp_path, pid=2000))


def test_lock_of_a_dead_pid_on_this_host_is_taken_over(tmp_path: Path) -> None:
    acquire(ACC, "run-1", settings(tmp_path))
    taker = settings(tmp_path, pid=2000, alive=lambda pid: pid != 1000)
    info = acquire(ACC, "run-2", taker)
    assert info.run_id == "run-2"
    assert "run-2" in lock_path(taker.lock_dir, ACC).read_text()


def test_dead_pid_on_another_host_is_not_trusted_until_the_ttl(tmp_path: Path) -> None:
    acquire(ACC, "run-1", settings(tmp_path, host="runner-b"))
    dead_everywhere = {"alive": lambda pid: False, "pid": 2000}
    with pytest.raises(LockHeldError):
        acquire(ACC, "run-2", settings(tmp_path, **dead_everywhere))
    later = settings(tmp_path, clock=lambda: T0 + timedelta(hours=3), **dead_everywhere)
    assert acquire(ACC, "run-2", later).run_id == "run-2"


def test_release_never_removes_someone_elses_lock(tmp_path: Path) -> None:
    s = settings(tmp_path)
    mine = acquire(ACC, "run-1", s)
    force_unlock(ACC, s)
    theirs = acquire(ACC, "run-2", settings(tmp_path, pid=2000))
    release(mine, s)
    assert lock_path(s.lock_dir, ACC).exists()
    release(theirs, settings(tmp_path, pid=2000))
    assert not lock_path(s.lock_dir, ACC).exists()


def test_force_unlock_returns_the_previous_holder(tmp_path: Path) -> None:
    s = settings(tmp_path)
    acquire(ACC, "run-1", s)
    holder = force_unlock(ACC, s)
    assert holder is not None and holder.run_id == "run-1"
    assert force_unlock(ACC, s) is None


def test_all_or_nothing_over_several_accounts(tmp_path: Path) -> None:
    other = "0000000001-00001"
    acquire(other, "run-x", settings(tmp_path, pid=3000))
    s = settings(tmp_path)
    with pytest.raises(LockHeldError), account_locks([ACC, other], "run-1", s):
        pass  # pragma: no cover - never entered
    assert not lock_path(s.lock_dir, ACC).exists()  # the first lock was given back
    with account_locks([ACC], "run-1", s) as held:
        assert [h.account for h in held] == [ACC]
    assert not lock_path(s.lock_dir, ACC).exists()


@pytest.mark.parametrize("content", ["", "{garbage", "[]", "null", '{"pid": 1}', "\xff"])
def test_a_lock_naming_no_holder_is_taken_over_at_once_with_a_note(
    tmp_path: Path, content: str
) -> None:
    notes: list[str] = []
    s = settings(tmp_path, clock=lambda: datetime.now(UTC), notify=notes.append)
    s.lock_dir.mkdir(parents=True)
    lock_path(s.lock_dir, ACC).write_text(content)
    assert acquire(ACC, "run-2", s).run_id == "run-2"
    assert "run-2" in lock_path(s.lock_dir, ACC).read_text()
    (note,) = notes
    assert note.startswith(f"note: took over the stale lock {lock_path(s.lock_dir, ACC)}")
    assert "names no holder" in note


def test_without_hard_links_an_unreadable_lock_gets_a_grace_then_is_taken_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(src: object, dst: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr("reconciler.applier.lock.os.link", no_links)
    now = [datetime.now(UTC)]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += timedelta(seconds=seconds)

    s = settings(tmp_path, clock=lambda: now[0], sleep=sleep)
    s.lock_dir.mkdir(parents=True)
    lock_path(s.lock_dir, ACC).write_text("")
    # Written a moment before the test's "now", on the test's clock (the file system's own
    # timestamp would race the clock read above).
    written = now[0].timestamp() - 0.001
    os.utime(lock_path(s.lock_dir, ACC), (written, written))
    assert acquire(ACC, "run-2", s).run_id == "run-2"
    assert slept == [UNREADABLE_GRACE.total_seconds()]  # one grace, waited on the given clock
    assert "run-2" in lock_path(s.lock_dir, ACC).read_text()


def test_a_full_disk_leaves_no_lock_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(fd: int, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("reconciler.applier.lock.os.write", full)
    s = settings(tmp_path)
    with pytest.raises(UserError) as info:
        acquire(ACC, "run-1", s)
    path = lock_path(s.lock_dir, ACC)
    assert info.value.message == (
        f"cannot write the lock file {path}: No space left on device; free space on that "
        "file system, or choose another directory with --lock-dir DIR"
    )
    assert list(s.lock_dir.iterdir()) == []
    monkeypatch.undo()
    assert acquire(ACC, "run-2", s).run_id == "run-2"  # converges once the fault is gone


def test_a_read_only_lock_directory_is_one_line_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = settings(tmp_path)
    s.lock_dir.mkdir(parents=True)
    real_open = os.open

    def read_only(path: str, flags: int, mode: int = 0o777) -> int:
        if flags & os.O_CREAT:
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_open(path, flags, mode)

    monkeypatch.setattr("reconciler.applier.lock.os.open", read_only)
    with pytest.raises(UserError) as info:
        acquire(ACC, "run-1", s)
    assert info.value.message == (
        f"cannot write the lock file {lock_path(s.lock_dir, ACC)}: Permission denied; make "
        f"{s.lock_dir} writable, or choose another directory with --lock-dir DIR"
    )


def test_a_lock_directory_that_cannot_be_created_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def read_only(self: Path, *args: object, **kw: object) -> None:
        raise PermissionError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(Path, "mkdir", read_only)
    s = settings(tmp_path)
    with pytest.raises(UserError) as info:
        acquire(ACC, "run-1", s)
    assert info.value.message == (
        f"cannot create the lock directory {s.lock_dir}: Read-only file system; make "
        f"{tmp_path} writable, or choose another directory with --lock-dir DIR"
    )


def test_temporaries_a_killed_apply_left_are_swept_once_old(tmp_path: Path) -> None:
    # A SIGKILL between writing the temporary and linking it leaves only the temporary: no
    # lock to block anyone, and the next acquire removes it once it is a minute old.
    s = settings(tmp_path, clock=lambda: datetime.now(UTC))
    s.lock_dir.mkdir(parents=True)
    old = s.lock_dir / f".{ACC}.lock.4242.0badcafe.tmp"
    fresh = s.lock_dir / f".{ACC}.lock.4343.0badf00d.tmp"
    for temp in (old, fresh):
        temp.write_text("{")
    past = (datetime.now(UTC) - timedelta(minutes=5)).timestamp()
    os.utime(old, (past, past))
    assert acquire(ACC, "run-2", s).run_id == "run-2"
    assert sorted(p.name for p in s.lock_dir.iterdir()) == [fresh.name, f"{ACC}.lock"]


def test_a_live_holder_on_this_host_is_never_overridden_by_age(tmp_path: Path) -> None:
    acquire(ACC, "run-1", settings(tmp_path))
    much_later = settings(tmp_path, pid=2000, clock=lambda: T0 + timedelta(days=3))
    with pytest.raises(LockHeldError, match="pid 1000"):
        acquire(ACC, "run-2", much_later)


def test_the_holder_refreshes_its_lock_while_it_works(tmp_path: Path) -> None:
    import os
    import threading

    s = settings(tmp_path, heartbeat=0.01)
    with account_locks([ACC], "run-1", s):
        path = lock_path(s.lock_dir, ACC)
        os.utime(path, (0, 0))  # pretend it has not been touched since 1970
        refreshed = threading.Event()
        for _ in range(500):
            if path.stat().st_mtime > 0:
                refreshed.set()
                break
            refreshed.wait(0.01)
        assert refreshed.is_set()
