"""A wave's gate, judged on the firmware its devices report (pure: ``now`` is a parameter).

Why the firmware and not the report alone: a device can report ``UpgradeSuccess`` and come back
up on the old image after a failed boot. So a device counts as

- **verified** when its report says ``UpgradeSuccess`` and the firmware it reports is the
  rollout's ``firmware.to``;
- **failed** when its report says it failed, or when its report says it succeeded but the
  firmware it reports is not ``firmware.to`` (*contradicted*: listed by IMEI);
- **pending** otherwise: a device is never verified on its firmware alone (the read-back asks
  only about reported successes, and a report that lags is waited for, never assumed).

The verdict, in this order: more failed devices than ``maxFailed`` allows fails the gate at
once (failures never un-happen, so waiting cannot help); enough verified devices pass it once
``minSample`` devices have finished and ``soak`` has passed since the last verified upgrade;
too few verified devices with nothing left pending (or the campaign over) fails it; anything
else waits.
"""

from __future__ import annotations

import enum
import math
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import compress, repeat
from operator import eq, not_

from reconciler.lifecycle.statuses import DeviceOutcome, device_outcome, is_terminal
from reconciler.model import Gate, WaveLive
from reconciler.thingspace.devicemap import imeis_with, status_counts

SHOWN_IMEIS = 20
"""Contradicted devices listed by IMEI in a plan; the rest are counted."""


class Verdict(enum.Enum):
    PASSED = "passed"
    WAITING = "waiting"
    FAILED = "failed"


@dataclass(frozen=True)
class Counts:
    """A started wave's devices by what they report."""

    size: int
    pending: int
    succeeded: int  # reported UpgradeSuccess (verified or not)
    reported_failed: int
    verified: int
    contradicted: int  # reported success, firmware read-back says otherwise
    contradicted_imeis: tuple[str, ...]  # the first SHOWN_IMEIS, sorted
    last_verified: datetime | None

    @property
    def failed(self) -> int:
        return self.reported_failed + self.contradicted

    @property
    def finished(self) -> int:
        return self.verified + self.failed


@dataclass(frozen=True)
class Judgement:
    verdict: Verdict
    counts: Counts
    text: str  # "49/50 verified (98.0% >= 98%), 0 failed; soak until 2027-03-03 18:00 UTC"
    until: datetime | None = None  # when a soak ends


def count(wave: WaveLive, firmware_to: str) -> Counts:
    """The wave's counts. Why in bulk: a wave of 100,000 devices reports a handful of distinct
    statuses, so each status is judged once, the devices that report success are picked out
    on the statuses, and their firmware is compared in C passes, not a Python step per device."""
    devices = wave.campaign.devices
    tally = Counter[DeviceOutcome]()
    upgraded: set[str] = set()
    for status, n in status_counts(devices).items():
        outcome = device_outcome(status)
        tally[outcome] += n
        if outcome is DeviceOutcome.UPGRADED:
            upgraded.add(status)
    succeeded = imeis_with(devices, upgraded)
    on_target = list(map(eq, map(wave.firmware.get, succeeded), repeat(firmware_to)))
    verified = list(compress(succeeded, on_target))
    contradicted = sorted(compress(succeeded, map(not_, on_target)))
    return Counts(
        size=len(devices),
        pending=tally[DeviceOutcome.PENDING],
        succeeded=len(succeeded),
        reported_failed=tally[DeviceOutcome.FAILED],
        verified=len(verified),
        contradicted=len(contradicted),
        contradicted_imeis=tuple(contradicted[:SHOWN_IMEIS]),
        last_verified=max(filter(None, map(wave.updated.get, verified)), default=None),
    )


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "0.0%"


def instant(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def judge(gate: Gate, wave: WaveLive, firmware_to: str, now: datetime) -> Judgement:
    c = count(wave, firmware_to)
    size = c.size
    if size == 0:
        return Judgement(Verdict.PASSED, c, "no devices in the wave; gate passed")
    failed_text = f"{c.failed} failed"
    if c.contradicted:
        failed_text += f" ({c.contradicted} reported success on the old firmware)"
    allowed = gate.max_failed.of(size)
    if c.failed > allowed:
        return Judgement(
            Verdict.FAILED,
            c,
            f"{c.failed}/{size} failed ({_pct(c.failed, size)} > {gate.max_failed})"
            + (
                f", {c.contradicted} of them reported success on the old firmware"
                if c.contradicted
                else ""
            )
            + f"; {c.verified}/{size} verified",
        )
    needed = min(math.ceil(gate.min_verified.of(size) - 1e-9), size)
    verified_text = f"{c.verified}/{size} verified ({_pct(c.verified, size)}"
    if c.verified >= needed:
        head = f"{verified_text} >= {gate.min_verified}), {failed_text}"
        sample = min(gate.min_sample, size)
        if c.finished < sample:
            return Judgement(
                Verdict.WAITING,
                c,
                f"{head}; waits for {sample} finished devices, {c.finished} so far",
            )
        if gate.soak_seconds:
            if c.last_verified is None:
                return Judgement(
                    Verdict.WAITING,
                    c,
                    f"{head}; the device report gives no upgrade time, so the soak cannot "
                    "start: give this wave soak: 0m to judge it without one",
                )
            until = c.last_verified + timedelta(seconds=gate.soak_seconds)
            if now < until:
                return Judgement(Verdict.WAITING, c, f"{head}; soak until {instant(until)}", until)
        return Judgement(Verdict.PASSED, c, f"{head}; gate passed")
    head = f"{verified_text} < {gate.min_verified}), {failed_text}"
    if c.pending == 0 or is_terminal(wave.campaign.status):
        return Judgement(
            Verdict.FAILED, c, f"{head}, {c.pending} pending and no upgrade left to wait for"
        )
    return Judgement(Verdict.WAITING, c, f"{head}; waits for {c.pending} pending device(s)")
