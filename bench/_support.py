"""What the bench scripts share: the emulator in its own process, and synthetic campaigns.

Not a benchmark itself. The emulator runs as a child process (as a real server would, so the
client and the server do not share one GIL), on a port it picks itself: the URL is read from
its "serving ..." line, so there is no race for a free port.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import date

import httpx

from reconciler.model import CampaignSpec, Kind, Package, Schedule, TimeWindow
from reconciler.sim.fleet import DEFAULT_ACCOUNT, luhn_digit

FIRMWARE = Package(
    "SEQUANSCommunications_GM01Q_SR1.2.0.0-10512_SR1.2.0.0-10657",
    "SR1.2.0.0-10512",
    "SR1.2.0.0-10657",
    "LWM2M",
)


def imei(n: int) -> str:
    """The n-th synthetic IMEI: 15 digits with a valid Luhn check digit."""
    body = f"35{n:012d}"
    return body + luhn_digit(body)


def bench_spec(i: int, devices: int) -> CampaignSpec:
    """Campaign ``bench-<i>`` with its own ``devices`` IMEIs (no device shared between specs)."""
    return CampaignSpec(
        account=DEFAULT_ACCOUNT,
        name=f"bench-{i:05d}",
        kind=Kind.FIRMWARE,
        package=FIRMWARE,
        schedule=Schedule(date(2026, 3, 10), date(2026, 3, 30), windows=(TimeWindow(18, 22),)),
        devices=frozenset(imei(i * devices + d) for d in range(devices)),
    )


@contextlib.contextmanager
def served_emulator(now: str, *extra: str) -> Iterator[tuple[str, int]]:
    """``fota sim serve`` in a child process, clock frozen at ``now``; yields (URL, pid)."""
    command = [sys.executable, "-m", "reconciler", "sim", "serve", "--port", "0", "--frozen"]
    command += ["--now", now, "--devices", "10", *extra]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        line = child.stdout.readline()  # "fota sim: serving http://127.0.0.1:PORT (...)"
        match = re.search(r"serving (http://\S+)", line)
        if match is None:
            raise SystemExit(f"the emulator did not start: {line!r}")
        yield match.group(1), child.pid
    finally:
        child.terminate()
        child.wait(timeout=10)


def cpu_seconds(pid: int) -> float:
    """utime + stime of process ``pid`` (all its threads), in seconds, from /proc."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def requests_received(url: str) -> int:
    """How many requests the emulator at ``url`` has received (its admin API)."""
    counts = httpx.get(f"{url}/_sim/requests", timeout=10).json()["received"]
    return int(sum(counts.values()))


@contextlib.contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """``values`` set in os.environ for the block (for in-process ``fota`` runs)."""
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield None
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
