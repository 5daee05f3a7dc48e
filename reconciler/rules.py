"""The lifecycle rules of a ThingSpace campaign, as data plus small pure checks.

Each rule has a stable id (users grep for it, CI annotations link to it, ``docs/RULES.md`` lists
it), one sentence, the seed sentence it comes from, and the reading the reconciler chose where
the documentation is ambiguous. The planner asks these functions what is allowed; it never
encodes a lifecycle rule itself, so the table below is the whole policy.

Time readings (the SAFE readings, never laxer than the emulator's, see docs/RULES.md):

- a campaign has *started* at ``startDate 00:00Z`` (the earliest instant of its first day);
- a campaign has *ended* at ``endDate 00:00Z``: the planner treats the end date as the START of
  its UTC day, so it stops changing a campaign one day earlier than the emulator would
  (the emulator: ``(endDate + 1 day) 00:00Z``);
- after start, a new end date is accepted only if ``endDate 00:00Z >= now + 24h``;
- window hours are UTC.

All functions are pure: ``now`` is a parameter, nothing reads a clock.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from reconciler.model import TERMINAL_STATUSES, CampaignSpec, LiveCampaign, Phase, Schedule


@dataclass(frozen=True)
class Rule:
    """One lifecycle rule: what users read in a refusal and in docs/RULES.md."""

    id: str
    sentence: str
    seed: str  # the seed page and sentence the rule comes from
    reading: str = ""  # the interpretation chosen where the seed is ambiguous


_S000 = "seed 000 (GET campaign, upgrade states)"
_S003 = "seed 003 (PUT dates)"
_S002 = "seed 002 (schedule a firmware upgrade)"
_S004 = "seed 004 (device status in a campaign)"

RULES: tuple[Rule, ...] = (
    Rule(
        "R-FINISHED",
        "A campaign in a terminal status (ended, cancelled, aborted, failed) is never changed "
        "nor re-created (the one exception: R-RESUME-REPLACEMENT).",
        f'{_S000}: "CampaignEnded: The campaign end date has passed. No more devices are '
        'allowed to upgrade..."; "You can cancel the campaign ... which becomes '
        'CampaignCancelled state."',
        "A spec that matches a finished campaign is reported as finished, not re-created: "
        "give the spec a new name to start a new campaign.",
    ),
    Rule(
        "R-ENDED",
        "After the end date nothing about a campaign changes: no dates, windows or devices.",
        f'{_S003}: the changes allowed are listed only "Before the campaign starts" and '
        '"After the campaign has begun, but before it ends".',
        "Safe reading: the campaign counts as ended from endDate 00:00Z (the start of its "
        "last day), one day earlier than the emulator's (endDate + 1 day) 00:00Z.",
    ),
    Rule(
        "R-PENDING",
        "A campaign whose request is still pending (not yet queued or scheduled) is not "
        "changed; re-plan once the API reports it queued.",
        f'{_S000}: "CampaignRequestPending: The upgrade request has been accepted but is not '
        'scheduled yet."',
        "No change is documented for a pending request, so none is planned.",
    ),
    Rule(
        "R-STATUS-UNKNOWN",
        "A campaign in a status the reconciler does not know is not changed.",
        f'{_S000} lists the states; API facts 3.6: "Treat the set as open; unknown values '
        'must not crash a parser."',
        "Unknown statuses are read conservatively: nothing is changed or cancelled.",
    ),
    Rule(
        "R-START-PAST",
        "A campaign cannot be created, or its start date set, before today (UTC).",
        f'{_S000}: "CampaignScheduled: The upgrade is scheduled. This appears before the '
        'campaign start date."',
        "Today is now's UTC calendar day; a start date equal to today is allowed.",
    ),
    Rule(
        "R-START-LOCKED",
        "Once a campaign has started its start date cannot change.",
        f'{_S003}: "Before the campaign starts, you can: Change the campaign start date" '
        "(the after-start list does not include it).",
        "Started from startDate 00:00Z.",
    ),
    Rule(
        "R-END-MIN-24H",
        "After start, the end date may move, but not to earlier than now + 24 hours.",
        f'{_S003}: "After the campaign has begun, but before it ends, you can: Change the end '
        'date to no earlier than +24 hours from now".',
        "Strict reading: the new endDate read as 00:00Z of that day must be >= now + 24h.",
    ),
    Rule(
        "R-WINDOW-NO-REMOVE",
        "After start, time windows may be added but never removed.",
        f'{_S003}: "Add more download windows, but not remove any existing download '
        'windows"; "Add more install windows, but not remove any existing install windows".',
        "Applies to firmware campaignTimeWindowList too (the same PUT). Changing a window's "
        "hours removes the old window, so it is refused too.",
    ),
    Rule(
        "R-AFTER-DATE-LOCKED",
        "After start, the download-after and install-after dates cannot change.",
        f"{_S003}: the after-start list allows only the end date and added windows.",
        "Anything not listed as allowed after start is refused.",
    ),
    Rule(
        "R-CANCEL-BEFORE-START",
        "A campaign can be cancelled only before its start date; after start, removal is an abort.",
        f'{_S000}: "You can cancel the campaign if it is in Queued status and if it is before '
        'the Start Date, which becomes CampaignCancelled state."',
        "Cancel = DELETE before start, planned for queued and also scheduled campaigns: seed "
        '000 names only "Queued status", while the SDK (API facts) says only that a started '
        "campaign cannot be cancelled; a CampaignScheduled campaign has not started, so the "
        "cancel is planned, and the applier re-checks the start on the API's clock (10-minute "
        "margin) before every DELETE so a cancel never lands as an abort.",
    ),
    Rule(
        "R-ABORT-OPT-IN",
        "A started campaign is aborted (DELETE after start) only when its spec sets "
        "lifecycle.allowAbort: true (a campaign no spec describes, taken down by --prune: "
        "only when --allow-abort is given).",
        f'{_S000}: "You can delete the campaign after the start date, which becomes '
        'CampaignAborted state." ... "Some devices may have already started or completed the '
        'upgrade."',
        "Aborting strands devices mid-upgrade, so it is never a default.",
    ),
    Rule(
        "R-IMMUTABLE",
        "Package, protocol, kind, campaign name and auto flags cannot change on a live "
        "campaign; changing them means replacing it, planned only with "
        "lifecycle.onImmutableChange: replace.",
        f'{_S003}: only dates and windows are changeable; API facts 3: "There is no endpoint '
        "to change firmware name/from/to, protocol, campaignName, make/model or the auto flags "
        'after creation."',
        "A replacement is cancel (or abort) then create, in that order.",
    ),
    Rule(
        "R-RESUME-REPLACEMENT",
        "A replacement cut between its take-down and its create is resumed: when a spec that "
        "sets lifecycle.onImmutableChange: replace finds its campaign cancelled or aborted "
        "with immutable fields that differ from the spec's, the new campaign is created.",
        f'{_S000}: "You can cancel the campaign ... which becomes CampaignCancelled state"; '
        '"You can delete the campaign after the start date, which becomes CampaignAborted '
        'state." A replacement is that take-down followed by a create (R-IMMUTABLE).',
        "Only cancelled or aborted (what a replacement's take-down leaves), never ended or "
        "failed; never for a spec pinned by campaignId; never when any campaign of that name, "
        "in any status, already has the spec's immutable fields (then the create did happen, "
        "and may have been taken down on purpose).",
    ),
    Rule(
        "R-REPLACE-PINNED",
        "A spec pinned to a campaign id is never replaced: the new campaign would not be the "
        "pinned one, and the next plan would find only the cancelled one.",
        f'{_S002}: the campaign id is "returned ... when the upgrade was scheduled", so a new '
        "campaign always has a new id.",
        "Remove campaignId from the spec (the replacement is then found by name).",
    ),
    Rule(
        "R-PINNED-MISSING",
        "A spec pinned to a campaign id that the API does not know is not created anew.",
        f'{_S002}: the id is "returned ... when the upgrade was scheduled"; a pin to an '
        "unknown id is a mistake to fix, not a campaign to create.",
        "Remove campaignId from the spec to create a new campaign.",
    ),
    Rule(
        "R-DEVICE-ADD-BEFORE-END",
        "Devices may be added to a campaign until it ends.",
        f'{_S000}: "CampaignEnded: ... No more devices are allowed to upgrade".',
        "Added before the (safe) end, in any queued, scheduled or running campaign.",
    ),
    Rule(
        "R-DEVICE-REMOVE-OPT-OUT",
        "Devices dropped from a spec leave the campaign only while "
        "lifecycle.allowDeviceRemoval is true (the default).",
        f'{_S000}: "Some devices may have already started or completed the upgrade."',
        "With lifecycle.allowDeviceRemoval: false a dropped device is a refusal, not a silent "
        "no-op.",
    ),
    Rule(
        "R-DEVICE-REMOVE-UPGRADED",
        "A device that already reports UpgradeSuccess is never removed from its campaign.",
        f'{_S004}: "The upgrade status of the device, either UpgradeSuccess or upgradeFailure."',
        "The upgrade cannot be undone; keep such devices in the spec.",
    ),
)

RULES_BY_ID: Mapping[str, Rule] = {rule.id: rule for rule in RULES}


# --- statuses and phases ----------------------------------------------------------------------


class StatusClass(enum.Enum):
    """What the reconciler knows about a status string (the API's set is open)."""

    TERMINAL = "terminal"
    PENDING = "pending"
    ACTIVE = "active"  # queued or scheduled: lifecycle follows the clock
    UNKNOWN = "unknown"


_TERMINAL = frozenset(s.casefold() for s in TERMINAL_STATUSES)
_PENDING = frozenset(
    s.casefold() for s in ("CampaignRequestPending", "RequestPending", "Request Pending")
)
_ACTIVE = frozenset(
    s.casefold()
    for s in (
        "CampaignRequestQueued",
        "CampaignQueued",
        "Queued",
        "CampaignPreScheduled",
        "CampaignScheduled",
        "Scheduled",
    )
)


def status_class(status: str) -> StatusClass:
    folded = status.casefold()
    if folded in _TERMINAL:
        return StatusClass.TERMINAL
    if folded in _PENDING:
        return StatusClass.PENDING
    if folded in _ACTIVE:
        return StatusClass.ACTIVE
    return StatusClass.UNKNOWN


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def today(now: datetime) -> date:
    return now.astimezone(UTC).date()


def has_started(start: date, now: datetime) -> bool:
    return now >= midnight(start)


def has_ended(end: date, now: datetime) -> bool:
    """Safe reading: ended from the first instant of the end date (see R-ENDED)."""
    return now >= midnight(end)


def phase(live: LiveCampaign, now: datetime) -> Phase:
    """Where a live campaign is; unknown statuses read as PENDING (nothing is changed)."""
    cls = status_class(live.status)
    if cls is StatusClass.TERMINAL:
        return Phase.ENDED if live.status.casefold() == "campaignended" else Phase.FINISHED
    if cls is not StatusClass.ACTIVE:
        return Phase.PENDING
    if has_ended(live.schedule.end, now):
        return Phase.ENDED
    if has_started(live.schedule.start, now):
        return Phase.RUNNING
    return Phase.BEFORE_START


_TAKEN_DOWN = frozenset(s.casefold() for s in ("CampaignCancelled", "CampaignAborted"))


def taken_down(status: str) -> bool:
    """Cancelled or aborted: the terminal statuses a replacement's first step leaves behind
    (unlike ended or failed, which no replacement causes); see R-RESUME-REPLACEMENT."""
    return status.casefold() in _TAKEN_DOWN


def frozen_rule(live: LiveCampaign, now: datetime) -> Rule | None:
    """The rule that forbids every change to this campaign right now, if any."""
    cls = status_class(live.status)
    if cls is StatusClass.TERMINAL:
        return RULES_BY_ID["R-FINISHED"]
    if cls is StatusClass.PENDING:
        return RULES_BY_ID["R-PENDING"]
    if cls is StatusClass.UNKNOWN:
        return RULES_BY_ID["R-STATUS-UNKNOWN"]
    if phase(live, now) is Phase.ENDED:
        return RULES_BY_ID["R-ENDED"]
    return None


# --- checks -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Violation:
    """A change the rules forbid: which rule, which field, and what to do instead."""

    rule: Rule
    field: str
    instead: str


def check_create(spec: CampaignSpec, now: datetime) -> list[Violation]:
    if spec.schedule.start < today(now):
        return [
            Violation(
                RULES_BY_ID["R-START-PAST"],
                "schedule.start",
                f"set the start date to {today(now).isoformat()} or later",
            )
        ]
    return []


def check_schedule(live: LiveCampaign, desired: Schedule, now: datetime) -> list[Violation]:
    """Violations of changing ``live``'s schedule to ``desired`` (an active campaign)."""
    old = live.schedule
    out: list[Violation] = []
    if not has_started(old.start, now):
        if desired.start != old.start and desired.start < today(now):
            out.append(
                Violation(
                    RULES_BY_ID["R-START-PAST"],
                    "schedule.start",
                    f"set the start date to {today(now).isoformat()} or later",
                )
            )
        return out
    if desired.start != old.start:
        out.append(
            Violation(
                RULES_BY_ID["R-START-LOCKED"],
                "schedule.start",
                f"keep start {old.start.isoformat()}; to start over, create a new campaign "
                "under a new name",
            )
        )
    if desired.end != old.end and midnight(desired.end) < now + timedelta(hours=24):
        earliest = (now + timedelta(hours=24)).date()
        if midnight(earliest) < now + timedelta(hours=24):
            earliest += timedelta(days=1)
        out.append(
            Violation(
                RULES_BY_ID["R-END-MIN-24H"],
                "schedule.end",
                f"set the end date to {earliest.isoformat()} or later, or keep "
                f"{old.end.isoformat()}",
            )
        )
    for name in ("windows", "download_windows", "install_windows"):
        removed = set(getattr(old, name)) - set(getattr(desired, name))
        if removed:
            out.append(
                Violation(
                    RULES_BY_ID["R-WINDOW-NO-REMOVE"],
                    f"schedule.{name}",
                    "keep every existing window and only add new ones",
                )
            )
    for name in ("download_after", "install_after"):
        if getattr(old, name) != getattr(desired, name):
            value = getattr(old, name)
            out.append(
                Violation(
                    RULES_BY_ID["R-AFTER-DATE-LOCKED"],
                    f"schedule.{name}",
                    f"keep {value.isoformat() if value else 'null'}",
                )
            )
    return out


def is_upgraded(device_status: str) -> bool:
    return device_status.casefold() == "upgradesuccess"


def check_device_removal(
    live: LiveCampaign, spec: CampaignSpec, removed: frozenset[str]
) -> list[Violation]:
    """Violations of removing ``removed`` (non-empty) from an active, not-ended campaign."""
    if not spec.lifecycle.allow_device_removal:
        return [
            Violation(
                RULES_BY_ID["R-DEVICE-REMOVE-OPT-OUT"],
                "devices",
                "keep the devices in the spec, or set lifecycle.allowDeviceRemoval: true",
            )
        ]
    upgraded = upgraded_devices(live, removed)
    if upgraded:
        return [
            Violation(
                RULES_BY_ID["R-DEVICE-REMOVE-UPGRADED"],
                "devices",
                f"keep the {len(upgraded)} upgraded device(s) in the spec: "
                + ", ".join(upgraded[:3])
                + (" ..." if len(upgraded) > 3 else ""),
            )
        ]
    return []


def upgraded_devices(live: LiveCampaign, imeis: frozenset[str]) -> list[str]:
    statuses = live.devices
    return sorted(i for i in imeis if is_upgraded(statuses.get(i, "")))


def removal_step(live: LiveCampaign, allow_abort: bool, now: datetime) -> str | Violation:
    """How a live campaign can be taken down: ``cancel``, ``abort``, or why not."""
    rule = frozen_rule(live, now)
    if rule is not None:
        return Violation(rule, "status", frozen_instead(rule))
    if not has_started(live.schedule.start, now):
        return "cancel"
    if allow_abort:
        return "abort"
    return Violation(
        RULES_BY_ID["R-ABORT-OPT-IN"],
        "status",
        "set lifecycle.allowAbort: true to abort the running campaign, or leave it to run",
    )


END_SOON = timedelta(days=3)
"""How long before a running campaign's (safe) end the plan says it can still be extended."""


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


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


def frozen_instead(rule: Rule, live: LiveCampaign | None = None) -> str:
    """What to do instead when ``frozen_rule`` forbids every change (``live``: to name the
    instant an ended campaign stopped accepting an extension)."""
    if rule.id == "R-ENDED" and live is not None:
        ends = midnight(live.schedule.end)
        return (
            f"nothing can change after the end: the campaign counts as ended from "
            f"{_instant(ends)}, the start of its end date (the safe reading of 'before it "
            f"ends'), so the last instant an extension was possible was "
            f"{_instant(ends - timedelta(seconds=1))}; create a new campaign under a new name"
        )
    return {
        "R-FINISHED": "nothing can change; give the spec a new name for a new campaign",
        "R-ENDED": "nothing can change after the end; create a new campaign under a new name",
        "R-PENDING": "wait until the API reports the campaign queued, then plan again",
        "R-STATUS-UNKNOWN": "check the campaign in the ThingSpace portal; plan again later",
    }.get(rule.id, "")
