"""The plan's types: the contract between ``fota plan`` and ``fota apply``.

Immutable values only. The planner makes them, the plan file writes and reads them, the views
render them and the applier executes their actions; none of those owns them, so they live
apart from all four.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reconciler.lifecycle.statuses import Phase
from reconciler.model import CampaignSpec, Kind
from reconciler.plans.prune import Prune, PruneRule

PLAN_FORMAT = "fota-plan"
PLAN_FORMAT_VERSION = 2

Key = tuple[str, str]
JsonObject = dict[str, Any]


class ActionType(enum.Enum):
    CREATE = "create"
    UPDATE_SCHEDULE = "update_schedule"
    ADD_DEVICES = "add_devices"
    REMOVE_DEVICES = "remove_devices"
    CANCEL = "cancel"
    ABORT = "abort"
    REPLACE = "replace"  # ordered steps: cancel|abort, then create


class Outcome(enum.Enum):
    """The one-word verdict on a campaign, as the summary line counts it."""

    CREATE = "create"
    CHANGE = "change"
    REPLACE = "replace"
    CANCEL = "cancel"
    ABORT = "abort"
    NO_OP = "no-op"
    REFUSED = "refused"
    FINISHED = "finished"


@dataclass(frozen=True)
class FieldChange:
    """One field's before/after in JSON form; ``drift`` when git did not cause the difference."""

    field: str
    before: Any
    after: Any
    drift: bool = False


@dataclass(frozen=True)
class Action:
    """One API call (or, for replace, ordered ``steps``) with its exact request ``body``."""

    type: ActionType
    changes: tuple[FieldChange, ...] = ()
    body: JsonObject | None = None
    steps: tuple[Action, ...] = ()


@dataclass(frozen=True)
class Refusal:
    """A change the lifecycle rules forbid; shown to the user, never executed."""

    rule: str  # stable rule id, e.g. R-START-LOCKED
    field: str
    live: Any
    desired: Any
    reason: str  # the rule's sentence
    instead: str  # what to do instead
    drift: bool = False


@dataclass(frozen=True)
class CampaignPlan:
    """Everything planned for one campaign, with what it was planned against."""

    account: str
    name: str
    kind: Kind
    source: str  # path:line:col of the spec (the baseline's for a deleted spec)
    outcome: Outcome
    campaign_id: str | None = None
    live_status: str | None = None
    phase: Phase | None = None
    fingerprint: str | None = None  # of the live campaign, see ``fingerprint``
    actions: tuple[Action, ...] = ()
    refusals: tuple[Refusal, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def key(self) -> Key:
        return (self.account, self.name)

    @property
    def drift(self) -> bool:
        return any(c.drift for a in self.actions for c in a.changes) or any(
            r.drift for r in self.refusals
        )


@dataclass(frozen=True)
class Summary:
    create: int
    change: int
    cancel: int
    refused: int
    no_op: int
    finished: int

    @property
    def line(self) -> str:
        return (
            f"{self.create} to create, {self.change} to change, {self.cancel} to cancel, "
            f"{self.refused} refused"
        )


@dataclass(frozen=True)
class Plan:
    """The plan, and everything it was made from, so apply can make it again and compare.

    ``spec_paths`` are the paths given to ``fota plan`` (as given, relative to its working
    directory) and ``campaign_filter`` its ``--campaign`` names (empty: every spec).
    """

    now: datetime
    specs_digest: str
    campaigns: tuple[CampaignPlan, ...]
    baseline_ref: str | None = None
    format_version: int = PLAN_FORMAT_VERSION
    spec_paths: tuple[str, ...] = ()
    campaign_filter: tuple[str, ...] = ()
    account_filter: tuple[str, ...] = ()  # --account: only these accounts' specs (sharding)
    # live campaigns no spec describes, "account/name (id)", listed when the plan has neither a
    # baseline nor prune rules (it cannot tell a deleted spec from a campaign made elsewhere)
    unmanaged: tuple[str, ...] = ()
    prune_rules: tuple[PruneRule, ...] = ()
    prune_allow_abort: bool = False

    @property
    def prune(self) -> Prune | None:
        """The ``--prune`` input this plan was made with, to make it again."""
        return Prune(self.prune_rules, self.prune_allow_abort) if self.prune_rules else None

    @property
    def summary(self) -> Summary:
        counts = {o: 0 for o in Outcome}
        for c in self.campaigns:
            counts[c.outcome] += 1
        return Summary(
            create=counts[Outcome.CREATE] + counts[Outcome.REPLACE],
            change=counts[Outcome.CHANGE],
            cancel=counts[Outcome.CANCEL] + counts[Outcome.ABORT] + counts[Outcome.REPLACE],
            refused=counts[Outcome.REFUSED],
            no_op=counts[Outcome.NO_OP],
            finished=counts[Outcome.FINISHED],
        )

    @property
    def has_refusals(self) -> bool:
        return any(c.refusals for c in self.campaigns)

    @property
    def has_changes(self) -> bool:
        return any(c.actions for c in self.campaigns)


def entry_for(spec: CampaignSpec, outcome: Outcome, **kw: Any) -> CampaignPlan:
    """A plan entry for ``spec`` (``kw``: what it was planned against, actions, refusals)."""
    return CampaignPlan(
        account=spec.account,
        name=spec.name,
        kind=spec.kind,
        source=str(spec.source),
        outcome=outcome,
        **kw,
    )
