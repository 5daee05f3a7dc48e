"""``rollout:`` (schema-checked) -> a ``Rollout``, plus the checks the schema cannot express:
the format version, unique wave names, ``rest`` last, percentages within 100, ``resume``
naming real waves. Every problem names its place (file:line:col) and the fix.
"""

from __future__ import annotations

from typing import Any

from reconciler.model import (
    ROLLOUT_API_VERSION,
    Gate,
    Kind,
    OnFailure,
    Rollout,
    Threshold,
    Wave,
    WaveSize,
)
from reconciler.specs.checker import Checker

_UNITS = {"m": 60, "h": 3600, "d": 86400}


def build_rollout(checker: Checker, kind: Kind | None) -> Rollout | None:
    """The spec's rollout (None without one); problems are reported on ``checker``."""
    data = checker.data.get("rollout")
    if data is None or not checker.usable(("rollout",)):
        return None
    before = len(checker.problems)
    if checker.data.get("apiVersion") != ROLLOUT_API_VERSION:
        checker.report(
            ("rollout",),
            f"rollout needs the spec format that has it: set 'apiVersion: {ROLLOUT_API_VERSION}'",
            key=True,
        )
    if "campaignId" in checker.data:
        checker.report(
            ("campaignId",),
            "campaignId cannot pin a rollout: each wave is its own campaign, found by its name; "
            "remove campaignId",
            key=True,
        )
    if kind is not Kind.FIRMWARE:
        return None  # the schema already said: FirmwareCampaign only
    default = _gate(checker, ("rollout", "gate"), data.get("gate") or {}, Gate())
    waves: list[Wave] = []
    seen: set[str] = set()
    items: list[Any] = data["waves"]
    for index, item in enumerate(items):
        name = str(item["name"])
        path = ("rollout", "waves", index)
        if name in seen:
            checker.report((*path, "name"), f"wave name {name!r} is used twice; rename one")
        seen.add(name)
        size, amount = _size(checker, (*path, "devices"), item["devices"])
        last = index == len(items) - 1
        if size is WaveSize.REST and not last:
            checker.report(
                (*path, "devices"), 'only the last wave may be "rest"; give this wave a size'
            )
        if last and size is not WaveSize.REST:
            checker.report(
                (*path, "devices"),
                'the last wave must be "rest" so every device is in a wave; write devices: rest',
            )
        gate = _gate(checker, (*path, "gate"), item.get("gate") or {}, default)
        waves.append(Wave(name, size, amount, gate))
    percents = sum(w.amount for w in waves if w.size is WaveSize.PERCENT)
    if percents > 100:
        checker.report(
            ("rollout", "waves"),
            f"the waves' percentages add up to {percents:g}%, more than 100%; lower them",
            key=True,
        )
    resume = data.get("resume") or []
    for index, name in enumerate(resume):
        if name not in seen:
            checker.report(
                ("rollout", "resume", index),
                f"resume names {name!r}, which is not a wave; use one of {', '.join(sorted(seen))}",
            )
    if len(checker.problems) != before:
        return None
    return Rollout(
        waves=tuple(waves),
        on_failure=OnFailure(data.get("onFailure", OnFailure.HALT.value)),
        resume=frozenset(resume),
    )


def _size(checker: Checker, path: tuple[str | int, ...], value: Any) -> tuple[WaveSize, float]:
    if isinstance(value, int):
        return WaveSize.COUNT, float(value)
    if value == "rest":
        return WaveSize.REST, 0.0
    percent = _percent(checker, path, value)
    if percent == 0:
        checker.report(path, "a wave of 0% has no devices; give it a size above 0% or remove it")
    return WaveSize.PERCENT, percent


def _percent(checker: Checker, path: tuple[str | int, ...], value: str) -> float:
    number = float(value.rstrip("%"))
    if number > 100:
        checker.report(path, f"{value} is more than 100%; write at most 100%")
    return number


def _threshold(checker: Checker, path: tuple[str | int, ...], value: Any) -> Threshold:
    if isinstance(value, int):
        return Threshold(float(value), False)
    return Threshold(_percent(checker, path, str(value)), True)


def _gate(checker: Checker, path: tuple[str | int, ...], data: dict[str, Any], base: Gate) -> Gate:
    """``data`` over ``base``: the parts given replace the base's."""
    soak = base.soak_seconds
    if "soak" in data:
        text = str(data["soak"])
        soak = int(text[:-1]) * _UNITS[text[-1]]
    return Gate(
        min_verified=_threshold(checker, (*path, "minVerified"), data["minVerified"])
        if "minVerified" in data
        else base.min_verified,
        max_failed=_threshold(checker, (*path, "maxFailed"), data["maxFailed"])
        if "maxFailed" in data
        else base.max_failed,
        min_sample=int(data.get("minSample", base.min_sample)),
        soak_seconds=soak,
    )
