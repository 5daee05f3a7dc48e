"""How long ``fota import`` takes for a 100,000-device campaign (target: seconds).

Starts the emulator in its own process (``fota sim serve --port 0``), creates one firmware
campaign with N devices (default 100,000) in one POST, then times ``fota import`` of the
account end to end, in process (``reconciler.cli.main``): listing, GET, the 100 device-report
pages, rendering the spec and the devices file, the ``fota validate`` check of the result, and
the all-or-nothing write. Then times a second import (nothing to write: every file unchanged),
``fota plan --detailed-exitcode`` of the written spec (must exit 0), and ``fota fmt --check``.

Also times ``format_text`` (``fota fmt``) of a spec with 50,000 inline devices, one in ten with
an end-of-line comment: the largest inline list a 1 MiB spec file holds.

Run: ``python bench/bench_import.py [--devices N] [--repeat R]``. Prints figures only.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from _support import FIRMWARE, imei, served_emulator

from reconciler.cli import main
from reconciler.model import CampaignSpec, Kind, Schedule, TimeWindow
from reconciler.sim.fleet import DEFAULT_ACCOUNT as ACC
from reconciler.specs.fmt import format_text
from reconciler.thingspace import Credentials, ThingSpaceClient
from reconciler.thingspace.wire import encode_create


def _quiet(argv: list[str]) -> int:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return main(argv)


def _timed(label: str, repeat: int, fn: Callable[[], int]) -> int:
    best, cpu, code = float("inf"), 0.0, 0
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        code = fn()
        wall = time.perf_counter() - started
        if wall < best:
            best, cpu = wall, time.process_time() - started_cpu
    print(
        f"{label:<52} {best:6.2f} s wall  client CPU {cpu:5.2f} s  exit {code}  (best of {repeat})"
    )
    return code


def run(count: int, repeat: int) -> None:
    spec = CampaignSpec(
        account=ACC,
        name="bench import",
        kind=Kind.FIRMWARE,
        package=FIRMWARE,
        schedule=Schedule(date(2026, 3, 5), date(2026, 3, 20), windows=(TimeWindow(18, 22),)),
        devices=frozenset(imei(n) for n in range(count)),
    )
    with served_emulator("2026-03-02T09:00:00Z") as (url, _pid):
        with ThingSpaceClient(url, Credentials.demo(), timeout=300) as client:
            started = time.perf_counter()
            client.create_campaign(ACC, Kind.FIRMWARE, encode_create(spec))
            print(f"devices: {count:,}; create (one POST): {time.perf_counter() - started:.2f} s")
        os.environ.update(
            FOTA_API_URL=url,
            FOTA_CLIENT_ID="demo-client",
            FOTA_CLIENT_SECRET="demo-secret",
            FOTA_USERNAME="demo",
            FOTA_PASSWORD="demo-password",
        )
        with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
            out = Path(tmp) / "campaigns"
            base = ["import", "--account", ACC, "--out", str(out)]

            fresh = iter(range(repeat))

            def first() -> int:  # into a new directory each time: every file written
                target = Path(tmp) / f"fresh-{next(fresh)}"
                return _quiet(["import", "--account", ACC, "--out", str(target)])

            _timed("fota import into a new directory (spec + devices file)", repeat, first)
            _quiet(base)
            devices_file = out / "devices" / "bench-import.txt"
            lines = sum(1 for _ in devices_file.open()) - 2
            print(f"devices file: {lines:,} IMEIs, {devices_file.stat().st_size:,} bytes")
            _timed("fota import again (every file unchanged)", repeat, lambda: _quiet(base))
            _timed(
                "fota plan --detailed-exitcode of the written spec",
                1,
                lambda: _quiet(["plan", str(out), "--detailed-exitcode"]),
            )
            _timed(
                "fota fmt --check of the written spec",
                1,
                lambda: _quiet(["fmt", "--check", str(out)]),
            )


def fmt_inline(count: int = 50_000) -> None:
    head = (
        "apiVersion: fota.reconciler/v1\nkind: FirmwareCampaign\n"
        'account: "0402196254-00001"\nname: big\n'
        "firmware: {name: x, from: y, to: z, protocol: LWM2M}\n"
        "schedule: {start: 2027-03-01, end: 2027-03-02}\ndevices:\n"
    )
    body = "".join(
        f'  - "{imei(n)}"' + (f"  # batch {n // 10}\n" if n % 10 == 0 else "\n")
        for n in range(count)
    )
    text = head + body
    started = time.perf_counter()
    out = format_text(text)
    first = time.perf_counter() - started
    started = time.perf_counter()
    format_text(out)
    again = time.perf_counter() - started
    print(
        f"fota fmt of {count:,} inline devices ({len(text):,} bytes): {first:.2f} s, "
        f"already canonical: {again:.2f} s"
    )


def main_() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"load average (1 min): {os.getloadavg()[0]:.1f}")
    run(args.devices, args.repeat)
    fmt_inline()


if __name__ == "__main__":
    main_()
