"""Crash safety: ``fota apply`` is SIGKILLed right after the k-th write the emulator processed,
for every k; a re-run converges and no campaign is ever created twice.

The apply runs as a subprocess (a real process to kill) with concurrency 1, and every one of its
FOTA requests is held in the emulator (before it is processed) and let through one at a time, so
the test stops the process at each point in turn, on an event rather than on timing: the k-th
write is done, the next request is waiting in the emulator (it is then dropped unprocessed), and
the journal may or may not have recorded the k-th answer. After the last write the apply sends
no further request, so there the last write is processed and its answer held and lost. Order
of writes: keep (dates PUT), new-1..3 (POST each), replace-me (DELETE, then POST): at k=5
the kill cuts the replacement after its cancel, and the re-run resumes it by creating the new
campaign (R-RESUME-REPLACEMENT).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.applier import read_journal
from reconciler.cli import main
from reconciler.lifecycle.statuses import is_terminal
from reconciler.sim.faults import Hold
from reconciler.sim.testing import RunningSim, running_sim
from tests.cli.support import DEVICES, campaigns, spec_yaml

WRITE_METHODS = ("POST", "PUT", "DELETE")
CREATE = "POST /api/fota/v3/campaigns/firmware/<acc>"
NAMES = ("keep", "replace-me", "new-1", "new-2", "new-3")


def fota_writes(sim: RunningSim) -> int:
    return sum(
        v
        for k, v in sim.emulator.processed_counts().items()
        if k.split(" ")[0] in WRITE_METHODS and "/api/fota/" in k
    )


def write_specs(root: Path, version: int) -> None:
    specs = root / "specs"
    specs.mkdir(exist_ok=True)
    texts = {
        "keep": spec_yaml(
            "keep", devices=DEVICES[:1], end="2026-03-20" if version == 1 else "2026-03-27"
        ),
        "replace-me": spec_yaml(
            "replace-me",
            devices=DEVICES[1:2],
            to="SR1.2.0.0-10657" if version == 1 else "SR1.2.0.0-10700",
            on_immutable_change="replace",
        ),
    }
    if version == 2:
        for i, name in enumerate(NAMES[2:]):
            texts[name] = spec_yaml(name, devices=DEVICES[2 + i : 3 + i])
    for name, text in texts.items():
        (specs / f"{name}.yaml").write_text(text)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    values = {
        "FOTA_CLIENT_ID": "demo-client",
        "FOTA_CLIENT_SECRET": "demo-secret",
        "FOTA_USERNAME": "demo",
        "FOTA_PASSWORD": "demo-password",
    }
    for k, v in values.items():
        monkeypatch.setenv(k, v)
    yield values


def _next_arrival(hold: Hold, count: int, proc: subprocess.Popen[bytes]) -> bool:
    """Wait until the apply's ``count``-th FOTA request is held (True) or the apply exited
    without sending it (False)."""
    while not hold.wait_reached(timeout=0.05, count=count):
        if proc.poll() is not None:
            return hold.wait_reached(timeout=0, count=count)
    return True


def kill_after_writes(sim: RunningSim, root: Path, k: int, last: bool) -> tuple[int, bool]:
    """Run apply in a subprocess and SIGKILL it once the emulator processed ``k`` writes and
    the apply's next request is held unprocessed (it is dropped after the kill). After the
    ``last`` write there is no next request: that one is processed and its answer is held
    (and lost) instead."""
    base = fota_writes(sim)
    if last:
        hold = sim.emulator.hold(",".join(WRITE_METHODS), "/api/fota/*", phase="after")
    else:
        hold = sim.emulator.hold("*", "/api/fota/*")
    env = {**os.environ, "FOTA_API_URL": sim.url}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "reconciler",
            "apply",
            "specs",
            "--auto-approve",
            "--concurrency",
            "1",
        ],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    killed = False
    try:
        arrived = 1
        while _next_arrival(hold, arrived, proc):
            if fota_writes(sim) - base >= k:
                proc.send_signal(signal.SIGKILL)
                killed = True
                break
            hold.release_one()
            arrived += 1
        proc.wait(timeout=60)
    finally:
        hold.release(drop=True)  # the request in flight when the client died is lost
        sim.emulator.release_holds()
    return fota_writes(sim) - base, killed


@pytest.mark.slow
def test_sigkill_after_each_write_then_rerun_converges_without_duplicates(
    env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    total_writes = 6  # keep: dates PUT; replace-me: DELETE + POST; 3 new: POST each
    for k in range(1, total_writes + 1):
        root = tmp_path / f"k{k}"
        root.mkdir()
        monkeypatch.chdir(root)
        with running_sim() as sim:
            monkeypatch.setenv("FOTA_API_URL", sim.url)
            write_specs(root, 1)
            assert main(["apply", "specs", "--auto-approve"]) == 0
            write_specs(root, 2)
            creates_before = sim.emulator.processed_counts().get(CREATE, 0)
            done, killed = kill_after_writes(sim, root, k, last=k == total_writes)
            assert killed, f"apply finished before its write {k}"
            assert done == k
            # The journal is still readable line by line after the kill.
            read_journal(root / ".fota" / "journal.jsonl")
            # Re-run (the lock of the killed process is stale: its pid is dead on this host).
            assert main(["apply", "specs", "--auto-approve"]) == 0, capsys.readouterr()
            assert main(["apply", "specs", "--auto-approve"]) == 0
            assert "Nothing to apply." in capsys.readouterr().out
            creates = sim.emulator.processed_counts().get(CREATE, 0) - creates_before
            live = {
                name: [c for c in campaigns(sim, name) if not is_terminal(c["status"])]
                for name in NAMES
            }
            assert all(len(found) == 1 for found in live.values()), (k, live)
            # 3 new + the replacement, never more. At k=5 the kill fell between the
            # replacement's cancel and its create: the re-run resumes it (R-RESUME-REPLACEMENT).
            assert creates == 4, (k, creates)
            (replacement,) = live["replace-me"]
            assert replacement["firmwareTo"] == "SR1.2.0.0-10700", (k, replacement)
            statuses = sorted(c["status"] for c in campaigns(sim, "replace-me"))
            assert statuses.count("CampaignCancelled") == 1, (k, statuses)
            assert len(statuses) == 2, (k, statuses)
