"""A device change is judged by the campaign's device list, as a create is by the listing: a
PUT processed but unanswered, whose retry is told "Device is already in / not in the campaign",
took effect and is reported ok (exit 0), not partial. Driven by the emulator's fault injection
with phase ``after`` (the request takes effect, its answer is lost)."""

from __future__ import annotations

from reconciler.applier import StepOutcome
from reconciler.sim.faults import FaultRule
from reconciler.sim.fleet import Device
from reconciler.sim.testing import running_sim
from reconciler.thingspace import RetryPolicy
from tests.applier.support import (
    ACCOUNT,
    apply_once,
    client_for,
    imeis,
    make_plan,
    no_sleep,
    spec,
    upgrade_spec,
)

PUT = "PUT /api/fota/v3/campaigns/firmware/<acc>/<cid>"
BASE = imeis(3, seed=7)
MORE = imeis(4, seed=8)


def _lost_answer(kind: str, times: int | None = 1) -> FaultRule:
    return FaultRule(kind, phase="after", method="PUT", path="/api/fota/*", times=times)


def test_an_append_whose_answer_was_lost_is_ok_after_the_retry_hears_already_in() -> None:
    with running_sim(failure_rate=1.0) as sim, client_for(sim) as client:
        apply_once(client, [spec("grow", devices=BASE)])
        sim.emulator.add_fault(_lost_answer("drop"))
        _, results = apply_once(client, [spec("grow", devices=BASE | MORE)])
        ((step,),) = [r.results for r in results]
        assert step.outcome is StepOutcome.OK, step.detail
        assert step.detail.startswith("4 added (4 reported already in the campaign")
        assert sim.emulator.processed_counts()[PUT] == 2  # the lost one and its retry
        assert not make_plan(client, [spec("grow", devices=BASE | MORE)]).has_changes


def test_a_removal_whose_answer_was_lost_is_ok_after_the_retry_hears_not_in() -> None:
    with running_sim(failure_rate=1.0) as sim, client_for(sim) as client:
        apply_once(client, [spec("shrink", devices=BASE | MORE)])
        sim.emulator.add_fault(_lost_answer("500"))
        _, results = apply_once(client, [spec("shrink", devices=BASE)])
        ((step,),) = [r.results for r in results]
        assert step.outcome is StepOutcome.OK, step.detail
        assert "4 reported not in the campaign" in step.detail
        assert not make_plan(client, [spec("shrink", devices=BASE)]).has_changes


def test_a_change_never_answered_is_ok_when_the_device_list_shows_it() -> None:
    # Every answer lost, retries spent: the client gives up, the device list decides.
    retry = RetryPolicy(sleep=no_sleep, max_attempts=2)
    with running_sim(failure_rate=1.0) as sim, client_for(sim, retry=retry) as client:
        apply_once(client, [spec("mute", devices=BASE)])
        sim.emulator.add_fault(_lost_answer("drop", times=None))
        _, results = apply_once(client, [spec("mute", devices=BASE | MORE)])
        ((step,),) = [r.results for r in results]
        assert step.outcome is StepOutcome.OK, step.detail
        assert "the campaign's device list shows the change made" in step.detail


def test_a_device_really_refused_stays_partial() -> None:
    # Not a lost answer: a device the API refuses (on another firmware) is still reported, and
    # only it; the look at the device list does not paper over a real failure.
    stranger = sorted(imeis(1, seed=9))[0]
    with running_sim(failure_rate=1.0) as sim, client_for(sim) as client:
        apply_once(client, [spec("picky", devices=BASE)])
        sim.emulator.add_device(Device(stranger, ACCOUNT, "m", "x", firmware="SR0.9"))
        _, results = apply_once(client, [spec("picky", devices=BASE | {stranger})])
        ((step,),) = [r.results for r in results]
        assert step.outcome is StepOutcome.PARTIAL, step.detail
        assert step.failed_device_count == 1 and step.failed_devices[0][0] == stranger


V1_PUT = "PUT /api/fota/v1/upgrades/<acc>/upgrade/<cid>"


def test_a_v1_append_whose_answer_was_lost_is_judged_by_the_upgrades_device_list() -> None:
    # v1 has no device report: the upgrade's GET lists its devices, and that decides.
    with running_sim(failure_rate=1.0) as sim, client_for(sim) as client:
        apply_once(client, [upgrade_spec("grow", devices=BASE)])
        sim.emulator.add_fault(_lost_answer("drop"))
        _, results = apply_once(client, [upgrade_spec("grow", devices=BASE | MORE)])
        ((step,),) = [r.results for r in results]
        assert step.outcome is StepOutcome.OK, step.detail
        assert step.detail.startswith("4 added (4 reported already in the campaign")
        assert sim.emulator.processed_counts()[V1_PUT] == 2  # the lost one and its retry
        assert not make_plan(client, [upgrade_spec("grow", devices=BASE | MORE)]).has_changes
