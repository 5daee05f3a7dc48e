"""Under a ~20% injected fault rate (before and after processing), applying converges and never
creates a duplicate campaign: counted with the emulator's processed-request counters and the
campaign listing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from reconciler.applier import ExecOptions, execute, works_from_plan
from reconciler.lifecycle.statuses import is_terminal
from reconciler.model import CampaignSpec
from reconciler.sim.faults import FaultRule
from reconciler.sim.testing import running_sim
from reconciler.thingspace import ThingSpaceClient
from tests.applier.support import (
    FW_OTHER,
    campaigns_named,
    client_for,
    imeis,
    make_plan,
    no_sleep,
    spec,
    writes,
)

CREATE_KEY = "POST /api/fota/v3/campaigns/firmware/<acc>"


def converge(
    client: ThingSpaceClient,
    specs: Sequence[CampaignSpec],
    rounds: int = 8,
    details: list[str] | None = None,
) -> int:
    """Plan and apply until nothing is left to do; returns the number of rounds it took
    (every step's report goes to ``details``)."""
    for n in range(1, rounds + 1):
        plan = make_plan(client, specs)
        assert not plan.has_refusals, [c.refusals for c in plan.campaigns if c.refusals]
        if not plan.has_changes:
            return n
        results = execute(
            works_from_plan(plan), client, ExecOptions(sleep=no_sleep, allow_abort=True)
        )
        if details is not None:
            details.extend(r.detail for c in results for r in c.results)
    raise AssertionError(f"no convergence after {rounds} rounds")


def version_one() -> list[CampaignSpec]:
    return [spec(f"camp-{i:02d}", devices=imeis(4, seed=100 + i)) for i in range(10)]


def version_two() -> list[CampaignSpec]:
    out = []
    for i, s in enumerate(version_one()):
        if i < 3:  # schedule changes before the start
            out.append(spec(s.name, devices=s.devices, end=date(2026, 3, 25), windows=((6, 10),)))
        elif i < 6:  # device additions
            out.append(spec(s.name, devices=s.devices | imeis(3, seed=200 + i)))
        elif i < 8:  # device removals
            out.append(spec(s.name, devices=frozenset(sorted(s.devices)[:2])))
        else:  # replacement (cancel before start, then create)
            out.append(spec(s.name, devices=s.devices, package=FW_OTHER, replace_on_change=True))
    return out


def test_twenty_percent_faults_converge_without_duplicates() -> None:
    faults = [
        # Guaranteed: two creates are processed and then their answers are lost.
        FaultRule("drop", phase="after", method="POST", path="/api/fota/*", times=2),
        # Guaranteed: one create is refused unprocessed with a 503 the client cannot tell from
        # a processed one: that run reports "outcome unknown" and only a later run creates it.
        FaultRule("503", phase="before", method="POST", path="/api/fota/*", times=1),
        FaultRule("503", rate=0.07, phase="before", path="/api/fota/*"),
        FaultRule("500", rate=0.07, phase="after", path="/api/fota/*"),
        FaultRule("drop", rate=0.08, phase="after", path="/api/fota/*"),
    ]
    with running_sim(faults=faults, seed=3) as sim, client_for(sim) as client:
        details: list[str] = []
        converge(client, version_one(), details=details)
        converge(client, version_two(), details=details)
        assert any("outcome unknown: re-run fota apply" in d for d in details)
        assert any("found after an unanswered create" in d for d in details)
        assert sum(sim.emulator.request_counts().values()) > 100
        injected = sim.emulator.faults.injected
        assert sum(injected.values()) > 10  # the faults really happened
        assert injected[CREATE_KEY] >= 3
        sim.emulator.clear_faults()
        assert writes(sim)[CREATE_KEY] == 12  # 10 creates + 2 replacements, nothing twice
        for s in version_two():
            live = [c for c in campaigns_named(client, s.name) if not is_terminal(c["status"])]
            assert len(live) == 1, (s.name, live)
        assert not make_plan(client, version_two()).has_changes
