"""Planning a staged rollout vs the same devices as one campaign: prints figures, asserts
nothing (run: python bench/bench_rollout.py [--devices 100000]).

Both plans run as ``fota plan SPEC --api-url URL``, each against an emulator in its own
process holding the same N devices: one as one flat campaign, the other as a rollout's three
started waves (1% canary, 10% early, the rest), each wave its own campaign. Two cases: every
device upgraded (the worst case for the rollout: every device's firmware is read back), and the
moment the fleet wave has just been created (its devices pending: only the canary's and the
early wave's reported successes are read back). The flat plan reads one device report; the
rollout plan reads three reports (the same N devices) and the firmware of the devices that
report success (device information in chunks of 1,000, concurrently). The target in
the issue: the rollout plan within 1.5x the flat plan. The ratio is measured in one run,
alternating the two plans, best of ``--rounds``.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import httpx
from _support import FIRMWARE, environment, imei, requests_received, served_emulator

from reconciler.cli import main
from reconciler.model import (
    CampaignSpec,
    Gate,
    Kind,
    Rollout,
    Schedule,
    Threshold,
    Wave,
    WaveSize,
    wave_campaign_name,
)
from reconciler.plans.waves import assign
from reconciler.sim.fleet import DEFAULT_ACCOUNT
from reconciler.thingspace import Credentials, ThingSpaceClient
from reconciler.thingspace.wire import encode_create

NOW = "2026-03-02T09:00:00Z"
SCHEDULE = Schedule(date(2026, 3, 2), date(2026, 3, 30))
GATE = Gate(Threshold(98, True), Threshold(1, True), 20, 0)
ROLLOUT = Rollout(
    (
        Wave("canary", WaveSize.PERCENT, 1, GATE),
        Wave("early", WaveSize.PERCENT, 10, GATE),
        Wave("fleet", WaveSize.REST, 0, GATE),
    )
)


def spec_text(name: str, devices_file: str, rollout: bool) -> str:
    head = "apiVersion: fota.reconciler/v2\n" if rollout else "apiVersion: fota.reconciler/v1\n"
    text = (
        f'{head}kind: FirmwareCampaign\naccount: "{DEFAULT_ACCOUNT}"\nname: {name}\n'
        f"firmware:\n  name: {FIRMWARE.name}\n  from: {FIRMWARE.from_version}\n"
        f"  to: {FIRMWARE.to_version}\n  protocol: LWM2M\n"
        f"schedule:\n  start: {SCHEDULE.start}\n  end: {SCHEDULE.end}\n"
        f"devicesFile:\n  path: {devices_file}\n"
    )
    if rollout:
        text += (
            "rollout:\n  waves:\n    - {name: canary, devices: 1%}\n"
            "    - {name: early, devices: 10%}\n    - {name: fleet, devices: rest}\n"
            '  gate: {minVerified: "98%", maxFailed: "1%", minSample: 20}\n'
        )
    return text


def campaign(name: str, devices: frozenset[str]) -> CampaignSpec:
    return CampaignSpec(
        account=DEFAULT_ACCOUNT,
        name=name,
        kind=Kind.FIRMWARE,
        package=FIRMWARE,
        schedule=SCHEDULE,
        devices=devices,
    )


def bench(devices: int, rounds: int, concurrency: int, fleet_just_started: bool) -> None:
    fleet = frozenset(imei(n) for n in range(devices))
    waves = assign("roll", ROLLOUT, fleet)
    env = {
        "FOTA_CLIENT_ID": "demo-client",
        "FOTA_CLIENT_SECRET": "demo-secret",
        "FOTA_USERNAME": "demo",
        "FOTA_PASSWORD": "demo-password",
    }
    with contextlib.ExitStack() as stack:
        flat_url, _ = stack.enter_context(served_emulator(NOW, "--failure-rate", "0"))
        roll_url, _ = stack.enter_context(served_emulator(NOW, "--failure-rate", "0"))
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        urls = {"flat": flat_url, "roll": roll_url}
        started = time.perf_counter()
        with ThingSpaceClient(flat_url, Credentials.demo(), timeout=600) as client:
            client.create_campaign(
                DEFAULT_ACCOUNT, Kind.FIRMWARE, encode_create(campaign("flat", fleet))
            )
        with ThingSpaceClient(roll_url, Credentials.demo(), timeout=600) as client:
            for wave in ROLLOUT.waves:
                if fleet_just_started and wave is ROLLOUT.waves[-1]:
                    httpx.post(f"{roll_url}/_sim/clock", json={"advance": "2d"}, timeout=10)
                spec = campaign(wave_campaign_name("roll", wave.name), waves[wave.name])
                client.create_campaign(DEFAULT_ACCOUNT, Kind.FIRMWARE, encode_create(spec))
        if not fleet_just_started:  # every device upgraded
            for url in urls.values():
                httpx.post(f"{url}/_sim/clock", json={"advance": "2d"}, timeout=10)
        # else the flat campaign's devices all stay pending: its report is the cheapest, so
        # the ratio errs against the rollout
        setup = time.perf_counter() - started
        (folder / "devices.txt").write_text("".join(f"{d}\n" for d in sorted(fleet)))
        # The harness's own device sets go before the timing: a `fota plan` process holds
        # none of them, and the collector's full passes would walk them on every plan.
        sizes = ", ".join(f"{w.name} {len(waves[w.name]):,}" for w in ROLLOUT.waves)
        del fleet, waves
        gc.collect()
        (folder / "flat.yaml").write_text(spec_text("flat", "devices.txt", False))
        (folder / "roll.yaml").write_text(spec_text("roll", "devices.txt", True))
        times: dict[str, list[float]] = {"flat": [], "roll": []}
        requests: dict[str, int] = {}
        codes: dict[str, int] = {}
        stack.enter_context(environment(env))
        stack.enter_context(contextlib.redirect_stdout(io.StringIO()))
        stack.enter_context(contextlib.redirect_stderr(io.StringIO()))
        for _ in range(rounds):
            for name in ("flat", "roll"):
                url = urls[name]
                argv = ["plan", str(folder / f"{name}.yaml"), "--api-url", url]
                argv += ["--concurrency", str(concurrency), "-o", "json"]
                before = requests_received(url)
                begin = time.perf_counter()
                codes[name] = main(argv)
                times[name].append(time.perf_counter() - begin)
                requests[name] = requests_received(url) - before
    flat, roll = min(times["flat"]), min(times["roll"])
    state = (
        "canary and early upgraded, fleet just created (its devices pending)"
        if fleet_just_started
        else "every device upgraded"
    )
    print(
        f"fota plan, {devices:,} devices ({state}), --concurrency {concurrency}, emulators "
        f"in their own processes (setup {setup:.1f} s):"
    )
    print(
        f"  one campaign:              best {flat:.2f} s, median "
        f"{statistics.median(times['flat']):.2f} s, {requests['flat']:,} requests, exit "
        f"{codes['flat']}"
    )
    print(
        f"  rollout, 3 started waves:  best {roll:.2f} s, median "
        f"{statistics.median(times['roll']):.2f} s, {requests['roll']:,} requests, exit "
        f"{codes['roll']} ({sizes})"
    )
    print(f"  ratio (best): {roll / flat:.2f}x (target <= 1.5x), over {rounds} rounds")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--devices", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    sys.setrecursionlimit(10_000)
    bench(args.devices, args.rounds, args.concurrency, fleet_just_started=False)
    bench(args.devices, args.rounds, args.concurrency, fleet_just_started=True)
