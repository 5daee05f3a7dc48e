"""Progress bars of the long commands (apply, status, plan): shown on a terminal, with count,
rate and ETA; never when the output is piped, nor with --quiet.

Each command runs as a real process against the embedded emulator in a temporary directory,
once with stdout and stderr on a pseudo-terminal and once piped."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from click import _termui_impl as termui_impl

from reconciler.cli import progress as progress_mod
from tests.cli.support import spec_yaml

# (command, the bar's label, the unit its rate is shown in)
COMMANDS = [
    (["apply", "specs", "--auto-approve"], "applying", "campaigns/s"),
    (["status", "specs"], "reading device status", "devices/s"),
    (["plan", "specs"], "reading live devices", "devices/s"),
]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOTA_")}
    env.update(COLUMNS="120", LINES="40", NO_COLOR="1")
    return env


def _on_a_terminal(args: list[str], cwd: Path) -> tuple[int, str]:
    """Run ``fota ARGS`` with stdout and stderr on a pseudo-terminal; (exit code, screen)."""
    leader, follower = pty.openpty()
    child = subprocess.Popen(
        [sys.executable, "-m", "reconciler", *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
        env=_env(),
    )
    os.close(follower)
    chunks: list[bytes] = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    return child.wait(timeout=60), b"".join(chunks).decode("utf-8", "replace")


def _piped(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reconciler", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "a.yaml").write_text(
        spec_yaml("progress-a", start="2099-03-10", end="2099-03-20")
    )
    return tmp_path


def test_long_commands_show_a_bar_on_a_terminal_only(workdir: Path) -> None:
    for args, label, unit in COMMANDS:
        code, screen = _on_a_terminal(args, workdir)
        assert code == 0, screen
        bar = [line for line in screen.replace("\r", "\n").splitlines() if label in line]
        assert bar, f"no progress bar for fota {' '.join(args)}:\n{screen}"
        last = bar[-1]
        assert unit in last and "%" in last, last  # rate and share done
        count = last.split(label, 1)[1]
        assert any(ch.isdigit() for ch in count) and "/" in count, last  # done/total

        piped = _piped(args, workdir)
        assert piped.returncode == 0, piped.stderr
        assert label not in piped.stderr + piped.stdout
        assert "\r" not in piped.stderr


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_bar_states_count_rate_and_eta(monkeypatch: pytest.MonkeyPatch) -> None:
    """2 of 10 devices after 5 s: 2/10, 0 devices/s (rounded), and 20 s to go."""
    clock = [1000.0]
    monkeypatch.setattr(termui_impl.time, "time", lambda: clock[0])
    monkeypatch.setattr(progress_mod.time, "monotonic", lambda: clock[0])
    screen = _Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    monkeypatch.setattr(sys, "stdout", _Terminal())
    with progress_mod.progress("reading live devices", 10, "devices", quiet=False) as bar:
        clock[0] += 5
        bar.advance(2)
        line = screen.getvalue().split("\r")[-1]
    assert "reading live devices" in line and "2/10" in line and "20%" in line, line
    assert "00:00:20" in line and "devices/s" in line, line
    assert not progress_mod.wanted(quiet=True)


def test_quiet_hides_the_bar_on_a_terminal(workdir: Path) -> None:
    assert _on_a_terminal(["apply", "specs", "--auto-approve", "-q"], workdir)[0] == 0
    code, screen = _on_a_terminal(["plan", "specs", "--quiet"], workdir)
    assert code == 0, screen
    assert "reading live devices" not in screen
    code, screen = _on_a_terminal(["status", "specs", "--quiet"], workdir)
    assert code == 0, screen
    assert "reading device status" not in screen
