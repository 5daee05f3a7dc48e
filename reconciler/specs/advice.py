"""Warnings about valid specs that are probably not what their author meant.

Why warnings and not errors: the API accepts these specs, and they do what they say. But once
a campaign starts its windows can never be removed (R-WINDOW-NO-REMOVE), so a messy window set
written today is permanent; the moment to tidy it is before the first apply. Each warning
names the place and the tidy version to write instead.

Pure: works on the parsed document (for positions) of a spec that built without problems.
"""

from __future__ import annotations

import itertools

from reconciler.errors import Problem
from reconciler.specs.yamlcore import Document

WINDOW_LISTS = ("windows", "downloadWindows", "installWindows")


def _shown(start: int, end: int) -> str:
    return f"{{start: {start}, end: {end}}}"


def spec_warnings(doc: Document, path: str) -> list[Problem]:
    """Overlapping or touching windows in each window list of the spec in ``doc``."""
    schedule = doc.data.get("schedule") if isinstance(doc.data, dict) else None
    if not isinstance(schedule, dict):
        return []
    out: list[Problem] = []
    for key in WINDOW_LISTS:
        items = schedule.get(key)
        if isinstance(items, list):
            out.extend(_window_warnings(doc, path, key, items))
    return out


def _window_warnings(doc: Document, path: str, key: str, items: list[object]) -> list[Problem]:
    indexed = sorted(
        (int(item["start"]), int(item["end"]), index)
        for index, item in enumerate(items)
        if isinstance(item, dict)
    )
    groups: list[list[tuple[int, int, int]]] = []
    for window in indexed:
        if groups and window[0] <= max(end for _s, end, _i in groups[-1]):
            groups[-1].append(window)
        else:
            groups.append([window])
    out: list[Problem] = []
    for group in groups:
        if len(group) < 2:
            continue
        merged = (group[0][0], max(end for _s, end, _i in group))
        listed = sorted(group, key=lambda w: w[2])
        later = listed[-1]
        mark = doc.mark(("schedule", key, later[2]))
        parts = " and ".join(f"schedule.{key}[{i}] {_shown(s, e)}" for s, e, i in listed)
        touching = all(a[1] == b[0] for a, b in itertools.pairwise(group)) and len(
            {(s, e) for s, e, _i in group}
        ) == len(group)
        relation = "touch" if touching else "overlap"
        out.append(
            Problem(
                path,
                mark.line,
                mark.col,
                f"{parts} {relation}: together they are one window, "
                f"{_shown(*merged)}; write that one instead (after the campaign starts, "
                "windows can be added but never removed, so this set would be permanent)",
            )
        )
    return out


def across_midnight(start: int, end: int, minimum: int) -> str:
    """The fix for a window written across midnight (``end < start``): the two windows that
    express it, each widened to ``minimum`` hours where it is shorter (firmware windows)."""
    evening = (start, 24)
    morning = (0, end)
    widened = False
    if 24 - start < minimum:
        evening, widened = (24 - minimum, 24), True
    if end < minimum:
        morning, widened = (0, minimum), True
    text = (
        f"a window across midnight is two windows: {_shown(start, 24)} and {_shown(0, end)}"
        if end > 0
        else f"a window up to midnight ends at 24: {_shown(start, 24)}"
    )
    if widened:
        if end > 0 and evening[0] <= morning[1]:  # widened, they meet: the whole day
            pair = f"{_shown(0, 24)}, the whole day"
        else:
            pair = f"{_shown(*evening)} and {_shown(*morning)}" if end > 0 else _shown(*evening)
        text += f"; each must be at least {minimum} hours, e.g. {pair}"
    return text
