"""The executor against the emulator over loopback: outcomes, idempotence, no duplicates."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from reconciler.applier import ExecOptions, StepOutcome
from reconciler.plans.types import ActionType
from reconciler.plans.types import Outcome as PlanOutcome
from reconciler.sim.faults import FaultRule
from reconciler.sim.testing import RunningSim, running_sim
from reconciler.thingspace import ThingSpaceClient
from tests.applier.support import (
    FW_OTHER,
    apply_once,
    campaigns_named,
    client_for,
    imeis,
    make_plan,
    no_sleep,
    spec,
    writes,
)

CREATE_KEY = "POST /api/fota/v3/campaigns/firmware/<acc>"
FOTA = "/api/fota/*"


@pytest.fixture
def sim() -> Iterator[RunningSim]:
    # Every upgrade attempt fails, so device firmware never moves: a device upgraded by an
    # aborted campaign would (rightly) be ineligible for its replacement, which is not what
    # these tests are about.
    with running_sim(failure_rate=1.0) as running:
        yield running


@pytest.fixture
def client(sim: RunningSim) -> Iterator[ThingSpaceClient]:
    with client_for(sim) as c:
        yield c


def test_create_then_second_apply_does_nothing(sim: RunningSim, client: ThingSpaceClient) -> None:
    specs = [spec("alpha"), spec("beta")]
    plan, results = apply_once(client, specs)
    assert [c.outcome for c in plan.campaigns] == [PlanOutcome.CREATE, PlanOutcome.CREATE]
    assert all(r.ok for r in results)
    ids = [r.results[0].campaign_id for r in results]
    assert all(ids) and len(set(ids)) == 2
    assert writes(sim) == {CREATE_KEY: 2}
    plan2, results2 = apply_once(client, specs)
    assert not plan2.has_changes and results2 == []
    assert writes(sim) == {CREATE_KEY: 2}


def test_ambiguous_create_is_adopted_after_lookup_not_resent(
    sim: RunningSim, client: ThingSpaceClient
) -> None:
    sim.emulator.add_fault(FaultRule("drop", phase="after", method="POST", path=FOTA, times=1))
    _, results = apply_once(client, [spec("gamma")])
    (step,) = results[0].results
    assert step.outcome is StepOutcome.OK
    assert "found after an unanswered create" in step.detail
    assert writes(sim) == {CREATE_KEY: 1}
    assert [c["id"] for c in campaigns_named(client, "gamma")] == [step.campaign_id]


def test_create_lost_before_processing_is_not_re_sent_but_created_by_the_next_run(
    sim: RunningSim, client: ThingSpaceClient
) -> None:
    sim.emulator.add_fault(FaultRule("503", phase="before", method="POST", path=FOTA, times=1))
    _, results = apply_once(client, [spec("delta")])
    (step,) = results[0].results
    assert step.outcome is StepOutcome.FAILED
    assert "outcome unknown: re-run fota apply" in step.detail
    assert writes(sim) == {}  # sent once, never processed, and not sent again in that run
    _, again = apply_once(client, [spec("delta")])
    assert again[0].results[0].outcome is StepOutcome.OK
    assert writes(sim) == {CREATE_KEY: 1}
    assert len(campaigns_named(client, "delta")) == 1


def test_create_rejected_by_the_api_fails_that_campaign_only(
    sim: RunningSim, client: ThingSpaceClient
) -> None:
    bad = spec("bad", start=date(2026, 3, 20), end=date(2026, 3, 10))  # the API says 400
    _, results = apply_once(client, [bad, spec("good")])
    by_name = {r.work.name: r for r in results}
    assert by_name["good"].ok
    failed = by_name["bad"].results[0]
    assert failed.outcome is StepOutcome.FAILED and "400" in failed.detail


def test_wait_polls_with_backoff_until_scheduled(sim: RunningSim, client: ThingSpaceClient) -> None:
    slept: list[float] = []
    options = ExecOptions(wait=True, sleep=slept.append, wait_base=2.0, wait_cap=5.0)
    _, results = apply_once(client, [spec("waited")], options)
    step = results[0].results[0]
    assert step.outcome is StepOutcome.OK, step.detail
    assert step.status == "CampaignScheduled"
    assert slept and slept[0] == 2.0 and all(s <= 5.0 for s in slept)


def test_wait_reports_a_request_failure(sim: RunningSim, client: ThingSpaceClient) -> None:
    devices = imeis(2, seed=5)
    apply_once(client, [spec("first", devices=devices)])  # enrols them on SR1.2.0.0-10512
    wrong_from = FW_OTHER.__class__(FW_OTHER.name, "SR0.9", FW_OTHER.to_version, "LWM2M")
    doomed = spec("doomed", devices=devices, package=wrong_from)
    _, results = apply_once(client, [doomed], ExecOptions(wait=True, sleep=no_sleep))
    step = results[0].results[0]
    assert step.outcome is StepOutcome.FAILED
    assert step.campaign_id is not None
    assert "CampaignRequestFailed" in step.detail and step.campaign_id in step.detail


def test_abort_is_refused_without_allow_abort_and_replacement_create_skipped(
    sim: RunningSim, client: ThingSpaceClient
) -> None:
    apply_once(client, [spec("running")])
    sim.emulator.set_time(datetime(2026, 3, 11, 9, 0, tzinfo=UTC))  # started
    changed = spec(
        "running",
        package=FW_OTHER,
        start=date(2026, 3, 12),
        replace_on_change=True,
        allow_abort=True,
    )
    plan, results = apply_once(client, [changed])
    assert plan.campaigns[0].outcome is PlanOutcome.REPLACE
    abort, create = results[0].results
    assert abort.step.kind is ActionType.ABORT and abort.outcome is StepOutcome.REFUSED
    assert "--allow-abort" in abort.detail
    assert create.outcome is StepOutcome.SKIPPED
    assert len(campaigns_named(client, "running")) == 1
    _, results = apply_once(client, [changed], ExecOptions(allow_abort=True, sleep=no_sleep))
    assert [r.outcome for r in results[0].results] == [StepOutcome.OK, StepOutcome.OK]
    statuses = sorted(c["status"] for c in campaigns_named(client, "running"))
    assert statuses == ["CampaignAborted", "CampaignRequestPending"]
    assert not make_plan(client, [changed]).has_changes


def test_cancel_close_to_the_start_is_refused(sim: RunningSim, client: ThingSpaceClient) -> None:
    apply_once(client, [spec("soon")])
    changed = spec("soon", package=FW_OTHER, replace_on_change=True)
    plan = make_plan(client, [changed])
    assert plan.campaigns[0].outcome is PlanOutcome.REPLACE
    sim.emulator.set_time(datetime(2026, 3, 10, tzinfo=UTC) - timedelta(minutes=5))
    from reconciler.applier import execute, works_from_plan

    (result,) = execute(works_from_plan(plan), client, ExecOptions(sleep=no_sleep))
    cancel, create = result.results
    assert cancel.outcome is StepOutcome.REFUSED and "could abort it" in cancel.detail
    assert create.outcome is StepOutcome.SKIPPED
    assert [c["status"] for c in campaigns_named(client, "soon")] != ["CampaignCancelled"]


def test_a_device_someone_else_added_first_counts_as_added(
    sim: RunningSim, client: ThingSpaceClient
) -> None:
    base = imeis(4, seed=7)
    apply_once(client, [spec("devs", devices=base)])
    extra = imeis(3, seed=8)
    plan = make_plan(client, [spec("devs", devices=base | extra)])
    # Someone else adds one of them first: the API answers AddDeviceFailed for that one.
    one = sorted(extra)[0]
    cid = plan.campaigns[0].campaign_id
    assert cid is not None
    client.change_devices(plan.campaigns[0].account, plan.campaigns[0].kind, cid, "append", [one])
    from reconciler.applier import execute, works_from_plan

    (result,) = execute(works_from_plan(plan), client, ExecOptions(sleep=no_sleep))
    (step,) = result.results
    # The outcome is judged by the campaign's device list: the device is where the spec wants
    # it, so the step is ok (a device the API really refuses stays partial:
    # tests/applier/test_device_writes.py).
    assert step.outcome is StepOutcome.OK, step.detail
    assert step.detail.startswith("3 added (1 reported already in the campaign")
    assert step.failed_device_count == 0


def test_ambiguous_cancel_is_confirmed_by_reading_the_campaign(
    sim: RunningSim, client: ThingSpaceClient
) -> None:
    apply_once(client, [spec("dropped")])
    changed = spec("dropped", package=FW_OTHER, replace_on_change=True)
    sim.emulator.add_fault(FaultRule("drop", phase="after", method="DELETE", path=FOTA, times=1))
    _, results = apply_once(client, [changed])
    cancel, create = results[0].results
    assert cancel.outcome is StepOutcome.OK and "confirmed by lookup" in cancel.detail
    assert create.outcome is StepOutcome.OK
    assert writes(sim) == {CREATE_KEY: 2, "DELETE /api/fota/v3/campaigns/<acc>/<cid>": 1}


def test_unanswered_create_with_a_failing_lookup_is_found_by_the_next_run(
    sim: RunningSim, client: ThingSpaceClient
) -> None:
    from reconciler.applier import execute, works_from_plan

    plan = make_plan(client, [spec("lost")])
    sim.emulator.add_fault(FaultRule("drop", phase="after", method="POST", path=FOTA, times=1))
    sim.emulator.add_fault(
        FaultRule("503", method="GET", path="/api/fota/v3/reports/*/firmware/campaigns")
    )
    (result,) = execute(works_from_plan(plan), client, ExecOptions(sleep=no_sleep))
    (step,) = result.results
    assert step.outcome is StepOutcome.FAILED
    assert "looking the campaign up by name failed" in step.detail
    assert "outcome unknown: re-run fota apply" in step.detail
    sim.emulator.clear_faults()
    again, results = apply_once(client, [spec("lost")])
    assert not again.has_changes and results == []
    assert writes(sim) == {CREATE_KEY: 1}


def test_an_unanswered_replacement_create_never_adopts_a_cancelled_predecessor(
    sim: RunningSim, client: ThingSpaceClient
) -> None:
    from dataclasses import replace as with_

    third = with_(FW_OTHER, to_version="SR1.2.0.0-10800")
    apply_once(client, [spec("chain")])
    apply_once(client, [spec("chain", package=FW_OTHER, replace_on_change=True)])
    # v1 is cancelled, v2 is live. Replace v2 by v3; v3's create is lost before processing.
    sim.emulator.add_fault(FaultRule("503", phase="before", method="POST", path=FOTA, times=1))
    plan, results = apply_once(client, [spec("chain", package=third, replace_on_change=True)])
    assert plan.campaigns[0].outcome is PlanOutcome.REPLACE
    cancel, create = results[0].results
    assert cancel.outcome is StepOutcome.OK
    assert create.outcome is StepOutcome.FAILED, create.detail  # not adopted, not re-sent
    assert "outcome unknown" in create.detail
    assert writes(sim)[CREATE_KEY] == 2
    _, resumed = apply_once(client, [spec("chain", package=third, replace_on_change=True)])
    (create,) = resumed[0].results
    assert create.outcome is StepOutcome.OK and "found after" not in create.detail
    assert writes(sim)[CREATE_KEY] == 3
    found = {c["id"]: (c["status"], c["firmwareTo"]) for c in campaigns_named(client, "chain")}
    assert found[create.campaign_id][1] == "SR1.2.0.0-10800"
    assert sorted(s for s, _ in found.values()).count("CampaignCancelled") == 2


def test_a_replacement_cut_after_its_cancel_is_resumed_once(
    sim: RunningSim, client: ThingSpaceClient
) -> None:
    apply_once(client, [spec("cut")])
    (old,) = campaigns_named(client, "cut")
    client.delete_campaign(spec("cut").account, spec("cut").kind, old["id"])  # the first half
    wanted = spec("cut", package=FW_OTHER, replace_on_change=True)
    plan, results = apply_once(client, [wanted])
    (entry,) = plan.campaigns
    assert entry.outcome is PlanOutcome.CREATE and entry.campaign_id == old["id"]
    assert "R-RESUME-REPLACEMENT" in entry.notes[0]
    assert results[0].results[0].outcome is StepOutcome.OK
    assert writes(sim)[CREATE_KEY] == 2
    # Done: the next plan finds the replacement; once it is cancelled on purpose (the portal),
    # a campaign with the spec's package exists under the name, so nothing is re-created.
    assert not make_plan(client, [wanted]).has_changes
    new_id = results[0].results[0].campaign_id
    assert new_id is not None
    client.delete_campaign(wanted.account, wanted.kind, new_id)
    after = make_plan(client, [wanted])
    assert [c.outcome for c in after.campaigns] == [PlanOutcome.FINISHED]
    assert writes(sim)[CREATE_KEY] == 2
