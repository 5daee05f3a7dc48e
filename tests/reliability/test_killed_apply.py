"""A ``fota apply`` SIGKILLed while it holds the account's lock (its create held at the
emulator) leaves no stuck lock: the next apply on this host sees the holder's pid gone, takes
the lock over with a note, and converges with every campaign created once. The kill point is an
emulator hold, not a timer. (Kills after every single write: tests/cli/test_apply_crash.py.)"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.support import run, served, writes
from tests.reliability.support import CREATE, LOCK, live_names, write_specs


def test_a_killed_holder_leaves_no_stuck_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_specs(tmp_path, 3)
    with served(tmp_path, monkeypatch) as sim:
        hold = sim.emulator.hold("POST", "/api/fota/*")
        child = subprocess.Popen(
            [sys.executable, "-m", "reconciler", "apply", "specs", "--auto-approve"],
            cwd=tmp_path,
            env={**os.environ, "FOTA_API_URL": sim.url},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            assert hold.wait_reached(timeout=60), "the apply never reached its first create"
            assert LOCK.exists() and f'"pid": {child.pid}' in LOCK.read_text()
            os.kill(child.pid, signal.SIGKILL)
            child.wait(timeout=60)
        finally:
            hold.release(drop=True)  # the killed apply's create is never processed
            if child.poll() is None:
                child.kill()
        sim.emulator.release_holds()
        assert writes(sim) == {}
        code, _, err = run(capsys, "apply", "specs", "--auto-approve")
        assert code == 0, err
        assert f"note: took over the stale lock {LOCK}: pid {child.pid} is no longer running" in err
        assert writes(sim) == {CREATE: 3}
        assert live_names(sim) == ["camp-00", "camp-01", "camp-02"] and not LOCK.exists()
