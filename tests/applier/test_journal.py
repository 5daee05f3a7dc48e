"""The audit journal: append-only, one durable JSON object per line, never a secret."""

from __future__ import annotations

import errno
import os
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.applier.journal import REDACTED, Journal, JournalError, read_journal, redact
from reconciler.errors import UserError

FIXED = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


def test_entries_are_appended_across_runs_with_timestamps(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "journal.jsonl"
    with Journal(path, run_id="r1", clock=lambda: FIXED) as journal:
        journal.record("request", method="POST", path="/api/fota/v3/x", body={"a": 1})
    with Journal(path, run_id="r2", clock=lambda: FIXED) as journal:
        journal.record("response", response={"id": "c1"})
    entries = read_journal(path)
    assert [(e["run"], e["event"]) for e in entries] == [("r1", "request"), ("r2", "response")]
    assert entries[0]["ts"] == "2027-03-01T12:00:00.000+00:00"
    assert entries[0]["body"] == {"a": 1}
    assert entries[1]["response"] == {"id": "c1"}


def test_secret_looking_keys_are_redacted_at_any_depth(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    with Journal(path, run_id="r") as journal:
        journal.record(
            "response",
            response={"sessionToken": "s3cr3t", "nested": [{"access_token": "t0k"}], "ok": 1},
            password="pw",
        )
    text = path.read_text()
    assert "s3cr3t" not in text and "t0k" not in text and '"pw"' not in text
    entry = read_journal(path)[0]
    assert entry["password"] == REDACTED
    assert entry["response"]["nested"][0]["access_token"] == REDACTED
    assert entry["response"]["ok"] == 1


def test_concurrent_writers_never_interleave_lines(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    journal = Journal(path, run_id="r", fsync=False)

    def write(n: int) -> None:
        for i in range(50):
            journal.record("x", who=n, i=i, pad="y" * 2000)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    journal.close()
    entries = read_journal(path)
    assert len(entries) == 400
    assert sorted((e["who"], e["i"]) for e in entries) == [
        (n, i) for n in range(8) for i in range(50)
    ]


def test_unwritable_location_is_a_user_error_naming_the_option(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(UserError, match="--journal"):
        Journal(blocker / "journal.jsonl", run_id="r")


def test_a_directory_is_named_with_a_file_inside_it_as_the_fix(tmp_path: Path) -> None:
    with pytest.raises(JournalError) as info:
        Journal(tmp_path, run_id="r")
    assert info.value.message == (
        f"cannot open the journal {tmp_path}: it is a directory; name a file, e.g. "
        f"--journal {tmp_path / 'journal.jsonl'}"
    )


def test_a_full_device_is_one_error_naming_the_path_and_it_sticks() -> None:
    with Journal(Path("/dev/full"), run_id="r") as journal:
        with pytest.raises(JournalError) as info:
            journal.record("start")
        assert info.value.message == (
            "cannot write the journal /dev/full: No space left on device; free space on that "
            "file system, or choose another location with --journal PATH"
        )
        assert journal.error is info.value
        with pytest.raises(JournalError):  # no gap: nothing is recorded after a lost line
            journal.record("later")


def test_a_line_cut_short_by_a_full_disk_is_cut_back_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "j.jsonl"
    real_write = os.write
    with Journal(path, run_id="r", clock=lambda: FIXED) as journal:
        journal.record("first", n=1)

        def half_then_full(fd: int, data: bytes) -> int:
            if len(data) > 10:
                return real_write(fd, bytes(data[:10]))
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr("reconciler.applier.journal.os.write", half_then_full)
        with pytest.raises(JournalError, match="No space left on device"):
            journal.record("second", n=2)
    assert [e["event"] for e in read_journal(path)] == ["first"]
    assert path.read_bytes().endswith(b"}\n")


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=3)
    ),
    max_leaves=15,
)


SECRET_WORDS = ("password", "secret", "token", "authorization", "credential", "cookie")
"""The words by which a key names a secret, restated here rather than imported from the redactor."""


@given(_json)
def test_redact_keeps_every_non_secret_value(value: object) -> None:
    out = redact(value)

    def walk(a: object, b: object) -> None:
        if isinstance(a, dict):
            assert isinstance(b, dict) and set(b) == set(a)
            for key in a:
                lowered = key.lower().replace("_", "").replace("-", "")
                if any(w in lowered for w in SECRET_WORDS):
                    assert b[key] == REDACTED
                else:
                    walk(a[key], b[key])
        elif isinstance(a, list):
            assert isinstance(b, list) and len(a) == len(b)
            for x, y in zip(a, b, strict=True):
                walk(x, y)
        else:
            assert a == b

    walk(value, out)
