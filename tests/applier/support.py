"""Shared helpers for the applier's tests: specs, a client on a running emulator, one round of
read-live -> plan -> execute, and emulator write counters."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from reconciler.applier import CampaignResult, ExecOptions, Journal, execute, works_from_plan
from reconciler.model import (
    CampaignSpec,
    Kind,
    Lifecycle,
    OnImmutableChange,
    Package,
    Schedule,
    TimeWindow,
)
from reconciler.plans import reading
from reconciler.plans.types import Plan
from reconciler.sim.fleet import DEFAULT_ACCOUNT
from reconciler.sim.testing import RunningSim
from reconciler.thingspace import Credentials, RetryPolicy, ThingSpaceClient

ACCOUNT = DEFAULT_ACCOUNT
FW = Package(
    "SEQUANSCommunications_GM01Q_SR1.2.0.0-10512_SR1.2.0.0-10657",
    "SR1.2.0.0-10512",
    "SR1.2.0.0-10657",
    "LWM2M",
)
FW_OTHER = replace(FW, to_version="SR1.2.0.0-10700")
WRITE_KEYS = ("POST", "PUT", "DELETE")


def luhn_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def imeis(count: int, seed: int = 1) -> frozenset[str]:
    rng = random.Random(seed)
    out: set[str] = set()
    while len(out) < count:
        body = "35" + "".join(str(rng.randrange(10)) for _ in range(12))
        out.add(body + luhn_digit(body))
    return frozenset(out)


def spec(
    name: str,
    *,
    start: date = date(2026, 3, 10),
    end: date = date(2026, 3, 20),
    windows: Iterable[tuple[int, int]] = ((18, 22),),
    devices: frozenset[str] | None = None,
    package: Package = FW,
    replace_on_change: bool = False,
    allow_abort: bool = False,
    kind: Kind = Kind.FIRMWARE,
) -> CampaignSpec:
    wins = tuple(sorted({TimeWindow(a, b) for a, b in windows}))
    schedule = (
        Schedule(start, end, windows=wins)
        if kind is Kind.FIRMWARE
        else Schedule(start, end, download_windows=wins, install_windows=wins)
    )
    return CampaignSpec(
        account=ACCOUNT,
        name=name,
        kind=kind,
        package=package,
        schedule=schedule,
        devices=devices if devices is not None else imeis(3, seed=hash(name) % 1000),
        lifecycle=Lifecycle(
            on_immutable_change=(
                OnImmutableChange.REPLACE if replace_on_change else OnImmutableChange.REFUSE
            ),
            allow_abort=allow_abort,
        ),
    )


def upgrade_spec(
    label: str, start: date = date(2026, 3, 10), devices: frozenset[str] | None = None
) -> CampaignSpec:
    """A v1 upgrade spec (``kind: FirmwareUpgrade``): no name on the API side, so it is found
    by its firmware, target and dates."""
    return CampaignSpec(
        account=ACCOUNT,
        name=label,
        kind=Kind.UPGRADE,
        package=Package(FW.name, "", FW.to_version, ""),
        schedule=Schedule(start, start + timedelta(days=4)),
        devices=devices if devices is not None else imeis(2, seed=start.day),
        lifecycle=Lifecycle(),
    )


def no_sleep(_: float) -> None:
    return None


def client_for(sim: RunningSim, **kw: Any) -> ThingSpaceClient:
    kw.setdefault("retry", RetryPolicy(sleep=no_sleep, max_attempts=8))
    kw.setdefault("timeout", 10.0)
    return ThingSpaceClient(sim.url, Credentials.demo(), **kw)


def make_plan(client: ThingSpaceClient, specs: Sequence[CampaignSpec]) -> Plan:
    """The plan ``fota plan`` would make (the same edge: live state, namesakes, the clock)."""
    return reading.make_plan(client, specs, specs_digest="test", spec_paths=())


def apply_once(
    client: ThingSpaceClient,
    specs: Sequence[CampaignSpec],
    options: ExecOptions | None = None,
    journal: Journal | None = None,
) -> tuple[Plan, list[CampaignResult]]:
    plan = make_plan(client, specs)
    opts = options or ExecOptions(sleep=no_sleep)
    return plan, execute(works_from_plan(plan), client, opts, journal)


def writes(sim: RunningSim, *, processed: bool = True) -> dict[str, int]:
    counts = sim.emulator.processed_counts() if processed else sim.emulator.request_counts()
    return {
        k: v
        for k, v in counts.items()
        if k.split(" ", 1)[0] in WRITE_KEYS and "/api/fota/" in k and v
    }


def campaigns_named(client: ThingSpaceClient, name: str, kind: Kind = Kind.FIRMWARE) -> list[Any]:
    from reconciler.lifecycle.statuses import LISTING_ORDER

    found = []
    for status in LISTING_ORDER:
        found += [
            c for c in client.list_campaigns(ACCOUNT, kind, status) if c.get("campaignName") == name
        ]
    return found
