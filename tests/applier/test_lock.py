"""The per-account lock: one apply per account, stale locks recoverable, holder named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from reconciler.applier.lock import (
    LockHeldError,
    LockSettings,
    account_locks,
    acquire,
    force_unlock,
    lock_path,
    release,
)

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


def test_a_half_written_lock_counts_as_held_until_the_ttl(tmp_path: Path) -> None:
    s = settings(tmp_path, clock=lambda: datetime.now(UTC))
    s.lock_dir.mkdir(parents=True)
    lock_path(s.lock_dir, ACC).write_text("{garbage")
    with pytest.raises(LockHeldError, match="--force-unlock"):
        acquire(ACC, "run-1", s)
    aged = settings(tmp_path, clock=lambda: datetime.now(UTC) + timedelta(hours=3))
    assert acquire(ACC, "run-2", aged).run_id == "run-2"


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
