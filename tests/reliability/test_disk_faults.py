"""Local disk faults around apply: a lock left empty, a journal that cannot be written, a lock
directory that cannot be written, an embedded state directory that cannot be written. Each is
one ``error:`` line naming the path and the fix (exit 1), nothing is sent to the API or left
half-written, and a later run converges once the fault is gone, creating each campaign once."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from reconciler.applier import read_journal
from reconciler.model import Kind
from reconciler.sim.faults import FaultRule
from reconciler.sim.fleet import DEFAULT_ACCOUNT as ACC
from reconciler.sim.testing import running_sim
from reconciler.thingspace import Credentials, RetryPolicy, ThingSpaceClient, ThingSpaceError
from tests.cli.support import run, served, writes
from tests.reliability.support import CREATE, DEVICES, LOCK, one_line_error, spec_yaml, write_specs

APPLY = ("apply", "specs", "--auto-approve")
REAL_OPEN, REAL_WRITE = os.open, os.write


def _fd_path(fd: int) -> str:
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return ""


def _full() -> int:
    raise OSError(errno.ENOSPC, "No space left on device")


def converges(capsys: pytest.CaptureFixture[str], creates: int) -> None:
    """The next apply succeeds and the one after it has nothing to do."""
    code, out, err = run(capsys, *APPLY)
    assert code == 0, err
    assert out.endswith(f"apply: {creates} ok, 0 partial, 0 refused, 0 failed, 0 skipped\n")
    code, out, _ = run(capsys, *APPLY)
    assert code == 0 and "Nothing to apply." in out


def test_an_empty_lock_left_by_a_crash_is_taken_over_with_a_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_specs(tmp_path, 2)
    with served(tmp_path, monkeypatch) as sim:
        assert run(capsys, *APPLY)[0] == 0
        write_specs(tmp_path, 3)
        LOCK.write_text("")  # what a kill between create and write used to leave
        code, _, err = run(capsys, *APPLY)
        assert code == 0, err
        assert f"note: took over the stale lock {LOCK}: it names no holder (empty" in err
        assert writes(sim) == {CREATE: 3} and not LOCK.exists()


def test_a_journal_on_a_full_device_stops_apply_before_any_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_specs(tmp_path, 3)
    with served(tmp_path, monkeypatch) as sim:
        code, _, err = run(capsys, *APPLY, "--journal", "/dev/full")
        assert code == 1
        assert one_line_error(err) == (
            "error: cannot write the journal /dev/full: No space left on device; free space on "
            "that file system, or choose another location with --journal PATH"
        )
        assert writes(sim) == {} and not LOCK.exists()
        converges(capsys, creates=3)
        assert writes(sim) == {CREATE: 3}


def test_a_journal_naming_a_directory_is_an_error_not_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_specs(tmp_path, 1)
    (tmp_path / "audit").mkdir()
    with served(tmp_path, monkeypatch) as sim:
        code, _, err = run(capsys, *APPLY, "--journal", "audit")
        assert code == 1
        assert one_line_error(err) == (
            "error: cannot open the journal audit: it is a directory; name a file, e.g. "
            "--journal audit/journal.jsonl"
        )
        assert writes(sim) == {}
        code, _, err = run(capsys, *APPLY, "--journal", "audit/journal.jsonl")
        assert code == 0, err


def test_a_disk_filling_up_mid_apply_stops_the_writes_and_keeps_whole_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_specs(tmp_path, 4)
    budget = [4]  # the start line, then the first create's request, response and outcome

    def filling(fd: int, data: bytes) -> int:
        if not _fd_path(fd).endswith("/.fota/journal.jsonl"):
            return REAL_WRITE(fd, data)
        budget[0] -= 1
        if budget[0] == -1:  # the fifth line is cut short by the full disk
            return REAL_WRITE(fd, bytes(data[: len(data) // 2]))
        return REAL_WRITE(fd, data) if budget[0] >= 0 else _full()

    with served(tmp_path, monkeypatch) as sim:
        with monkeypatch.context() as patch:
            patch.setattr("reconciler.applier.journal.os.write", filling)
            code, out, err = run(capsys, *APPLY, "--concurrency", "1")
        assert code == 1 and "Traceback" not in err
        assert "cannot write the journal .fota/journal.jsonl: No space left on device" in out
        assert writes(sim) == {CREATE: 1}  # nothing was sent that the journal did not record
        events = [e["event"] for e in read_journal(Path(".fota/journal.jsonl"))]
        assert events == ["start", "request", "response", "outcome"]
        converges(capsys, creates=3)
        assert writes(sim) == {CREATE: 4}


def test_a_lock_directory_that_cannot_be_written_is_named_and_nothing_is_sent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_specs(tmp_path, 2)

    def read_only(path: str, flags: int, mode: int = 0o777, **kw: int) -> int:
        if flags & os.O_CREAT and "/.fota/locks/" in str(Path(path).absolute()):
            raise PermissionError(errno.EACCES, "Permission denied")
        return REAL_OPEN(path, flags, mode, **kw)

    with served(tmp_path, monkeypatch) as sim:
        with monkeypatch.context() as patch:
            patch.setattr("reconciler.applier.lock.os.open", read_only)
            code, _, err = run(capsys, *APPLY)
        assert code == 1
        assert one_line_error(err) == (
            f"error: cannot write the lock file {LOCK}: Permission denied; make {LOCK.parent} "
            "writable, or choose another directory with --lock-dir DIR"
        )
        assert writes(sim) == {}
        converges(capsys, creates=2)


def test_a_full_disk_while_locking_leaves_no_lock_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_specs(tmp_path, 2)

    def full(fd: int, data: bytes) -> int:
        return _full() if "/.fota/locks/" in _fd_path(fd) else REAL_WRITE(fd, data)

    with served(tmp_path, monkeypatch) as sim:
        with monkeypatch.context() as patch:
            patch.setattr("reconciler.applier.lock.os.write", full)
            code, _, err = run(capsys, *APPLY)
        assert code == 1
        assert one_line_error(err) == (
            f"error: cannot write the lock file {LOCK}: No space left on device; free space on "
            "that file system, or choose another directory with --lock-dir DIR"
        )
        assert writes(sim) == {} and list(LOCK.parent.iterdir()) == []
        converges(capsys, creates=2)


@pytest.mark.parametrize("command", ["plan", "status", "apply"])
def test_an_unwritable_embedded_state_directory_is_not_blamed_on_credentials(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: str,
) -> None:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "a.yaml").write_text(  # the embedded emulator's clock is real time
        spec_yaml("a", DEVICES[:2], start="2099-03-10", end="2099-03-20")
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FOTA_API_URL", raising=False)

    def read_only(*args: object, **kw: object) -> object:
        raise PermissionError(errno.EACCES, "Permission denied")

    args = [command, "specs", *(["--auto-approve"] if command == "apply" else [])]
    with monkeypatch.context() as patch:
        patch.setattr("reconciler.cli.target.tempfile.TemporaryFile", read_only)
        code, out, err = run(capsys, *args)
    assert code == 1
    assert one_line_error(err) == (
        "error: cannot write in .fota/ (the embedded emulator keeps its state there): "
        "Permission denied; make it writable, run from a writable directory, or use --api-url"
    )
    assert "OAuth" not in out + err and "credentials" not in out + err
    code, _, err = run(capsys, *args)
    assert code == 0, err


def test_a_server_error_at_login_is_not_reported_as_bad_credentials() -> None:
    fault = FaultRule("500", path="/api/ts/v1/oauth2/token")
    retry = RetryPolicy(sleep=lambda _: None, max_attempts=2)
    with (
        running_sim(faults=[fault]) as sim,
        ThingSpaceClient(sim.url, Credentials.demo(), retry=retry) as client,
        pytest.raises(ThingSpaceError) as caught,
    ):
        client.get_campaign(ACC, Kind.FIRMWARE, "c-1")
    assert caught.value.message.startswith(
        "ThingSpace failed to answer the OAuth token (a server error): 500"
    ), caught.value.message
    assert "check FOTA_CLIENT" not in caught.value.message
