"""Property: a plan made from random specs, live state and time, applied to the emulator, is
accepted (no API refusal) and re-planning afterwards finds nothing left to do except refusals.

This is where the planner's rules and the emulator's independent lifecycle code are checked
against each other through the applier.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from reconciler.applier import ExecOptions, StepOutcome, execute, works_from_plan
from reconciler.model import CampaignSpec, Lifecycle, OnImmutableChange, TimeWindow
from reconciler.sim.testing import DEFAULT_NOW, running_sim
from tests.applier.support import FW, FW_OTHER, client_for, imeis, make_plan, no_sleep, spec

TODAY = DEFAULT_NOW.date()
WINDOWS = [(0, 4), (2, 8), (6, 10), (12, 18), (18, 22), (20, 24)]


@st.composite
def campaign(draw: st.DrawFn, index: int) -> CampaignSpec:
    start = TODAY + timedelta(days=draw(st.integers(1, 6)))
    end = start + timedelta(days=draw(st.integers(0, 6)))
    wins = draw(st.sets(st.sampled_from(WINDOWS), max_size=3))
    pool = sorted(imeis(6, seed=1000 + index))  # disjoint pools: no device in two campaigns
    devices = frozenset(draw(st.sets(st.sampled_from(pool), min_size=1, max_size=6)))
    base = spec(f"prop-{index}", start=start, end=end, windows=wins, devices=devices)
    return replace(
        base,
        lifecycle=Lifecycle(
            on_immutable_change=draw(st.sampled_from(list(OnImmutableChange))),
            allow_abort=draw(st.booleans()),
            allow_device_removal=draw(st.booleans()),
        ),
    )


@st.composite
def edit(draw: st.DrawFn, original: CampaignSpec, index: int) -> CampaignSpec:
    s = original
    sched = s.schedule
    if draw(st.booleans()):
        sched = replace(sched, end=sched.end + timedelta(days=draw(st.integers(-2, 4))))
    if draw(st.booleans()):
        sched = replace(sched, start=sched.start + timedelta(days=draw(st.integers(-2, 3))))
    if sched.end < sched.start:
        sched = replace(sched, end=sched.start)
    if draw(st.booleans()):
        wins = draw(st.sets(st.sampled_from(WINDOWS), max_size=3))
        sched = replace(sched, windows=tuple(sorted(TimeWindow(a, b) for a, b in wins)))
    devices = s.devices
    if draw(st.booleans()):
        pool = sorted(imeis(6, seed=1000 + index))
        devices = frozenset(draw(st.sets(st.sampled_from(pool), min_size=1, max_size=6)))
    package = FW_OTHER if draw(st.integers(0, 4)) == 0 else FW
    return replace(s, schedule=sched, devices=devices, package=package)


@st.composite
def scenario(draw: st.DrawFn) -> tuple[list[CampaignSpec], int, list[CampaignSpec]]:
    count = draw(st.integers(1, 3))
    first = [draw(campaign(i)) for i in range(count)]
    hours = draw(st.integers(0, 12 * 24))
    second = [draw(edit(s, i)) for i, s in enumerate(first)]
    return first, hours, second


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)
@given(scenario())
def test_applied_plans_are_accepted_and_converge(
    case: tuple[list[CampaignSpec], int, list[CampaignSpec]],
) -> None:
    first, hours, second = case
    options = ExecOptions(allow_abort=True, sleep=no_sleep)
    # Every upgrade attempt fails, so no device's firmware moves: otherwise a device upgraded
    # by an aborted campaign is (rightly) not eligible for its replacement, the API drops it
    # from the create, and "nothing left to do" cannot hold for reasons outside the plan.
    with running_sim(failure_rate=1.0) as sim, client_for(sim) as client:
        for specs in (first, second):
            plan = make_plan(client, specs)
            for entry in plan.campaigns:
                event(f"outcome {entry.outcome.value}")
            results = execute(works_from_plan(plan), client, options)
            for campaign_result in results:
                for r in campaign_result.results:
                    assert r.outcome is StepOutcome.OK, (r.step.kind, r.detail)
            again = make_plan(client, specs)
            assert not again.has_changes, [c.actions for c in again.campaigns if c.actions]
            sim.emulator.advance(timedelta(hours=hours))
