"""What the applier executes: write steps grouped per campaign, and what became of each.

Why a model of its own instead of executing planner actions directly: the executor only needs
"which write, on which campaign, with which body", and keeping that small makes the executor
testable on its own and independent of how the planner groups or renders its actions. The
adapter from a :class:`reconciler.plans.types.Plan` lives in :mod:`reconciler.applier.work`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.model import Kind
from reconciler.plans.types import ActionType
from reconciler.thingspace import paths
from reconciler.thingspace.wire import device_change_imeis


@dataclass(frozen=True)
class Step:
    """One write. ``campaign_id`` is None only for a create (the API assigns the id).

    ``kind`` is the planner's action type, never ``REPLACE`` (a replacement is flattened into
    its take-down and its create by :mod:`reconciler.applier.work`).
    """

    kind: ActionType
    account: str
    campaign_kind: Kind
    name: str
    campaign_id: str | None
    body: Mapping[str, Any] | None = None

    def request_line(self) -> tuple[str, str]:
        """(method, path) this step sends, for the journal and the output."""
        acc, kind, cid = self.account, self.campaign_kind, self.campaign_id or ""
        if self.kind is ActionType.CREATE:
            return ("POST", paths.create(acc, kind))
        if self.kind is ActionType.UPDATE_SCHEDULE:
            return ("PUT", paths.dates(acc, kind, cid))
        if self.kind in (ActionType.ADD_DEVICES, ActionType.REMOVE_DEVICES):
            return ("PUT", paths.modify(acc, kind, cid))
        return ("DELETE", paths.one(acc, kind, cid))

    def describe(self) -> str:
        if self.kind is ActionType.CREATE:
            return "create"
        if self.kind in (ActionType.ADD_DEVICES, ActionType.REMOVE_DEVICES) and self.body:
            count = len(device_change_imeis(self.body))
            return f"{self.kind.value} ({count} device{'s' if count != 1 else ''})"
        return f"{self.kind.value} {self.campaign_id}"


@dataclass(frozen=True)
class CampaignWork:
    """The ordered writes for one campaign (a replacement is cancel|abort, then create)."""

    account: str
    name: str
    steps: tuple[Step, ...]
    known_ids: frozenset[str] = frozenset()
    """Ids of campaigns with this name that existed at plan time (a replaced campaign): never
    mistaken for the one a create made when an ambiguous create is looked up by name."""

    @property
    def label(self) -> str:
        return f"{self.account}/{self.name}"


class StepOutcome(enum.Enum):
    OK = "ok"
    PARTIAL = "partial"  # device change where some devices failed
    REFUSED = "refused"  # not executed: a rule or a missing flag forbids it
    FAILED = "failed"
    SKIPPED = "skipped"  # not executed because an earlier step of the campaign did not succeed

    @property
    def success(self) -> bool:
        return self is StepOutcome.OK


@dataclass(frozen=True)
class StepResult:
    step: Step
    outcome: StepOutcome
    detail: str
    campaign_id: str | None = None
    status: str | None = None  # the campaign status the API reported, when it did
    failed_devices: tuple[tuple[str, str], ...] = ()  # first N (imei, reason)
    failed_device_count: int = 0


@dataclass(frozen=True)
class CampaignResult:
    work: CampaignWork
    results: tuple[StepResult, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return all(r.outcome.success for r in self.results)
