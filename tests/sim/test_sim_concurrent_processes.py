"""Several ``fota`` processes on one ``.fota/`` directory share one embedded emulator store:
an apply beside plans and statuses (two terminals, a test and a shell) loses no campaign and
duplicates none. Real processes, since that is where the old whole-file rewrite lost
campaigns: a plan that moved a status rewrote the file from its own stale copy."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from reconciler.sim.fleet import luhn_digit

from .helpers import ACC, PKG

FOTA = [sys.executable, "-m", "reconciler"]
SPECS = 24
DEVICES = 20


def _write_specs(folder: Path) -> None:
    folder.mkdir()
    for n in range(SPECS):
        bodies = [f"35{n * DEVICES + d:012d}" for d in range(DEVICES)]
        listed = "".join(f'  - "{b}{luhn_digit(b)}"\n' for b in bodies)
        (folder / f"c{n:02d}.yaml").write_text(
            f'apiVersion: fota.reconciler/v1\nkind: FirmwareCampaign\naccount: "{ACC}"\n'
            f"name: c{n:02d}\nfirmware:\n  name: {PKG.firmwareName}\n  from: {PKG.firmwareFrom}\n"
            f"  to: {PKG.firmwareTo}\n  protocol: LWM2M\n"
            "schedule:\n  start: 2027-03-10\n  end: 2027-03-30\n"
            f"devices:\n{listed}"
        )


def test_an_embedded_apply_beside_plans_and_statuses_loses_nothing(tmp_path: Path) -> None:
    _write_specs(tmp_path / "specs")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOTA_")}

    def run(*argv: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [*FOTA, *argv],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    apply = run("apply", "specs", "--auto-approve")
    readers: list[tuple[str, int, str]] = []
    overlapped = threading.Event()

    def read_while_applying(command: str) -> None:
        while True:
            reader = run(command, "specs")
            started_during = apply.poll() is None
            out, err = reader.communicate(timeout=120)
            readers.append((command, reader.returncode, out + err))
            if started_during and apply.poll() is None:
                overlapped.set()  # this reader ran entirely inside the apply
            if not started_during:
                return

    threads = [threading.Thread(target=read_while_applying, args=(c,)) for c in ("plan", "status")]
    for thread in threads:
        thread.start()
    out, err = apply.communicate(timeout=300)
    for thread in threads:
        thread.join(timeout=300)
    assert apply.returncode == 0, out + err
    assert overlapped.is_set() or len(readers) > 2, readers
    for command, code, text in readers:
        assert code == 0 and "Traceback" not in text, (command, text)
    printed = re.findall(r"created: id ([0-9a-f-]{36})", out)
    assert len(printed) == SPECS, out
    with sqlite3.connect(tmp_path / ".fota" / "sim-state.db") as conn:
        stored = [cid for (cid,) in conn.execute("SELECT id FROM campaigns")]
        members = conn.execute("SELECT COUNT(*) FROM members").fetchone()[0]
    assert sorted(stored) == sorted(printed)  # nothing lost, nothing created twice
    assert members == SPECS * DEVICES
    again = run("apply", "specs", "--auto-approve")
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0 and "Nothing to apply." in out, out + err
