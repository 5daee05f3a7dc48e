"""Unanswered writes against a scripted API: a create is never re-sent in the run that lost its
answer (the real API lists new campaigns late), and a cancel's retry never lands after the
start (where the same DELETE aborts)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from reconciler.applier import ExecOptions, StepOutcome, execute
from reconciler.applier.executor import CANCEL_MARGIN
from reconciler.applier.steps import CampaignWork, Step
from reconciler.model import Kind
from reconciler.plans.types import ActionType
from reconciler.thingspace import AmbiguousWriteError

START = datetime(2026, 3, 10, tzinfo=UTC)


class ScriptedApi:
    """Creates and deletes that are processed but never answered; a listing that lags."""

    def __init__(self, *, listed_after: int | None, clock: list[datetime]) -> None:
        self.listed_after = listed_after  # the created campaign shows up on this lookup (1-based)
        self.lookups = 0
        self.creates = 0
        self.deletes = 0
        self.clock = clock  # server_now pops from here (the last value repeats)
        self.status = "CampaignScheduled"

    def create_campaign(self, account: str, kind: Kind, body: dict[str, Any]) -> Any:
        self.creates += 1
        raise AmbiguousWriteError("no answer: connection reset", method="POST", path="/x")

    def list_campaigns(self, account: str, kind: Kind, status: str) -> Iterator[Any]:
        if status == "CampaignRequestPending":
            self.lookups += 1
        if (
            self.creates
            and self.listed_after is not None
            and self.lookups >= self.listed_after
            and status == "CampaignRequestPending"
        ):
            yield {"id": "c-1", "campaignName": "lagging", "status": "CampaignRequestPending"}

    def delete_campaign(self, account: str, kind: Kind, campaign_id: str) -> Any:
        self.deletes += 1
        raise AmbiguousWriteError("no answer: timeout", method="DELETE", path="/x")

    def get_campaign(self, account: str, kind: Kind, campaign_id: str) -> Any:
        return {"id": campaign_id, "status": self.status, "startDate": START.date().isoformat()}

    def server_now(self) -> datetime:
        return self.clock.pop(0) if len(self.clock) > 1 else self.clock[0]

    def update_schedule(
        self, account: str, kind: Kind, campaign_id: str, body: dict[str, Any]
    ) -> Any:
        raise AssertionError("not planned")

    def change_devices(
        self,
        account: str,
        kind: Kind,
        campaign_id: str,
        op: Literal["append", "remove"],
        imeis: list[str],
    ) -> Any:
        raise AssertionError("not planned")


def _work(kind: ActionType) -> CampaignWork:
    step = Step(
        kind=kind,
        account="0402196254-00001",
        campaign_kind=Kind.FIRMWARE,
        name="lagging",
        campaign_id=None if kind is ActionType.CREATE else "c-0",
        body={"campaignName": "lagging"} if kind is ActionType.CREATE else None,
    )
    return CampaignWork("0402196254-00001", "lagging", (step,))


def test_a_create_listed_late_is_adopted_and_never_sent_twice() -> None:
    api = ScriptedApi(listed_after=3, clock=[START - timedelta(days=1)])
    slept: list[float] = []
    options = ExecOptions(
        sleep=slept.append, create_lookups=4, create_lookup_base=2.0, race_checks=False
    )
    (result,) = execute([_work(ActionType.CREATE)], api, options)
    (step,) = result.results
    assert step.outcome is StepOutcome.OK and step.campaign_id == "c-1"
    assert "found after an unanswered create" in step.detail
    assert api.creates == 1
    assert slept == [2.0, 4.0]  # backoff between the three lookups, nothing after the hit


def test_a_create_never_listed_is_outcome_unknown_not_re_sent() -> None:
    api = ScriptedApi(listed_after=None, clock=[START - timedelta(days=1)])
    slept: list[float] = []
    options = ExecOptions(
        sleep=slept.append, create_lookups=3, create_lookup_base=1.0, race_checks=False
    )
    (result,) = execute([_work(ActionType.CREATE)], api, options)
    (step,) = result.results
    assert step.outcome is StepOutcome.FAILED
    assert api.creates == 1
    assert api.lookups == 3 and slept == [1.0, 2.0]
    assert step.detail.endswith(
        "outcome unknown: re-run fota apply; it will find the campaign by name if it was created"
    )


def test_a_cancel_retry_re_checks_the_start_margin_on_the_api_clock() -> None:
    # The first DELETE goes out well before the margin; its answer is lost; by the time of the
    # retry the API's clock is inside the margin, so the retry could land as an abort.
    early = START - CANCEL_MARGIN - timedelta(minutes=5)
    late = START - CANCEL_MARGIN + timedelta(seconds=1)
    api = ScriptedApi(listed_after=None, clock=[early, late])
    (result,) = execute([_work(ActionType.CANCEL)], api, ExecOptions(sleep=lambda _: None))
    (step,) = result.results
    assert api.deletes == 1
    assert step.outcome is StepOutcome.REFUSED
    assert "a DELETE now could abort it" in step.detail
    assert "lifecycle.allowAbort: true" in step.detail


def test_a_cancel_retry_well_before_the_start_is_sent() -> None:
    early = START - timedelta(days=1)
    api = ScriptedApi(listed_after=None, clock=[early])
    (result,) = execute([_work(ActionType.CANCEL)], api, ExecOptions(delete_attempts=3))
    (step,) = result.results
    assert api.deletes == 3 and step.outcome is StepOutcome.FAILED
