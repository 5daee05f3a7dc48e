"""The lifecycle's readings of the clock: when a campaign has started, ended, and its phase.

The SAFE readings, never laxer than the emulator's (see docs/RULES.md):

- a campaign has *started* at ``startDate 00:00Z`` (the earliest instant of its first day);
- a campaign has *ended* at ``endDate 00:00Z``: the end date is treated as the START of its UTC
  day, one day earlier than the emulator's ``(endDate + 1 day) 00:00Z``;
- window hours are UTC.

Pure: ``now`` is always a parameter.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from reconciler.lifecycle.statuses import Phase, StatusClass, is_ended, status_class
from reconciler.model import LiveCampaign


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
        return Phase.ENDED if is_ended(live.status) else Phase.FINISHED
    if cls is not StatusClass.ACTIVE:
        return Phase.PENDING
    if has_ended(live.schedule.end, now):
        return Phase.ENDED
    if has_started(live.schedule.start, now):
        return Phase.RUNNING
    return Phase.BEFORE_START
