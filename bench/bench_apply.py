"""Apply speed: prints figures, asserts nothing (run: python bench/bench_apply.py).

``fota apply`` of N campaigns (default 1,000, each with M devices) against a loopback
emulator in its own process (as a real server would be):

(1) ``fota apply specs --auto-approve`` creating all N campaigns;
(2) the same command again (nothing to do: the no-op cost of a CI apply);
(3) ``fota plan --out plan.json`` after a schedule change to every spec, then
    ``fota apply plan.json`` (staleness re-check, then N dates PUTs).

Each line gives wall time, per-campaign time, HTTP requests and FOTA writes the emulator saw.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from _support import imei, served_emulator

from reconciler.cli import main
from reconciler.sim.fleet import DEFAULT_ACCOUNT

FW = ("SEQUANSCommunications_GM01Q_SR1.2.0.0-10512_SR1.2.0.0-10657", "SR1.2.0.0-10512")
NOW = "2026-03-02T09:00:00+00:00"
ENV = {
    "FOTA_CLIENT_ID": "demo-client",
    "FOTA_CLIENT_SECRET": "demo-secret",
    "FOTA_USERNAME": "demo",
    "FOTA_PASSWORD": "demo-password",
}


def write_specs(folder: Path, campaigns: int, devices: int, end: str) -> None:
    for i in range(campaigns):
        devs = "".join(f'  - "{imei(i * devices + d)}"\n' for d in range(devices))
        (folder / f"bench-{i:05d}.yaml").write_text(
            "apiVersion: fota.reconciler/v1\nkind: FirmwareCampaign\n"
            f'account: "{DEFAULT_ACCOUNT}"\nname: bench-{i:05d}\n'
            f"firmware:\n  name: {FW[0]}\n  from: {FW[1]}\n  to: SR1.2.0.0-10657\n"
            "  protocol: LWM2M\n"
            f"schedule:\n  start: 2026-03-10\n  end: {end}\n"
            "  windows:\n    - {start: 18, end: 22}\n"
            f"devices:\n{devs}"
        )


@contextlib.contextmanager
def emulator() -> Iterator[str]:
    with served_emulator(NOW) as (url, _pid):
        yield url


def counts(url: str) -> tuple[int, int]:
    data = httpx.get(f"{url}/_sim/requests", timeout=10).json()
    received = int(sum(data["received"].values()))
    writes = sum(
        int(v)
        for k, v in data["processed"].items()
        if k.split(" ")[0] in ("POST", "PUT", "DELETE") and "/api/fota/" in k
    )
    return received, writes


def timed(label: str, url: str, argv: list[str], campaigns: int) -> None:
    before = counts(url)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        started = time.perf_counter()
        code = main(argv)
        elapsed = time.perf_counter() - started
    after = counts(url)
    tail = out.getvalue().strip().splitlines()[-1:] or [""]
    print(
        f"{label}: {elapsed:.2f} s ({elapsed / campaigns * 1000:.2f} ms/campaign), exit {code}, "
        f"{after[0] - before[0]:,} requests, {after[1] - before[1]:,} writes  [{tail[0]}]"
    )
    if code != 0:
        print("    stderr: " + err.getvalue().strip()[-500:])


def cli() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--campaigns", type=int, default=1000)
    parser.add_argument("--devices", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    os.environ.update(ENV)
    with emulator() as url, tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        folder = Path(tmp) / "specs"
        folder.mkdir()
        write_specs(folder, args.campaigns, args.devices, "2026-03-30")
        target = ["--api-url", url, "--concurrency", str(args.concurrency)]
        n = args.campaigns
        print(
            f"fota apply, {n:,} campaigns x {args.devices:,} devices, loopback emulator in its "
            f"own process, --concurrency {args.concurrency}"
        )
        timed("(1) create all       ", url, ["apply", "specs", "--auto-approve", *target], n)
        timed("(2) second apply     ", url, ["apply", "specs", "--auto-approve", *target], n)
        write_specs(folder, args.campaigns, args.devices, "2026-03-31")
        timed("(3a) plan --out      ", url, ["plan", "specs", "--out", "plan.json", *target], n)
        timed("(3b) apply plan.json ", url, ["apply", "plan.json", *target], n)
    return 0


if __name__ == "__main__":
    sys.exit(cli())
