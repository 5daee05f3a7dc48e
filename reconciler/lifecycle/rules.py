"""The lifecycle rules of a ThingSpace campaign: one object per rule, carrying its own check.

Each rule has a stable id (users grep for it, CI annotations link to it, ``docs/RULES.md``
lists it), one sentence, the public ThingSpace page and sentence it comes from, the reading the
reconciler chose where the documentation is ambiguous, what a refusal tells the user to do
instead, and the check itself. The planner asks these rules what is allowed and encodes none
itself; rules are module constants (``R_START_LOCKED``), so a misspelt rule is a type error,
not a run-time surprise.

A rule checks one *situation*, a small immutable value the planner builds: a create, a change
of dates and windows, a take-down, a device removal, ... Two kinds of rule:

- a :class:`Restriction` refuses: ``check(situation)`` yields :class:`Violation` s;
- a :class:`Permission` allows what is otherwise refused: ``allows(situation)`` is a bool.

The clock readings (started, ended, phase) are in :mod:`reconciler.lifecycle.clock`. All
checks are pure: ``now`` is part of the situation, nothing reads a clock.

Why one module of ~900 lines: every rule carries its sentence, source and reading verbatim
(they are the text of docs/RULES.md), and the policy is read best in one place, in the order
the documentation gives it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Generic, TypeVar

from reconciler.lifecycle.clock import has_ended, has_started, midnight, phase, today
from reconciler.lifecycle.statuses import (
    Phase,
    StatusClass,
    is_taken_down,
    is_upgraded,
    status_class,
)
from reconciler.model import CampaignSpec, Kind, LiveCampaign, OnImmutableChange, Schedule

# --- situations the rules judge ----------------------------------------------------------------


@dataclass(frozen=True)
class Create:
    """A spec with no live campaign, to be created."""

    spec: CampaignSpec
    now: datetime


@dataclass(frozen=True)
class Reschedule:
    """An active campaign whose dates or windows are to become ``desired``."""

    live: LiveCampaign
    desired: Schedule
    now: datetime


@dataclass(frozen=True)
class Live:
    """A live campaign, any change to it (what may change at all right now?)."""

    live: LiveCampaign
    now: datetime


@dataclass(frozen=True)
class ImmutableChange:
    """A spec that changes ``fields`` the API cannot change on ``live``."""

    spec: CampaignSpec
    live: LiveCampaign
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Takedown:
    """A live campaign to be taken down (replaced, its spec deleted, or pruned)."""

    live: LiveCampaign
    allow_abort: bool
    now: datetime


@dataclass(frozen=True)
class DeviceRemoval:
    """Devices ``removed`` from ``spec`` that are members of the active campaign ``live``."""

    live: LiveCampaign
    spec: CampaignSpec
    removed: frozenset[str]


@dataclass(frozen=True)
class Resume:
    """A spec whose campaign was found finished: is it a replacement cut half-way?

    ``differs`` is whether the finished campaign's immutable fields differ from the spec's;
    ``namesakes_differ`` whether every campaign of the name (any status) differs too, None when
    the planner was not given the name's campaigns (unknown history is not "no history").
    """

    spec: CampaignSpec
    live: LiveCampaign
    differs: bool
    namesakes_differ: bool | None = None


@dataclass(frozen=True)
class Window:
    """One time window of a spec, as written (hours, UTC)."""

    kind: Kind
    start: int
    end: int


@dataclass(frozen=True)
class GateFailure:
    """A started wave of a rollout whose gate failed (``numbers``: the judgement, in words)."""

    spec: CampaignSpec
    wave: str
    numbers: str


@dataclass(frozen=True)
class Restart:
    """A wave of a rollout whose live campaign runs another firmware than the spec's."""

    spec: CampaignSpec
    live: LiveCampaign


S = TypeVar("S", contravariant=True)


# --- the rule objects -------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One lifecycle rule: what users read in a refusal and in docs/RULES.md."""

    id: str
    sentence: str
    source: str  # the public ThingSpace page (and sentence) the rule comes from
    reading: str = ""  # the interpretation chosen where the documentation is ambiguous
    instead: str = ""  # what a refusal tells the user to do, where one text fits every case

    def refuse(self, field_name: str, instead: str | None = None) -> Violation:
        return Violation(self, field_name, self.instead if instead is None else instead)


@dataclass(frozen=True)
class Violation:
    """A change the rules forbid: which rule, which field, and what to do instead."""

    rule: Rule
    field: str
    instead: str


@dataclass(frozen=True)
class Restriction(Rule, Generic[S]):
    """A rule that refuses; ``check`` yields its violations in a situation (none: allowed)."""

    def check(self, situation: S) -> Iterator[Violation]:  # pragma: no cover - abstract
        raise NotImplementedError


@dataclass(frozen=True)
class Permission(Rule, Generic[S]):
    """A rule that allows what would otherwise be refused or never planned."""

    def allows(self, situation: S) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError


_GET = (
    "ThingSpace Software Management API, Get Upgrade Information "
    "(GET /campaigns/{acc}/{campaignId})"
)
_DATES = (
    "ThingSpace Software Management API, Change Campaign Dates and Time Windows "
    "(PUT /campaigns/{acc}/{campaignId}/dates)"
)
_SCHEDULE = (
    "ThingSpace Software Management API, Schedule a Firmware Upgrade "
    "(POST /campaigns/firmware/{acc})"
)
_REPORT = (
    "ThingSpace Software Management API, Get Device Status in a Campaign "
    "(GET /reports/{accountName}/campaigns/{campaignId}/devices)"
)
_FACTS = "the API facts we rely on, docs/THINGSPACE-API.md"


# Frozen campaigns: every change refused ------------------------------------------------------


@dataclass(frozen=True)
class _StatusIs(Restriction[Live]):
    status: StatusClass = StatusClass.UNKNOWN

    def check(self, situation: Live) -> Iterator[Violation]:
        if status_class(situation.live.status) is self.status:
            yield self.refuse("status")


def _instant(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class _Ended(Restriction[Live]):
    def check(self, situation: Live) -> Iterator[Violation]:
        if status_class(situation.live.status) is StatusClass.ACTIVE and has_ended(
            situation.live.schedule.end, situation.now
        ):
            ends = midnight(situation.live.schedule.end)
            yield self.refuse(
                "status",
                f"nothing can change after the end: the campaign counts as ended from "
                f"{_instant(ends)}, the start of its end date (the safe reading of 'before it "
                f"ends'), so the last instant an extension was possible was "
                f"{_instant(ends - timedelta(seconds=1))}; create a new campaign under a new name",
            )


END_SOON = timedelta(days=3)
"""How long before a running campaign's (safe) end the plan says it can still be extended."""


def ends_soon(live: LiveCampaign, desired_end: date, now: datetime) -> str | None:
    """A note for a running campaign that ends within ``END_SOON`` and that the spec does not
    extend: after its (safe) end, R-ENDED refuses every change, an extension included."""
    if phase(live, now) is not Phase.RUNNING or desired_end > live.schedule.end:
        return None
    ends = midnight(live.schedule.end)
    if ends - now > END_SOON:
        return None
    return (
        f"ends at {_instant(ends)}, the start of its end date {live.schedule.end.isoformat()} "
        "(the safe reading of 'before it ends'); to extend it, set schedule.end to a later date "
        "and apply before that instant: after it nothing about the campaign can change (R-ENDED)"
    )


R_FINISHED = _StatusIs(
    "R-FINISHED",
    "A campaign in a terminal status (ended, cancelled, aborted, failed) is never changed "
    "nor re-created (the one exception: R-RESUME-REPLACEMENT).",
    f'{_GET}: "CampaignEnded: The campaign end date has passed. No more devices are '
    'allowed to upgrade..."; "You can cancel the campaign ... which becomes '
    'CampaignCancelled state."',
    "A spec that matches a finished campaign is reported as finished, not re-created: "
    "give the spec a new name to start a new campaign.",
    "nothing can change; give the spec a new name for a new campaign",
    status=StatusClass.TERMINAL,
)
R_ENDED = _Ended(
    "R-ENDED",
    "After the end date nothing about a campaign changes: no dates, windows or devices.",
    f'{_DATES}: the changes allowed are listed only "Before the campaign starts" and '
    '"After the campaign has begun, but before it ends".',
    "Safe reading: the campaign counts as ended from endDate 00:00Z (the start of its "
    "last day), one day earlier than the emulator's (endDate + 1 day) 00:00Z.",
    "nothing can change after the end; create a new campaign under a new name",
)
R_PENDING = _StatusIs(
    "R-PENDING",
    "A campaign whose request is still pending (not yet queued or scheduled) is not "
    "changed; re-plan once the API reports it queued.",
    f'{_GET}: "CampaignRequestPending: The upgrade request has been accepted but is not '
    'scheduled yet."',
    "No change is documented for a pending request, so none is planned.",
    "wait until the API reports the campaign queued, then plan again",
    status=StatusClass.PENDING,
)
R_STATUS_UNKNOWN = _StatusIs(
    "R-STATUS-UNKNOWN",
    "A campaign in a status the reconciler does not know is not changed.",
    f"{_GET} lists the states; the status field is a plain string whose values differ "
    f"between pages and versions ({_FACTS}, campaign statuses).",
    "Unknown statuses are read conservatively: nothing is changed or cancelled.",
    "check the campaign in the ThingSpace portal; plan again later",
    status=StatusClass.UNKNOWN,
)

FROZEN_RULES: tuple[Restriction[Live], ...] = (R_FINISHED, R_PENDING, R_STATUS_UNKNOWN, R_ENDED)
"""Rules that forbid every change to a campaign in its current status or phase."""


# Creating and rescheduling --------------------------------------------------------------------


@dataclass(frozen=True)
class _PinnedMissing(Restriction[Create]):
    def check(self, situation: Create) -> Iterator[Violation]:
        if situation.spec.campaign_id is not None:
            yield self.refuse("campaign_id")


@dataclass(frozen=True)
class _StartPast(Restriction[Create | Reschedule]):
    def check(self, situation: Create | Reschedule) -> Iterator[Violation]:
        now = situation.now
        if isinstance(situation, Create):
            start = situation.spec.schedule.start
        else:
            old = situation.live.schedule
            if has_started(old.start, now) or situation.desired.start == old.start:
                return
            start = situation.desired.start
        if start < today(now):
            yield self.refuse(
                "schedule.start", f"set the start date to {today(now).isoformat()} or later"
            )


@dataclass(frozen=True)
class _StartLocked(Restriction[Reschedule]):
    def check(self, situation: Reschedule) -> Iterator[Violation]:
        old = situation.live.schedule
        if has_started(old.start, situation.now) and situation.desired.start != old.start:
            yield self.refuse(
                "schedule.start",
                f"keep start {old.start.isoformat()}; to start over, create a new campaign "
                "under a new name",
            )


@dataclass(frozen=True)
class _EndMin24h(Restriction[Reschedule]):
    def check(self, situation: Reschedule) -> Iterator[Violation]:
        old, desired, now = situation.live.schedule, situation.desired, situation.now
        if not has_started(old.start, now) or desired.end == old.end:
            return
        limit = now + timedelta(hours=24)
        if midnight(desired.end) < limit:
            earliest = limit.date()
            if midnight(earliest) < limit:
                earliest += timedelta(days=1)
            yield self.refuse(
                "schedule.end",
                f"set the end date to {earliest.isoformat()} or later, or keep "
                f"{old.end.isoformat()}",
            )


@dataclass(frozen=True)
class _WindowNoRemove(Restriction[Reschedule]):
    def check(self, situation: Reschedule) -> Iterator[Violation]:
        old = situation.live.schedule
        if not has_started(old.start, situation.now):
            return
        for name in ("windows", "download_windows", "install_windows"):
            if set(getattr(old, name)) - set(getattr(situation.desired, name)):
                yield self.refuse(f"schedule.{name}")


@dataclass(frozen=True)
class _AfterDateLocked(Restriction[Reschedule]):
    def check(self, situation: Reschedule) -> Iterator[Violation]:
        old = situation.live.schedule
        if not has_started(old.start, situation.now):
            return
        for name in ("download_after", "install_after"):
            value: date | None = getattr(old, name)
            if value != getattr(situation.desired, name):
                yield self.refuse(
                    f"schedule.{name}", f"keep {value.isoformat() if value else 'null'}"
                )


R_PINNED_MISSING = _PinnedMissing(
    "R-PINNED-MISSING",
    "A spec pinned to a campaign id that the API does not know is not created anew.",
    f'{_SCHEDULE}: the id is "returned ... when the upgrade was scheduled"; a pin to an '
    "unknown id is a mistake to fix, not a campaign to create.",
    "Remove campaignId from the spec to create a new campaign.",
    "remove campaignId from the spec to create a new campaign, or fix the id",
)
R_START_PAST = _StartPast(
    "R-START-PAST",
    "A campaign cannot be created, or its start date set, before today (UTC).",
    f'{_GET}: "CampaignScheduled: The upgrade is scheduled. This appears before the '
    'campaign start date."',
    "Today is now's UTC calendar day; a start date equal to today is allowed.",
)
R_START_LOCKED = _StartLocked(
    "R-START-LOCKED",
    "Once a campaign has started its start date cannot change.",
    f'{_DATES}: "Before the campaign starts, you can: Change the campaign start date" '
    "(the after-start list does not include it).",
    "Started from startDate 00:00Z.",
)
R_END_MIN_24H = _EndMin24h(
    "R-END-MIN-24H",
    "After start, the end date may move, but not to earlier than now + 24 hours.",
    f'{_DATES}: "After the campaign has begun, but before it ends, you can: Change the end '
    'date to no earlier than +24 hours from now".',
    "Strict reading: the new endDate read as 00:00Z of that day must be >= now + 24h.",
)
R_WINDOW_NO_REMOVE = _WindowNoRemove(
    "R-WINDOW-NO-REMOVE",
    "After start, time windows may be added but never removed.",
    f'{_DATES}: "Add more download windows, but not remove any existing download '
    'windows"; "Add more install windows, but not remove any existing install windows".',
    "Applies to firmware campaignTimeWindowList too (the same PUT). Changing a window's "
    "hours removes the old window, so it is refused too.",
    "keep every existing window and only add new ones",
)
R_AFTER_DATE_LOCKED = _AfterDateLocked(
    "R-AFTER-DATE-LOCKED",
    "After start, the download-after and install-after dates cannot change.",
    f"{_DATES}: the after-start list allows only the end date and added windows.",
    "Anything not listed as allowed after start is refused.",
)

CREATE_RULES: tuple[Restriction[Create], ...] = (R_PINNED_MISSING, R_START_PAST)
"""Checked in order; the first that refuses is the only refusal (a pin to fix comes first)."""

RESCHEDULE_RULES: tuple[Restriction[Reschedule], ...] = (
    R_START_PAST,
    R_START_LOCKED,
    R_END_MIN_24H,
    R_WINDOW_NO_REMOVE,
    R_AFTER_DATE_LOCKED,
)
"""Every one is checked; all their refusals are reported together."""


# Windows as written in a spec ----------------------------------------------------------------

MIN_FIRMWARE_WINDOW_HOURS = 4


@dataclass(frozen=True)
class _WindowMinHours(Restriction[Window]):
    hours: int = MIN_FIRMWARE_WINDOW_HOURS

    def check(self, situation: Window) -> Iterator[Violation]:
        length = situation.end - situation.start
        if situation.kind is Kind.FIRMWARE and 0 < length < self.hours:
            yield self.refuse("schedule.windows")


R_WINDOW_MIN_4H = _WindowMinHours(
    "R-WINDOW-MIN-4H",
    "A firmware campaign's time window lasts at least 4 hours (endTime >= startTime + 4).",
    f'{_SCHEDULE}: "The endTime must be at least 4 hours after the startTime."',
    "The SDK states only the hour ranges; the reconciler follows the stricter page, and "
    "fota validate refuses a shorter window before anything is sent.",
    "make the window at least 4 hours long (end >= start + 4)",
)


# Replacing, taking down -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Immutable(Restriction[ImmutableChange]):
    def check(self, situation: ImmutableChange) -> Iterator[Violation]:
        if situation.spec.lifecycle.on_immutable_change is OnImmutableChange.REFUSE:
            for name in situation.fields:
                yield self.refuse(name)


@dataclass(frozen=True)
class _ReplacePinned(Restriction[ImmutableChange]):
    def check(self, situation: ImmutableChange) -> Iterator[Violation]:
        pinned = situation.spec.campaign_id
        if pinned is not None:
            key, by = (
                ("upgradeId", "its fields")
                if situation.spec.kind is Kind.UPGRADE
                else ("campaignId", "name")
            )
            instead = (
                f"remove {key} {pinned} from the spec so the replacement is found "
                f"by {by}, or revert the field"
            )
            for name in situation.fields:
                yield self.refuse(name, instead)


@dataclass(frozen=True)
class _CancelBeforeStart(Permission[Takedown]):
    def allows(self, situation: Takedown) -> bool:
        return not has_started(situation.live.schedule.start, situation.now)


@dataclass(frozen=True)
class _AbortOptIn(Restriction[Takedown]):
    def check(self, situation: Takedown) -> Iterator[Violation]:
        if not situation.allow_abort and has_started(situation.live.schedule.start, situation.now):
            yield self.refuse("status")


@dataclass(frozen=True)
class _ResumeReplacement(Permission[Resume]):
    def may_apply(self, situation: Resume) -> bool:
        """Could the finished campaign be the first half of an interrupted replacement?

        Cheap and necessary, not sufficient: :meth:`allows` also needs the namesakes, which
        the edge reads only where this holds.
        """
        spec = situation.spec
        return (
            is_taken_down(situation.live.status)
            and spec.lifecycle.on_immutable_change is OnImmutableChange.REPLACE
            and spec.campaign_id is None
            and situation.differs
        )

    def allows(self, situation: Resume) -> bool:
        return bool(situation.namesakes_differ) and self.may_apply(situation)


R_IMMUTABLE = _Immutable(
    "R-IMMUTABLE",
    "Package, protocol, kind, campaign name and auto flags cannot change on a live "
    "campaign; changing them means replacing it, planned only with "
    "lifecycle.onImmutableChange: replace.",
    f"{_DATES}: only dates and windows are changeable; no endpoint changes a campaign's "
    f"package, protocol, name or auto flags after creation ({_FACTS}, what can change).",
    "A replacement is cancel (or abort) then create, in that order.",
    "revert the field, or set lifecycle.onImmutableChange: replace to cancel (or abort) the "
    "campaign and create a new one",
)
R_REPLACE_PINNED = _ReplacePinned(
    "R-REPLACE-PINNED",
    "A spec pinned to a campaign id is never replaced: the new campaign would not be the "
    "pinned one, and the next plan would find only the cancelled one.",
    f'{_SCHEDULE}: the campaign id is "returned ... when the upgrade was scheduled", so a new '
    "campaign always has a new id.",
    "Remove campaignId from the spec (the replacement is then found by name).",
)
R_CANCEL_BEFORE_START = _CancelBeforeStart(
    "R-CANCEL-BEFORE-START",
    "A campaign can be cancelled only before its start date; after start, removal is an abort.",
    f'{_GET}: "You can cancel the campaign if it is in Queued status and if it is before '
    'the Start Date, which becomes CampaignCancelled state."',
    "Cancel = DELETE before start, planned for queued and also scheduled campaigns: the page "
    'names only "Queued status", while the SDK says only that a started campaign cannot be '
    "cancelled; a CampaignScheduled campaign has not started, so the cancel is planned, and "
    "the applier re-checks the start on the API's clock (10-minute margin) before every "
    "DELETE so a cancel never lands as an abort.",
)
R_ABORT_OPT_IN = _AbortOptIn(
    "R-ABORT-OPT-IN",
    "A started campaign is aborted (DELETE after start) only when its spec sets "
    "lifecycle.allowAbort: true (a campaign no spec describes, taken down by --prune: "
    "only when --allow-abort is given).",
    f'{_GET}: "You can delete the campaign after the start date, which becomes '
    'CampaignAborted state." ... "Some devices may have already started or completed the '
    'upgrade."',
    "Aborting strands devices mid-upgrade, so it is never a default.",
    "set lifecycle.allowAbort: true to abort the running campaign, or leave it to run",
)
R_RESUME_REPLACEMENT = _ResumeReplacement(
    "R-RESUME-REPLACEMENT",
    "A replacement cut between its take-down and its create is resumed: when a spec that "
    "sets lifecycle.onImmutableChange: replace finds its campaign cancelled or aborted "
    "with immutable fields that differ from the spec's, the new campaign is created.",
    f'{_GET}: "You can cancel the campaign ... which becomes CampaignCancelled state"; '
    '"You can delete the campaign after the start date, which becomes CampaignAborted '
    'state." A replacement is that take-down followed by a create (R-IMMUTABLE).',
    "Only cancelled or aborted (what a replacement's take-down leaves), never ended or "
    "failed; never for a spec pinned by campaignId; never when any campaign of that name, "
    "in any status, already has the spec's immutable fields (then the create did happen, "
    "and may have been taken down on purpose).",
)

IMMUTABLE_RULES: tuple[Restriction[ImmutableChange], ...] = (R_IMMUTABLE, R_REPLACE_PINNED)
"""Checked in order; the first that refuses is the only refusal."""


# Devices ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _DeviceAddBeforeEnd(Permission[Live]):
    def allows(self, situation: Live) -> bool:
        return phase(situation.live, situation.now) in (Phase.BEFORE_START, Phase.RUNNING)


@dataclass(frozen=True)
class _RemoveOptOut(Restriction[DeviceRemoval]):
    def check(self, situation: DeviceRemoval) -> Iterator[Violation]:
        if situation.removed and not situation.spec.lifecycle.allow_device_removal:
            yield self.refuse("devices")


@dataclass(frozen=True)
class _RemoveUpgraded(Restriction[DeviceRemoval]):
    shown: int = field(default=3, compare=False)

    def check(self, situation: DeviceRemoval) -> Iterator[Violation]:
        upgraded = upgraded_devices(situation.live, situation.removed)
        if upgraded:
            yield self.refuse(
                "devices",
                f"keep the {len(upgraded)} upgraded device(s) in the spec: "
                + ", ".join(upgraded[: self.shown])
                + (" ..." if len(upgraded) > self.shown else ""),
            )


R_DEVICE_ADD_BEFORE_END = _DeviceAddBeforeEnd(
    "R-DEVICE-ADD-BEFORE-END",
    "Devices may be added to a campaign until it ends.",
    f'{_GET}: "CampaignEnded: ... No more devices are allowed to upgrade".',
    "Added before the (safe) end, in any queued, scheduled or running campaign.",
)
R_DEVICE_REMOVE_OPT_OUT = _RemoveOptOut(
    "R-DEVICE-REMOVE-OPT-OUT",
    "Devices dropped from a spec leave the campaign only while "
    "lifecycle.allowDeviceRemoval is true (the default).",
    f'{_GET}: "Some devices may have already started or completed the upgrade."',
    "With lifecycle.allowDeviceRemoval: false a dropped device is a refusal, not a silent no-op.",
    "keep the devices in the spec, or set lifecycle.allowDeviceRemoval: true",
)
R_DEVICE_REMOVE_UPGRADED = _RemoveUpgraded(
    "R-DEVICE-REMOVE-UPGRADED",
    "A device that already reports UpgradeSuccess is never removed from its campaign.",
    f'{_REPORT}: "The upgrade status of the device, either UpgradeSuccess or upgradeFailure."',
    "The upgrade cannot be undone; keep such devices in the spec.",
)

DEVICE_REMOVAL_RULES: tuple[Restriction[DeviceRemoval], ...] = (
    R_DEVICE_REMOVE_OPT_OUT,
    R_DEVICE_REMOVE_UPGRADED,
)
"""Checked in order; the first that refuses is the only refusal."""


# Rollouts ---------------------------------------------------------------------------------------

_DEVICE_LIST = (
    "ThingSpace Software Management API, List Account Devices (GET /devices/{acc}) and "
    "Get Device Information (POST /devices/{acc}): the firmware field is the device's current "
    "firmware version"
)


# Legacy v1 upgrades -----------------------------------------------------------------------------
#
# A v1 upgrade (/api/fota/v1/upgrades) has four writes: create (POST /upgrades), append or
# remove devices (PUT, lower-case ``type``), and cancel (DELETE). Nothing else about it can
# change. The frozen rules above (R-FINISHED, R-PENDING, R-STATUS-UNKNOWN, R-ENDED) and the
# device-removal rules apply to upgrades too, read through the v1 status table.

_V1_GET = (
    "ThingSpace Software Management API, Get Information about an Upgrade "
    "(GET /upgrades/{accountName}/upgrade/{upgradeId})"
)
_V1_SCHEDULE = "ThingSpace Software Management API, Schedule Firmware Upgrade (POST /upgrades)"
_V1_MODIFY = (
    "ThingSpace Software Management API, Modify a Scheduled Upgrade "
    "(PUT /upgrades/{accountName}/upgrade/{upgradeId})"
)
_V1_CANCEL = (
    "ThingSpace Software Management API, Cancel an Upgrade "
    "(DELETE /upgrades/{accountName}/upgrade/{upgradeId})"
)


@dataclass(frozen=True)
class _ResumeRollout(Permission[GateFailure]):
    def allows(self, situation: GateFailure) -> bool:
        rollout = situation.spec.rollout
        return rollout is not None and situation.wave in rollout.resume


@dataclass(frozen=True)
class _RestartRollout(Permission[Restart]):
    def allows(self, situation: Restart) -> bool:
        return (
            situation.spec.rollout is not None and situation.live.package != situation.spec.package
        )


@dataclass(frozen=True)
class _RolloutHalt(Restriction[GateFailure]):
    def check(self, situation: GateFailure) -> Iterator[Violation]:
        if not R_ROLLOUT_RESUME.allows(situation):
            yield self.refuse(
                "rollout",
                f"wave {situation.wave} failed its gate: {situation.numbers}; look at the failed "
                f"devices, then change firmware to a fixed image (the rollout restarts from its "
                f"first wave), or accept the wave with rollout.resume: [{situation.wave}] in a "
                "reviewed change",
            )


R_ROLLOUT_RESUME = _ResumeRollout(
    "R-ROLLOUT-RESUME",
    "A wave named in rollout.resume counts as passed although its gate failed: a reviewed "
    "spec change is the only way past a halt.",
    f"{_REPORT} and {_DEVICE_LIST}: the gate reads both; ThingSpace has no rollout state, "
    "so the decision to go on is kept in the spec.",
    "Only the waves named; a later wave that fails its own gate halts the rollout again.",
)
R_ROLLOUT_RESTART = _RestartRollout(
    "R-ROLLOUT-RESTART",
    "A rollout whose firmware changed starts again from its first wave with the new firmware: "
    "the waves' campaigns of the old firmware are never reused; one that has not started is "
    "cancelled, one that has started is aborted only with both keys (R-ABORT-OPT-IN).",
    f"{_GET}: a campaign's firmware cannot be changed, and a campaign is found again by its "
    "name, so a wave's campaign of the old firmware is taken down before its successor of the "
    "same name is created.",
    "The waves are the same devices (membership depends on the spec's name and the IMEIs, not "
    "the firmware); devices that run the old firmware.to are no longer firmware.from and the "
    "create leaves them out. Until a started campaign of the old firmware is taken down (or "
    "ends), its wave of the new firmware waits.",
)
R_ROLLOUT_HALT = _RolloutHalt(
    "R-ROLLOUT-HALT",
    "When a started wave fails its gate, no later wave of the rollout is created (with "
    "onFailure: halt-and-cancel, the rollout's waves that have not started are cancelled).",
    f'{_REPORT}: "The upgrade status of the device, either UpgradeSuccess or '
    f'upgradeFailure"; {_DEVICE_LIST}. A device reporting UpgradeSuccess on a firmware other '
    "than firmware.to counts as failed.",
    "The gate is judged again from live state on every plan; failures never un-happen, so a "
    "halted rollout stays halted until the spec changes (rollout.resume, or a new firmware: "
    "R-ROLLOUT-RESTART). A started wave is aborted only with both keys (R-ABORT-OPT-IN).",
)


@dataclass(frozen=True)
class _V1Create(Restriction[Create]):
    def check(self, situation: Create) -> Iterator[Violation]:
        spec = situation.spec
        if spec.kind is not Kind.UPGRADE:
            return
        if not spec.devices:
            yield self.refuse("devices", "list at least one device (devices or devicesFile)")
        if spec.schedule.end < spec.schedule.start:
            yield self.refuse(
                "schedule.end",
                f"set the end date to {spec.schedule.start.isoformat()} or later",
            )


@dataclass(frozen=True)
class _V1Devices(Restriction[Live]):
    def check(self, situation: Live) -> Iterator[Violation]:
        live = situation.live
        if live.kind is Kind.UPGRADE and has_started(live.schedule.start, situation.now):
            yield self.refuse("devices")


@dataclass(frozen=True)
class _V1Cancel(Restriction[Takedown]):
    def check(self, situation: Takedown) -> Iterator[Violation]:
        if has_started(situation.live.schedule.start, situation.now):
            yield self.refuse("status")


R_V1_CREATE = _V1Create(
    "R-V1-CREATE",
    "A v1 upgrade is created with POST /upgrades, which needs every field: account, firmware "
    "name, target version (firmwareTo), start and end dates and at least one device.",
    f"{_V1_SCHEDULE}: accountName, firmwareName, firmwareTo, startDate, endDate and "
    f'deviceList are all required; {_V1_GET}: "startDate ... The specified start date for '
    'the upgrade"; "endDate ... The specified end date for the upgrade".',
    "The start date follows R-START-PAST; the end date is on or after the start date; the "
    "upgrade carries no name, so the spec's name is never sent.",
)
R_V1_DEVICES = _V1Devices(
    "R-V1-DEVICES",
    "Devices are added to or removed from a v1 upgrade (PUT with type append or remove) "
    "only before its start date.",
    f"{_V1_MODIFY}: the page modifies a *scheduled* upgrade; {_V1_GET}: the upgrade "
    'returns "the list of devices in the upgrade and the status of the upgrade for each '
    'device".',
    "Safe reading of the page's name: once the start date is reached (00:00Z) the upgrade "
    "is under way and its device list is left alone.",
    "leave the device list as it is; schedule a new upgrade (other dates) for other devices",
)
R_V1_IMMUTABLE = _Immutable(  # the same check, its own rule for v1's reasons
    "R-V1-IMMUTABLE",
    "A v1 upgrade's firmware, target version and dates cannot change: the v1 API modifies "
    "only its device list; changing them means cancelling it and scheduling a new one, "
    "planned only with lifecycle.onImmutableChange: replace (and only before its start).",
    f"{_V1_MODIFY}: the PUT body is {{type: append|remove, deviceList}}; no v1 endpoint "
    f"changes an upgrade's firmwareName, firmwareTo, startDate or endDate ({_FACTS}, v1).",
    "A replacement is a cancel (R-V1-CANCEL) then a create (R-V1-CREATE), in that order.",
    "revert the field, or set lifecycle.onImmutableChange: replace to cancel the upgrade "
    "(before its start date) and schedule a new one",
)
R_V1_CANCEL = _V1Cancel(
    "R-V1-CANCEL",
    "A v1 upgrade is cancelled (DELETE) only before its start date; once started it runs to "
    "its end.",
    f"{_V1_CANCEL}; {_V1_GET}: "
    '"ThingSpace queues OMA-DM upgrades in the network indefinitely so the upgrade may '
    'actually be successful after the end date."',
    "No v1 page documents an abort, and devices may upgrade even after the end date, so a "
    "started upgrade is never deleted; the applier re-checks the start on the API's clock "
    "before the DELETE, as for campaigns.",
    "leave the upgrade to run; to keep devices out of a future one, schedule it separately",
)

V1_IMMUTABLE_RULES: tuple[Restriction[ImmutableChange], ...] = (R_V1_IMMUTABLE, R_REPLACE_PINNED)
"""A v1 upgrade's immutable-change rules, in order; the first that refuses is the only one."""

V1_CREATE_RULES: tuple[Restriction[Create], ...] = (R_PINNED_MISSING, R_V1_CREATE, R_START_PAST)
"""Creating a v1 upgrade: a pin to fix first, then the create's own fields, then the date."""


RULES: tuple[Rule, ...] = (
    R_FINISHED,
    R_ENDED,
    R_PENDING,
    R_STATUS_UNKNOWN,
    R_START_PAST,
    R_START_LOCKED,
    R_END_MIN_24H,
    R_WINDOW_NO_REMOVE,
    R_WINDOW_MIN_4H,
    R_AFTER_DATE_LOCKED,
    R_CANCEL_BEFORE_START,
    R_ABORT_OPT_IN,
    R_IMMUTABLE,
    R_RESUME_REPLACEMENT,
    R_REPLACE_PINNED,
    R_PINNED_MISSING,
    R_DEVICE_ADD_BEFORE_END,
    R_DEVICE_REMOVE_OPT_OUT,
    R_DEVICE_REMOVE_UPGRADED,
    R_V1_CREATE,
    R_V1_DEVICES,
    R_V1_IMMUTABLE,
    R_V1_CANCEL,
    R_ROLLOUT_HALT,
    R_ROLLOUT_RESUME,
    R_ROLLOUT_RESTART,
)
"""Every rule, in the order docs/RULES.md lists them."""


# --- asking the rules -------------------------------------------------------------------------


def first_refusal(rules: Sequence[Restriction[S]], situation: S) -> list[Violation]:
    """The violations of the first rule in ``rules`` that refuses ``situation``."""
    for rule in rules:
        found = list(rule.check(situation))
        if found:
            return found
    return []


def all_refusals(rules: Sequence[Restriction[S]], situation: S) -> list[Violation]:
    """The violations of every rule in ``rules``, in rule order."""
    return [v for rule in rules for v in rule.check(situation)]


def frozen_rule(live: LiveCampaign, now: datetime) -> Restriction[Live] | None:
    """The rule that forbids every change to this campaign right now, if any."""
    situation = Live(live, now)
    for rule in FROZEN_RULES:
        if any(True for _ in rule.check(situation)):
            return rule
    return None


def check_create(spec: CampaignSpec, now: datetime) -> list[Violation]:
    chosen = V1_CREATE_RULES if spec.kind is Kind.UPGRADE else CREATE_RULES
    return first_refusal(chosen, Create(spec, now))


def immutable_rules(kind: Kind) -> tuple[Restriction[ImmutableChange], ...]:
    """The rules that judge a change the API cannot make, for this kind."""
    return V1_IMMUTABLE_RULES if kind is Kind.UPGRADE else IMMUTABLE_RULES


def check_device_change(live: LiveCampaign, now: datetime) -> list[Violation]:
    """Violations of adding or removing any device of ``live`` now (v1 upgrades only)."""
    return first_refusal((R_V1_DEVICES,), Live(live, now))


def check_schedule(live: LiveCampaign, desired: Schedule, now: datetime) -> list[Violation]:
    """Violations of changing ``live``'s schedule to ``desired`` (an active campaign)."""
    return all_refusals(RESCHEDULE_RULES, Reschedule(live, desired, now))


def check_device_removal(
    live: LiveCampaign, spec: CampaignSpec, removed: frozenset[str]
) -> list[Violation]:
    """Violations of removing ``removed`` (non-empty) from an active, not-ended campaign."""
    return first_refusal(DEVICE_REMOVAL_RULES, DeviceRemoval(live, spec, removed))


def upgraded_devices(live: LiveCampaign, imeis: frozenset[str]) -> list[str]:
    statuses = live.devices
    return sorted(i for i in imeis if is_upgraded(statuses.get(i, "")))


def removal_step(live: LiveCampaign, allow_abort: bool, now: datetime) -> str | Violation:
    """How a live campaign can be taken down: ``cancel``, ``abort``, or why not."""
    rule = frozen_rule(live, now)
    if rule is not None:
        return rule.refuse("status")
    situation = Takedown(live, allow_abort, now)
    if live.kind is Kind.UPGRADE:
        refused = first_refusal((R_V1_CANCEL,), situation)
        return refused[0] if refused else "cancel"
    if R_CANCEL_BEFORE_START.allows(situation):
        return "cancel"
    refused = first_refusal((R_ABORT_OPT_IN,), situation)
    return refused[0] if refused else "abort"


def check_gate_failure(spec: CampaignSpec, wave: str, numbers: str) -> list[Violation]:
    """Violations of going on past a wave whose gate failed (none: resumed)."""
    return list(R_ROLLOUT_HALT.check(GateFailure(spec, wave, numbers)))


def restarts(spec: CampaignSpec, live: LiveCampaign) -> bool:
    """R-ROLLOUT-RESTART: ``live`` is a wave of the rollout's previous firmware."""
    return R_ROLLOUT_RESTART.allows(Restart(spec, live))


def may_resume(spec: CampaignSpec, live: LiveCampaign, differs: bool) -> bool:
    """R-RESUME-REPLACEMENT's cheap pre-check (see :class:`Resume`)."""
    return R_RESUME_REPLACEMENT.may_apply(Resume(spec, live, differs))
