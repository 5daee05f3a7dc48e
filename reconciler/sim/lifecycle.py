"""The campaign lifecycle as the emulator enforces it: its own reading of ThingSpace's pages.

Deliberately independent of ``reconciler.rules`` (an import-linter contract forbids importing
it) so that running the planner against the emulator tests the planner, not a copy of itself.

Date semantics (docs/ARCHITECTURE.md): dates are UTC calendar days; a campaign has *started*
once ``now >= startDate 00:00Z`` and *ended* once ``now >= (endDate + 1 day) 00:00Z``; after the
start a changed end date must satisfy ``endDate 00:00Z >= now + 24h``.

Status: a created campaign reports ``CampaignRequestPending``; the first GET of it afterwards
reports ``CampaignRequestQueued`` (or ``CampaignRequestFailed`` if its async checks failed) and
the second ``CampaignScheduled``; independently it settles once the simulated clock is
``settle`` past its creation (so any clock advance settles it). Listings and reports observe
without stepping, so enumerating the eight statuses never loses nor duplicates a campaign. A
running campaign keeps reporting ``CampaignScheduled`` (the pages name no running status);
after its end it reports ``CampaignEnded``.

Where ThingSpace's pages and its SDK disagree: the wire follows the SDK
(``CampaignRequestQueued`` not the pages' ``CampaignQueued``; ``totalDevice`` an int;
``updatedTime`` not ``statusTime``; create at ``/campaigns/firmware/{acc}``); the rules take the
stricter side (firmware windows of at least 4 hours, from the "Schedule a Firmware Upgrade"
page). DELETE after the start aborts (the "Get Upgrade Information" page) rather than being
refused (SDK): the emulator must be able to show an abort, and the reconciler's own rules
decide whether to ask for one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta

from reconciler.sim.apierror import ApiError

Window = tuple[int, int]
MIN_FIRMWARE_WINDOW_HOURS = 4

PENDING = "CampaignRequestPending"
QUEUED = "CampaignRequestQueued"
REQUEST_FAILED = "CampaignRequestFailed"
SCHEDULED = "CampaignScheduled"
ENDED = "CampaignEnded"
CANCELLED = "CampaignCancelled"
ABORTED = "CampaignAborted"
FAILED = "CampaignFailed"
STATUSES = (PENDING, REQUEST_FAILED, QUEUED, CANCELLED, ABORTED, FAILED, SCHEDULED, ENDED)


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def start_instant(start: date) -> datetime:
    return midnight(start)


def end_instant(end: date) -> datetime:
    """The first instant after the (inclusive) end date."""
    return midnight(end + timedelta(days=1))


def started(start: date, now: datetime) -> bool:
    return now >= start_instant(start)


def ended(end: date, now: datetime) -> bool:
    return now >= end_instant(end)


def status(
    *,
    closed: str | None,
    failure: str | None,
    reads: int,
    created: datetime,
    end: date,
    now: datetime,
    settle: timedelta,
) -> str:
    """The status a campaign reports now (pure: every input is a parameter)."""
    if closed:
        return closed
    settled = reads >= 2 or now >= created + settle
    if not settled:
        if reads == 0:
            return PENDING
        return REQUEST_FAILED if failure else QUEUED
    if failure:
        return REQUEST_FAILED
    return ENDED if ended(end, now) else SCHEDULED


def parse_date(value: object, field: str) -> date:
    if not isinstance(value, str):
        raise ApiError("InvalidDate", f"{field} is required as a YYYY-MM-DD string")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ApiError("InvalidDate", f"{field} {value!r} is not a YYYY-MM-DD date") from exc


def parse_optional_date(value: object, field: str) -> date | None:
    return None if value is None or value == "" else parse_date(value, field)


def parse_windows(raw: object, field: str, *, min_hours: int) -> tuple[Window, ...]:
    """Validate and normalise a window list (sorted, de-duplicated)."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ApiError("InvalidTimeWindow", f"{field} must be a list of {{startTime, endTime}}")
    out: set[Window] = set()
    for item in raw:
        if not isinstance(item, dict):
            raise ApiError("InvalidTimeWindow", f"{field} items must be {{startTime, endTime}}")
        start, end = item.get("startTime"), item.get("endTime")
        if not isinstance(start, int) or isinstance(start, bool):
            raise ApiError("InvalidTimeWindow", f"{field}: startTime must be an integer hour")
        if not isinstance(end, int) or isinstance(end, bool):
            raise ApiError("InvalidTimeWindow", f"{field}: endTime must be an integer hour")
        if not 0 <= start <= 23:
            raise ApiError("InvalidTimeWindow", f"{field}: startTime {start} is not in 0..23")
        if not 1 <= end <= 24:
            raise ApiError("InvalidTimeWindow", f"{field}: endTime {end} is not in 1..24")
        if end <= start:
            raise ApiError(
                "InvalidTimeWindow", f"{field}: endTime {end} is not after startTime {start}"
            )
        if end - start < min_hours:
            raise ApiError(
                "TimeWindowTooShort",
                f"{field}: window {start}-{end} is shorter than {min_hours} hours "
                f"(endTime must be at least {min_hours} hours after startTime)",
            )
        out.add((start, end))
    return tuple(sorted(out))


def windows_to_api(items: Iterable[Window]) -> list[dict[str, int]]:
    return [{"startTime": s, "endTime": e} for s, e in items]


def check_create_dates(start: date, end: date) -> None:
    """Synchronous create checks. A start date in the past is an *async* failure instead."""
    if end < start:
        raise ApiError("EndDateBeforeStartDate", f"endDate {end} is before startDate {start}")


def async_failure_for_dates(start: date, now: datetime) -> str | None:
    if start < now.date():
        return f"startDate {start} is in the past (today is {now.date()} UTC)"
    return None


def check_modifiable(current_status: str, end: date, now: datetime, action: str) -> None:
    """Nothing changes a finished campaign: ended, cancelled, aborted or failed."""
    if current_status == ENDED or (current_status == SCHEDULED and ended(end, now)):
        raise ApiError(
            "CampaignEnded",
            f"cannot {action}: the campaign ended on {end} (its end date has passed)",
        )
    if current_status in (CANCELLED, ABORTED, FAILED, REQUEST_FAILED):
        raise ApiError(
            "CampaignNotModifiable", f"cannot {action}: the campaign is {current_status}"
        )


def check_dates_change(
    *,
    old_start: date,
    old_end: date,
    old_windows: Sequence[tuple[str, tuple[Window, ...]]],
    old_after: Sequence[tuple[str, date | None]],
    new_start: date,
    new_end: date,
    new_windows: Sequence[tuple[str, tuple[Window, ...]]],
    new_after: Sequence[tuple[str, date | None]],
    now: datetime,
) -> None:
    """The dates PUT rules (ThingSpace's "Change Campaign Dates and Time Windows" page), before
    and after the start.

    ``*_windows`` pair each window list's wire name with its windows; ``*_after`` likewise for
    the v2 after-dates. The caller has already checked the campaign is not finished.
    """
    if new_end < new_start:
        raise ApiError(
            "EndDateBeforeStartDate", f"endDate {new_end} is before startDate {new_start}"
        )
    if not started(old_start, now):
        if new_start < now.date():
            raise ApiError(
                "StartDateInPast",
                f"startDate {new_start} is in the past (today is {now.date()} UTC)",
            )
        return
    if new_start != old_start:
        raise ApiError(
            "CampaignAlreadyStarted",
            f"cannot change startDate from {old_start} to {new_start}: the campaign started "
            f"on {old_start}; after the start only the end date and added windows may change",
        )
    for (name, old), (_, new) in zip(old_after, new_after, strict=True):
        if old != new:
            raise ApiError(
                "CampaignAlreadyStarted",
                f"cannot change {name} from {old} to {new}: the campaign started on "
                f"{old_start}; after the start only the end date and added windows may change",
            )
    for (name, old_w), (_, new_w) in zip(old_windows, new_windows, strict=True):
        removed = sorted(set(old_w) - set(new_w))
        if removed:
            shown = ", ".join(f"{s}-{e}" for s, e in removed)
            raise ApiError(
                "TimeWindowRemovalNotAllowed",
                f"cannot remove {name} window(s) {shown}: the campaign started on {old_start}; "
                "after the start windows may only be added",
            )
    if new_end != old_end and midnight(new_end) < now + timedelta(hours=24):
        raise ApiError(
            "EndDateTooSoon",
            f"endDate {new_end} is earlier than 24 hours from now ({now.isoformat()}); "
            "after the start the end date must be at least 24 hours ahead",
        )
