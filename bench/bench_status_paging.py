"""How long reading a 100,000-device campaign's status takes over loopback HTTP.

Starts the emulator in its own process (``fota sim serve --port 0``, so its CPU does not share
this process's GIL), creates one firmware campaign with N devices (default 100,000), then
times, reporting wall time and this process's CPU time (the client's own cost; the rest is
the emulator computing each device's progress and the loopback round trips):

- paging the device-status report (pages of 1,000) through ``iter_campaign_device_pages``;
- the same stream folded into counts, with the Python heap peak (tracemalloc), to show memory
  stays flat however many devices there are;
- ``read_live`` (GET campaign + every page decoded into a ``LiveCampaign``);
- ``fota status <id>`` end to end (in process, via ``reconciler.cli.main``).

Run: ``python bench/bench_status_paging.py [--devices N] [--repeat R]``. Prints figures only.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date

from _support import served_emulator

from reconciler.cli import main
from reconciler.model import CampaignSpec, Kind, Package, Schedule, TimeWindow
from reconciler.sim.fleet import DEFAULT_ACCOUNT as ACC
from reconciler.sim.fleet import luhn_digit
from reconciler.thingspace import Credentials, RetryPolicy, ThingSpaceClient, read_live
from reconciler.thingspace.wire import encode_create

FW = "SEQUANSCommunications_GM01Q_SR1.2.0.0-10512_SR1.2.0.0-10657"


def _timed(label: str, devices: int, repeat: int, fn: Callable[[], object]) -> None:
    best, cpu = float("inf"), 0.0
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        fn()
        wall = time.perf_counter() - started
        if wall < best:
            best, cpu = wall, time.process_time() - started_cpu
    print(
        f"{label:<40} {best:7.2f} s wall {devices / best:9,.0f} devices/s  "
        f"client CPU {cpu:5.2f} s  (best of {repeat})"
    )


@contextlib.contextmanager
def served_sim() -> Iterator[str]:
    """``fota sim serve`` in a child process; yields its URL."""
    with served_emulator("2026-03-02T09:00:00Z") as (url, _pid):
        yield url


def run(count: int, repeat: int) -> None:
    imeis = [f"35{i:012d}" for i in range(count)]
    imeis = [body + luhn_digit(body) for body in imeis]
    spec = CampaignSpec(
        account=ACC,
        name="bench",
        kind=Kind.FIRMWARE,
        package=Package(FW, "SR1.2.0.0-10512", "SR1.2.0.0-10657", "LWM2M"),
        schedule=Schedule(date(2026, 3, 5), date(2026, 3, 20), windows=(TimeWindow(18, 22),)),
        devices=frozenset(imeis),
    )
    with served_sim() as url:
        creds = Credentials.demo()
        retry = RetryPolicy(sleep=lambda s: None)
        with ThingSpaceClient(url, creds, retry=retry, timeout=300) as client:
            started = time.perf_counter()
            cid = str(client.create_campaign(ACC, Kind.FIRMWARE, encode_create(spec))["id"])
            print(f"devices: {count:,}; create (one POST): {time.perf_counter() - started:.2f} s")

            def pages() -> None:
                n = sum(1 for _ in client.iter_campaign_device_pages(ACC, Kind.FIRMWARE, cid))
                assert n == -(-count // 1000)

            def counts() -> Counter[str]:
                return Counter(
                    str(d["status"]) for d in client.iter_campaign_devices(ACC, Kind.FIRMWARE, cid)
                )

            def live() -> None:
                state = read_live(client, [spec])
                match = state.matches[spec.key]
                assert match is not None and len(match.devices) == count

            _timed(f"page report ({-(-count // 1000)} pages)", count, repeat, pages)
            _timed("read_live (decoded LiveCampaign)", count, repeat, live)
            tracemalloc.start()
            result = counts()
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            assert sum(result.values()) == count
            print(f"{'streamed counts: client heap peak':<40} {peak / 1e6:7.2f} MB")

        env = {
            "FOTA_CLIENT_ID": creds.client_id,
            "FOTA_CLIENT_SECRET": creds.client_secret,
            "FOTA_USERNAME": creds.username,
            "FOTA_PASSWORD": creds.password,
        }
        os.environ.update(env)

        def status() -> None:
            with (
                contextlib.redirect_stdout(io.StringIO()),
                contextlib.redirect_stderr(io.StringIO()),
            ):
                code = main(["status", cid, "--account", ACC, "--api-url", url])
            assert code == 0

        _timed("fota status <id> (in process)", count, repeat, status)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    run(args.devices, args.repeat)
