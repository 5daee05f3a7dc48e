"""Pictures of a plan for the pull-request comment: a Mermaid Gantt chart and 24-hour strips.

People would rather look than read when dates move: the Gantt chart (GitHub renders a
```` ```mermaid ```` block in comments) draws each campaign the plan reschedules, creates or
replaces, its live schedule beside the desired one, with the day the plan was made marked.
A 24-hour strip per window list shows the campaign's windows by UTC hour and which of them
are locked (a started campaign's windows can be added to but never removed); for a refused
window removal the strip shows the live windows, which stay.

The schedules come from the plan alone, so the picture is what apply will send: the desired
schedule from the action's request body (decoded by ``thingspace.wire``), the live one from the
same body with the plan's ``before`` values put back. A campaign whose plan carries no schedule
(a take-down, a refusal) is not drawn. The chart is capped at ``GANTT_MAX`` campaigns; GitHub
also limits a diagram's size, and a chart of hundreds of bars is not read anyway.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from reconciler.lifecycle.statuses import Phase
from reconciler.model import Kind, Schedule, TimeWindow, Windows
from reconciler.plans.types import Action, ActionType, CampaignPlan, Plan
from reconciler.thingspace.wire import WireError, decode_schedule
from reconciler.views.fields import short_field

GANTT_MAX = 40
"""Campaigns drawn in one Gantt chart; the rest are counted under it."""

_UNSAFE = re.compile(r"[^A-Za-z0-9 ._/()+-]")
_WINDOW_LISTS = {
    Kind.FIRMWARE: ("windows",),
    Kind.SOFTWARE: ("download_windows", "install_windows"),
    Kind.UPGRADE: (),  # a v1 upgrade has no windows
}


@dataclass(frozen=True)
class Schedules:
    """A campaign's live and desired schedules as the plan carries them (either may be None)."""

    live: Schedule | None
    desired: Schedule | None


def _scheduling(c: CampaignPlan) -> tuple[Action | None, bool]:
    """The action carrying the full desired schedule, and whether it creates the campaign."""
    for action in c.actions:
        for step in (action, *action.steps):
            if step.type is ActionType.UPDATE_SCHEDULE:
                return step, False
            if step.type is ActionType.CREATE:
                return step, True
    return None, False


def _put_back(desired: Schedule, changes: dict[str, Any]) -> Schedule:
    """``desired`` with each changed schedule field's ``before`` value (JSON form) put back."""
    values: dict[str, Any] = {}
    for field, before in changes.items():
        attr = field.removeprefix("schedule.")
        if not hasattr(desired, attr):
            continue
        if isinstance(before, list):
            values[attr] = tuple(TimeWindow(w["start"], w["end"]) for w in before)
        elif isinstance(before, str):
            values[attr] = date.fromisoformat(before)
        else:
            values[attr] = before
    return replace(desired, **values)


def schedules(c: CampaignPlan) -> Schedules:
    """The live and desired schedules of ``c`` (None where the plan does not carry them)."""
    action, creates = _scheduling(c)
    if action is None or action.body is None:
        return Schedules(None, None)
    try:
        desired = decode_schedule(c.kind, action.body)
    except (WireError, KeyError, ValueError, TypeError):
        return Schedules(None, None)
    if creates:
        return Schedules(None, desired)
    before = {ch.field: ch.before for ch in action.changes if ch.field.startswith("schedule.")}
    try:
        live = _put_back(desired, before)
    except (KeyError, ValueError, TypeError):
        live = None
    return Schedules(live, desired)


def _label(text: str) -> str:
    """Text Mermaid's Gantt grammar reads as plain text (no ``:``, ``#``, ``;``)."""
    return _UNSAFE.sub("_", text).strip() or "_"


def _bar(name: str, tags: str, start: date, end: date) -> str:
    """One task line; the end date is inclusive, so the bar runs to the next day's start."""
    return f"    {name} :{tags}, {start.isoformat()}, {(end + timedelta(days=1)).isoformat()}"


def gantt(plan: Plan, limit: int = GANTT_MAX) -> str | None:
    """The Mermaid Gantt block of the campaigns the plan schedules (None if there are none)."""
    drawn = [(c, s) for c in plan.campaigns if (s := schedules(c)).desired is not None]
    if not drawn:
        return None
    today = plan.now.date()
    lines = [
        "```mermaid",
        "gantt",
        "    title Live schedule (grey) and desired schedule (blue), UTC days",
        "    dateFormat YYYY-MM-DD",
        "    axisFormat %m-%d",
        "    todayMarker off",
        "    section today",
        f"    plan made {today.strftime('%m-%d')} :milestone, crit, {today.isoformat()}, 0d",
    ]
    for c, s in drawn[:limit]:
        assert s.desired is not None
        lines.append(f"    section {_label(f'{c.account}/{c.name}')}")
        if s.live is not None:
            lines.append(_bar("live", "done", s.live.start, s.live.end))
        new = "desired (new)" if s.live is None else "desired"
        lines.append(_bar(new, "active", s.desired.start, s.desired.end))
    lines.append("```")
    more = len(drawn) - limit
    if more > 0:
        lines.append(f"\n{more} more rescheduled or new campaign(s) not drawn.")
    return "\n".join(lines) + "\n"


STRIP_LEGEND = "hours UTC: █ window, ▓ window locked (started: never removed), + added, x removed"
_RULER = "0     6     12    18"


def _hours(windows: tuple[TimeWindow, ...]) -> set[int]:
    return {h for w in windows for h in range(w.start, w.end)}


def strip(live: tuple[TimeWindow, ...], desired: tuple[TimeWindow, ...], locked: bool) -> str:
    """24 cells, one per UTC hour: what each hour is for the campaign after the plan."""
    was, will = _hours(live), _hours(desired)
    cells = []
    for hour in range(24):
        if hour in was and hour in will:
            cells.append("▓" if locked else "█")
        elif hour in will:
            cells.append("+")
        elif hour in was:
            cells.append("x")
        else:
            cells.append("·")
    return "".join(cells)


def _windows(value: Any) -> Windows:
    if not isinstance(value, list):
        return ()
    return tuple(TimeWindow(w["start"], w["end"]) for w in value if isinstance(w, dict))


def _refused_windows(c: CampaignPlan) -> dict[str, tuple[Windows, Windows]]:
    """The live window lists of refusals on windows (R-WINDOW-NO-REMOVE), as (live, live): the
    plan carries no schedule for a refused campaign, but the refusal carries the live list,
    and nothing about it changes: the strip shows the windows that stay, locked."""
    out: dict[str, tuple[Windows, Windows]] = {}
    for r in c.refusals:
        attr = r.field.removeprefix("schedule.")
        if attr in _WINDOW_LISTS[c.kind]:
            out[attr] = (_windows(r.live), _windows(r.live))
    return out


def strips(c: CampaignPlan) -> list[str]:
    """The campaign's 24-hour strips (one per window list), with a ruler; [] if not drawable."""
    s = schedules(c)
    locked = c.phase is Phase.RUNNING
    pairs: dict[str, tuple[Windows, Windows]] = {}
    if s.desired is not None:
        for attr in _WINDOW_LISTS[c.kind]:
            live = getattr(s.live, attr) if s.live is not None else ()
            pairs[attr] = (live, getattr(s.desired, attr))
    else:
        pairs = _refused_windows(c)
    out = []
    for attr, (live, desired) in pairs.items():
        if not desired and not live:
            continue
        name = short_field(f"schedule.{attr}", c.kind)
        out.append(f"{name:>16} {strip(live, desired, locked)}")
    if not out:
        return []
    return [f"{'':>16} {_RULER}", *out]
