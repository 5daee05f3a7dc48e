"""One status table, every spelling, every consumer.

ThingSpace spells statuses inconsistently (``CampaignEnded``, ``campaignEnded``,
``RequestPending``, ``Request Pending``, ``upgradeFailure``). Before the table, a lower-case
``campaignEnded`` was refused R-FINISHED by the planner's exact-match set but counted as live
by identity; every consumer below now reads the one table, so every spelling of a status means
the same thing to all of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.applier import ExecOptions, StepOutcome, execute
from reconciler.applier.steps import CampaignWork, Step
from reconciler.lifecycle import rules
from reconciler.lifecycle.statuses import (
    CAMPAIGN_STATUSES,
    LISTING_ORDER,
    DeviceOutcome,
    StatusClass,
    awaits_schedule,
    campaign_status,
    device_outcome,
    is_terminal,
    status_class,
)
from reconciler.model import Kind
from reconciler.plans.planner import plan_campaign
from reconciler.plans.types import ActionType
from reconciler.plans.types import Outcome as PlanOutcome
from reconciler.thingspace import ThingSpaceClient, read_live
from reconciler.thingspace.report import CampaignReport, DeviceSummary
from reconciler.thingspace.wire import DeviceStatus
from reconciler.views.status import report_json
from tests.plans.plan_factory import NOW, fw_spec, live_of
from tests.thingspace.fake_thingspace import ACC, CREDS, FakeThingSpace, spec


def spellings(name: str) -> list[str]:
    """The ways ThingSpace's pages and answers write one status."""
    words = "".join(f" {c}" if c.isupper() else c for c in name).split()
    return [
        name,
        name[0].lower() + name[1:],
        name.lower(),
        name.upper(),
        " ".join(words),
        "_".join(w.upper() for w in words),
    ]


ALL = [(row, spelling) for row in CAMPAIGN_STATUSES for spelling in spellings(row.name)]


@pytest.mark.parametrize(("row", "spelling"), ALL, ids=[s for _, s in ALL])
def test_every_spelling_reads_as_its_row(row: Any, spelling: str) -> None:
    assert campaign_status(spelling) == row
    assert status_class(spelling) is row.cls
    assert is_terminal(spelling) is row.terminal


def test_the_table_is_in_lifecycle_order_and_lists_the_formal_enum_once() -> None:
    orders = [row.order for row in CAMPAIGN_STATUSES]
    assert orders == sorted(orders)
    assert len(LISTING_ORDER) == len(set(LISTING_ORDER)) == 8
    assert LISTING_ORDER[:3] == (
        "CampaignRequestPending",
        "CampaignRequestQueued",
        "CampaignScheduled",
    )


@given(st.text(max_size=30))
def test_an_unknown_status_is_unknown_and_never_terminal(text: str) -> None:
    if campaign_status(text) is None:
        assert status_class(text) is StatusClass.UNKNOWN
        assert not is_terminal(text)


# --- the planner -----------------------------------------------------------------------------


@pytest.mark.parametrize(("row", "spelling"), ALL, ids=[s for _, s in ALL])
def test_the_planner_treats_every_spelling_like_the_canonical_name(row: Any, spelling: str) -> None:
    spec_ = fw_spec("spelled")
    changed = replace(
        spec_, schedule=replace(spec_.schedule, end=spec_.schedule.end + timedelta(1))
    )
    for desired in (spec_, changed):
        canonical = plan_campaign(desired, live_of(spec_, row.name), NOW)
        spelled = plan_campaign(desired, live_of(spec_, spelling), NOW)
        assert spelled.outcome is canonical.outcome, spelling
        assert [r.rule for r in spelled.refusals] == [r.rule for r in canonical.refusals]


def test_lower_case_campaign_ended_is_finished_not_refused() -> None:
    """The reported bug: ``campaignEnded`` was refused R-FINISHED with exit 1."""
    spec_ = fw_spec("ended")
    entry = plan_campaign(spec_, live_of(spec_, "campaignEnded"), NOW)
    assert entry.outcome is PlanOutcome.FINISHED and not entry.refusals


# --- identity (the client's live reader) -------------------------------------------------------


@pytest.mark.parametrize("spelling", spellings("CampaignEnded"))
def test_identity_never_counts_a_finished_namesake_as_live(spelling: str) -> None:
    fake = FakeThingSpace()
    fake.add("c-1", "spring", spelling)
    fake.add("c-2", "spring", "CampaignScheduled")
    transport = httpx.MockTransport(fake)
    with ThingSpaceClient("http://ts.test", CREDS, transport=transport) as client:
        live = read_live(client, [spec("spring")]).matches[(ACC, "spring")]
    assert live is not None and live.id == "c-2"


# --- the applier -------------------------------------------------------------------------------


class _Writer:
    """Answers a cancel with the status spelled as given."""

    def __init__(self, spelled: str) -> None:
        self.spelled = spelled
        self.deleted = 0

    def get_campaign(self, account: str, kind: Kind, campaign_id: str) -> dict[str, Any]:
        status = self.spelled if self.deleted else "CampaignScheduled"
        return {"id": campaign_id, "status": status, "startDate": "2099-01-01"}

    def delete_campaign(self, account: str, kind: Kind, campaign_id: str) -> dict[str, Any]:
        self.deleted += 1
        return {"success": True}

    def server_now(self) -> datetime:
        return NOW

    def list_campaigns(self, account: str, kind: Kind, status: str) -> Iterator[Any]:
        return iter(())


@pytest.mark.parametrize("spelling", spellings("CampaignCancelled"))
def test_the_applier_confirms_a_cancel_in_any_spelling(spelling: str) -> None:
    step = Step(ActionType.CANCEL, ACC, Kind.FIRMWARE, "n", "c-1")
    work = CampaignWork(ACC, "n", (step,), frozenset({"c-1"}))
    (result,) = execute([work], _Writer(spelling), ExecOptions())  # type: ignore[arg-type]
    assert result.results[0].outcome is StepOutcome.OK, result.results[0].detail


@pytest.mark.parametrize(
    "spelling", ["CampaignRequestPending", "requestPending", "Request Pending"]
)
def test_wait_polls_every_spelling_of_pending(spelling: str) -> None:
    assert awaits_schedule(spelling)
    assert not awaits_schedule("campaignScheduled")


# --- fota status ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        ("UpgradeSuccess", DeviceOutcome.UPGRADED),
        ("upgradeSuccess", DeviceOutcome.UPGRADED),
        ("upgradeFailure", DeviceOutcome.FAILED),
        ("UPGRADE FAILURE", DeviceOutcome.FAILED),
        ("DownloadFailed", DeviceOutcome.FAILED),
        ("UpgradePending", DeviceOutcome.PENDING),
        ("", DeviceOutcome.PENDING),
    ],
)
def test_device_statuses_in_any_spelling(status: str, outcome: DeviceOutcome) -> None:
    assert device_outcome(status) is outcome
    assert rules.is_upgraded(status) is (outcome is DeviceOutcome.UPGRADED)
    summary = DeviceSummary()
    summary.add(DeviceStatus("350000000000001", status, ""), keep=5)
    assert summary.failure_count == (1 if outcome is DeviceOutcome.FAILED else 0)


@pytest.mark.parametrize("spelling", spellings("CampaignEnded"))
def test_fota_status_calls_every_spelling_of_ended_terminal(spelling: str) -> None:
    spec_ = fw_spec("shown")
    report = CampaignReport(None, live_of(spec_, spelling), DeviceSummary())
    assert report_json(report)["terminal"] is True
