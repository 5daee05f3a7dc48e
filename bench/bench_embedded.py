"""Embedded emulator at scale: prints figures, asserts nothing (not a test).

For each size (default 100 and 1,000 campaigns x 1,000 devices), in one run:

- embedded: ``fota apply specs --auto-approve`` in a fresh directory (the emulator persisted
  in ``.fota/sim-state.db``), then the first ``fota plan specs`` after it;
- served: the same two commands against ``fota sim serve`` in memory (no ``--state``), in its
  own process;

each command a process of its own, as a user runs them. Prints wall and CPU time of each
(served: the client's CPU plus the server's), embedded/served ratios, and the growth from the
smallest size to each larger one (linear = the size ratio).

Run: python bench/bench_embedded.py [--sizes 100 1000] [--devices 1000] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from _support import FIRMWARE, cpu_seconds, imei, served_emulator

from reconciler.sim.fleet import DEFAULT_ACCOUNT

FOTA = [sys.executable, "-m", "reconciler"]
DEMO = {
    "FOTA_CLIENT_ID": "demo-client",
    "FOTA_CLIENT_SECRET": "demo-secret",
    "FOTA_USERNAME": "demo",
    "FOTA_PASSWORD": "demo-password",
}


def write_specs(folder: Path, campaigns: int, devices: int, start: date) -> None:
    """``campaigns`` firmware specs of ``devices`` devices each, starting ``start``."""
    folder.mkdir()
    end = start + timedelta(days=20)
    for i in range(campaigns):
        listed = "".join(f'  - "{imei(i * devices + d)}"\n' for d in range(devices))
        (folder / f"bench-{i:05d}.yaml").write_text(
            "apiVersion: fota.reconciler/v1\nkind: FirmwareCampaign\n"
            f'account: "{DEFAULT_ACCOUNT}"\nname: bench-{i:05d}\n'
            f"firmware:\n  name: {FIRMWARE.name}\n  from: {FIRMWARE.from_version}\n"
            f"  to: {FIRMWARE.to_version}\n  protocol: {FIRMWARE.protocol}\n"
            f"schedule:\n  start: {start}\n  end: {end}\n"
            "  windows:\n    - {start: 18, end: 22}\n"
            f"devices:\n{listed}"
        )


def timed(cwd: Path, argv: list[str], env: dict[str, str], server: int | None = None) -> Run:
    """Wall time of one ``fota`` process, and CPU time: its own, plus the server's (``server``:
    the pid of a served emulator) over the same interval. The machine may be shared: CPU
    seconds are the steadier comparison."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    served_before = cpu_seconds(server) if server else 0.0
    started = time.perf_counter()
    done = subprocess.run([*FOTA, *argv], cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if server:
        cpu += cpu_seconds(server) - served_before
    if done.returncode != 0:
        tail = (done.stdout + done.stderr).strip().splitlines()[-3:]
        print(f"    ! fota {' '.join(argv[:2])} exited {done.returncode}: {tail}")
    return Run(elapsed, cpu)


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float


def one_size(campaigns: int, devices: int, concurrency: int) -> dict[str, Run]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOTA_")}
    now = datetime.now(UTC).replace(microsecond=0)
    flags = ["--concurrency", str(concurrency)]
    times: dict[str, Run] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        write_specs(work / "specs", campaigns, devices, now.date() + timedelta(days=30))
        embedded = work / "embedded"
        embedded.mkdir()
        times["embedded apply"] = timed(
            embedded, ["apply", "../specs", "--auto-approve", *flags], env
        )
        times["embedded plan"] = timed(embedded, ["plan", "../specs", *flags], env)
        size = (embedded / ".fota" / "sim-state.db").stat().st_size
        with served_emulator(now.isoformat()) as (url, pid):
            served = work / "served"
            served.mkdir()
            remote = [*flags, "--api-url", url]
            env_served = {**env, **DEMO}
            argv = ["apply", "../specs", "--auto-approve", *remote]
            times["served apply"] = timed(served, argv, env_served, pid)
            times["served plan"] = timed(served, ["plan", "../specs", *remote], env_served, pid)
    print(f"{campaigns:,} campaigns x {devices:,} devices (state database {size / 1e6:.0f} MB):")
    for what in ("apply", "plan"):
        e, s = times[f"embedded {what}"], times[f"served {what}"]
        print(
            f"  {what:5s}  embedded {e.wall:6.1f} s (cpu {e.cpu:6.1f} s)   served in memory "
            f"{s.wall:6.1f} s (cpu, client + server {s.cpu:6.1f} s)   embedded/served "
            f"{e.wall / s.wall:.2f}x wall, {e.cpu / s.cpu:.2f}x cpu"
        )
    return times


def cli() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    print(
        f"embedded vs in-memory served emulator, --concurrency {args.concurrency}, "
        "each command its own process"
    )
    results = {n: one_size(n, args.devices, args.concurrency) for n in args.sizes}
    smallest = min(results)
    for n in sorted(results):
        if n == smallest:
            continue
        growth = ", ".join(
            f"{key} {results[n][key].wall / results[smallest][key].wall:.1f}x "
            f"(cpu {results[n][key].cpu / results[smallest][key].cpu:.1f}x)"
            for key in ("embedded apply", "embedded plan", "served apply", "served plan")
        )
        print(f"growth {smallest:,} -> {n:,} campaigns ({n / smallest:.0f}x the work): {growth}")
    return 0


if __name__ == "__main__":
    sys.exit(cli())
