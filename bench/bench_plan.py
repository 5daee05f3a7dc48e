"""Planner speed: prints figures, asserts nothing (run: python bench/bench_plan.py).

(a) the pure planner over N campaigns x M devices (target: < 2 ms per campaign at 1,000 x
    1,000), with a realistic mix: half unchanged, a quarter with a schedule change, a quarter
    adding and removing devices;
(b) a full ``fota plan`` (spec files -> live read over loopback HTTP -> plan -> JSON) against
    the emulator holding the same campaigns, at the given client concurrency.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _support import FIRMWARE, bench_spec, environment, imei, requests_received, served_emulator

from reconciler.cli import main
from reconciler.model import CampaignSpec, LiveCampaign
from reconciler.plans.planner import plan
from reconciler.sim.testing import running_sim
from reconciler.specs import load_specs
from reconciler.thingspace import Credentials, ThingSpaceClient, read_live
from reconciler.thingspace.wire import encode_create
from reconciler.views import render_json

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def make_live(spec: CampaignSpec, i: int, devices: int) -> LiveCampaign:
    # The device report pages in IMEI order (lastSeenDeviceId), so live devices arrive sorted.
    live_devices = dict.fromkeys(sorted(spec.devices), "UpgradePending")
    schedule = spec.schedule
    if i % 4 == 1:
        schedule = replace(schedule, end=schedule.end - timedelta(days=2))
    elif i % 4 == 2:
        for extra in range(10):
            live_devices[imei(10**9 + i * 10 + extra)] = "UpgradePending"
        for gone in sorted(spec.devices)[:10]:
            del live_devices[gone]
    return LiveCampaign(
        id=f"c-{i}",
        account=spec.account,
        name=spec.name,
        kind=spec.kind,
        status="CampaignScheduled",
        package=spec.package,
        schedule=schedule,
        devices=live_devices,
        auto_assign_license=False,
        auto_add_devices=False,
    )


def bench_pure(campaigns: int, devices: int, rounds: int) -> None:
    specs = [bench_spec(i, devices) for i in range(campaigns)]
    live: dict[tuple[str, str], LiveCampaign | None] = {
        s.key: make_live(s, i, devices) for i, s in enumerate(specs)
    }
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        result = plan(specs, live, NOW, specs_digest="bench")
        times.append(time.perf_counter() - started)
    best, median = min(times), statistics.median(times)
    started = time.perf_counter()
    text = render_json(result)
    render = time.perf_counter() - started
    s = result.summary
    print(f"(a) pure planner, {campaigns:,} campaigns x {devices:,} devices ({s.line}):")
    print(
        f"    plan(): best {best * 1000:.0f} ms, median {median * 1000:.0f} ms over {rounds} "
        f"rounds = {best / campaigns * 1000:.3f} ms/campaign (best), "
        f"{median / campaigns * 1000:.3f} ms/campaign (median); target < 2 ms/campaign"
    )
    print(f"    render_json(): {render * 1000:.0f} ms for {len(text) / 1e6:.1f} MB")


@contextlib.contextmanager
def emulator_process(in_process: bool) -> Iterator[str]:
    """The emulator's URL: its own process by default (as a real server would be, and so the
    client and the server do not share one GIL), or a thread of this one."""
    if in_process:
        with running_sim(now=NOW, devices=10) as sim:
            yield sim.url
        return
    with served_emulator(NOW.isoformat()) as (url, _pid):
        yield url


def write_spec_files(folder: Path, specs: list[CampaignSpec]) -> None:
    for i, s in enumerate(specs):
        end = s.schedule.end - timedelta(days=2) if i % 4 == 1 else s.schedule.end
        devices_yaml = "".join(f'  - "{d}"\n' for d in sorted(s.devices))
        (folder / f"{s.name}.yaml").write_text(
            "apiVersion: fota.reconciler/v1\nkind: FirmwareCampaign\n"
            f'account: "{s.account}"\nname: {s.name}\n'
            f"firmware:\n  name: {FIRMWARE.name}\n  from: {FIRMWARE.from_version}\n"
            f"  to: {FIRMWARE.to_version}\n  protocol: LWM2M\n"
            f"schedule:\n  start: {s.schedule.start}\n  end: {end}\n"
            "  windows:\n    - {start: 18, end: 22}\n"
            f"devices:\n{devices_yaml}"
        )


def bench_full(
    campaigns: int, devices: int, concurrency: int, in_process: bool, repeat: int = 1
) -> None:
    specs = [bench_spec(i, devices) for i in range(campaigns)]
    env = {
        "FOTA_CLIENT_ID": "demo-client",
        "FOTA_CLIENT_SECRET": "demo-secret",
        "FOTA_USERNAME": "demo",
        "FOTA_PASSWORD": "demo-password",
    }
    with emulator_process(in_process) as url, tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        with ThingSpaceClient(url, Credentials.demo(), concurrency=16, timeout=120) as c:
            c.map_concurrently(
                lambda s: c.create_campaign(s.account, s.kind, encode_create(s)), specs
            )
        setup = time.perf_counter() - started
        folder = Path(tmp) / "specs"
        folder.mkdir()
        write_spec_files(folder, specs)
        argv = ["plan", str(folder), "--api-url", url, "--concurrency", str(concurrency)]
        argv += ["-o", "json", "--out", str(Path(tmp) / "plan.json")]
        with contextlib.ExitStack() as stack:
            stack.enter_context(environment(env))
            sink, errs = io.StringIO(), io.StringIO()
            stack.enter_context(contextlib.redirect_stdout(sink))
            stack.enter_context(contextlib.redirect_stderr(errs))
            runs: list[float] = []
            for _ in range(repeat):  # identical plans against one emulator: any growth shows
                before = requests_received(url)
                started = time.perf_counter()
                code = main(argv)
                runs.append(time.perf_counter() - started)
                requests = requests_received(url) - before
            elapsed = runs[0]
        # the same steps one by one, for the breakdown
        started = time.perf_counter()
        specset = load_specs([folder])
        t_load = time.perf_counter() - started
        with ThingSpaceClient(url, Credentials.demo(), concurrency=concurrency, timeout=120) as c:
            started = time.perf_counter()
            live = read_live(c, specset.specs)
            t_live = time.perf_counter() - started
        started = time.perf_counter()
        plan(specset.specs, live.matches, live.now, specs_digest=specset.digest)
        t_plan = time.perf_counter() - started
    where = "a thread of this process" if in_process else "its own process"
    print(
        f"(b) full `fota plan` against a loopback emulator ({where}), {campaigns:,} campaigns "
        f"x {devices:,} devices, --concurrency {concurrency}:"
    )
    print(
        f"    {elapsed:.1f} s total ({elapsed / campaigns * 1000:.1f} ms/campaign), exit "
        f"{code}, {requests:,} HTTP requests (setup: {setup:.1f} s creating the campaigns)"
    )
    print(
        f"    breakdown: load specs {t_load:.1f} s, read live {t_live:.1f} s "
        f"({requests / max(t_live, 1e-9):.0f} req/s), plan {t_plan * 1000:.0f} ms"
    )
    if repeat > 1:
        shown = ", ".join(f"{t:.1f} s" for t in runs)
        print(f"    {repeat} identical plans against the same emulator: {shown}")
    if code not in (0, 2):
        print("    stderr: " + errs.getvalue().strip().replace("\n", "\n    "))




def cli() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--campaigns", type=int, default=1000)
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--skip-full", action="store_true", help="only the pure planner")
    parser.add_argument(
        "--repeat", type=int, default=1, help="run the full plan this many times (one emulator)"
    )
    parser.add_argument(
        "--in-process", action="store_true", help="run the emulator in a thread of this process"
    )
    args = parser.parse_args()
    bench_pure(args.campaigns, args.devices, args.rounds)
    sys.stdout.flush()
    if not args.skip_full:
        bench_full(
            args.campaigns, args.devices, args.concurrency, args.in_process, max(1, args.repeat)
        )
    return 0


if __name__ == "__main__":
    sys.exit(cli())
