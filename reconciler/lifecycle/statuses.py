"""The one table of campaign and device statuses, and everything derived from it.

ThingSpace spells statuses inconsistently: the formal campaign enum is ``CampaignEnded``, the
prose and older pages say ``RequestPending`` or ``Request Pending``, and device statuses mix
cases (``UpgradeSuccess`` beside ``upgradeFailure``). Every consumer (the rules, the client's
identity reader, the executor, ``fota status``) reads statuses through :func:`campaign_status`,
which compares case-insensitively and ignores spaces and underscores, so a spelling can never
be "finished" to one part of the code and "live" to another. The set is open: a status that is
not in the table is ``UNKNOWN`` and read conservatively (nothing is changed).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from reconciler.model import Kind


class StatusClass(enum.Enum):
    """What the lifecycle may do with a campaign in a status."""

    PENDING = "pending"  # request accepted, not yet queued: nothing may change
    ACTIVE = "active"  # queued or scheduled: what may change follows the clock
    TERMINAL = "terminal"  # ended, cancelled, aborted or failed: never changes again
    UNKNOWN = "unknown"  # not in the table: read conservatively


class Phase(enum.Enum):
    """Where a campaign is in its life, derived from its status and the clock."""

    PENDING = "pending"  # request accepted, not yet queued/scheduled (RequestPending)
    BEFORE_START = "before_start"  # queued or scheduled, start date not reached
    RUNNING = "running"  # start date reached, end date not passed
    ENDED = "ended"  # end date passed (CampaignEnded)
    FINISHED = "finished"  # cancelled, aborted or failed: terminal, never touched again


@dataclass(frozen=True)
class CampaignStatus:
    """One row of the table.

    ``order`` is the position in the campaign's life (a campaign only moves to a higher one);
    ``listed`` marks the values of the formal enum that the campaign listing filters by;
    ``scheduled`` is false while a created campaign still waits to be scheduled (``--wait``).
    """

    name: str
    cls: StatusClass
    order: int
    listed: bool = False
    scheduled: bool = True
    failed: bool = False
    taken_down: bool = False  # cancelled or aborted: what a replacement's take-down leaves
    ended: bool = False

    @property
    def terminal(self) -> bool:
        return self.cls is StatusClass.TERMINAL


_P, _A, _T = StatusClass.PENDING, StatusClass.ACTIVE, StatusClass.TERMINAL

CAMPAIGN_STATUSES: tuple[CampaignStatus, ...] = (
    CampaignStatus("CampaignRequestPending", _P, 0, listed=True, scheduled=False),
    CampaignStatus("RequestPending", _P, 0, scheduled=False),
    CampaignStatus("CampaignRequestQueued", _A, 1, listed=True, scheduled=False),
    CampaignStatus("CampaignQueued", _A, 1, scheduled=False),
    CampaignStatus("Queued", _A, 1, scheduled=False),
    CampaignStatus("CampaignPreScheduled", _A, 2, scheduled=False),
    CampaignStatus("CampaignScheduled", _A, 3, listed=True),
    CampaignStatus("Scheduled", _A, 3),
    CampaignStatus("CampaignRequestFailed", _T, 4, listed=True, failed=True),
    CampaignStatus("CampaignCancelled", _T, 5, listed=True, taken_down=True),
    CampaignStatus("CampaignAborted", _T, 6, listed=True, taken_down=True),
    CampaignStatus("CampaignFailed", _T, 7, listed=True, failed=True),
    CampaignStatus("CampaignEnded", _T, 8, listed=True, ended=True),
)
"""Every campaign status the reconciler knows, in the order a campaign moves through them."""


UPGRADE_STATUSES: tuple[CampaignStatus, ...] = (
    CampaignStatus("RequestPending", _P, 0, listed=True, scheduled=False),
    CampaignStatus("Unscheduled", _P, 0, scheduled=False),
    CampaignStatus("Queued", _A, 1, listed=True),
    CampaignStatus("Scheduled", _A, 1),
    CampaignStatus("InProgress", _A, 3, listed=True),
    CampaignStatus("RequestFailed", _T, 4, listed=True, failed=True),
    CampaignStatus("UpgradeFailed", _T, 5, listed=True, failed=True),
    CampaignStatus("Cancelled", _T, 6, taken_down=True),
    CampaignStatus("Finished", _T, 7, listed=True, ended=True),
)
"""The v1 upgrade's vocabulary (``/api/fota/v1``), in the order an upgrade moves through it.

``listed`` marks the UpgradeStatus values the v1 listing (``/reports/{acc}/status/{status}/
index/{startIndex}``) filters by. The Get Information about an Upgrade page calls the
upgrade-level status "either scheduled or unscheduled" while its example says ``Queued``, so
all three are read. A v1 upgrade is *scheduled* once ``Queued``: unlike a campaign's
``Queued``, nothing further happens to it before its start date. ``Cancelled`` is the
reconciler's (and the emulator's) reading of what a DELETE leaves: no page names it, and it is
in no listing."""

UPGRADE_CANCELLED = "Cancelled"
"""The status a cancelled v1 upgrade reports (see ``UPGRADE_STATUSES``)."""


def _fold(status: str) -> str:
    return "".join(status.split()).replace("_", "").casefold()


_BY_FOLDED: Mapping[str, CampaignStatus] = {_fold(s.name): s for s in CAMPAIGN_STATUSES}
_UPGRADE_BY_FOLDED: Mapping[str, CampaignStatus] = {_fold(s.name): s for s in UPGRADE_STATUSES}
# Statuses that only v1 upgrades report, read by the kind-less helpers below (the spellings
# both vocabularies share, such as RequestPending, keep their campaign row there).
_ANY_BY_FOLDED: Mapping[str, CampaignStatus] = {**_UPGRADE_BY_FOLDED, **_BY_FOLDED}


def campaign_status(status: str, kind: Kind | None = None) -> CampaignStatus | None:
    """The table's row for any spelling of ``status``; None when the status is unknown.

    ``kind`` Kind.UPGRADE reads the v1 table; otherwise the campaign table, then the v1-only
    statuses (so a kind-less question about ``Finished`` still has an answer)."""
    if kind is Kind.UPGRADE:
        return _UPGRADE_BY_FOLDED.get(_fold(status))
    return _ANY_BY_FOLDED.get(_fold(status))


def status_class(status: str) -> StatusClass:
    row = campaign_status(status)
    return row.cls if row is not None else StatusClass.UNKNOWN


def is_terminal(status: str) -> bool:
    """Finished: never modified nor re-created (R-FINISHED)."""
    row = campaign_status(status)
    return row is not None and row.terminal


def is_failed(status: str) -> bool:
    row = campaign_status(status)
    return row is not None and row.failed


def is_taken_down(status: str) -> bool:
    """Cancelled or aborted (unlike ended or failed, which no replacement causes)."""
    row = campaign_status(status)
    return row is not None and row.taken_down


def is_ended(status: str) -> bool:
    row = campaign_status(status)
    return row is not None and row.ended


def awaits_schedule(status: str, kind: Kind | None = None) -> bool:
    """A created campaign that is neither scheduled nor finished yet (what ``--wait`` polls)."""
    row = campaign_status(status, kind)
    return row is not None and not row.scheduled


LISTING_ORDER: tuple[str, ...] = tuple(s.name for s in CAMPAIGN_STATUSES if s.listed)
"""The listing's status filter values, in lifecycle order.

The listing is queried once per value. Reading them in the order a campaign moves through
them means a campaign that moves forward while the account is being read (Pending -> Queued)
is met again in a later query instead of slipping between two of them.
"""

LIVE_LISTING_ORDER: tuple[str, ...] = tuple(
    s.name for s in CAMPAIGN_STATUSES if s.listed and not (s.taken_down or s.ended)
)
"""The listing values in which a campaign created moments ago can be found (it cannot be
cancelled, aborted or ended yet, while older campaigns of its name can)."""

UPGRADE_LISTING_ORDER: tuple[str, ...] = tuple(s.name for s in UPGRADE_STATUSES if s.listed)
"""The v1 listing's UpgradeStatus values, in lifecycle order (read one after another, as the
campaign listing is, so an upgrade moving on is met again rather than missed)."""

UPGRADE_LIVE_LISTING_ORDER: tuple[str, ...] = tuple(
    s.name for s in UPGRADE_STATUSES if s.listed and not (s.ended or s.failed)
)
"""Where a v1 upgrade created moments ago can be listed (RequestPending, Queued, InProgress)."""


def listing_order(kind: Kind) -> tuple[str, ...]:
    return UPGRADE_LISTING_ORDER if kind is Kind.UPGRADE else LISTING_ORDER


def live_listing_order(kind: Kind) -> tuple[str, ...]:
    return UPGRADE_LIVE_LISTING_ORDER if kind is Kind.UPGRADE else LIVE_LISTING_ORDER


def cancelled_status(kind: Kind) -> str:
    """What a cancel leaves: ``CampaignCancelled``, or a v1 upgrade's ``Cancelled``."""
    return UPGRADE_CANCELLED if kind is Kind.UPGRADE else "CampaignCancelled"


# --- device statuses ------------------------------------------------------------------------


class DeviceOutcome(enum.Enum):
    UPGRADED = "upgraded"
    FAILED = "failed"
    PENDING = "pending"  # anything else: in progress, not started, or a status we do not know


_DEVICE_UPGRADED = _fold("UpgradeSuccess")


def device_outcome(status: str) -> DeviceOutcome:
    """What a device's status in a campaign says about its upgrade (any spelling).

    Failures are matched by their word (``upgradeFailure``, ``DownloadFailed``, ...): the
    device vocabulary is open, and a missed failure would read as pending forever.
    """
    folded = _fold(status)
    if folded == _DEVICE_UPGRADED:
        return DeviceOutcome.UPGRADED
    if "fail" in folded:
        return DeviceOutcome.FAILED
    return DeviceOutcome.PENDING


def is_upgraded(device_status: str) -> bool:
    return device_outcome(device_status) is DeviceOutcome.UPGRADED
