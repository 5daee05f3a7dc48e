"""One line saying what a campaign's plan changes, for a collapsed section's ``<summary>``.

A reviewer scanning a pull-request comment reads ``end 03-20 -> 03-24, +2 devices`` without
expanding anything; the expanded section has the details. Fields are named as the spec writes
them (``reconciler.views.fields``), dates inside the plan's year are shortened to ``MM-DD``.
"""

from __future__ import annotations

import re
from typing import Any

from reconciler.model import Kind
from reconciler.plans.types import Action, ActionType, CampaignPlan, FieldChange, Outcome
from reconciler.views.fields import short_field
from reconciler.views.plan_parts import fmt

_DATE = re.compile(r"^(\d{4})-(\d{2}-\d{2})$")
_WINDOWED = ("windows", "Windows")


def _value(value: Any, year: int) -> str:
    text = fmt(value)
    match = _DATE.match(text)
    if match and int(match.group(1)) == year:
        return match.group(2)
    return text


def _windows(value: Any) -> set[str]:
    if not isinstance(value, list):
        return set()
    return {fmt([w]) for w in value}


def _change(change: FieldChange, kind: Kind, year: int) -> list[str]:
    name = short_field(change.field, kind)
    if name.endswith(_WINDOWED):
        before, after = _windows(change.before), _windows(change.after)
        singular = name[:-1]
        return [f"+{singular} {w}" for w in sorted(after - before)] + [
            f"-{singular} {w}" for w in sorted(before - after)
        ]
    return [f"{name} {_value(change.before, year)} -> {_value(change.after, year)}"]


def _devices(n: int) -> str:
    return f"{n} device" if n == 1 else f"{n} devices"


def _created(action: Action, kind: Kind, year: int) -> str:
    values = {c.field: c.after for c in action.changes}
    to = values.get("package.to_version")
    start, end = values.get("schedule.start"), values.get("schedule.end")
    parts = ["new"]
    if to is not None:
        start_version = values.get("package.from_version")
        came = f"{fmt(start_version)} -> " if start_version is not None else "to "
        parts.append(f"{kind.value} {came}{fmt(to)}")
    if start is not None and end is not None:
        parts.append(f"{_value(start, year)} to {_value(end, year)}")
    if isinstance(values.get("devices"), int):
        parts.append(_devices(values["devices"]))
    return ", ".join(parts)


def _action(action: Action, kind: Kind, year: int) -> list[str]:
    if action.type is ActionType.CREATE:
        return [_created(action, kind, year)]
    if action.type is ActionType.UPDATE_SCHEDULE:
        return [part for c in action.changes for part in _change(c, kind, year)]
    if action.type in (ActionType.ADD_DEVICES, ActionType.REMOVE_DEVICES):
        sign = "+" if action.type is ActionType.ADD_DEVICES else "-"
        counted = [c for c in action.changes if c.field == "devices"]
        if counted and isinstance(counted[0].before, int) and isinstance(counted[0].after, int):
            return [sign + _devices(abs(counted[0].after - counted[0].before))]
        return [f"{sign}devices"]
    if action.type is ActionType.CANCEL:
        return ["cancel (not started)"]
    if action.type is ActionType.ABORT:
        return ["abort (started: devices may be mid-upgrade)"]
    # replace: why (the immutable fields), then how it is taken down
    why = [part for c in action.changes for part in _change(c, kind, year)]
    how = [step.type.value for step in action.steps if step.type is not ActionType.CREATE]
    return [f"replace ({' then '.join([*how, 'create'])})", *why]


def what_changes(c: CampaignPlan, year: int) -> str:
    """``end 03-20 -> 03-24, +2 devices``; refusals and finished campaigns say so."""
    if c.refusals:
        first = c.refusals[0]
        more = f" and {len(c.refusals) - 1} more" if len(c.refusals) > 1 else ""
        field = short_field(first.field, c.kind)
        return (
            f"refused: {field} {_value(first.live, year)} -> {_value(first.desired, year)} "
            f"({first.rule}){more}"
        )
    parts = [part for action in c.actions for part in _action(action, c.kind, year)]
    if parts:
        return ", ".join(parts)
    if c.outcome is Outcome.FINISHED:
        return "finished: left alone"
    return "no changes"
